//! Hostile input at every door: provider messages without an id, over the length cap or with
//! control characters, channel tokens on provider inboxes, floods of widget visitors and
//! messages; and what every response and the data directory look like.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use tandem_domain::text::{MAX_MESSAGE_CHARS, TRUNCATION_MARK};
use tandem_store::Backend;

use crate::harness::{
    self, ADMIN, TestServer, channel_message, error_fields, fast_webhooks, on_every_backend,
};

const APP_SECRET: &str = "hostile_app_secret_0123456789abcdef";
const PHONE_NUMBER_ID: &str = "200000000000077";

/// A human-first WhatsApp inbox (no bot, so nothing is sent to Meta); returns its id.
async fn whatsapp_inbox(server: &TestServer, admin: &str) -> Value {
    let (status, body) = server
        .post(
            "/api/v1/inboxes",
            admin,
            json!({"name": "WhatsApp", "channel": "whatsapp", "channel_config": {
                "phone_number_id": PHONE_NUMBER_ID, "access_token": "EAAG-test",
                "app_secret": APP_SECRET, "verify_token": "verify-me"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Posts one signed WhatsApp text message; returns the webhook's status.
async fn whatsapp_text(server: &TestServer, inbox: &str, id: &str, text: &str) -> StatusCode {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5511400000000", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"wa_id": "5511900000077", "profile": {"name": "Cliente\u{0}Nulo"}}],
            "messages": [{"id": id, "from": "5511900000077", "timestamp": "1750000000",
                "type": "text", "text": {"body": text}}]}}]}]})
    .to_string()
    .into_bytes();
    server
        .client
        .post(format!("{}/api/v1/channels/{inbox}/webhook", server.base))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            harness::meta_signature(APP_SECRET, &body),
        )
        .body(body)
        .send()
        .await
        .expect("answer")
        .status()
}

/// Every customer message text of the account, in any conversation.
async fn customer_texts(server: &TestServer, admin: &str) -> Vec<String> {
    let (_, list) = server.get("/api/v1/conversations?limit=100", admin).await;
    let mut texts = Vec::new();
    for conversation in list["data"].as_array().unwrap() {
        let id = conversation["id"].as_str().unwrap();
        let (_, page) = server
            .get(
                &format!("/api/v1/conversations/{id}/messages?limit=100"),
                admin,
            )
            .await;
        texts.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|message| message["direction"] == "inbound")
                .map(|message| message["text"].as_str().unwrap().to_owned()),
        );
    }
    texts
}

async fn provider_messages_are_checked_like_the_api_channels_on(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(server, &admin).await;
    let inbox = inbox["id"].as_str().unwrap();

    // A message without an id is acknowledged (Meta would retry a refusal forever) but not
    // stored: stored under "", it would make every later blank-id message a duplicate.
    for text in ["sem id 1", "sem id 2"] {
        assert_eq!(
            whatsapp_text(server, inbox, "", text).await,
            StatusCode::OK,
            "{backend:?}"
        );
    }
    let texts = customer_texts(server, &admin).await;
    assert!(
        !texts.iter().any(|text| text.starts_with("sem id")),
        "{backend:?}: {texts:?}"
    );

    // Over the cap and with control characters: stored cleaned, cut and marked.
    let long = format!("início\u{0}\u{1b}[2J{}", "x".repeat(70_000));
    assert_eq!(
        whatsapp_text(server, inbox, "wamid.LONG", &long).await,
        StatusCode::OK,
        "{backend:?}"
    );
    let texts = customer_texts(server, &admin).await;
    let stored = texts
        .iter()
        .find(|text| text.starts_with("início"))
        .unwrap_or_else(|| panic!("{backend:?}: the long message was stored"));
    assert!(stored.starts_with("início[2Jxxx"), "{backend:?}");
    assert_eq!(stored.chars().count(), MAX_MESSAGE_CHARS, "{backend:?}");
    assert!(stored.ends_with(TRUNCATION_MARK), "{backend:?}");
    let (_, contacts) = server.get("/api/v1/contacts?limit=100", &admin).await;
    assert!(
        contacts["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|contact| contact["name"] == "ClienteNulo"),
        "{backend:?}: {contacts}"
    );

    // The API channel: the same cleaning, and a refusal past the cap (the caller can fix it).
    let (status, body) = server
        .inbound("+5511988887777", "oi\u{0}, tudo\u{7} bem?", "api-nul")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{backend:?}: {body}");
    assert_eq!(body["message"]["text"], "oi, tudo bem?", "{backend:?}");
    let (status, body) = server
        .inbound(
            "+5511988887777",
            &"y".repeat(MAX_MESSAGE_CHARS + 1),
            "api-long",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["text"], "{body}");
    let (status, body) = server
        .inbound("+5511988887777", "\u{0}\u{0}", "api-only-nul")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["text"], "{body}");
    let (status, body) = server.inbound("+5511988887777", "oi", "\u{0}").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["external_id"], "{body}");
    let mut with_bad_identity = channel_message("+5511988887777", "oi", "api-id");
    with_bad_identity["contact"]["identity"] = json!({"kind": "email", "value": "a\u{0}@b.com"});
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            &server.inbox_token,
            with_bad_identity,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["contact.identity.value"], "{body}");
}

#[tokio::test]
async fn provider_messages_are_checked_like_the_api_channels() {
    on_every_backend!(provider_messages_are_checked_like_the_api_channels_on);
}

