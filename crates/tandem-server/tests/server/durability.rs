//! A message the API channel acknowledged survives the process being killed right after.

use reqwest::{Method, StatusCode};
use tandem_store::testing::{TestDatabase, backends};

use crate::harness::{ADMIN, call, channel_message, login};
use crate::process::Node;

#[tokio::test]
async fn an_acknowledged_message_survives_a_crash() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let data_dir = tempfile::tempdir().expect("temp dir");
        let client = reqwest::Client::new();
        let node = Node::start(database.url(), data_dir.path()).await;
        let token = node
            .inbox_token
            .clone()
            .expect("a new database seeds the demo");
        let mut acknowledged = Vec::new();
        for n in 0..20 {
            let (status, body) = call(
                &client,
                &node.base,
                Method::POST,
                "/api/v1/channel/messages",
                Some(&token),
                Some(channel_message(
                    &format!("+55119777700{n:02}"),
                    "oi",
                    &format!("c-{n}"),
                )),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{backend:?}: {body}");
            acknowledged.push(body["message"]["id"].as_str().expect("id").to_owned());
        }
        node.crash().await;

        let restarted = Node::start(database.url(), data_dir.path()).await;
        assert!(
            restarted.inbox_token.is_none(),
            "{backend:?}: no second seeding"
        );
        let admin = login(&client, &restarted.base, ADMIN).await;
        let (_, page) = call(
            &client,
            &restarted.base,
            Method::GET,
            "/api/v1/conversations?limit=100",
            Some(&admin),
            None,
        )
        .await;
        let mut stored = Vec::new();
        for conversation in page["data"].as_array().expect("list") {
            let id = conversation["id"].as_str().expect("id");
            let (_, transcript) = call(
                &client,
                &restarted.base,
                Method::GET,
                &format!("/api/v1/conversations/{id}/messages"),
                Some(&admin),
                None,
            )
            .await;
            for message in transcript["data"].as_array().expect("messages") {
                stored.push(message["id"].as_str().expect("id").to_owned());
            }
        }
        acknowledged.sort();
        stored.sort();
        assert_eq!(
            stored, acknowledged,
            "{backend:?}: every acknowledged message is there"
        );
        restarted.terminate().await;
    }
}
