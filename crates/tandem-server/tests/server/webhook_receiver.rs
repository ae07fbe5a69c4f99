//! An integration's webhook endpoint: records every delivery it receives.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::mpsc;

/// One received delivery.
pub struct Delivery {
    pub signature: String,
    pub body: Bytes,
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

impl WebhookReceiver {
    pub async fn start() -> Self {
        let (sender, received) = mpsc::unbounded_channel();
        let router = Router::new()
            .route("/hook", post(receive))
            .with_state(sender);
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
    State(sender): State<mpsc::UnboundedSender<Delivery>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get("x-tandem-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let _ = sender.send(Delivery { signature, body });
    StatusCode::NO_CONTENT
}
