//! Two `tandem serve` processes on one PostgreSQL database: what happens on one node reaches
//! the WebSockets of the other, both route one queue without assigning anything twice, and
//! both shut down cleanly on SIGTERM.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_store::Backend;
use tandem_store::testing::{TestDatabase, backends};

use crate::harness::{ADMIN, ANA, BRUNO, PASSWORD, call, channel_message, login, websocket};
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

/// A node's search index follows the other node's writes: a message stored through one node
/// is found by a search on the other, whose index was built before the message existed.
#[tokio::test]
async fn a_message_written_on_one_node_is_found_by_a_search_on_the_other() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: the multi-node test needs TANDEM_TEST_DATABASE_URL");
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let first = Node::start(database.url(), data_dir.path()).await;
    let second = Node::start(database.url(), data_dir.path()).await;
    let inbox_token = first.inbox_token.clone().expect("the first node seeds");
    let client = reqwest::Client::new();
    let ana = login(&client, &second.base, ANA).await;
    let search = |base: &str| format!("{base}/api/v1/search?q=tarifa%20internacional");
    let (status, before) = call(
        &client,
        &second.base,
        Method::GET,
        "/api/v1/search?q=tarifa",
        Some(&ana),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(
        before["conversations"],
        json!([]),
        "the index is built, empty"
    );

    let (status, created) = call(
        &client,
        &first.base,
        Method::POST,
        "/api/v1/channel/messages",
        Some(&inbox_token),
        Some(channel_message(
            "+5511922223333",
            "Qual a tarifa internacional do cartão?",
            "s-1",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let conversation = created["conversation"]["id"].clone();
    let mut found = Value::Null;
    for _ in 0..100 {
        found = client
            .get(search(&second.base))
            .bearer_auth(&ana)
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        if found["conversations"][0]["conversation"]["id"] == conversation {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        found["conversations"][0]["conversation"]["id"], conversation,
        "{found}"
    );

    first.terminate().await;
    second.terminate().await;
}

/// Both nodes route the same queue at once, again and again: every conversation is assigned
/// once per time it waits, and no agent ever holds more than their capacity.
#[tokio::test]
async fn two_nodes_racing_over_one_queue_never_assign_twice() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: the multi-node test needs TANDEM_TEST_DATABASE_URL");
        return;
    }
    const AGENTS: usize = 8;
    const CAPACITY: usize = 2;
    const ROUNDS: usize = 5;
    const PER_ROUND: usize = 24;
    let database = TestDatabase::create(Backend::Postgres).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let nodes = [
        Node::start(database.url(), data_dir.path()).await,
        Node::start(database.url(), data_dir.path()).await,
    ];
    let inbox_token = nodes[0].inbox_token.clone().expect("seeded");
    let client = reqwest::Client::new();
    let base = |n: usize| nodes[n % 2].base.as_str();
    let admin = login(&client, base(0), ADMIN).await;
    let (status, team) = call(
        &client,
        base(0),
        Method::POST,
        "/api/v1/teams",
        Some(&admin),
        Some(json!({"name": "Todos", "routing": {"fallback": true}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team_id = team["id"].as_str().expect("id").to_owned();
    let mut agents = Vec::new();
    for n in 0..AGENTS {
        let email = format!("racer{n}@aurora.example");
        let (status, user) = call(
            &client,
            base(n),
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": email, "name": format!("Racer {n}"), "role": "agent", "password": PASSWORD})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        let id = user["id"].as_str().expect("id").to_owned();
        call(
            &client,
            base(n),
            Method::PUT,
            &format!("/api/v1/teams/{team_id}/members/{id}"),
            Some(&admin),
            None,
        )
        .await;
        call(
            &client,
            base(n),
            Method::PUT,
            &format!("/api/v1/agents/{id}/capacity"),
            Some(&admin),
            Some(json!({"capacity": CAPACITY})),
        )
        .await;
        agents.push((id, login(&client, base(n), &email).await));
    }

    let mut conversations = Vec::new();
    let mut max_load = 0;
    for round in 0..ROUNDS {
        for n in 0..PER_ROUND {
            let (status, created) = call(
                &client,
                base(n),
                Method::POST,
                "/api/v1/channel/messages",
                Some(&inbox_token),
                Some(channel_message(
                    &format!("+55119{round:02}{n:06}"),
                    "Preciso de ajuda",
                    &format!("race-{round}-{n}"),
                )),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            conversations.push(
                created["conversation"]["id"]
                    .as_str()
                    .expect("id")
                    .to_owned(),
            );
        }
        // Everyone comes online at once, half on each node: both nodes route the same queue.
        let online = agents.iter().enumerate().map(|(n, (_, token))| {
            call(
                &client,
                base(n + round),
                Method::PUT,
                "/api/v1/me/presence",
                Some(token),
                Some(json!({"presence": "online"})),
            )
        });
        futures_util::future::join_all(online).await;
        // Resolve what is assigned, on both nodes at once, until this round's queue is empty.
        loop {
            let (_, agents_now) = call(
                &client,
                base(round),
                Method::GET,
                "/api/v1/agents",
                Some(&admin),
                None,
            )
            .await;
            for agent in agents_now["data"].as_array().expect("agents") {
                let load = agent["load"].as_u64().expect("load") as usize;
                assert!(
                    load <= agent["effective_capacity"].as_u64().expect("cap") as usize,
                    "{agent}"
                );
                max_load = max_load.max(load);
            }
            let (_, assigned) = call(
                &client,
                base(round),
                Method::GET,
                "/api/v1/conversations?status=assigned&limit=100",
                Some(&admin),
                None,
            )
            .await;
            let (_, queue) = call(
                &client,
                base(round),
                Method::GET,
                "/api/v1/queue",
                Some(&admin),
                None,
            )
            .await;
            let assigned = assigned["data"].as_array().expect("list").clone();
            if assigned.is_empty() && queue["data"].as_array().is_some_and(Vec::is_empty) {
                break;
            }
            let resolutions = assigned.iter().enumerate().map(|(n, conversation)| {
                let id = conversation["id"].as_str().expect("id").to_owned();
                let client = &client;
                let admin = &admin;
                async move {
                    call(
                        client,
                        base(n),
                        Method::POST,
                        &format!("/api/v1/conversations/{id}/resolve"),
                        Some(admin),
                        None,
                    )
                    .await
                }
            });
            futures_util::future::join_all(resolutions).await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let offline = agents.iter().enumerate().map(|(n, (_, token))| {
            call(
                &client,
                base(n),
                Method::PUT,
                "/api/v1/me/presence",
                Some(token),
                Some(json!({"presence": "offline"})),
            )
        });
        futures_util::future::join_all(offline).await;
    }
    assert_eq!(
        max_load, CAPACITY,
        "the agents were kept busy up to their capacity"
    );
    for id in &conversations {
        let (_, events) = call(
            &client,
            base(0),
            Method::GET,
            &format!("/api/v1/conversations/{id}/events"),
            Some(&admin),
            None,
        )
        .await;
        let kinds: Vec<&str> = events["data"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["type"].as_str().expect("type"))
            .collect();
        let count = |name: &str| kinds.iter().filter(|kind| **kind == name).count();
        assert_eq!(count("assigned"), 1, "{id}: {kinds:?}");
        assert_eq!(count("transferred"), 0, "{id}: {kinds:?}");
        assert_eq!(count("resolved"), 1, "{id}: {kinds:?}");
    }
    for node in nodes {
        node.terminate().await;
    }
}
