//! A stand-in for the providers' send APIs (Meta Graph, Telegram Bot API, Twilio REST): it checks
//! each request the way the provider does (path, credentials, body shape), answers with the
//! provider's documented responses, records what it accepted, and can fail the first sends.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Credentials the stand-in accepts.
pub const GRAPH_TOKEN: &str = "EAAG-test-token";
pub const TELEGRAM_TOKEN: &str = "123456:ABC-test_token";
pub const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_TOKEN: &str = "twilio-auth-token-0001";

/// One request the stand-in accepted.
#[derive(Clone, Debug)]
pub struct Sent {
    /// `graph`, `telegram` or `twilio`.
    pub api: &'static str,
    pub path: String,
    /// JSON bodies as they came; form bodies as an object of their fields.
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    sent: Mutex<Vec<Sent>>,
    /// Sends still to answer 503 before accepting.
    fail_next: AtomicUsize,
    /// Attempts seen, failed ones included.
    attempts: AtomicUsize,
    /// Answer every send with this permanent refusal (status, body) instead.
    refuse: Mutex<Option<(u16, Value)>>,
    /// The webhooks registered with Telegram's setWebhook, as sent.
    webhooks: Mutex<Vec<Value>>,
    /// Customers' media the stand-in serves, by media id (WhatsApp, Telegram, Twilio).
    media: Mutex<HashMap<String, Vec<u8>>>,
    /// The stand-in's own address, for the media URLs it gives.
    base: std::sync::OnceLock<String>,
}

/// The running stand-in.
#[derive(Clone)]
pub struct Provider {
    pub base: String,
    shared: Arc<Shared>,
}

impl Provider {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    /// Starts on a given address (to come back on the port a server already knows).
    pub async fn start_on(addr: &str) -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/v21.0/{sender}/messages", post(graph))
            .route("/v21.0/{media_id}", get(graph_media))
            .route("/whatsapp-media/{media_id}", get(whatsapp_download))
            .route("/{bot}/sendMessage", post(telegram))
            .route("/{bot}/sendPhoto", post(telegram_file))
            .route("/{bot}/sendDocument", post(telegram_file))
            .route("/{bot}/getFile", get(telegram_get_file))
            .route("/file/{bot}/documents/{file_id}", get(telegram_download))
            .route(
                "/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media_id}",
                get(twilio_media),
            )
            .route(
                "/2010-04-01/Accounts/{sid}/Recordings/{recording}",
                get(twilio_recording),
            )
            .route("/twilio-storage/{media_id}", get(twilio_storage))
            .route("/{bot}/getMe", get(telegram_me))
            .route("/{bot}/setWebhook", post(telegram_set_webhook))
            .route("/2010-04-01/Accounts/{account}", get(twilio_account))
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        shared.base.set(base.clone()).expect("set once");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, shared }
    }

    /// The Graph API base to configure (`meta_graph_url`).
    pub fn graph_url(&self) -> String {
        format!("{}/v21.0", self.base)
    }

    /// Points a server's provider APIs (Meta Graph, Telegram Bot API, Twilio) at this
    /// stand-in, and allows the server to call its loopback address.
    pub fn configure(&self, config: &mut tandem_server::Config) {
        config.meta_graph_url = self.graph_url();
        config.telegram_api_url.clone_from(&self.base);
        config.twilio_api_url.clone_from(&self.base);
        config.outbound_allow.push(self.address());
    }

    /// The stand-in's `address:port`, as an allow-list entry.
    pub fn address(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    /// Serves `content` as the customer media `media_id` (a WhatsApp media id, a Telegram
    /// file id, or the last segment of a Twilio `MediaUrl`).
    pub async fn serve_media(&self, media_id: &str, content: &[u8]) {
        self.shared
            .media
            .lock()
            .await
            .insert(media_id.to_owned(), content.to_vec());
    }

    /// Makes the next `n` sends fail with 503.
    pub fn fail_next(&self, n: usize) {
        self.shared.fail_next.store(n, Ordering::SeqCst);
    }

    /// Makes every send fail for good with this answer.
    pub async fn refuse_with(&self, status: u16, body: Value) {
        *self.shared.refuse.lock().await = Some((status, body));
    }

    /// The setWebhook calls Telegram accepted, their bodies as sent.
    pub async fn registered_webhooks(&self) -> Vec<Value> {
        self.shared.webhooks.lock().await.clone()
    }

    pub fn attempts(&self) -> usize {
        self.shared.attempts.load(Ordering::SeqCst)
    }

    pub async fn sent(&self) -> Vec<Sent> {
        self.shared.sent.lock().await.clone()
    }

    /// The accepted requests once `done` holds for them (ten seconds at most).
    pub async fn sent_once(&self, done: impl Fn(&[Sent]) -> bool) -> Vec<Sent> {
        for _ in 0..200 {
            let sent = self.sent().await;
            if done(&sent) {
                return sent;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "the provider never received the expected requests: {:?}",
            self.sent().await
        );
    }
}

/// The first of the gates every send passes: a forced failure or refusal, else `None`.
async fn gate(shared: &Shared) -> Option<Response> {
    shared.attempts.fetch_add(1, Ordering::SeqCst);
    if let Some((status, body)) = shared.refuse.lock().await.clone() {
        let status = StatusCode::from_u16(status).expect("status");
        return Some((status, axum::Json(body)).into_response());
    }
    let failing = shared
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    failing.then(|| (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response())
}

async fn graph(
    State(shared): State<Arc<Shared>>,
    Path(sender): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {GRAPH_TOKEN}"))
    {
        let error = json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}});
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    if let Some(response) = gate(&shared).await {
        return response;
    }
    let body = with_fetched_link(body).await;
    let mut sent = shared.sent.lock().await;
    let n = sent.len();
    let answer = if body["messaging_product"] == "whatsapp" {
        if body["to"]
            .as_str()
            .is_none_or(|to| !to.chars().all(|c| c.is_ascii_digit()))
        {
            return (StatusCode::BAD_REQUEST, "bad to").into_response();
        }
        json!({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
               "messages": [{"id": format!("wamid.SENT{n}")}]})
    } else if body["recipient"]["id"].is_string() && body["message"].is_object() {
        json!({"recipient_id": body["recipient"]["id"], "message_id": format!("m_SENT{n}")})
    } else {
        return (StatusCode::BAD_REQUEST, "unknown shape").into_response();
    };
    sent.push(Sent {
        api: "graph",
        path: format!("/v21.0/{sender}/messages"),
        body,
    });
    axum::Json(answer).into_response()
}

