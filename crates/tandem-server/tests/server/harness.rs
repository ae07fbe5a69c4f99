//! A real server on a random loopback port over a throwaway database, and a client that
//! speaks HTTP and WebSocket to it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::ports::{Clock, SystemClock};
use tandem_server::config::{Config, Secret};
use tandem_server::start_with_clock;
use tandem_server::webhook::WebhookSettings;
use tandem_store::Backend;
use tandem_store::testing::TestDatabase;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The demo users' password in tests.
pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN: &str = "admin@aurora.example";
pub const ANA: &str = "ana@aurora.example";
pub const BRUNO: &str = "bruno@aurora.example";

/// Webhook retries fast enough for tests.
pub fn fast_webhooks() -> WebhookSettings {
    WebhookSettings {
        timeout: Duration::from_secs(5),
        base_delay: SignedDuration::from_millis(100),
        max_delay: SignedDuration::from_secs(1),
        max_attempts: 5,
        poll_interval: Duration::from_millis(100),
        lease: SignedDuration::from_secs(30),
    }
}

/// A server with the demo account, on its own database.
pub struct TestServer {
    pub base: String,
    pub backend: Backend,
    /// The demo API inbox's channel token.
    pub inbox_token: String,
    pub server: Option<tandem_server::RunningServer>,
    pub client: reqwest::Client,
    _database: TestDatabase,
}

/// A test configuration on `database`, listening on a free loopback port.
pub fn config_for(database: &TestDatabase) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: Some(Secret::new(database.url())),
        demo_password: Some(Secret::new(PASSWORD)),
        seed_demo: true,
        secret_key: Some(Secret::new("ab".repeat(32))),
        mail_poll_seconds: 1,
        // One directory per database, so two nodes of one database share their files.
        files_dir: Some(
            std::env::temp_dir().join("tandem-test-files").join(
                database
                    .url()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>(),
            ),
        ),
        ..Config::default()
    }
}

/// Lets the server call loopback addresses on any port: for tests whose stand-ins (webhook
/// receivers, external bots) start on a port chosen after the server.
pub fn allow_loopback(config: &mut Config) {
    config.outbound_allow.push("127.0.0.0/8".to_owned());
}

