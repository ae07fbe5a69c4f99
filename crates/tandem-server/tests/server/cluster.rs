//! Two `tandem serve` processes on one PostgreSQL database: what happens on one node reaches
//! the WebSockets of the other, and both shut down cleanly on SIGTERM.

use serde_json::json;
use tandem_store::Backend;
use tandem_store::testing::{TestDatabase, backends};

use crate::harness::{ANA, BRUNO, call, channel_message, login, websocket};
use crate::process::Node;

#[tokio::test]
async fn an_event_on_one_node_reaches_a_websocket_on_the_other() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: the multi-node test needs TANDEM_TEST_DATABASE_URL");
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let first = Node::start(database.url(), data_dir.path()).await;
    let second = Node::start(database.url(), data_dir.path()).await;
    let inbox_token = first
        .inbox_token
        .clone()
        .expect("the first node seeds the demo account");
    assert!(second.inbox_token.is_none(), "only one node seeds");
    let client = reqwest::Client::new();

    let ana_on_second = login(&client, &second.base, ANA).await;
    let mut socket_on_second = websocket(&second.base, &ana_on_second).await;
    let bruno_on_first = login(&client, &first.base, BRUNO).await;
    let mut socket_on_first = websocket(&first.base, &bruno_on_first).await;

    let (status, created) = call(
        &client,
        &first.base,
        reqwest::Method::POST,
        "/api/v1/channel/messages",
        Some(&inbox_token),
        Some(channel_message(
            "+5511922221111",
            "Quero falar com um atendente",
            "n-1",
        )),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
    let live = socket_on_second.next_of("message.created").await;
    assert_eq!(live["message"]["id"], created["message"]["id"]);

    let conversation = created["conversation"]["id"].as_str().expect("id");
    let (status, assigned) = call(
        &client,
        &second.base,
        reqwest::Method::POST,
        &format!("/api/v1/conversations/{conversation}/assign"),
        Some(&ana_on_second),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{assigned}");
    // Bruno's socket saw the message first, then the assignment made on the other node.
    socket_on_first.next_of("message.created").await;
    let update = socket_on_first.next_of("conversation.updated").await;
    assert_eq!(update["conversation"]["status"], "assigned", "{update}");

    first.terminate().await;
    second.terminate().await;
}
