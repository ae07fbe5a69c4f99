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
use crate::provider::{Provider, TELEGRAM_TOKEN};

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

/// A reply queued for a channel whose provider is down, on a node that is then killed, is
/// delivered once by the next node after the provider comes back.
#[tokio::test]
async fn queued_channel_messages_survive_a_crash_and_are_delivered_once_after_restart() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let data_dir = tempfile::tempdir().expect("temp dir");
        let client = reqwest::Client::new();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let provider_url = format!("http://127.0.0.1:{port}");
        let allowed = format!("127.0.0.1:{port}");
        let settings = [
            ("TANDEM_TELEGRAM_API_URL", provider_url.as_str()),
            ("TANDEM_OUTBOUND_ALLOW", allowed.as_str()),
        ];
        let node = Node::start_with(database.url(), data_dir.path(), &settings).await;
        let admin = login(&client, &node.base, ADMIN).await;
        let (status, inbox) = call(
            &client,
            &node.base,
            Method::POST,
            "/api/v1/inboxes",
            Some(&admin),
            Some(serde_json::json!({"name": "Telegram", "channel": "telegram", "first_responder": "bot",
                "channel_config": {"bot_token": TELEGRAM_TOKEN, "secret_token": "restart-secret"}})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {inbox}");
        let update = serde_json::json!({"update_id": 1, "message": {"message_id": 7, "date": 1750000800,
            "from": {"id": 4242, "is_bot": false, "first_name": "Cliente"},
            "chat": {"id": 4242, "type": "private"}, "text": "Qual o horário de atendimento?"}});
        let answer = client
            .post(inbox["channel_webhook_url"].as_str().expect("url"))
            .header("x-telegram-bot-api-secret-token", "restart-secret")
            .json(&update)
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), StatusCode::OK, "{backend:?}");
        let mut pending = 0;
        for _ in 0..200 {
            let (_, page) = call(
                &client,
                &node.base,
                Method::GET,
                "/api/v1/conversations",
                Some(&admin),
                None,
            )
            .await;
            if let Some(id) = page["data"][0]["id"].as_str() {
                let (_, messages) = call(
                    &client,
                    &node.base,
                    Method::GET,
                    &format!("/api/v1/conversations/{id}/messages"),
                    Some(&admin),
                    None,
                )
                .await;
                pending = messages["data"]
                    .as_array()
                    .expect("list")
                    .iter()
                    .filter(|m| m["sender"]["type"] == "bot" && m["delivery_status"] == "pending")
                    .count();
                if pending > 0 {
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            pending > 0,
            "{backend:?}: the bot's reply waits for the provider"
        );
        // Past the first failed attempt (milliseconds) and before the retry (5 s), so the job
        // waits for its back-off rather than for a crashed worker's lease.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        node.crash().await;

        let provider = Provider::start_on(&format!("127.0.0.1:{port}")).await;
        let restarted = Node::start_with(database.url(), data_dir.path(), &settings).await;
        let mut sent = Vec::new();
        for _ in 0..900 {
            sent = provider.sent().await;
            if sent.len() >= pending {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            sent.len(),
            pending,
            "{backend:?}: every queued reply delivered, once"
        );
        assert_eq!(sent[0].body["chat_id"], 4242);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(
            provider.sent().await.len(),
            pending,
            "{backend:?}: and not again"
        );
        restarted.terminate().await;
    }
}
