//! An external bot plugged in through the `tandem.bot.v1` protocol: Tandem signs and sends
//! each customer message its handover rules let through, applies replies given in the
//! webhook's response or later through the API, keeps the external bot's state, hands over
//! when its own rules fire (without asking the external bot), when the external bot asks, and
//! when it does not answer in time.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_server::webhook::verify_signature;
use tokio::sync::mpsc;

use crate::harness::{
    ADMIN, ANA, TestServer, allow_loopback, channel_message, error_fields, on_every_backend,
};

const SECRET: &str = "an-external-bot-secret";

/// The company's bot: answers "síncrono" messages in the webhook response, acknowledges the
/// rest (202) for a reply through the API, and hands every received turn to the test.
async fn start_external_bot() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (sender, received) = mpsc::unbounded_channel();
    let router = Router::new()
        .route("/bot", post(receive))
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/bot", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serves");
    });
    (url, received)
}

async fn receive(
    State(sender): State<mpsc::UnboundedSender<Value>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let signed = headers
        .get("x-tandem-signature")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|header| verify_signature(SECRET, header, &body));
    if !signed || headers.get("x-tandem-bot-protocol").is_none() {
        return AxumStatus::UNAUTHORIZED.into_response();
    }
    let turn: Value = serde_json::from_slice(&body).expect("JSON");
    let text = turn["message"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let _ = sender.send(turn);
    if text.contains("síncrono") {
        axum::Json(json!({
            "version": "tandem.bot.v1",
            "replies": ["Resposta síncrona do bot da empresa."],
            "state": {"turns": 1},
        }))
        .into_response()
    } else {
        AxumStatus::ACCEPTED.into_response()
    }
}

async fn next_turn(received: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(15), received.recv())
        .await
        .expect("a turn within 15 s")
        .expect("open")
}

async fn texts_until(server: &TestServer, admin: &str, id: &str, wanted: &str) -> Vec<String> {
    server
        .bot_texts_once(admin, id, |texts| {
            texts.iter().any(|text| text.contains(wanted))
        })
        .await
}

async fn status_until(server: &TestServer, admin: &str, id: &str, wanted: &str) -> Value {
    server
        .eventually(&format!("/api/v1/conversations/{id}"), admin, |c| {
            c["status"] == wanted
        })
        .await
}

