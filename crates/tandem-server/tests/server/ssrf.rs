//! The outbound guard from the outside: an admin cannot point a bot action, an external bot, a
//! webhook or a mail server at loopback, private or metadata addresses (the save is refused,
//! naming the field), a profile stored before (or a name that now resolves elsewhere) is
//! refused when called, so an internal service's secret never reaches the chat, and an
//! operator's allow-list entry opens exactly the service it names. `/metrics` and the demo
//! core-banking API need credentials.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN, TestServer, bot_message_texts, channel_message, error_fields};

/// What the internal service answers: a valid external-bot reply and a boleto, both carrying
/// the secret.
const SECRET: &str = "SECRET-INTERNAL-42";

/// An internal service on `bind` that answers every request with the secret, counting them;
/// `None` where the address family is not available.
async fn internal_service(bind: &str) -> Option<(SocketAddr, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind(bind).await.ok()?;
    let address = listener.local_addr().ok()?;
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async {
            axum::Json(json!({
                "version": "tandem.bot.v1", "replies": [SECRET],
                "amount": SECRET, "due_date": SECRET, "digitable_line": SECRET,
            }))
        }
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    Some((address, hits))
}

/// The URL forms of one internal address that must all be refused.
fn refused_bases(port: u16) -> Vec<String> {
    vec![
        format!("http://127.0.0.1:{port}"),
        format!("http://[::1]:{port}"),
        "http://10.0.0.5".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        format!("http://[::ffff:127.0.0.1]:{port}"),
        format!("http://localhost:{port}"),
    ]
}

/// The account's profile with its actions calling `base`.
fn profile_calling(source: &str, base: &str) -> String {
    let start = source.find("core_banking_url: \"").expect("the variable") + 19;
    let end = start + source[start..].find('"').expect("its end");
    format!("{}{base}{}", &source[..start], &source[end..])
}

fn with_external_bot(source: &str, url: &str) -> String {
    format!(
        "{source}\nexternal_bot:\n  url: {url}\n  secret: an-external-bot-secret\n  timeout_seconds: 2\n"
    )
}

