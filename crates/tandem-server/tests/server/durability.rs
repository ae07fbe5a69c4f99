//! Nothing acknowledged is lost: a message the API channel acknowledged survives the process
//! being killed right after, and a customer message a stopped node left unanswered is answered
//! by the next node to start.

use reqwest::{Method, StatusCode};
use tandem_app::secret::token_hash;
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_store::testing::{TestDatabase, backends};
use tandem_store::{InboundMessage, Store, StoreOptions};

use crate::harness::{ADMIN, bot_message_texts, call, channel_message, login};
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
            // The customer's messages; the bot tells waiting customers their place too.
            for message in transcript["data"].as_array().expect("messages") {
                if message["direction"] == "inbound" {
                    stored.push(message["id"].as_str().expect("id").to_owned());
                }
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

#[tokio::test]
async fn a_customer_message_left_unanswered_by_a_stopped_node_is_answered_on_start() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let data_dir = tempfile::tempdir().expect("temp dir");
        let client = reqwest::Client::new();
        let node = Node::start(database.url(), data_dir.path()).await;
        let admin = login(&client, &node.base, ADMIN).await;
        let (status, inbox) = call(
            &client,
            &node.base,
            Method::POST,
            "/api/v1/inboxes",
            Some(&admin),
            Some(serde_json::json!({"name": "Chat", "channel": "api", "first_responder": "bot"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{inbox}");
        let token = inbox["api_token"].as_str().expect("token").to_owned();
        node.terminate().await;

        // While no node runs, a message is stored (as if its node died before the bot turn).
        let store = Store::connect(database.url(), &StoreOptions::default())
            .await
            .expect("store");
        let inbox = store
            .inbox_by_token_hash(&token_hash(&token))
            .await
            .expect("read")
            .expect("the inbox");
        let stored = store
            .append_inbound_message(
                inbox.account_id,
                &InboundMessage {
                    inbox_id: inbox.id,
                    identity: Identity::parse(IdentityKind::Phone, "+5511977778888", "phone")
                        .expect("phone"),
                    contact_name: None,
                    text: "qual o horário de atendimento?".into(),
                    external_id: Some("left-1".into()),
                    attachments: Vec::new(),
                    channel_data: None,
                    reply_address: None,
                },
                tandem_app::now(),
            )
            .await
            .expect("stored");
        store.close().await;
        let id = stored.conversation.id.to_string();

        let node = Node::start(database.url(), data_dir.path()).await;
        let admin = login(&client, &node.base, ADMIN).await;
        let mut replies = 0;
        for _ in 0..400 {
            replies = bot_message_texts(&client, &node.base, &admin, &id)
                .await
                .len();
            if replies > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(replies > 0, "{backend:?}: the bot answers on start");
        node.terminate().await;

        // Answered messages are not answered again by the next start.
        let node = Node::start(database.url(), data_dir.path()).await;
        let admin = login(&client, &node.base, ADMIN).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(
            bot_message_texts(&client, &node.base, &admin, &id)
                .await
                .len(),
            replies,
            "{backend:?}"
        );
        node.terminate().await;
    }
}
