//! An integration's webhook endpoint: records every delivery it receives, and can hold the
//! answer to some of them to play a slow receiver.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

/// One received delivery.
pub struct Delivery {
    pub signature: String,
    pub body: Bytes,
    /// Whether it arrived while the receiver was holding its answer to another delivery.
    pub arrived_while_holding: bool,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON webhook body")
    }
}

pub struct WebhookReceiver {
    pub url: String,
    received: mpsc::UnboundedReceiver<Delivery>,
    _task: tokio::task::JoinHandle<()>,
}

/// How long a held answer waits for another delivery to release it: less than the server's
/// webhook timeout in tests, so a server that waits for the answer first never sees it released.
const HOLD: Duration = Duration::from_secs(4);

#[derive(Clone)]
struct Receiving {
    sender: mpsc::UnboundedSender<Delivery>,
    /// Deliveries whose body contains this are answered only once another delivery arrives
    /// (or after `HOLD`).
    hold: Option<String>,
    holding: Arc<AtomicBool>,
    release: Arc<Notify>,
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        Self::serve(None).await
    }

    /// A receiver that holds its answer to every delivery whose body contains `text` until a
    /// delivery without it arrives.
    pub async fn holding(text: &str) -> Self {
        Self::serve(Some(text.to_owned())).await
    }

    async fn serve(hold: Option<String>) -> Self {
        let (sender, received) = mpsc::unbounded_channel();
        let receiving = Receiving {
            sender,
            hold,
            holding: Arc::new(AtomicBool::new(false)),
            release: Arc::new(Notify::new()),
        };
        let router = Router::new()
            .route("/hook", post(receive))
            .with_state(receiving);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("receiver serves");
        });
        Self {
            url,
            received,
            _task: task,
        }
    }

    /// Waits for the next delivery whose `type` is `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Delivery {
        self.until(kind)
            .await
            .pop()
            .expect("at least the awaited delivery")
    }

    /// Waits for the next `message.created` written by a person, skipping the bot's (the queue
    /// may tell a waiting customer its place at any routing tick).
    pub async fn next_agent_message(&mut self) -> Delivery {
        loop {
            let delivery = self.next_of("message.created").await;
            if delivery.json()["message"]["sender"]["type"] == "user" {
                return delivery;
            }
        }
    }

    /// Every delivery up to and including the next one whose `type` is `kind`.
    pub async fn until(&mut self, kind: &str) -> Vec<Delivery> {
        let mut deliveries = Vec::new();
        loop {
            let delivery = tokio::time::timeout(Duration::from_secs(15), self.received.recv())
                .await
                .unwrap_or_else(|_| panic!("a {kind} webhook within 15 s"))
                .expect("receiver open");
            let done = delivery.json()["type"] == kind;
            deliveries.push(delivery);
            if done {
                return deliveries;
            }
        }
    }
}

async fn receive(
    State(receiving): State<Receiving>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get("x-tandem-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let held = receiving
        .hold
        .as_deref()
        .is_some_and(|text| String::from_utf8_lossy(&body).contains(text));
    let arrived_while_holding = receiving.holding.load(Ordering::SeqCst);
    let _ = receiving.sender.send(Delivery {
        signature,
        body,
        arrived_while_holding,
    });
    if held {
        receiving.holding.store(true, Ordering::SeqCst);
        let _ = tokio::time::timeout(HOLD, receiving.release.notified()).await;
        receiving.holding.store(false, Ordering::SeqCst);
    } else {
        receiving.release.notify_waiters();
    }
    StatusCode::NO_CONTENT
}