/// The detail codes of an error answer, by field.
fn detail_codes(body: &Value) -> Vec<(String, String)> {
    body["error"]["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .map(|d| {
                    let text = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
                    (text("field"), text("code"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn internal_addresses_are_refused_where_they_are_saved() {
    for backend in tandem_store::testing::backends() {
        let server = TestServer::spawn(backend).await;
        let admin = server.login(ADMIN).await;
        let (_, profile) = server.get("/api/v1/bot/profile", &admin).await;
        let source = profile["source"].as_str().expect("source").to_owned();
        let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
        let inbox_id = inboxes["data"][0]["id"]
            .as_str()
            .expect("an inbox")
            .to_owned();
        for base in refused_bases(9) {
            let (status, body) = server
                .call(
                    Method::PUT,
                    "/api/v1/bot/profile",
                    Some(&admin),
                    Some(json!({"source": profile_calling(&source, &base)})),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{base}: {body}");
            let codes = detail_codes(&body);
            assert!(
                !codes.is_empty()
                    && codes.iter().all(|(field, code)| code == "url_not_allowed"
                        && field.starts_with("source.intents[")
                        && field.ends_with("].action.url")),
                "{base}: {body}"
            );

            let (status, body) = server
                .call(
                    Method::PUT,
                    "/api/v1/bot/profile",
                    Some(&admin),
                    Some(json!({"source": with_external_bot(&source, &format!("{base}/bot"))})),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{base}: {body}");
            assert_eq!(
                detail_codes(&body),
                [(
                    "source.external_bot.url".to_owned(),
                    "url_not_allowed".to_owned()
                )],
                "{base}: {body}"
            );

            let (status, body) = server
                .call(
                    Method::PATCH,
                    &format!("/api/v1/inboxes/{inbox_id}"),
                    Some(&admin),
                    Some(json!({"webhook_url": format!("{base}/hook")})),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{base}: {body}");
            assert_eq!(error_fields(&body), ["webhook_url"], "{base}: {body}");
            assert_eq!(detail_codes(&body)[0].1, "url_not_allowed");
        }
        for (host, field) in [
            ("127.0.0.1", "smtp"),
            ("169.254.169.254", "smtp"),
            ("localhost", "imap"),
        ] {
            let smtp_host = if field == "smtp" {
                host
            } else {
                "smtp.example.com"
            };
            let mut config = json!({"address": "support@tandem.test",
                "smtp": {"host": smtp_host, "port": 587, "security": "starttls", "username": "u", "password": "p"},
                "inbound_secret": "an-inbound-secret-of-length"});
            if field == "imap" {
                config["imap"] = json!({"host": host, "port": 993, "security": "tls", "username": "u", "password": "p"});
            }
            let (status, body) = server
                .post(
                    "/api/v1/inboxes",
                    &admin,
                    json!({"name": "Mail", "channel": "email", "channel_config": config}),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{host}: {body}");
            assert_eq!(
                error_fields(&body),
                [format!("channel_config.{field}.host")],
                "{host}: {body}"
            );
        }
        let (_, unchanged) = server.get("/api/v1/bot/profile", &admin).await;
        assert_eq!(
            unchanged["source"], profile["source"],
            "nothing refused was saved"
        );
        server.stop().await;
    }
}

/// One customer conversation on a new bot-first API inbox asking for a boleto (until the bot
/// hands it over); the bot's texts.
async fn ask_for_a_boleto(server: &TestServer, admin: &str, phone: &str) -> Vec<String> {
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            admin,
            json!({"name": format!("Chat {phone}"), "channel": "api", "first_responder": "bot"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let token = inbox["api_token"].as_str().expect("token").to_owned();
    let mut conversation = String::new();
    let mut answered = 0;
    for (turn, text) in [
        "preciso da segunda via do boleto",
        "meu cpf é 529.982.247-25",
    ]
    .iter()
    .enumerate()
    {
        let (status, body) = server
            .post(
                "/api/v1/channel/messages",
                &token,
                channel_message(phone, text, &format!("{phone}-{turn}")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        conversation = body["conversation"]["id"].as_str().expect("id").to_owned();
        let texts = server
            .bot_texts_once(admin, &conversation, |texts| texts.len() > answered)
            .await;
        answered = texts.len();
        let (_, state) = server
            .get(&format!("/api/v1/conversations/{conversation}"), admin)
            .await;
        if state["status"] != "bot" {
            break;
        }
    }
    bot_message_texts(&server.client, &server.base, admin, &conversation).await
}

/// Stores `source` as the account's profile the way one saved before this check (or whose
/// name resolved elsewhere then) would be: straight into the store.
async fn store_profile(server: &TestServer, admin: &str, source: String) {
    let principal = server
        .app()
        .authenticate(admin, server.app().now())
        .await
        .expect("the admin");
    server
        .app()
        .store()
        .save_bot_profile(principal.account_id(), &source, None, server.app().now())
        .await
        .expect("stored");
}

#[tokio::test]
async fn an_internal_service_never_reaches_the_chat_unless_the_operator_allows_it() {
    let (v4, hits) = internal_service("127.0.0.1:0").await.expect("loopback");
    let v6 = internal_service("[::1]:0").await;
    for backend in tandem_store::testing::backends() {
        let server = TestServer::spawn(backend).await;
        let admin = server.login(ADMIN).await;
        let (_, profile) = server.get("/api/v1/bot/profile", &admin).await;
        let source = profile["source"].as_str().expect("source").to_owned();
        let mut bases = vec![
            format!("http://127.0.0.1:{}", v4.port()),
            format!("http://[::ffff:127.0.0.1]:{}", v4.port()),
            format!("http://localhost:{}", v4.port()),
        ];
        if let Some((v6, _)) = &v6 {
            bases.push(format!("http://[::1]:{}", v6.port()));
        }
        for (index, base) in bases.iter().enumerate() {
            store_profile(&server, &admin, profile_calling(&source, base)).await;
            let texts = ask_for_a_boleto(&server, &admin, &format!("+55119000000{index:02}")).await;
            assert!(
                !texts.iter().any(|text| text.contains(SECRET)),
                "{base}: {texts:?}"
            );
            assert!(
                texts
                    .iter()
                    .any(|text| text.contains("vou passar a conversa para uma pessoa")),
                "{base}: the profile's own handover follows a refused action: {texts:?}"
            );

            store_profile(
                &server,
                &admin,
                with_external_bot(&source, &format!("{base}/bot")),
            )
            .await;
            let texts = ask_for_a_boleto(&server, &admin, &format!("+55119100000{index:02}")).await;
            assert!(
                !texts.iter().any(|text| text.contains(SECRET)),
                "{base}: {texts:?}"
            );
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "the internal service was never called"
        );
        if let Some((_, v6_hits)) = &v6 {
            assert_eq!(v6_hits.load(Ordering::SeqCst), 0);
        }
        server.stop().await;
    }

    // The operator allows exactly that service: its answer is the bot's now.
    let server = TestServer::spawn_with(tandem_store::Backend::Sqlite, |config| {
        config.outbound_allow = vec![v4.to_string()];
    })
    .await;
    let admin = server.login(ADMIN).await;
    let (_, profile) = server.get("/api/v1/bot/profile", &admin).await;
    let source = profile["source"].as_str().expect("source").to_owned();
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": profile_calling(&source, &format!("http://{v4}"))})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let texts = ask_for_a_boleto(&server, &admin, "+5511920000000").await;
    assert!(texts.iter().any(|text| text.contains(SECRET)), "{texts:?}");
    assert!(hits.load(Ordering::SeqCst) > 0);
    // Another port of the same address stays closed.
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": profile_calling(&source, &format!("http://127.0.0.1:{}", v4.port() ^ 1))})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn metrics_and_the_demo_bank_need_credentials() {
    let server = TestServer::spawn(tandem_store::Backend::Sqlite).await;
    let scrape = |token: Option<String>| {
        let mut request = server.client.get(format!("{}/metrics", server.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.expect("an answer").status() }
    };
    assert_eq!(scrape(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(Some("wrong".into())).await, StatusCode::UNAUTHORIZED);
    let agent = server.login(crate::harness::ANA).await;
    assert_eq!(scrape(Some(agent)).await, StatusCode::FORBIDDEN);
    let admin = server.login(ADMIN).await;
    assert_eq!(scrape(Some(admin.clone())).await, StatusCode::OK);

    let balance = format!(
        "{}/demo/core-banking/accounts/52998224725/balance",
        server.base
    );
    for authorization in [None, Some("Bearer demo-core-banking-key")] {
        let mut request = server.client.get(&balance);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.expect("an answer");
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
    // The demo profile carries the key the API takes.
    let (_, profile) = server.get("/api/v1/bot/profile", &admin).await;
    let source = profile["source"].as_str().expect("source");
    let key = source
        .split("core_banking_key: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the key");
    assert_ne!(key, "demo-core-banking-key");
    let response = server
        .client
        .get(&balance)
        .bearer_auth(key)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}
