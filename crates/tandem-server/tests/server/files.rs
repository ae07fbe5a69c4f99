//! Files both ways against the provider stand-ins: customers' media fetched from WhatsApp,
//! Telegram and Twilio (through the outbound guard) and served to agents with a safe type;
//! files agents upload sent by each provider's media API from a link the provider downloads;
//! widget visitors sending and opening files; limits, types, isolation and erasure.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use tandem_store::Backend;

use crate::harness::{self, ADMIN, TestServer, create_channel_inbox};
use crate::provider::{GRAPH_TOKEN, Provider, TELEGRAM_TOKEN, TWILIO_SID};

const APP_SECRET: &str = "test_app_secret_0123456789abcdef";
const PHONE_NUMBER_ID: &str = "200000000000002";
const TELEGRAM_SECRET: &str = "tg_Secret-Token_123";
/// The largest file these servers keep.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// A 1×1 PNG picture.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// The start of a JPEG, as WhatsApp's media download gives it.
const JPEG: &[u8] = &[
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0,
];

async fn spawn(provider: &Provider, backend: Backend) -> TestServer {
    TestServer::spawn_with(backend, |config| {
        provider.configure(config);
        config.max_file_bytes = MAX_FILE_BYTES;
    })
    .await
}

/// Sends `content` as a raw upload to `path` (bearer `token`), named `name`.
async fn upload(
    server: &TestServer,
    path: &str,
    token: &str,
    name: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    let url =
        url::Url::parse_with_params(&format!("{}{path}", server.base), [("name", name)]).unwrap();
    let answer = server
        .client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(content.to_vec())
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Opens a file with bearer `token`: the status, its headers and bytes.
async fn open(
    server: &TestServer,
    path: &str,
    token: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let answer = server
        .client
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let headers = answer.headers().clone();
    (status, headers, answer.bytes().await.unwrap().to_vec())
}

/// The conversation's messages once `done` holds for them (ten seconds at most).
async fn transcript_once(
    server: &TestServer,
    token: &str,
    conversation: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..200 {
        let (_, page) = server
            .get(
                &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
                token,
            )
            .await;
        let messages = page["data"].as_array().cloned().unwrap_or_default();
        if done(&messages) {
            return messages;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the transcript never got there");
}

/// The first attachment of the customer's messages, once it has a stored file or a reason.
async fn settled_attachment(server: &TestServer, token: &str, conversation: &str) -> Value {
    let settled = |message: &Value| {
        message["direction"] == "inbound"
            && (message["attachments"][0]["file_id"].is_string()
                || message["attachments"][0]["unavailable"].is_string())
    };
    let messages = transcript_once(server, token, conversation, |messages| {
        messages.iter().any(settled)
    })
    .await;
    messages.iter().find(|m| settled(m)).unwrap()["attachments"][0].clone()
}

/// The one conversation of the inbox `inbox`.
async fn conversation_of(server: &TestServer, token: &str, inbox: &str) -> String {
    for _ in 0..100 {
        let (_, list) = server
            .get(&format!("/api/v1/conversations?inbox_id={inbox}"), token)
            .await;
        if let Some(id) = list["data"][0]["id"].as_str() {
            return id.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no conversation in inbox {inbox}");
}

#[tokio::test]
async fn whatsapp_media_is_fetched_shown_safely_and_files_go_back_by_link() {
    for backend in tandem_store::testing::backends() {
        whatsapp_files_on(backend).await;
    }
}

async fn whatsapp_files_on(backend: Backend) {
    let provider = Provider::start().await;
    provider.serve_media("300000000000003", JPEG).await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let inbox = create_channel_inbox(
        &server,
        &admin,
        "whatsapp",
        json!({"phone_number_id": PHONE_NUMBER_ID, "access_token": GRAPH_TOKEN, "app_secret": APP_SECRET, "verify_token": "verify"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |body: Vec<u8>| {
        let signature = harness::meta_signature(APP_SECRET, &body);
        server
            .client
            .post(format!("{}/api/v1/channels/{inbox}/webhook", server.base))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
    };
    let photo = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/meta_whatsapp_image.body"),
    )
    .unwrap();
    assert_eq!(post(photo).await.unwrap().status(), StatusCode::OK);
    let conversation = conversation_of(&server, &admin, &inbox).await;

    // The photo is fetched from Graph with the inbox's token and kept as the customer's file.
    let attachment = settled_attachment(&server, &admin, &conversation).await;
    assert_eq!(attachment["kind"], "image", "{attachment}");
    assert_eq!(attachment["caption"], "Foto do produto com defeito");
    assert_eq!(attachment["mime_type"], "image/jpeg");
    assert_eq!(attachment["size_bytes"], JPEG.len());
    let file_id = attachment["file_id"].as_str().expect("stored").to_owned();
    let (status, headers, content) =
        open(&server, &format!("/api/v1/files/{file_id}"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content, JPEG);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (status, headers, _) = open(
        &server,
        &format!("/api/v1/files/{file_id}?download=true"),
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let (status, _, _) = open(&server, &format!("/api/v1/files/{file_id}"), "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Media the provider no longer has is marked unavailable with its reason, not retried.
    let gone = harness::whatsapp_webhook(
        "5511900000001",
        "wamid.GONE1",
        json!({"type": "image", "image": {"mime_type": "image/jpeg", "id": "999999"}}),
    );
    assert_eq!(post(gone).await.unwrap().status(), StatusCode::OK);
    let messages = transcript_once(&server, &admin, &conversation, |messages| {
        messages
            .iter()
            .any(|m| m["attachments"][0]["unavailable"].is_string())
    })
    .await;
    let unavailable = messages
        .iter()
        .find(|m| m["attachments"][0]["unavailable"].is_string())
        .unwrap();
    assert!(
        unavailable["attachments"][0]["unavailable"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{unavailable}"
    );

    // An agent sends a document: uploaded, then carried by a message, then sent by link.
    let files = format!("/api/v1/conversations/{conversation}/files");
    let (status, refused) = upload(
        &server,
        &files,
        &admin,
        "setup.exe",
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff",
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused}");
    assert_eq!(refused["error"]["code"], "file_type_not_allowed");
    let too_large = vec![b'a'; usize::try_from(MAX_FILE_BYTES).unwrap() + 1];
    let (status, refused) = upload(&server, &files, &admin, "big.txt", &too_large).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
    assert_eq!(refused["error"]["code"], "file_too_large");
    let (status, stored) = upload(&server, &files, &admin, "../boleto março.pdf", PDF).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["mime_type"], "application/pdf");
    assert_eq!(stored["kind"], "document");
    assert_eq!(stored["file_name"], "boleto março.pdf");
    let upload_id = stored["id"].as_str().unwrap().to_owned();
    let (status, sent) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
            json!({"text": "Segue a segunda via.", "file_id": upload_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(
        sent["message"]["attachments"][0]["file_id"],
        upload_id.as_str()
    );
    let requests = provider
        .sent_once(|sent| sent.iter().any(|s| s.body["type"] == "document"))
        .await;
    let document = requests
        .iter()
        .find(|s| s.body["type"] == "document")
        .unwrap();
    assert_eq!(document.body["document"]["caption"], "Segue a segunda via.");
    assert_eq!(document.body["document"]["filename"], "boleto março.pdf");
    assert_eq!(
        document.body["fetched"],
        json!({"status": 200, "content_type": "application/pdf", "bytes": PDF.len()}),
        "Meta downloads the file from the link it was given"
    );
    let (status, again) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
            json!({"text": "", "file_id": upload_id}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert_eq!(again["error"]["details"][0]["field"], "file_id");
    let link = document.body["document"]["link"].as_str().unwrap();
    let tampered = link.replace(&upload_id, &file_id);
    let answer = server.client.get(tampered).send().await.unwrap();
    assert_eq!(
        answer.status(),
        StatusCode::NOT_FOUND,
        "a link opens only the file it was made for"
    );

    // Erasing the customer removes their files and the content kept for them.
    let (_, shown) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &admin)
        .await;
    let contact = shown["contact_id"].as_str().unwrap().to_owned();
    let (status, body) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/{contact}"),
            Some(&admin),
            None,
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    for id in [&file_id, &upload_id] {
        let (status, _, _) = open(&server, &format!("/api/v1/files/{id}"), &admin).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let removed = server.app().sweep_files().await.unwrap();
    assert_eq!(removed, 0, "erasure removed the content itself");
}

#[tokio::test]
async fn telegram_and_twilio_media_are_fetched_and_files_sent_back() {
    for backend in tandem_store::testing::backends() {
        telegram_and_twilio_on(backend).await;
    }
}

async fn telegram_and_twilio_on(backend: Backend) {
    let provider = Provider::start().await;
    provider.serve_media("BQACAgEAAxkBAAIB", PDF).await;
    provider.serve_media("ME0123456789", PNG).await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let telegram = create_channel_inbox(
        &server,
        &admin,
        "telegram",
        json!({"bot_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = json!({"update_id": 900000010, "message": {"message_id": 77, "date": 1750000900,
        "from": {"id": 800000009, "is_bot": false, "first_name": "Cliente"},
        "chat": {"id": 800000009, "type": "private"},
        "caption": "meu comprovante",
        "document": {"file_id": "BQACAgEAAxkBAAIB", "file_unique_id": "u1", "file_name": "comprovante.pdf",
            "mime_type": "application/pdf", "file_size": PDF.len()}}});
    let answer = server
        .client
        .post(format!(
            "{}/api/v1/channels/{telegram}/webhook",
            server.base
        ))
        .header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let conversation = conversation_of(&server, &admin, &telegram).await;
    let attachment = settled_attachment(&server, &admin, &conversation).await;
    assert_eq!(attachment["kind"], "document", "{attachment}");
    assert_eq!(attachment["file_name"], "comprovante.pdf");
    let file_id = attachment["file_id"].as_str().expect("stored");
    let (status, headers, content) =
        open(&server, &format!("/api/v1/files/{file_id}"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content, PDF);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"comprovante.pdf\""),
        "a document is only ever downloaded"
    );

    let (_, stored) = upload(
        &server,
        &format!("/api/v1/conversations/{conversation}/files"),
        &admin,
        "pix.png",
        PNG,
    )
    .await;
    let (status, sent) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
            json!({"text": "Comprovante do estorno", "file_id": stored["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let requests = provider
        .sent_once(|sent| sent.iter().any(|s| s.path == "/sendPhoto"))
        .await;
    let photo = requests.iter().find(|s| s.path == "/sendPhoto").unwrap();
    assert_eq!(photo.body["caption"], "Comprovante do estorno");
    assert_eq!(photo.body["chat_id"], 800000009);
    assert_eq!(photo.body["fetched"]["bytes"], PNG.len());
    assert_eq!(photo.body["fetched"]["content_type"], "image/png");

    // Twilio: the MediaUrl needs the account's credentials and redirects to storage.
    let sms = server.twilio_sms_inbox(&admin).await;
    let media_url = format!(
        "https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages/MMTEST0000000000000000000000000001/Media/ME0123456789"
    );
    server
        .twilio_post(
            &format!("{}/api/v1/channels/{sms}/webhook", server.base),
            &[
                ("MessageSid", "MMTEST0000000000000000000000000001"),
                ("AccountSid", TWILIO_SID),
                ("From", "+5511900000002"),
                ("To", "+5511400000000"),
                ("Body", ""),
                ("NumMedia", "1"),
                ("MediaUrl0", &media_url),
                ("MediaContentType0", "image/png"),
            ],
        )
        .await;
    let conversation = conversation_of(&server, &admin, &sms).await;
    let attachment = settled_attachment(&server, &admin, &conversation).await;
    assert_eq!(attachment["mime_type"], "image/png", "{attachment}");
    let file_id = attachment["file_id"].as_str().expect("stored");
    let (_, _, content) = open(&server, &format!("/api/v1/files/{file_id}"), &admin).await;
    assert_eq!(content, PNG);
}

#[tokio::test]
async fn widget_visitors_send_and_open_only_their_own_files() {
    for backend in tandem_store::testing::backends() {
        widget_files_on(backend).await;
    }
}

async fn widget_files_on(backend: Backend) {
    let provider = Provider::start().await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    let web = inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|inbox| inbox["channel"] == "web")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let widget = format!("/api/v1/widget/{web}");
    let visitor = |server: &TestServer| {
        let widget = widget.clone();
        let client = server.client.clone();
        let base = server.base.clone();
        async move {
            let answer: Value = client
                .post(format!("{base}{widget}/visitors"))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["token"].as_str().unwrap().to_owned()
        }
    };
    let ana = visitor(&server).await;
    let other = visitor(&server).await;

    // A visitor's first act may be a file: it is theirs before they write anything.
    let (status, stored) = upload(
        &server,
        &format!("{widget}/files"),
        &ana,
        "extrato.pdf",
        PDF,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let file_id = stored["id"].as_str().unwrap().to_owned();
    let (status, _, _) = open(&server, &format!("{widget}/files/{file_id}"), &other).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another visitor cannot open it"
    );
    let (status, refused) = server
        .call(
            Method::POST,
            &format!("{widget}/messages"),
            Some(&other),
            Some(json!({"text": "", "file_id": file_id})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["details"][0]["field"], "file_id");
    let (status, message) = server
        .call(
            Method::POST,
            &format!("{widget}/messages"),
            Some(&ana),
            Some(json!({"text": "", "file_id": file_id, "client_id": "f-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    assert_eq!(message["files"][0]["id"], file_id.as_str());
    assert_eq!(message["files"][0]["file_name"], "extrato.pdf");
    let (status, _, content) = open(&server, &format!("{widget}/files/{file_id}"), &ana).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&content)
    );
    assert_eq!(content, PDF);

    // The agent sees it, and answers with a picture and a private note the visitor never sees.
    let (_, state) = server
        .call(
            Method::GET,
            &format!("{widget}/conversation"),
            Some(&ana),
            None,
        )
        .await;
    let conversation = state["conversation"]["id"].as_str().unwrap().to_owned();
    let (status, _, content) = open(&server, &format!("/api/v1/files/{file_id}"), &admin).await;
    assert_eq!((status, content.as_slice()), (StatusCode::OK, PDF));
    let files = format!("/api/v1/conversations/{conversation}/files");
    let (_, picture) = upload(&server, &files, &admin, "qr.png", PNG).await;
    let (_, note) = upload(&server, &files, &admin, "interno.png", PNG).await;
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
            json!({"text": "", "file_id": picture["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
            json!({"text": "print interno", "private": true, "file_id": note["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, state) = server
        .call(
            Method::GET,
            &format!("{widget}/conversation"),
            Some(&ana),
            None,
        )
        .await;
    let shown: Vec<&Value> = state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|message| message["files"].as_array().unwrap())
        .collect();
    assert_eq!(shown.len(), 2, "{state}");
    let picture_id = picture["id"].as_str().unwrap();
    assert_eq!(shown[1]["id"], picture_id);
    let (status, headers, content) =
        open(&server, &format!("{widget}/files/{picture_id}"), &ana).await;
    assert_eq!((status, content.as_slice()), (StatusCode::OK, PNG));
    assert_eq!(headers["content-type"], "image/png");
    let note_id = note["id"].as_str().unwrap();
    let (status, _, _) = open(&server, &format!("{widget}/files/{note_id}"), &ana).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a private note's file stays with the agents"
    );
}