async fn only_api_inboxes_have_channel_tokens_on(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let created = whatsapp_inbox(server, &admin).await;
    assert!(created.get("api_token").is_none(), "{created}");
    let inbox = created["id"].as_str().unwrap();
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/v1/inboxes/{inbox}/token"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_an_api_inbox");

    // A token a provider inbox was given by an earlier version authenticates nothing.
    let old_token = "tdm_i_issued_before_only_api_inboxes_had_one";
    let (user, _) = server
        .app()
        .store()
        .credentials(ADMIN, None, 1)
        .await
        .unwrap()
        .pop()
        .expect("the admin");
    server
        .app()
        .store()
        .update_inbox(
            user.account_id,
            tandem_domain::id::InboxId(inbox.parse().unwrap()),
            &tandem_store::InboxPatch {
                api_token_hash: Some(tandem_app::secret::token_hash(old_token)),
                ..Default::default()
            },
            &tandem_store::NewAuditEntry {
                actor: tandem_store::AuditActor::default(),
                action: "inbox.token_rotated".into(),
                subject_kind: "inbox".into(),
                subject_id: None,
                before: None,
                after: None,
            },
            server.app().now(),
        )
        .await
        .unwrap();
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            old_token,
            channel_message("+5511988887777", "sem assinatura", "forged-1"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let (status, body) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "App", "channel": "api"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["api_token"].as_str().unwrap().starts_with("tdm_i_"));
}

#[tokio::test]
async fn only_api_inboxes_have_channel_tokens() {
    on_every_backend!(only_api_inboxes_have_channel_tokens_on);
}

/// The demo's web inbox id.
async fn web_inbox(server: &TestServer) -> String {
    let admin = server.login(ADMIN).await;
    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|inbox| inbox["channel"] == "web")
        .expect("the demo has a web inbox")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `POST /visitors` with `body`; the status, `Retry-After` and body.
async fn start_visitor(
    server: &TestServer,
    inbox: &str,
    body: Value,
) -> (StatusCode, Option<String>, Value) {
    let response = server
        .client
        .post(format!("{}/api/v1/widget/{inbox}/visitors", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, retry_after, response.json().await.unwrap())
}

#[tokio::test]
async fn widget_visitors_and_messages_are_rate_limited() {
    let server = TestServer::spawn_with(Backend::Sqlite, |config| {
        config.widget_new_visitors_per_minute = 2;
        config.widget_messages_per_minute = 2;
    })
    .await;
    let inbox = web_inbox(&server).await;
    let (status, _, first) = start_visitor(&server, &inbox, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, _, _) = start_visitor(&server, &inbox, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, retry_after, body) = start_visitor(&server, &inbox, json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=30).contains(&seconds), "{seconds}");
    let (status, _, kept) = start_visitor(&server, &inbox, json!({"token": first["token"]})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a returning visitor is not new: {kept}"
    );

    let token = first["token"].as_str().unwrap();
    let messages = format!("/api/v1/widget/{inbox}/messages");
    for text in ["um", "dois"] {
        let (status, body) = server
            .call(
                Method::POST,
                &messages,
                Some(token),
                Some(json!({"text": text})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = server
        .call(
            Method::POST,
            &messages,
            Some(token),
            Some(json!({"text": "três"})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    server.stop().await;
}

/// The headers every response must carry.
fn assert_security_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::spawn(Backend::Sqlite).await;
    let admin = server.login(ADMIN).await;
    let requests = [
        (Method::GET, "/app/", None),
        (Method::GET, "/widget.js", None),
        (Method::GET, "/demo", None),
        (Method::GET, "/healthz", None),
        (Method::GET, "/api/v1/conversations", Some(admin.as_str())),
        (Method::GET, "/api/v1/conversations", None),
        (Method::GET, "/api/v1/no-such-route", None),
        (Method::DELETE, "/healthz", None),
        (
            Method::POST,
            "/api/v1/channel/messages",
            Some("tdm_i_wrong"),
        ),
    ];
    for (method, path, token) in requests {
        let mut request = server
            .client
            .request(method.clone(), format!("{}{path}", server.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let what = format!("{method} {path} ({})", response.status());
        assert_security_headers(&response, &what);
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "no HSTS over plain HTTP: {what}"
        );
    }
    let page = server
        .client
        .get(format!("{}/app/", server.base))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    server.stop().await;

    let https = TestServer::spawn_with(Backend::Sqlite, |config| {
        config.public_url = Some("https://tandem.example.com".into());
    })
    .await;
    let response = https
        .client
        .get(format!("{}/api/v1/no-such-route", https.base))
        .send()
        .await
        .unwrap();
    assert_security_headers(&response, "404 over HTTPS");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    https.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let temporary = tempfile::tempdir().unwrap();
    let data_dir = temporary.path().join("nested").join("data");
    let config = tandem_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.clone(),
        demo_password: Some(tandem_server::config::Secret::new(harness::PASSWORD)),
        ..tandem_server::Config::default()
    };
    let server = tandem_server::start(&config, fast_webhooks())
        .await
        .expect("the server starts");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700);
    for name in ["tandem.db", "tandem.db-wal", "tandem.db-shm", "secret.key"] {
        let path = data_dir.join(name);
        if name == "tandem.db" || path.exists() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    server.shutdown().await.unwrap();

    // An older installation's open modes are narrowed at the next start.
    for path in [data_dir.clone(), data_dir.join("tandem.db")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let server = tandem_server::start(&config, fast_webhooks())
        .await
        .expect("the server starts again");
    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&data_dir.join("tandem.db")), 0o600);
    server.shutdown().await.unwrap();
}
