//! A scripted stand-in for an OpenAI-compatible server (`POST /v1/chat/completions`), as the
//! provider tests fake the Graph API: it checks the API key, records every request as it came,
//! and answers by a script chosen per kind of request (the system prompt names the task), or
//! fails first (status codes, or a delay past the caller's timeout).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// The key the stand-in accepts.
pub const API_KEY: &str = "sk-test-0123456789";
/// The only model it knows.
pub const MODEL: &str = "fake-small";

/// One thing the stand-in may do with a request, before answering normally.
#[derive(Clone, Debug)]
pub enum Trouble {
    /// Answer this status with an error body.
    Status(u16),
    /// Wait this long first.
    Delay(Duration),
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Value>>,
    troubles: Mutex<VecDeque<Trouble>>,
    /// Answers by task: the first whose key the system prompt contains.
    answers: Mutex<Vec<(String, String)>>,
    /// Usage it reports per answer (prompt, completion).
    usage: Mutex<(u32, u32)>,
}

/// The running stand-in.
#[derive(Clone)]
pub struct LanguageModelServer {
    pub base: String,
    shared: Arc<Shared>,
}

impl LanguageModelServer {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        *shared.usage.lock().await = (120, 30);
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, shared }
    }

    /// The base URL an admin configures (`…/v1`).
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.base)
    }

    /// Answers requests whose system prompt contains `task` with `text`.
    pub async fn answer(&self, task: &str, text: &str) {
        self.shared
            .answers
            .lock()
            .await
            .insert(0, (task.to_owned(), text.to_owned()));
    }

    /// The next requests meet these troubles, one each, in order.
    pub async fn trouble(&self, troubles: impl IntoIterator<Item = Trouble>) {
        self.shared.troubles.lock().await.extend(troubles);
    }

    /// The usage reported with each answer.
    pub async fn report_usage(&self, prompt: u32, completion: u32) {
        *self.shared.usage.lock().await = (prompt, completion);
    }

    /// Every request received, as JSON, with the `authorization` header under `_auth`.
    pub async fn requests(&self) -> Vec<Value> {
        self.shared.requests.lock().await.clone()
    }

    /// All the text of every request received, one string per request.
    pub async fn request_texts(&self) -> Vec<String> {
        self.requests()
            .await
            .iter()
            .map(|request| request["messages"].to_string())
            .collect()
    }
}

async fn complete(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Json(mut body): axum::Json<Value>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    body["_auth"] = json!(auth);
    shared.requests.lock().await.push(body.clone());
    let trouble = shared.troubles.lock().await.pop_front();
    match trouble {
        Some(Trouble::Status(status)) => {
            return (
                StatusCode::from_u16(status).expect("a status"),
                axum::Json(json!({"error": {"message": format!("scripted {status}")}})),
            )
                .into_response();
        }
        Some(Trouble::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    if auth != format!("Bearer {API_KEY}") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"message": "Incorrect API key provided"}})),
        )
            .into_response();
    }
    if body["model"] != MODEL {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"message": format!("The model `{}` does not exist", body["model"])}})),
        )
            .into_response();
    }
    let system = body["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    let text = shared
        .answers
        .lock()
        .await
        .iter()
        .find(|(task, _)| system.contains(&task.to_lowercase()))
        .map_or_else(|| "NO_ANSWER".to_owned(), |(_, text)| text.clone());
    let (prompt, completion) = *shared.usage.lock().await;
    axum::Json(json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }))
    .into_response()
}
