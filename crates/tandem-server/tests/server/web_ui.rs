//! What the browser side relies on: the workspace's cookie session with its CSRF token, canned
//! responses, trying the bot, and the widget's API and WebSocket, where a visitor only ever
//! sees its own conversation.

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::harness::{ADMIN, ANA, PASSWORD, Socket, TestServer, error_fields, on_every_backend};

/// A browser's session: its cookie and CSRF token.
struct BrowserSession {
    cookie: String,
    csrf: String,
}

async fn start_session(server: &TestServer, email: &str) -> BrowserSession {
    let response = server
        .client
        .post(format!("{}/api/v1/auth/session", server.base))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], email);
    BrowserSession {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

async fn with_cookie(
    server: &TestServer,
    method: Method,
    path: &str,
    session: &BrowserSession,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = server
        .client
        .request(method, format!("{}{path}", server.base))
        .header(COOKIE, &session.cookie);
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn socket_request(
    server: &TestServer,
    session: &BrowserSession,
    origin: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}/api/v1/ws", server.base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert(COOKIE, session.cookie.parse().unwrap());
    request
        .headers_mut()
        .insert(ORIGIN, origin.parse().unwrap());
    request
}

#[tokio::test]
async fn a_browser_session_rides_on_its_cookie_and_csrf_token() {
    on_every_backend!(a_browser_session_rides_on_its_cookie_and_csrf_token_on);
}

async fn a_browser_session_rides_on_its_cookie_and_csrf_token_on(server: &TestServer) {
    let session = start_session(server, ANA).await;
    let (status, body) = with_cookie(
        server,
        Method::GET,
        "/api/v1/auth/session",
        &session,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["csrf_token"],
        session.csrf.as_str(),
        "a reload gets the same token"
    );
    let (status, _) = with_cookie(
        server,
        Method::GET,
        "/api/v1/conversations",
        &session,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "reads need no CSRF token");

    let presence = Some(json!({"presence": "online"}));
    let path = "/api/v1/me/presence";
    for csrf in [None, Some("0123456789abcdef0123456789abcdef")] {
        let (status, body) =
            with_cookie(server, Method::PUT, path, &session, csrf, presence.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["code"], "csrf_token_invalid");
    }
    let (status, body) = with_cookie(
        server,
        Method::PUT,
        path,
        &session,
        Some(&session.csrf),
        presence,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let host = server.base.clone();
    let refused =
        tokio_tungstenite::connect_async(socket_request(server, &session, "https://evil.example"))
            .await;
    assert!(
        refused.is_err(),
        "another site's page may not open the socket"
    );
    let (stream, _) = tokio_tungstenite::connect_async(socket_request(server, &session, &host))
        .await
        .unwrap();
    let mut socket = Socket(stream);
    let hello = socket.next_event().await;
    assert_eq!(hello["type"], "hello", "{hello}");

    let (status, _) = with_cookie(
        server,
        Method::DELETE,
        "/api/v1/auth/session",
        &session,
        Some(&session.csrf),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = with_cookie(
        server,
        Method::GET,
        "/api/v1/auth/session",
        &session,
        None,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "logging out ends the session"
    );

    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/auth/session",
            None,
            Some(json!({"email": ANA, "password": "wrong"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn workspace_pages_carry_a_strict_content_security_policy() {
    let server = TestServer::spawn(tandem_store::Backend::Sqlite).await;
    for path in ["/app/", "/demo"] {
        let response = server
            .client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
    let page = server
        .client
        .get(format!("{}/demo", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let inbox = demo_web_inbox(&server).await;
    assert!(page.contains(&format!("data-inbox=\"{inbox}\"")), "{page}");
    let widget = server
        .client
        .get(format!("{}/widget.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(widget.headers()["access-control-allow-origin"], "*");
    assert!(
        widget.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let (status, _) = server
        .call(Method::GET, "/app/../Cargo.toml", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn canned_responses_are_written_by_admins_and_read_by_everyone() {
    on_every_backend!(canned_responses_are_written_by_admins_and_read_by_everyone_on);
}

async fn canned_responses_are_written_by_admins_and_read_by_everyone_on(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let (status, listed) = server.get("/api/v1/canned-responses", &ana).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|canned| canned["shortcut"] == "boleto"),
        "{listed}"
    );
    let new = json!({"shortcut": "pix", "title": "Pix", "text": "A chave Pix é o seu CPF."});
    let (status, _) = server
        .post("/api/v1/canned-responses", &ana, new.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = server
        .post(
            "/api/v1/canned-responses",
            &admin,
            json!({"shortcut": "/Pix", "title": " "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["text", "shortcut", "title"]);
    let (status, created) = server
        .post("/api/v1/canned-responses", &admin, new.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, clash) = server.post("/api/v1/canned-responses", &admin, new).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(clash["error"]["code"], "shortcut_taken");
    assert_eq!(error_fields(&clash), ["shortcut"]);
    let path = format!(
        "/api/v1/canned-responses/{}",
        created["id"].as_str().unwrap()
    );
    let (status, updated) = server
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"text": "Use a chave Pix do app."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["shortcut"], "pix");
    assert_eq!(updated["text"], "Use a chave Pix do app.");
    let (status, _) = server.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn trying_the_bot_shows_each_turn_and_stores_nothing() {
    let server = TestServer::spawn(tandem_store::Backend::Sqlite).await;
    let admin = server.login(ADMIN).await;
    let (status, body) = server
        .post(
            "/api/v1/bot/try",
            &admin,
            json!({"messages": ["qual o horário de atendimento?", "quero falar com um atendente"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let turns = body["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0]["language"], "pt");
    assert!(
        !turns[0]["replies"].as_array().unwrap().is_empty(),
        "{body}"
    );
    assert_eq!(turns[1]["handover"]["reason"], "customer_request");
    let (status, body) = server
        .post("/api/v1/bot/try", &admin, json!({"messages": []}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["messages"]);
    let ana = server.login(ANA).await;
    let (status, _) = server
        .post("/api/v1/bot/try", &ana, json!({"messages": ["oi"]}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, conversations) = server.get("/api/v1/conversations", &admin).await;
    assert_eq!(conversations["data"], json!([]), "trying stores nothing");
    server.stop().await;
}

async fn demo_web_inbox(server: &TestServer) -> String {
    let admin = server.login(ADMIN).await;
    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    let inbox = inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|inbox| inbox["channel"] == "web")
        .expect("the demo has a web inbox")
        .clone();
    let id = inbox["id"].as_str().unwrap().to_owned();
    let (_, shown) = server.get(&format!("/api/v1/inboxes/{id}"), &admin).await;
    assert!(
        shown["widget_snippet"]
            .as_str()
            .unwrap()
            .contains(&format!("data-inbox=\"{id}\"")),
        "{shown}"
    );
    id
}

/// A widget visitor of the demo's web inbox.
struct Visitor<'a> {
    server: &'a TestServer,
    widget: String,
    token: String,
}

impl<'a> Visitor<'a> {
    async fn arrive(server: &'a TestServer, inbox: &str) -> Visitor<'a> {
        let widget = format!("/api/v1/widget/{inbox}");
        let (status, body) = server
            .call(
                Method::POST,
                &format!("{widget}/visitors"),
                None,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["inbox"]["language"], "pt");
        Visitor {
            server,
            widget,
            token: body["token"].as_str().unwrap().to_owned(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.server
            .call(
                method,
                &format!("{}{path}", self.widget),
                Some(&self.token),
                body,
            )
            .await
    }

    async fn say(&self, text: &str, client_id: &str) -> Value {
        let (status, message) = self
            .call(
                Method::POST,
                "/messages",
                Some(json!({"text": text, "client_id": client_id})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{message}");
        message
    }

    async fn socket(&self) -> Socket {
        let url = format!(
            "{}{}/ws?token={}",
            self.server.base.replacen("http://", "ws://", 1),
            self.widget,
            self.token
        );
        Socket(tokio_tungstenite::connect_async(url).await.unwrap().0)
    }
}

#[tokio::test]
async fn a_widget_visitor_talks_to_the_bot_and_a_person_and_rates_them() {
    on_every_backend!(a_widget_visitor_talks_to_the_bot_and_a_person_and_rates_them_on);
}

async fn a_widget_visitor_talks_to_the_bot_and_a_person_and_rates_them_on(server: &TestServer) {
    let inbox = demo_web_inbox(server).await;
    let maria = Visitor::arrive(server, &inbox).await;
    let mut maria_socket = maria.socket().await;
    let first = maria.say("Qual o horário de atendimento?", "m-1").await;
    assert_eq!(first["author"], "customer");
    let again = maria.say("Qual o horário de atendimento?", "m-1").await;
    assert_eq!(again["id"], first["id"], "a retried send is one message");
    let bot = maria_socket
        .next_where(|frame| frame["type"] == "message" && frame["message"]["author"] == "bot")
        .await;
    assert!(!bot["message"]["text"].as_str().unwrap().is_empty());

    let (status, asked) = maria.call(Method::POST, "/handover", None).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let queued = maria_socket
        .next_where(|frame| {
            frame["type"] == "conversation" && frame["conversation"]["status"] == "queued"
        })
        .await;
    assert_eq!(queued["conversation"]["queue_position"], 1);
    let conversation = queued["conversation"]["id"].as_str().unwrap().to_owned();

    let ana = server.login(ANA).await;
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/assign"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let joined = maria_socket
        .next_where(|frame| {
            frame["type"] == "conversation" && frame["conversation"]["status"] == "assigned"
        })
        .await;
    assert_eq!(joined["conversation"]["agent_name"], "Ana Souza");

    let mut ana_socket = server.websocket(&ana).await;
    ana_socket
        .send_text(&json!({"type": "typing", "conversation_id": conversation}).to_string())
        .await;
    let typing = maria_socket
        .next_where(|frame| frame["type"] == "typing")
        .await;
    assert_eq!(typing["author_name"], "Ana Souza");
    let messages = format!("/api/v1/conversations/{conversation}/messages");
    server
        .post(
            &messages,
            &ana,
            json!({"text": "nota: cliente VIP", "private": true}),
        )
        .await;
    server
        .post(
            &messages,
            &ana,
            json!({"text": "<img src=x onerror=alert(1)> Oi, Maria!"}),
        )
        .await;
    let reply = maria_socket
        .next_where(|frame| frame["type"] == "message")
        .await;
    assert_eq!(
        reply["message"]["author"], "agent",
        "the note never reaches the widget"
    );
    assert_eq!(reply["message"]["author_name"], "Ana Souza");
    assert_eq!(
        reply["message"]["text"],
        "<img src=x onerror=alert(1)> Oi, Maria!"
    );

    let (status, early) = maria
        .call(Method::POST, "/rating", Some(json!({"score": 5})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{early}");
    assert_eq!(early["error"]["code"], "not_resolved");
    server
        .post(
            &format!("/api/v1/conversations/{conversation}/resolve"),
            &ana,
            json!({}),
        )
        .await;
    maria_socket
        .next_where(|frame| {
            frame["type"] == "conversation" && frame["conversation"]["status"] == "resolved"
        })
        .await;
    let (status, body) = maria
        .call(Method::POST, "/rating", Some(json!({"score": 6})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["score"]);
    for score in [3, 5] {
        let (status, rated) = maria
            .call(
                Method::POST,
                "/rating",
                Some(json!({"score": score, "comment": "Atendimento rápido"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rated}");
        assert_eq!(
            rated["conversation"]["rating"], score,
            "the last rating counts"
        );
    }
    let (_, events) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/events"),
            &ana,
        )
        .await;
    let answers: Vec<&Value> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["type"] == "survey_answered")
        .collect();
    assert_eq!(answers.len(), 2, "{events}");
    assert_eq!(answers[1]["data"]["comment"], "Atendimento rápido");
    // The reports list each answer with its comment, newest first; agents may not read them.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let range = format!(
        "from={}&to={}",
        today.yesterday().unwrap(),
        today.tomorrow().unwrap()
    );
    let admin = server.login(ADMIN).await;
    let (status, responses) = server
        .get(&format!("/api/v1/reports/survey_responses?{range}"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{responses}");
    let listed: Vec<&Value> = responses["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|answer| answer["conversation_id"] == conversation.as_str())
        .collect();
    assert_eq!(listed.len(), 2, "{responses}");
    assert_eq!(listed[0]["score"], 5, "newest first: {responses}");
    assert_eq!(listed[0]["comment"], "Atendimento rápido");
    assert_eq!(listed[0]["survey"], "csat");
    assert_eq!(listed[0]["channel"], "web");
    let (status, _) = server
        .get(&format!("/api/v1/reports/survey_responses?{range}"), &ana)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, restored) = maria.call(Method::GET, "/conversation", None).await;
    let texts: Vec<&str> = restored["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"<img src=x onerror=alert(1)> Oi, Maria!"),
        "{texts:?}"
    );
    assert!(!texts.contains(&"nota: cliente VIP"), "{texts:?}");
    assert_eq!(restored["conversation"]["rating"], 5);
    ana_socket.close().await;
}

#[tokio::test]
async fn one_visitor_never_sees_anothers_conversation() {
    on_every_backend!(one_visitor_never_sees_anothers_conversation_on);
}

async fn one_visitor_never_sees_anothers_conversation_on(server: &TestServer) {
    let inbox = demo_web_inbox(server).await;
    let maria = Visitor::arrive(server, &inbox).await;
    let joao = Visitor::arrive(server, &inbox).await;
    let mut joao_socket = joao.socket().await;
    maria.say("Meu cartão foi bloqueado", "m-1").await;
    let (_, maria_state) = maria.call(Method::GET, "/conversation", None).await;
    assert!(maria_state["conversation"]["id"].is_string());
    let (_, joao_state) = joao.call(Method::GET, "/conversation", None).await;
    assert_eq!(joao_state, json!({"conversation": null, "messages": []}));
    joao.say("Oi", "j-1").await;
    let first = joao_socket.next_event().await;
    assert_eq!(
        first["message"]["text"], "Oi",
        "João hears his own conversation first, nothing of Maria's: {first}"
    );

    let forged = format!("{}x", maria.token);
    for token in [forged.as_str(), "tdm_v_abc.def", &server.inbox_token] {
        let (status, _) = server
            .call(
                Method::GET,
                &format!("/api/v1/widget/{inbox}/conversation"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}");
    }
    let (status, kept) = server
        .call(
            Method::POST,
            &format!("/api/v1/widget/{inbox}/visitors"),
            None,
            Some(json!({"token": maria.token})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kept["token"],
        maria.token.as_str(),
        "a returning visitor keeps its token"
    );

    let admin = server.login(ADMIN).await;
    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    let api_inbox = inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|inbox| inbox["channel"] == "api")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/widget/{api_inbox}/visitors"),
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "only web inboxes have a widget"
    );
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/v1/widget/{api_inbox}/conversation"),
            Some(&maria.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_inbox_list_carries_each_rows_contact_channel_priority_and_last_message() {
    on_every_backend!(the_inbox_list_carries_each_rows_line_on);
}

async fn the_inbox_list_carries_each_rows_line_on(server: &TestServer) {
    let (status, created) = server
        .inbound("+5511955554444", "Meu cartão foi bloqueado", "list-1")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let conversation = created["conversation"]["id"].as_str().unwrap().to_owned();
    let ana = server.login(ANA).await;
    server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &ana,
            json!({"text": "cliente VIP", "private": true}),
        )
        .await;
    let (status, page) = server.get("/api/v1/conversations", &ana).await;
    assert_eq!(status, StatusCode::OK);
    let row = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == conversation.as_str())
        .unwrap_or_else(|| panic!("{page}"));
    assert_eq!(row["contact_name"], "Maria Silva", "{row}");
    assert_eq!(row["channel"], "api");
    assert!(row["priority"].is_i64(), "{row}");
    assert_eq!(row["last_message"]["text"], "cliente VIP");
    assert_eq!(row["last_message"]["private"], true);
    let (_, shown) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &ana)
        .await;
    assert!(
        shown.get("last_message").is_none(),
        "only the list carries the line"
    );
}

#[tokio::test]
async fn a_signed_in_customer_is_one_contact_on_every_browser_and_channel() {
    on_every_backend!(a_signed_in_customer_is_one_contact_on);
}

/// The host site vouches for its signed-in customer with an HMAC of their id under the inbox's
/// secret: every browser is one visitor and one conversation, and the contact is the one the
/// API channel knows by the same id.
async fn a_signed_in_customer_is_one_contact_on(server: &TestServer) {
    let inbox = demo_web_inbox(server).await;
    let admin = server.login(ADMIN).await;
    let (_, shown) = server
        .get(&format!("/api/v1/inboxes/{inbox}"), &admin)
        .await;
    let secret = shown["webhook_secret"]
        .as_str()
        .expect("the inbox secret")
        .to_owned();

    // The company's app already talks to this customer through the API channel.
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            &server.inbox_token,
            json!({
                "contact": {"identity": {"kind": "external", "value": "cliente-42"}},
                "text": "oi, pelo app",
                "external_id": "app-cliente-42-1",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let contact = body["conversation"]["contact_id"]
        .as_str()
        .expect("a contact")
        .to_owned();

    let widget = format!("/api/v1/widget/{inbox}");
    let start = |hash: String| json!({"identity": {"user_id": "cliente-42", "user_hash": hash, "name": "Joana Lima"}});
    let (status, body) = server
        .call(
            Method::POST,
            &format!("{widget}/visitors"),
            None,
            Some(start("00".repeat(32))),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["identity.user_hash"]);

    let hash = tandem_app::visitor::user_hash(&secret, "cliente-42");
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let (status, body) = server
            .call(
                Method::POST,
                &format!("{widget}/visitors"),
                None,
                Some(start(hash.clone())),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        tokens.push(body["token"].as_str().expect("a token").to_owned());
    }
    assert_eq!(tokens[0], tokens[1], "every browser is one visitor");
    let laptop = Visitor {
        server,
        widget: widget.clone(),
        token: tokens[0].clone(),
    };
    laptop.say("oi, pelo site", "site-1").await;
    let (_, from_laptop) = laptop.call(Method::GET, "/conversation", None).await;
    let conversation = from_laptop["conversation"]["id"]
        .as_str()
        .expect("a conversation")
        .to_owned();
    let (_, seen) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &admin)
        .await;
    assert_eq!(
        seen["contact_id"],
        contact.as_str(),
        "one contact across channels: {seen}"
    );
    let phone = Visitor {
        server,
        widget,
        token: tokens[1].clone(),
    };
    let (status, restored) = phone.call(Method::GET, "/conversation", None).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["conversation"]["id"], conversation.as_str());
    let (_, known) = server
        .get(&format!("/api/v1/contacts/{contact}"), &admin)
        .await;
    let kinds: Vec<&str> = known["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter_map(|identity| identity["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"external") && kinds.contains(&"web_visitor"),
        "{known}"
    );
}

#[tokio::test]
async fn people_label_conversations_and_list_them_by_label() {
    on_every_backend!(people_label_conversations_on);
}

async fn people_label_conversations_on(server: &TestServer) {
    let ana = server.login(ANA).await;
    let admin = server.login(ADMIN).await;
    let (status, body) = server
        .inbound("+5511988880001", "preciso de ajuda", "label-1")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let conversation = body["conversation"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/conversations/{conversation}/labels");
    let (status, body) = server
        .call(
            Method::PUT,
            &path,
            Some(&ana),
            Some(json!({"labels": ["  VIP ", "segunda  via", "vip"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["labels"], json!(["segunda via", "vip"]));
    let (status, body) = server
        .call(
            Method::PUT,
            &path,
            Some(&ana),
            Some(json!({"labels": ["ok", "<b>"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["labels[1]"]);

    let (_, listed) = server.get("/api/v1/conversations?label=VIP", &ana).await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [conversation.as_str()], "{listed}");
    assert_eq!(listed["data"][0]["labels"], json!(["segunda via", "vip"]));
    let (_, shown) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &ana)
        .await;
    assert_eq!(shown["labels"], json!(["segunda via", "vip"]));
    let (_, used) = server.get("/api/v1/labels", &ana).await;
    assert_eq!(
        used["data"],
        json!([{"label": "segunda via", "conversations": 1}, {"label": "vip", "conversations": 1}])
    );
    let (_, audit) = server
        .get("/api/v1/audit-log?action=conversation.labeled", &admin)
        .await;
    assert_eq!(
        audit["data"][0]["after"]["labels"],
        json!(["segunda via", "vip"]),
        "{audit}"
    );
}