async fn handover_trigger(server: &TestServer, admin: &str, id: &str) -> (String, String) {
    let (_, events) = server
        .get(&format!("/api/v1/conversations/{id}/events"), admin)
        .await;
    let handover = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .find(|event| event["type"] == "handover_requested")
        .expect("a handover")
        .clone();
    (
        handover["data"]["reason"]
            .as_str()
            .expect("reason")
            .to_owned(),
        handover["data"]["evidence"]["trigger"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn external_bot_answers(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let (url, mut received) = start_external_bot().await;
    let (_, profile) = server.get("/api/v1/bot/profile", &admin).await;
    let source = format!(
        "{}\nexternal_bot:\n  url: {url}\n  secret: {SECRET}\n  timeout_seconds: 5\n",
        profile["source"].as_str().expect("source")
    );
    let (status, saved) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": source})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let ana = server.login(ANA).await;
    let (status, _) = server.get("/api/v1/bot/profile", &ana).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the secret is for admins only"
    );
    let (_, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "Aurora chat", "channel": "api", "first_responder": "bot"}),
        )
        .await;
    let inbox_token = inbox["api_token"].as_str().expect("token").to_owned();
    let say = |phone: &'static str, text: &'static str, external_id: &'static str| {
        let inbox_token = inbox_token.clone();
        async move {
            let (status, body) = server
                .post(
                    "/api/v1/channel/messages",
                    &inbox_token,
                    channel_message(phone, text, external_id),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body
        }
    };

    // Answered in the webhook's response.
    let first = say("+5511966660001", "Olá, teste síncrono", "x-1").await;
    let id = first["conversation"]["id"].as_str().expect("id").to_owned();
    let turn = next_turn(&mut received).await;
    assert_eq!(turn["version"], "tandem.bot.v1");
    assert_eq!(turn["conversation"]["id"], id.as_str());
    assert_eq!(turn["conversation"]["language"], "pt", "{backend:?}");
    assert_eq!(turn["conversation"]["state"], Value::Null);
    texts_until(server, &admin, &id, "Resposta síncrona").await;

    // Answered later through the API, with the state kept from the last reply.
    let second = say("+5511966660001", "Qual é o limite do Pix à noite?", "x-2").await;
    let turn = next_turn(&mut received).await;
    assert_eq!(
        turn["conversation"]["state"],
        json!({"turns": 1}),
        "{backend:?}"
    );
    assert_eq!(turn["message"]["id"], second["message"]["id"]);
    let token = {
        let (status, created) = server
            .post(
                "/api/v1/me/tokens",
                &admin,
                json!({"name": "company bot", "current_password": crate::harness::PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["token"].as_str().expect("token").to_owned()
    };
    let reply_path = format!("/api/v1/bot/conversations/{id}/reply");
    let reply = json!({
        "version": "tandem.bot.v1",
        "in_reply_to": second["message"]["id"],
        "replies": ["À noite o limite do Pix é de R$ 1.000."],
        "state": {"turns": 2},
    });
    let (status, _) = server.post(&reply_path, &ana, reply.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "agents do not speak for the bot"
    );
    let (status, bad) = server
        .post(
            &reply_path,
            &token,
            json!({"version": "tandem.bot.v0", "in_reply_to": second["message"]["id"], "handover": {"reason": "boredom"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(error_fields(&bad), ["version", "handover.reason"]);
    let (status, applied) = server.post(&reply_path, &token, reply.clone()).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(
        applied["messages"][0]["text"],
        "À noite o limite do Pix é de R$ 1.000."
    );
    let (status, again) = server.post(&reply_path, &token, reply).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "already_answered");

    // Tandem's own rules still decide first: the external bot never sees this one.
    say(
        "+5511966660001",
        "Quero falar com um atendente humano",
        "x-3",
    )
    .await;
    status_until(server, &admin, &id, "queued").await;
    assert_eq!(
        handover_trigger(server, &admin, &id).await.0,
        "customer_request"
    );
    assert!(
        received.try_recv().is_err(),
        "{backend:?}: nothing forwarded"
    );

    // The external bot asks for a person.
    let other = say("+5511966660002", "Preciso renegociar uma dívida", "y-1").await;
    let other_id = other["conversation"]["id"].as_str().expect("id").to_owned();
    next_turn(&mut received).await;
    let (status, handed) = server
        .post(
            &format!("/api/v1/bot/conversations/{other_id}/reply"),
            &token,
            json!({
                "version": "tandem.bot.v1",
                "in_reply_to": other["message"]["id"],
                "replies": ["Vou chamar um especialista."],
                "handover": {"reason": "complexity", "note": "renegociação"},
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{handed}");
    assert_eq!(handed["conversation"]["status"], "queued");
    assert_eq!(
        handover_trigger(server, &admin, &other_id).await,
        ("complexity".to_owned(), "external_bot_request".to_owned())
    );

    // Silence: after the profile's five seconds, a person takes over.
    let silent = say("+5511966660003", "Bom dia, tudo bem?", "z-1").await;
    let silent_id = silent["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    next_turn(&mut received).await;
    status_until(server, &admin, &silent_id, "queued").await;
    assert_eq!(
        handover_trigger(server, &admin, &silent_id).await,
        ("bot_failure".to_owned(), "external_bot_timeout".to_owned()),
        "{backend:?}"
    );
}

#[tokio::test]
async fn an_external_bot_answers_while_tandems_rules_still_apply() {
    on_every_backend!(external_bot_answers, allow_loopback);
}
