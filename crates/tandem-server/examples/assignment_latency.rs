//! Measures assignment latency: from the moment a customer's message is sent on a
//! human-first inbox (the conversation enters the queue) to the moment the agent it is given
//! to receives the assignment on their WebSocket. A real server runs in this process on a
//! throwaway database; agents online with WebSockets resolve each conversation as soon as
//! they get it, while `--customers` customers write at once, each waiting for their assignment
//! before writing again.
//!
//! ```text
//! cargo run --release -p tandem-server --example assignment_latency -- \
//!     [--backend sqlite|postgres] [--conversations 1000] [--customers 20] [--agents 10] [--capacity 3]
//! ```
//! PostgreSQL needs `TANDEM_TEST_DATABASE_URL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tandem_server::config::{Config, Secret};
use tandem_server::start;
use tandem_server::webhook::WebhookSettings;
use tandem_store::Backend;
use tandem_store::testing::TestDatabase;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as Frame;

const PASSWORD: &str = "correct horse battery";

struct Options {
    backend: Backend,
    conversations: usize,
    customers: usize,
    agents: usize,
    capacity: usize,
}

fn options() -> Options {
    let mut options = Options {
        backend: Backend::Sqlite,
        conversations: 1000,
        customers: 20,
        agents: 10,
        capacity: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        let number = || value.parse::<usize>().expect("a number");
        match pair[0].as_str() {
            "--backend" => {
                options.backend = match value {
                    "postgres" => Backend::Postgres,
                    _ => Backend::Sqlite,
                }
            }
            "--conversations" => options.conversations = number(),
            "--customers" => options.customers = number(),
            "--agents" => options.agents = number(),
            "--capacity" => options.capacity = number(),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Instant>>>>;
/// Assignments seen before their customer registered (the frame beat the HTTP answer).
type Early = Arc<Mutex<HashMap<String, Instant>>>;

async fn call(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let mut request = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

#[tokio::main]
async fn main() {
    let options = options();
    let database = TestDatabase::create(options.backend).await;
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: Some(Secret::new(database.url())),
        demo_password: Some(Secret::new(PASSWORD)),
        log_level: "warn".into(),
        ..Config::default()
    };
    let server = start(&config, WebhookSettings::default())
        .await
        .expect("server");
    let base = format!("http://{}", server.addr);
    let inbox_token = server.demo.as_ref().expect("demo").inbox_token.clone();
    let client = reqwest::Client::new();
    let admin = login(&client, &base, "admin@aurora.example").await;
    let team = call(
        &client,
        &base,
        reqwest::Method::POST,
        "/api/v1/teams",
        &admin,
        Some(json!({"name": "Atendimento", "routing": {"fallback": true}})),
    )
    .await;
    let team_id = team["id"].as_str().expect("id").to_owned();

    let waiters: Waiters = Arc::default();
    let early: Early = Arc::default();
    let ws_base = base.replacen("http", "ws", 1);
    for n in 0..options.agents {
        let email = format!("agent{n}@aurora.example");
        let user = call(&client, &base, reqwest::Method::POST, "/api/v1/users", &admin,
            Some(json!({"email": email, "name": format!("Agent {n}"), "role": "agent", "password": PASSWORD}))).await;
        let id = user["id"].as_str().expect("id").to_owned();
        call(
            &client,
            &base,
            reqwest::Method::PUT,
            &format!("/api/v1/teams/{team_id}/members/{id}"),
            &admin,
            None,
        )
        .await;
        call(
            &client,
            &base,
            reqwest::Method::PUT,
            &format!("/api/v1/agents/{id}/capacity"),
            &admin,
            Some(json!({"capacity": options.capacity})),
        )
        .await;
        let token = login(&client, &base, &email).await;
        let (mut socket, _) =
            tokio_tungstenite::connect_async(format!("{ws_base}/api/v1/ws?access_token={token}"))
                .await
                .expect("websocket");
        let (waiters, early, agent_client, agent_base) =
            (waiters.clone(), early.clone(), client.clone(), base.clone());
        let agent_token = token.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Frame::Text(text) = frame else { continue };
                let received = Instant::now();
                let event: Value = serde_json::from_str(&text).expect("json");
                let assigned = event["type"] == "conversation.updated"
                    && event["conversation"]["assignee_id"] == id.as_str()
                    && event["events"]
                        .as_array()
                        .is_some_and(|e| e.iter().any(|k| k == "assigned"));
                if !assigned {
                    continue;
                }
                let conversation = event["conversation"]["id"].as_str().expect("id").to_owned();
                match waiters.lock().expect("lock").remove(&conversation) {
                    Some(waiter) => {
                        let _ = waiter.send(received);
                    }
                    None => {
                        early
                            .lock()
                            .expect("lock")
                            .insert(conversation.clone(), received);
                    }
                }
                let (client, base, token) = (
                    agent_client.clone(),
                    agent_base.clone(),
                    agent_token.clone(),
                );
                tokio::spawn(async move {
                    // At the end the server may stop under a last resolution; that is fine.
                    let _ = client
                        .post(format!(
                            "{base}/api/v1/conversations/{conversation}/resolve"
                        ))
                        .bearer_auth(token)
                        .send()
                        .await;
                });
            }
        });
        call(
            &client,
            &base,
            reqwest::Method::PUT,
            "/api/v1/me/presence",
            &token,
            Some(json!({"presence": "online"})),
        )
        .await;
    }

    let started = Instant::now();
    let per_customer = options.conversations / options.customers;
    let mut tasks = Vec::new();
    for customer in 0..options.customers {
        let (client, base, inbox_token, waiters, early) = (
            client.clone(),
            base.clone(),
            inbox_token.clone(),
            waiters.clone(),
            early.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_customer);
            for n in 0..per_customer {
                let sent = Instant::now();
                let created = call(&client, &base, reqwest::Method::POST, "/api/v1/channel/messages", &inbox_token,
                    Some(json!({
                        "contact": {"identity": {"kind": "phone", "value": format!("+5511{customer:03}{n:06}")}},
                        "text": "Preciso de ajuda",
                        "external_id": format!("lat-{customer}-{n}"),
                    }))).await;
                let conversation = created["conversation"]["id"].as_str().expect("id").to_owned();
                let (sender, receiver) = oneshot::channel();
                let seen = early.lock().expect("lock").remove(&conversation);
                let received = match seen {
                    Some(at) => at,
                    None => {
                        waiters.lock().expect("lock").insert(conversation.clone(), sender);
                        // The frame may have arrived between the two looks.
                        if let Some(at) = early.lock().expect("lock").remove(&conversation) {
                            waiters.lock().expect("lock").remove(&conversation);
                            at
                        } else {
                            tokio::time::timeout(Duration::from_secs(30), receiver)
                                .await
                                .expect("assigned within 30 s")
                                .expect("sender kept")
                        }
                    }
                };
                latencies.push(received.duration_since(sent));
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("customer"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{:?}: {} conversations from {} customers at once, {} agents × capacity {}: {:.0} assignments/s; \
         message sent → agent's WebSocket: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        options.backend,
        latencies.len(),
        options.customers,
        options.agents,
        options.capacity,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
    server.shutdown().await.expect("shutdown");
}
