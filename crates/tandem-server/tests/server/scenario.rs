//! The whole path of a conversation: a customer writes on the API channel, an agent sees it
//! live, answers, the integration's webhook receives the answer, the agent resolves.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem_server::webhook::verify_signature;

use crate::harness::{ADMIN, ANA, TestServer, allow_loopback, on_every_backend};
use crate::webhook_receiver::WebhookReceiver;

/// Points the demo inbox's webhook at `receiver`; returns the inbox as an admin sees it.
async fn send_webhooks_to(server: &TestServer, receiver: &WebhookReceiver) -> serde_json::Value {
    let admin = server.login(ADMIN).await;
    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    let inbox_id = inboxes["data"][0]["id"]
        .as_str()
        .expect("demo inbox")
        .to_owned();
    let (status, inbox) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/inboxes/{inbox_id}"),
            Some(&admin),
            Some(json!({"webhook_url": receiver.url})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    inbox
}

async fn customer_to_agent_and_back(server: &TestServer) {
    let backend = server.backend;
    let mut receiver = WebhookReceiver::start().await;
    let inbox = send_webhooks_to(server, &receiver).await;
    let secret = inbox["webhook_secret"]
        .as_str()
        .expect("admins see the secret")
        .to_owned();

    let ana = server.login(ANA).await;
    let (_, me) = server.get("/api/v1/me", &ana).await;
    let ana_id = me["id"].as_str().expect("id").to_owned();
    let mut socket = server.websocket(&ana).await;

    let (status, created) = server
        .inbound("+55 11 98888-7777", "Meu cartão foi bloqueado", "app-msg-1")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{backend:?}: {created}");
    assert_eq!(created["duplicate"], false);
    let conversation_id = created["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let message_id = created["message"]["id"].as_str().expect("id").to_owned();
    assert_eq!(created["conversation"]["status"], "queued");

    let live = socket.next_of("message.created").await;
    assert_eq!(live["message"]["id"], message_id.as_str(), "{backend:?}");
    assert_eq!(live["message"]["text"], "Meu cartão foi bloqueado");
    assert_eq!(live["conversation"]["id"], conversation_id.as_str());

    let (_, queued) = server
        .get("/api/v1/conversations?status=queued", &ana)
        .await;
    assert_eq!(
        queued["data"][0]["id"],
        conversation_id.as_str(),
        "{queued}"
    );

    let base = format!("/api/v1/conversations/{conversation_id}");
    let (status, assigned) = server
        .post(&format!("{base}/assign"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["conversation"]["status"], "assigned");
    assert_eq!(assigned["conversation"]["assignee_id"], ana_id.as_str());

    let reply_text = "Olá, Maria! Já desbloqueei o seu cartão.";
    let (status, reply) = server
        .post(
            &format!("{base}/messages"),
            &ana,
            json!({"text": reply_text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["message"]["direction"], "outbound");
    let note_text = "Cliente confirmou os dados por telefone.";
    let (status, _) = server
        .post(
            &format!("{base}/messages"),
            &ana,
            json!({"text": note_text, "private": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let delivered = receiver.next_agent_message().await;
    assert!(
        verify_signature(&secret, &delivered.signature, &delivered.body),
        "{backend:?}: the webhook is signed with the inbox secret"
    );
    assert!(!verify_signature(
        "another secret",
        &delivered.signature,
        &delivered.body
    ));
    let payload = delivered.json();
    assert_eq!(payload["message"]["text"], reply_text, "{payload}");
    assert_eq!(payload["conversation"]["id"], conversation_id.as_str());
    assert_eq!(
        payload["message"]["private"], false,
        "the REST API's shapes: {payload}"
    );
    assert_eq!(
        payload["contact"]["identities"][0]["value"], "****-7777",
        "webhooks carry personal data masked by default: {payload}"
    );

    let (status, resolved) = server
        .post(&format!("{base}/resolve"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["conversation"]["status"], "resolved");
    let update = socket.next_of("conversation.updated").await;
    assert_eq!(update["conversation"]["id"], conversation_id.as_str());
    let until_resolved = receiver.until("conversation.resolved").await;
    assert!(
        until_resolved
            .iter()
            .all(|delivery| !String::from_utf8_lossy(&delivery.body).contains(note_text)),
        "{backend:?}: a private note never leaves the platform"
    );

    let (_, transcript) = server.get(&format!("{base}/messages"), &ana).await;
    let texts: Vec<&str> = transcript["data"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| message["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        texts,
        ["Meu cartão foi bloqueado", reply_text, note_text],
        "{backend:?}"
    );
    let (_, events) = server.get(&format!("{base}/events"), &ana).await;
    let kinds: Vec<&str> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| event["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "queued",
            "routed",
            "assigned",
            "first_agent_reply",
            "resolved"
        ],
        "{backend:?}"
    );

    let (status, again) = server
        .inbound("+5511988887777", "Meu cartão foi bloqueado", "app-msg-1")
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message"]["id"], message_id.as_str());

    socket.send_text(r#"{ "type": "ping" }"#).await;
    assert_eq!(socket.next_of("pong").await["type"], "pong");
}

#[tokio::test]
async fn a_customer_message_reaches_the_agent_and_the_reply_reaches_the_integration() {
    on_every_backend!(customer_to_agent_and_back, allow_loopback);
}

/// Ana takes a queued conversation and answers it.
async fn take_and_answer(server: &TestServer, ana: &str, conversation_id: &str, text: &str) {
    let base = format!("/api/v1/conversations/{conversation_id}");
    let (status, assigned) = server.post(&format!("{base}/assign"), ana, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    answer(server, ana, conversation_id, text).await;
}

async fn answer(server: &TestServer, ana: &str, conversation_id: &str, text: &str) {
    let (status, reply) = server
        .post(
            &format!("/api/v1/conversations/{conversation_id}/messages"),
            ana,
            json!({"text": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
}

/// The queue may also tell a waiting customer its place (a bot message), whenever its tick
/// comes: only Ana's replies are followed here.
async fn slow_receiver_holds_only_its_own_conversation(server: &TestServer) {
    let backend = server.backend;
    let held_text = "Segure esta resposta, por favor.";
    let mut receiver = WebhookReceiver::holding(held_text).await;
    let (_, first) = server
        .inbound("+5511911110001", "Meu boleto venceu", "slow-1")
        .await;
    let (_, second) = server
        .inbound("+5511911110002", "Quero meu extrato", "slow-2")
        .await;
    let first_id = first["conversation"]["id"].as_str().expect("id").to_owned();
    let second_id = second["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    send_webhooks_to(server, &receiver).await;

    let ana = server.login(ANA).await;
    take_and_answer(server, &ana, &first_id, held_text).await;
    answer(server, &ana, &first_id, "E esta vem depois.").await;
    let held = receiver.next_agent_message().await;
    assert_eq!(held.json()["message"]["text"], held_text, "{backend:?}");

    take_and_answer(server, &ana, &second_id, "Seu extrato está no app.").await;
    let mut second_conversation = Vec::new();
    let mut first_conversation_after = Vec::new();
    while first_conversation_after.is_empty() || second_conversation.is_empty() {
        for delivery in receiver.until("message.created").await {
            let payload = delivery.json();
            if payload["conversation"]["id"] == second_id.as_str() {
                second_conversation.push(delivery);
            } else if payload["type"] == "message.created"
                && payload["message"]["sender"]["type"] == "user"
            {
                assert_eq!(
                    payload["message"]["text"], "E esta vem depois.",
                    "{backend:?}"
                );
                first_conversation_after.push(delivery);
            }
        }
    }
    assert!(
        second_conversation[0].arrived_while_holding,
        "{backend:?}: another conversation's webhooks go out while a receiver is slow on the first"
    );
    assert!(
        !first_conversation_after[0].arrived_while_holding,
        "{backend:?}: the first conversation's next reply waits until the slow one is answered"
    );
}

#[tokio::test]
async fn a_slow_receiver_delays_only_its_own_conversation() {
    on_every_backend!(
        slow_receiver_holds_only_its_own_conversation,
        allow_loopback
    );
}

async fn logout_ends_the_session(server: &TestServer) {
    let token = server.login(ANA).await;
    let (status, _) = server.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.post("/api/v1/auth/logout", &token, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = server.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ANA, "password": "wrong password"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let admin = server.login(ADMIN).await;
    let (status, created) = server
        .post(
            "/api/v1/me/tokens",
            &admin,
            json!({"name": "CRM sync", "current_password": crate::harness::PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let api_token = created["token"].as_str().expect("shown once").to_owned();
    let (status, me) = server.get("/api/v1/me", &api_token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], ADMIN);
    let token_id = created["id"].as_str().expect("id");
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{token_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.get("/api/v1/me", &api_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_and_api_tokens_can_be_ended() {
    on_every_backend!(logout_ends_the_session);
}
