//! Personal data through the real server: card numbers masked on intake on every channel path
//! (and so in the API, the database files and everything built from them), the handover
//! context with one mask per value and nothing in clear, a contact's export (admins only) and
//! an erasure that leaves no row and no byte, both in the audit log.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN, ANA, TestServer, channel_message, create_channel_inbox, on_every_backend,
};

const CARD: &str = "4111 1111 1111 1111";
const MASKED_CARD: &str = "**** **** **** 1111";

/// Every byte of the server's SQLite database file and write-ahead log (empty on PostgreSQL).
fn database_bytes(server: &TestServer) -> Vec<u8> {
    let Some(path) = server.sqlite_path() else {
        return Vec::new();
    };
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

async fn texts_of(server: &TestServer, token: &str, conversation: &str) -> Vec<String> {
    let (status, page) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn cards_are_masked_on_intake(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    // The API channel: the answer, the transcript and the files hold only the mask.
    let (status, body) = server
        .inbound(
            "+5511933334444",
            &format!("meu cartão {CARD} venc 12/30 cvv 123 foi cobrado duas vezes"),
            "privacy-card-1",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let expected = format!("meu cartão {MASKED_CARD} venc 12/30 cvv *** foi cobrado duas vezes");
    assert_eq!(body["message"]["text"], expected.as_str(), "{body}");
    let conversation = body["conversation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(texts_of(server, &admin, &conversation).await, [expected]);

    // A provider channel: Telegram's documented update carries a card number.
    let inbox = create_channel_inbox(
        server,
        &admin,
        "telegram",
        json!({"bot_token": "123456:privacy-test-token", "secret_token": "privacy_secret_1"}),
    )
    .await;
    let update = std::fs::read_to_string("../../../shared/fixtures/telegram_update_text.json")
        .or_else(|_| std::fs::read_to_string("/work/shared/fixtures/telegram_update_text.json"))
        .unwrap();
    assert!(update.contains(CARD), "the fixture carries a card");
    let response = server
        .client
        .post(format!(
            "{}/api/v1/channels/{}/webhook",
            server.base,
            inbox["id"].as_str().unwrap()
        ))
        .header("content-type", "application/json")
        .header("x-telegram-bot-api-secret-token", "privacy_secret_1")
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let list = server
        .eventually("/api/v1/conversations?limit=50", &admin, |page| {
            page["data"].as_array().is_some_and(|all| all.len() >= 2)
        })
        .await;
    for conversation in list["data"].as_array().unwrap() {
        let id = conversation["id"].as_str().unwrap();
        for text in texts_of(server, &admin, id).await {
            assert!(!text.contains(CARD), "{text}");
        }
    }
    let telegram = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["inbox_id"] == inbox["id"])
        .expect("the telegram conversation");
    let texts = texts_of(server, &admin, telegram["id"].as_str().unwrap()).await;
    assert!(
        texts[0].contains(&format!("meu cartão {MASKED_CARD} foi cobrado")),
        "{texts:?}"
    );
    let bytes = database_bytes(server);
    assert!(
        !holds(&bytes, CARD),
        "a card number is in the database files"
    );
    assert!(!holds(&bytes, "4111111111111111"));
    if server.sqlite_path().is_some() {
        assert!(holds(&bytes, MASKED_CARD), "the probe reads the real files");
    }
}

#[tokio::test]
async fn card_numbers_are_masked_on_intake_on_every_channel_path() {
    on_every_backend!(cards_are_masked_on_intake);
}

async fn handover_context_masks_each_value_once(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "Aurora privacy", "channel": "api", "first_responder": "bot"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let token = inbox["api_token"].as_str().unwrap().to_owned();
    let phone = "+5511955556666";
    let mut conversation = String::new();
    for (n, text) in [
        format!("meu cpf é 123.456.789-09 e meu cartão {CARD} foi clonado"),
        "quero falar com um atendente agora".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        let (status, body) = server
            .post(
                "/api/v1/channel/messages",
                &token,
                channel_message(phone, text, &format!("privacy-handover-{n}")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        conversation = body["conversation"]["id"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let path = format!("/api/v1/conversations/{conversation}/handover_context");
    let mut context = Value::Null;
    for _ in 0..400 {
        let (status, body) = server.get(&path, &admin).await;
        if status == StatusCode::OK && body["reason"].is_string() {
            context = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(context.is_object(), "no handover context");
    let text = context.to_string();
    for clear in [
        CARD,
        "4111111111111111",
        "123.456.789-09",
        "12345678909",
        phone,
        "955556666",
    ] {
        assert!(!text.contains(clear), "{clear} in clear: {text}");
    }
    // One mask per kind, the same everywhere it appears.
    assert!(text.contains("***.***.***-09"), "{text}");
    for other in ["***.***.***-**", "*********09", "***.***.***-9"] {
        assert!(
            !text.contains(other) || other == "***.***.***-09",
            "{other}: {text}"
        );
    }
    let identities = context["contact"]["identities"].as_array().unwrap();
    assert_eq!(identities[0]["value"], "****-6666", "{context}");
    let suggestion = context["suggested_first_reply"].as_str().unwrap();
    assert!(!suggestion.contains(CARD), "{suggestion}");
}

#[tokio::test]
async fn the_handover_context_shows_each_personal_value_masked_once() {
    on_every_backend!(handover_context_masks_each_value_once);
}

async fn export_and_erase(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let marker = "okapi-marker-91c2 quero encerrar a conta";
    let (status, body) = server
        .inbound("+5511977778888", marker, "privacy-erase-1")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, kept) = server
        .inbound(
            "+5511977770000",
            "another customer stays",
            "privacy-erase-2",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{kept}");
    let conversation = body["conversation"]["id"].as_str().unwrap();
    let (_, conversation) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &admin)
        .await;
    let contact = conversation["contact_id"]
        .as_str()
        .or_else(|| conversation["contact"]["id"].as_str())
        .unwrap()
        .to_owned();
    let export_path = format!("/api/v1/contacts/{contact}/export");

    let (status, body) = server.get(&export_path, &ana).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, export) = server.get(&export_path, &admin).await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["tables"]["messages"][0]["text"], marker, "{export}");
    assert_eq!(
        export["tables"]["contact_identities"][0]["value"],
        "+5511977778888"
    );
    assert!(!export["tables"]["events"].as_array().unwrap().is_empty());
    assert!(!export.to_string().contains("another customer"));

    let (status, body) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/{contact}"),
            Some(&ana),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/{contact}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = server
        .get(&format!("/api/v1/contacts/{contact}"), &admin)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.get(&export_path, &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, log) = server.get("/api/v1/audit-log", &admin).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let entries = log["data"].as_array().or(log.as_array()).unwrap().clone();
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"contact.erased"), "{log}");
    assert!(actions.contains(&"contact.exported"), "{log}");
    assert!(!log.to_string().contains("okapi"), "{log}");

    let bytes = database_bytes(server);
    assert!(
        !holds(&bytes, "okapi-marker-91c2"),
        "the erased text is in the files"
    );
    if server.sqlite_path().is_some() {
        assert!(
            holds(&bytes, "another customer stays"),
            "the probe reads the real files"
        );
    }
}

#[tokio::test]
async fn an_admin_exports_and_erases_a_contact_and_nothing_is_left() {
    on_every_backend!(export_and_erase);
}
