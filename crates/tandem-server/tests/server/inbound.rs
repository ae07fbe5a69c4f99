//! The API channel under repeated and concurrent deliveries: one delivery, one message.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{ADMIN, TestServer, channel_message, on_every_backend};

async fn concurrent_duplicates_store_one_message(server: &TestServer) {
    let backend = server.backend;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let client = server.client.clone();
            let url = format!("{}/api/v1/channel/messages", server.base);
            let token = server.inbox_token.clone();
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&channel_message("+5511944443333", "Pix não caiu", "pix-42"))
                    .send()
                    .await
                    .expect("answer");
                let status = response.status();
                let body: serde_json::Value = response.json().await.expect("JSON");
                (status, body)
            })
        })
        .collect();
    let mut created = 0;
    let mut message_ids = HashSet::new();
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => assert_eq!(body["duplicate"], true, "{body}"),
            other => panic!("{backend:?}: {other} {body}"),
        }
        message_ids.insert(body["message"]["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(
        created, 1,
        "{backend:?}: exactly one delivery creates the message"
    );
    assert_eq!(
        message_ids.len(),
        1,
        "{backend:?}: every answer names the same message"
    );

    let admin = server.login(ADMIN).await;
    let (_, conversations) = server.get("/api/v1/conversations", &admin).await;
    let conversations = conversations["data"].as_array().expect("list").clone();
    assert_eq!(conversations.len(), 1, "{backend:?}");
    let id = conversations[0]["id"].as_str().expect("id");
    let (_, transcript) = server
        .get(&format!("/api/v1/conversations/{id}/messages"), &admin)
        .await;
    let inbound = transcript["data"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|message| message["direction"] == "inbound")
        .count();
    assert_eq!(
        inbound, 1,
        "{backend:?}: one customer message (the queue may also tell the customer its place): {transcript}"
    );
}

#[tokio::test]
async fn the_same_delivery_from_many_tasks_is_one_message() {
    on_every_backend!(concurrent_duplicates_store_one_message);
}

async fn distinct_customers_at_once(server: &TestServer) {
    let backend = server.backend;
    let tasks: Vec<_> = (0..12)
        .map(|n| {
            let client = server.client.clone();
            let url = format!("{}/api/v1/channel/messages", server.base);
            let token = server.inbox_token.clone();
            tokio::spawn(async move {
                let phone = format!("+55119000000{n:02}");
                let mut statuses = Vec::new();
                for turn in 0..3 {
                    let response = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&channel_message(
                            &phone,
                            "boleto",
                            &format!("{phone}-{turn}"),
                        ))
                        .send()
                        .await
                        .expect("answer");
                    statuses.push(response.status());
                }
                statuses
            })
        })
        .collect();
    for task in tasks {
        let statuses = task.await.expect("task");
        assert!(
            statuses.iter().all(|s| *s == StatusCode::CREATED),
            "{backend:?}: {statuses:?}"
        );
    }
    let admin = server.login(ADMIN).await;
    let (_, page) = server.get("/api/v1/conversations?limit=100", &admin).await;
    let conversations = page["data"].as_array().expect("list");
    assert_eq!(
        conversations.len(),
        12,
        "{backend:?}: one conversation per customer"
    );
    for conversation in conversations {
        let id = conversation["id"].as_str().expect("id");
        let (_, transcript) = server
            .get(&format!("/api/v1/conversations/{id}/messages"), &admin)
            .await;
        let from_customer = transcript["data"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|message| message["direction"] == "inbound")
            .count();
        assert_eq!(from_customer, 3, "{backend:?}");
    }
}

#[tokio::test]
async fn many_customers_writing_at_once_each_get_one_conversation() {
    on_every_backend!(distinct_customers_at_once);
}

async fn channel_requires_the_inbox_token(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let message = channel_message("+5511944443333", "oi", "x-1");
    let (status, body) = server
        .post("/api/v1/channel/messages", &admin, message.clone())
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a user token is not an inbox token: {body}"
    );
    let (status, _) = server
        .post(
            "/api/v1/channel/messages",
            "tdm_i_not-a-token",
            message.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    let inbox_id = inboxes["data"][0]["id"].as_str().expect("inbox");
    let (status, rotated) = server
        .post(
            &format!("/api/v1/inboxes/{inbox_id}/token"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let (status, _) = server
        .post(
            "/api/v1/channel/messages",
            &server.inbox_token,
            message.clone(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old token stops working"
    );
    let new_token = rotated["api_token"].as_str().expect("new token");
    let (status, body) = server
        .post("/api/v1/channel/messages", new_token, message)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn the_channel_accepts_only_the_current_inbox_token() {
    on_every_backend!(channel_requires_the_inbox_token);
}