impl TestServer {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_with_clock(backend, Arc::new(SystemClock), adjust).await
    }

    /// A server whose use cases read the time from `clock`.
    pub async fn spawn_with_clock(
        backend: Backend,
        clock: Arc<dyn Clock>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let database = TestDatabase::create(backend).await;
        let mut config = config_for(&database);
        adjust(&mut config);
        let server = start_with_clock(&config, fast_webhooks(), clock)
            .await
            .expect("the server starts");
        let demo = server.demo.as_ref().expect("a new database seeds the demo");
        Self {
            base: format!("http://{}", server.addr),
            backend,
            inbox_token: demo.inbox_token.clone(),
            server: Some(server),
            client: reqwest::Client::new(),
            _database: database,
        }
    }

    /// The SQLite database file, when the server runs on SQLite.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._database
            .url()
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from)
    }

    pub fn app(&self) -> &tandem_app::App {
        &self.server.as_ref().expect("running").app
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(&self.client, &self.base, method, path, token, body).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Logs in and returns the session token.
    pub async fn login(&self, email: &str) -> String {
        login(&self.client, &self.base, email).await
    }

    /// Posts a customer message on the demo inbox's API channel.
    pub async fn inbound(&self, phone: &str, text: &str, external_id: &str) -> (StatusCode, Value) {
        let token = self.inbox_token.clone();
        self.post(
            "/api/v1/channel/messages",
            &token,
            channel_message(phone, text, external_id),
        )
        .await
    }

    /// Polls `path` until `done` holds for its body (ten seconds at most) and returns that body.
    pub async fn eventually(
        &self,
        path: &str,
        token: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let mut body = Value::Null;
        for _ in 0..200 {
            body = self.get(path, token).await.1;
            if done(&body) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{path} never reached the expected state: {body}");
    }

    /// The bot's messages in a conversation once `done` holds for them (ten seconds at most).
    pub async fn bot_texts_once(
        &self,
        token: &str,
        conversation_id: &str,
        done: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        self.bot_texts_within(token, conversation_id, Duration::from_secs(10), done)
            .await
    }

    /// The bot's messages in a conversation once `done` holds for them, `patience` at most.
    pub async fn bot_texts_within(
        &self,
        token: &str,
        conversation_id: &str,
        patience: Duration,
        done: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = std::time::Instant::now() + patience;
        let mut texts = Vec::new();
        while std::time::Instant::now() < deadline {
            texts = bot_message_texts(&self.client, &self.base, token, conversation_id).await;
            if done(&texts) {
                return texts;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the bot's messages never reached the expected state in {patience:?}: {texts:?}");
    }

    /// Posts a Twilio webhook form to `url`, signed with the stand-in account's token as
    /// Twilio does; the answer must be 200, and its text (TwiML) is returned.
    pub async fn twilio_post(&self, url: &str, params: &[(&str, &str)]) -> String {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        let signature =
            tandem_channels::twilio::signature(crate::provider::TWILIO_TOKEN, url, &params);
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let answer = self
            .client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        answer.text().await.unwrap()
    }

    /// A Twilio SMS inbox on the stand-in's account (the bot answering first); its id.
    pub async fn twilio_sms_inbox(&self, admin: &str) -> String {
        create_channel_inbox(
            self,
            admin,
            "sms",
            json!({"account_sid": crate::provider::TWILIO_SID, "auth_token": crate::provider::TWILIO_TOKEN,
                "from_number": "+5511400000000"}),
        )
        .await["id"]
            .as_str()
            .expect("an inbox id")
            .to_owned()
    }

    /// A conversation's messages once `done` holds for them, `patience` at most.
    pub async fn messages_within(
        &self,
        token: &str,
        conversation_id: &str,
        patience: Duration,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = std::time::Instant::now() + patience;
        let mut messages = Vec::new();
        while std::time::Instant::now() < deadline {
            let (_, page) = self
                .get(
                    &format!("/api/v1/conversations/{conversation_id}/messages?limit=100"),
                    token,
                )
                .await;
            messages = page["data"].as_array().cloned().unwrap_or_default();
            if done(&messages) {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the messages never got there in {patience:?}: {messages:#?}");
    }

    /// Opens the real-time socket and reads its `hello`.
    pub async fn websocket(&self, token: &str) -> Socket {
        websocket(&self.base, token).await
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("clean shutdown");
        }
    }
}

/// The texts of the bot's messages in a conversation, oldest first.
pub async fn bot_message_texts(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    conversation_id: &str,
) -> Vec<String> {
    let (_, page) = call(
        client,
        base,
        Method::GET,
        &format!("/api/v1/conversations/{conversation_id}/messages?limit=100"),
        Some(token),
        None,
    )
    .await;
    page["data"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter(|message| message["sender"]["type"] == "bot")
                .map(|message| message["text"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The fields named by an error answer's `details`, in order.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .map(|detail| detail["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn channel_message(phone: &str, text: &str, external_id: &str) -> Value {
    json!({
        "contact": {"identity": {"kind": "phone", "value": phone}, "name": "Maria Silva"},
        "text": text,
        "external_id": external_id,
    })
}

pub async fn call(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
    };
    (status, value)
}

pub async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let (status, body) = call(
        client,
        base,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "login {email}: {body}");
    body["token"].as_str().expect("token").to_owned()
}

/// A client's end of the real-time socket.
pub struct Socket(pub WebSocketStream<MaybeTlsStream<TcpStream>>);

pub async fn websocket(base: &str, token: &str) -> Socket {
    let url = format!(
        "{}/api/v1/ws?access_token={token}",
        base.replacen("http://", "ws://", 1)
    );
    let (stream, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    let mut socket = Socket(stream);
    let hello = socket.next_event().await;
    assert_eq!(hello["type"], "hello", "{hello}");
    socket
}

impl Socket {
    /// Closes the socket from the client side.
    pub async fn close(mut self) {
        let _ = self.0.close(None).await;
    }

    /// The next JSON frame, waiting at most ten seconds.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.0.next())
                .await
                .expect("a frame within ten seconds")
                .expect("the socket is open")
                .expect("a valid frame");
            if let Frame::Text(text) = frame {
                return serde_json::from_str(&text).expect("JSON frame");
            }
        }
    }

    /// Skips frames until one of `kind` arrives.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        self.next_where(|event| event["type"] == kind).await
    }

    /// Skips frames until one for which `matches` holds arrives.
    pub async fn next_where(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        loop {
            let event = self.next_event().await;
            if matches(&event) {
                return event;
            }
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.0.send(Frame::Text(text.into())).await.expect("sent");
    }
}

/// Runs `test` on a fresh server for each engine of this run (its configuration changed by
/// `adjust` first, when given).
macro_rules! on_every_backend {
    ($test:expr) => {
        on_every_backend!($test, |_| {})
    };
    ($test:expr, $adjust:expr) => {
        for backend in tandem_store::testing::backends() {
            let server = crate::harness::TestServer::spawn_with(backend, $adjust).await;
            $test(&server).await;
            server.stop().await;
        }
    };
}
pub(crate) use on_every_backend;

/// Creates a bot-first API inbox and returns its channel token.
pub async fn bot_inbox(server: &TestServer, admin: &str) -> String {
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            admin,
            serde_json::json!({"name": "Aurora chat", "channel": "api", "first_responder": "bot"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    inbox["api_token"].as_str().expect("token").to_owned()
}

/// Creates an inbox of `channel` with its provider settings, the bot answering first; returns
/// the inbox as an admin sees it.
pub async fn create_channel_inbox(
    server: &TestServer,
    admin: &str,
    channel: &str,
    config: Value,
) -> Value {
    let (status, body) = server
        .post(
            "/api/v1/inboxes",
            admin,
            serde_json::json!({"name": format!("{channel} inbox"), "channel": channel,
                "first_responder": "bot", "channel_config": config}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A WhatsApp webhook to the test phone number (`phone_number_id` 200000000000002) with one
/// message from `wa_id`: `message` is its `type` and payload.
pub fn whatsapp_webhook(wa_id: &str, message_id: &str, message: Value) -> Vec<u8> {
    let mut message = message;
    message["from"] = json!(wa_id);
    message["id"] = json!(message_id);
    message["timestamp"] = json!("1750000200");
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5511400000000", "phone_number_id": "200000000000002"},
            "contacts": [{"profile": {"name": "Cliente Teste"}, "wa_id": wa_id}],
            "messages": [message]}}]}]})
    .to_string()
    .into_bytes()
}

/// Meta's `X-Hub-Signature-256` for `body` under the app secret.
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes())
        .expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