/// The Bot API's answer to a token it does not know (the `bot{token}` path segment).
fn telegram_refuses(bot: &str) -> Option<Response> {
    (bot != format!("bot{TELEGRAM_TOKEN}")).then(|| {
        let error = json!({"ok": false, "error_code": 401, "description": "Unauthorized"});
        (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response()
    })
}

/// getMe: who the bot is, for the token in the path.
async fn telegram_me(Path(bot): Path<String>) -> Response {
    if let Some(refused) = telegram_refuses(&bot) {
        return refused;
    }
    axum::Json(json!({"ok": true, "result": {"id": 123_456, "is_bot": true,
        "first_name": "Aurora", "username": "aurora_banco_bot"}}))
    .into_response()
}

/// setWebhook: an https address is required, as Telegram requires it.
async fn telegram_set_webhook(
    State(shared): State<Arc<Shared>>,
    Path(bot): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(refused) = telegram_refuses(&bot) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !body["url"]
        .as_str()
        .is_some_and(|url| url.starts_with("https://"))
    {
        let error = json!({"ok": false, "error_code": 400,
            "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook"});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    }
    shared.webhooks.lock().await.push(body);
    axum::Json(json!({"ok": true, "result": true, "description": "Webhook was set"}))
        .into_response()
}

/// `GET /2010-04-01/Accounts/{sid}.json` under Basic auth: the account's name.
async fn twilio_account(Path(account): Path<String>, headers: HeaderMap) -> Response {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}"));
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Basic {expected}"));
    if !authorized || account != format!("{TWILIO_SID}.json") {
        let error = json!({"code": 20003, "message": "Authenticate", "status": 401});
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    axum::Json(json!({"sid": TWILIO_SID, "friendly_name": "Banco Aurora", "status": "active"}))
        .into_response()
}

async fn telegram(
    State(shared): State<Arc<Shared>>,
    Path(bot): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(refused) = telegram_refuses(&bot) {
        return refused;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    if body["chat_id"].is_null() || !body["text"].is_string() {
        let error = json!({"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    }
    if let Some(response) = gate(&shared).await {
        return response;
    }
    let mut sent = shared.sent.lock().await;
    let n = sent.len();
    let answer = json!({"ok": true, "result": {"message_id": 1000 + n, "chat": {"id": body["chat_id"], "type": "private"}, "date": 1750000900, "text": body["text"]}});
    sent.push(Sent {
        api: "telegram",
        path: "/sendMessage".into(),
        body,
    });
    axum::Json(answer).into_response()
}

async fn twilio(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}"))
    );
    if sid != TWILIO_SID
        || headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&expected)
    {
        let error = json!({"code": 20003, "message": "Authenticate", "status": 401});
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    let form: serde_json::Map<String, Value> = form_urlencoded::parse(&body)
        .map(|(key, value)| (key.into_owned(), Value::String(value.into_owned())))
        .collect();
    if !form.contains_key("To") || !form.contains_key("From") || !form.contains_key("Body") {
        let error =
            json!({"code": 21604, "message": "A 'To' phone number is required.", "status": 400});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    }
    if let Some(response) = gate(&shared).await {
        return response;
    }
    let form = match with_fetched_link(Value::Object(form)).await {
        Value::Object(form) => form,
        _ => unreachable!("an object stays an object"),
    };
    let mut sent = shared.sent.lock().await;
    let n = sent.len();
    let answer = json!({"sid": format!("SM{n:032}"), "status": "queued", "to": form["To"], "from": form["From"], "body": form["Body"]});
    sent.push(Sent {
        api: "twilio",
        path: format!("/2010-04-01/Accounts/{sid}/Messages.json"),
        body: Value::Object(form),
    });
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

/// A send naming a file by link, with what the provider got when it downloaded the link (as
/// Meta, Telegram and Twilio do): `fetched` holds the status, type and length.
async fn with_fetched_link(mut body: Value) -> Value {
    let link = ["image", "document", "audio", "video"]
        .iter()
        .find_map(|kind| body[kind]["link"].as_str())
        .or_else(|| body["message"]["attachment"]["payload"]["url"].as_str())
        .or_else(|| body["photo"].as_str())
        .or_else(|| body["document"].as_str())
        .or_else(|| body["MediaUrl"].as_str())
        .map(str::to_owned);
    if let Some(link) = link {
        let answer = reqwest::get(&link).await.expect("the file link answers");
        let status = answer.status().as_u16();
        let content_type = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = answer.bytes().await.expect("the file downloads");
        body["fetched"] =
            json!({"status": status, "content_type": content_type, "bytes": bytes.len()});
    }
    body
}

/// `GET /{media_id}` on the Graph API: where a WhatsApp media is, for the business's token.
async fn graph_media(
    State(shared): State<Arc<Shared>>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {GRAPH_TOKEN}"))
    {
        let error = json!({"error": {"message": "Invalid OAuth access token.", "code": 190}});
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    let media = shared.media.lock().await;
    let Some(content) = media.get(&media_id) else {
        let error = json!({"error": {"message": format!("Unsupported get request. Object with ID '{media_id}' does not exist"), "code": 100}});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    };
    let base = shared.base.get().expect("started");
    axum::Json(
        json!({"messaging_product": "whatsapp", "id": media_id, "file_size": content.len(),
        "mime_type": "image/jpeg", "url": format!("{base}/whatsapp-media/{media_id}")}),
    )
    .into_response()
}

/// The media URL Graph gave: the content, again only with the token.
async fn whatsapp_download(
    State(shared): State<Arc<Shared>>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {GRAPH_TOKEN}"))
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match shared.media.lock().await.get(&media_id) {
        Some(content) => content.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct FileQuery {
    file_id: String,
}

/// getFile: the path to download a file the bot received.
async fn telegram_get_file(
    State(shared): State<Arc<Shared>>,
    Path(bot): Path<String>,
    Query(query): Query<FileQuery>,
) -> Response {
    if let Some(refused) = telegram_refuses(&bot) {
        return refused;
    }
    match shared.media.lock().await.get(&query.file_id) {
        Some(content) => axum::Json(json!({"ok": true, "result": {"file_id": query.file_id,
            "file_unique_id": "u1", "file_size": content.len(),
            "file_path": format!("documents/{}", query.file_id)}}))
        .into_response(),
        None => {
            let error = json!({"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"});
            (StatusCode::BAD_REQUEST, axum::Json(error)).into_response()
        }
    }
}

async fn telegram_download(
    State(shared): State<Arc<Shared>>,
    Path((bot, file_id)): Path<(String, String)>,
) -> Response {
    if let Some(refused) = telegram_refuses(&bot) {
        return refused;
    }
    match shared.media.lock().await.get(&file_id) {
        Some(content) => content.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// sendPhoto and sendDocument by URL: Telegram downloads the file.
async fn telegram_file(
    State(shared): State<Arc<Shared>>,
    Path(bot): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(refused) = telegram_refuses(&bot) {
        return refused;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let body = with_fetched_link(body).await;
    let mut sent = shared.sent.lock().await;
    let n = sent.len();
    let answer = json!({"ok": true, "result": {"message_id": 1000 + n, "chat": {"id": body["chat_id"], "type": "private"}, "date": 1750000900}});
    sent.push(Sent {
        api: "telegram",
        path: if body["photo"].is_string() {
            "/sendPhoto".into()
        } else {
            "/sendDocument".into()
        },
        body,
    });
    axum::Json(answer).into_response()
}

/// A Twilio `MediaUrl`: behind the account's credentials, redirecting to storage.
async fn twilio_media(
    Path((_, _, media_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}"));
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Basic {expected}"))
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    (
        StatusCode::TEMPORARY_REDIRECT,
        [("location", format!("/twilio-storage/{media_id}"))],
    )
        .into_response()
}

/// A call recording (`RE….wav`), served like MMS media under its recording sid.
async fn twilio_recording(
    Path((sid, recording)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let recording = recording.trim_end_matches(".wav").to_owned();
    twilio_media(Path((sid, String::new(), recording)), headers).await
}

async fn twilio_storage(
    State(shared): State<Arc<Shared>>,
    Path(media_id): Path<String>,
) -> Response {
    match shared.media.lock().await.get(&media_id) {
        Some(content) => content.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
