//! A thin client of Tandem's public HTTP API: the calls the generator makes as an admin
//! (setup), as customers (API channel, WhatsApp webhooks, widget) and as agents. One `reqwest`
//! client with keep-alive serves every call.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::failure::FailureKind;

/// How long one HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("could not connect: {0}")]
    Connect(reqwest::Error),
    #[error("timed out: {0}")]
    Timeout(reqwest::Error),
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("request failed: {0}")]
    Request(reqwest::Error),
    #[error("unexpected answer: {0}")]
    BadBody(serde_json::Error),
}

impl ApiError {
    /// The report's kind for this error.
    pub fn kind(&self) -> FailureKind {
        match self {
            ApiError::Connect(_) => FailureKind::Connect,
            ApiError::Timeout(_) => FailureKind::Timeout,
            ApiError::Status { status, .. } => FailureKind::of_status(*status),
            ApiError::Request(_) => FailureKind::Request,
            ApiError::BadBody(_) => FailureKind::BadBody,
        }
    }

    /// Whether the server answered this status.
    pub fn is_status(&self, expected: u16) -> bool {
        matches!(self, ApiError::Status { status, .. } if *status == expected)
    }

    fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_connect() {
            ApiError::Connect(error)
        } else if error.is_timeout() {
            ApiError::Timeout(error)
        } else {
            ApiError::Request(error)
        }
    }
}

/// A logged-in user.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: UserSummary,
}

/// The parts of a user the generator uses.
#[derive(Debug, Clone, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
}

/// The parts of an inbox the generator uses; secrets only when just created.
#[derive(Debug, Clone, Deserialize)]
pub struct InboxSummary {
    pub id: String,
    pub channel: String,
    pub webhook_secret: Option<String>,
    pub api_token: Option<String>,
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
struct VisitorToken {
    token: String,
}

/// What the API channel answers to a customer message.
#[derive(Debug, Deserialize)]
pub struct ChannelMessageAccepted {
    pub contact_id: String,
}

/// The HTTP client.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
}

impl Api {
    /// A client with keep-alive and the generator's timeouts.
    pub fn new() -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .build()
            .map_err(ApiError::Request)?;
        Ok(Self { http })
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(
        &self,
        base: &str,
        email: &str,
        password: &str,
    ) -> Result<Session, ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/auth/login"))
            .json_body(&json!({"email": email, "password": password}));
        parse(send(request).await?)
    }

    /// `POST /api/v1/inboxes` (admin).
    pub async fn create_inbox(
        &self,
        base: &str,
        admin: &str,
        inbox: &Value,
    ) -> Result<InboxSummary, ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/inboxes"))
            .bearer_auth(admin)
            .json_body(inbox);
        parse(send(request).await?)
    }

    /// `GET /api/v1/inboxes`.
    pub async fn inboxes(&self, base: &str, token: &str) -> Result<Vec<InboxSummary>, ApiError> {
        let request = self
            .http
            .get(format!("{base}/api/v1/inboxes"))
            .bearer_auth(token);
        Ok(parse::<List<InboxSummary>>(send(request).await?)?.data)
    }

    /// `POST /api/v1/users` (admin): an agent with a password.
    pub async fn create_agent(
        &self,
        base: &str,
        admin: &str,
        email: &str,
        name: &str,
        password: &str,
    ) -> Result<UserSummary, ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/users"))
            .bearer_auth(admin)
            .json_body(
                &json!({"email": email, "name": name, "role": "agent", "password": password}),
            );
        parse(send(request).await?)
    }

    /// `PUT /api/v1/agents/{id}/capacity` (admin).
    pub async fn set_capacity(
        &self,
        base: &str,
        admin: &str,
        user_id: &str,
        capacity: u32,
    ) -> Result<(), ApiError> {
        let request = self
            .http
            .put(format!("{base}/api/v1/agents/{user_id}/capacity"))
            .bearer_auth(admin)
            .json_body(&json!({"capacity": capacity}));
        send(request).await.map(drop)
    }

    /// `PUT /api/v1/me/presence`.
    pub async fn set_presence(
        &self,
        base: &str,
        token: &str,
        presence: &str,
    ) -> Result<(), ApiError> {
        let request = self
            .http
            .put(format!("{base}/api/v1/me/presence"))
            .bearer_auth(token)
            .json_body(&json!({"presence": presence}));
        send(request).await.map(drop)
    }

    /// `POST /api/v1/channel/messages` with an inbox token.
    pub async fn post_channel_message(
        &self,
        base: &str,
        inbox_token: &str,
        identity: &str,
        text: &str,
        external_id: &str,
    ) -> Result<ChannelMessageAccepted, ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/channel/messages"))
            .bearer_auth(inbox_token)
            .json_body(&json!({
                "contact": {"identity": {"kind": "external", "value": identity}},
                "text": text,
                "external_id": external_id,
            }));
        parse(send(request).await?)
    }

    /// A provider webhook to `POST /api/v1/channels/{inbox}/webhook`, body already signed.
    pub async fn post_whatsapp_webhook(
        &self,
        base: &str,
        inbox_id: &str,
        body: Vec<u8>,
        signature: &str,
    ) -> Result<(), ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/channels/{inbox_id}/webhook"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body);
        send(request).await.map(drop)
    }

    /// `POST /api/v1/widget/{inbox}/visitors`: a new visitor's token.
    pub async fn start_visitor(&self, base: &str, inbox_id: &str) -> Result<String, ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/widget/{inbox_id}/visitors"))
            .json_body(&json!({}));
        Ok(parse::<VisitorToken>(send(request).await?)?.token)
    }

    /// `POST /api/v1/widget/{inbox}/messages` as the visitor.
    pub async fn post_widget_message(
        &self,
        base: &str,
        inbox_id: &str,
        visitor_token: &str,
        text: &str,
        client_id: &str,
    ) -> Result<(), ApiError> {
        let request = self
            .http
            .post(format!("{base}/api/v1/widget/{inbox_id}/messages"))
            .bearer_auth(visitor_token)
            .json_body(&json!({"text": text, "client_id": client_id}));
        send(request).await.map(drop)
    }

    /// `POST /api/v1/conversations/{id}/messages`: an agent's public reply.
    pub async fn reply(
        &self,
        base: &str,
        token: &str,
        conversation_id: &str,
        text: &str,
    ) -> Result<(), ApiError> {
        let request = self
            .http
            .post(format!(
                "{base}/api/v1/conversations/{conversation_id}/messages"
            ))
            .bearer_auth(token)
            .json_body(&json!({"text": text}));
        send(request).await.map(drop)
    }

    /// `POST /api/v1/conversations/{id}/resolve`.
    pub async fn resolve(
        &self,
        base: &str,
        token: &str,
        conversation_id: &str,
    ) -> Result<(), ApiError> {
        let request = self
            .http
            .post(format!(
                "{base}/api/v1/conversations/{conversation_id}/resolve"
            ))
            .bearer_auth(token);
        send(request).await.map(drop)
    }
}

/// JSON bodies without reqwest's `json` feature: the body is serialised here.
trait JsonBody {
    fn json_body(self, body: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_string())
    }
}

/// Sends and reads the whole answer; a status other than 2xx is an error.
async fn send(request: reqwest::RequestBuilder) -> Result<Vec<u8>, ApiError> {
    let response = request.send().await.map_err(ApiError::from_reqwest)?;
    let status = response.status();
    let body = response.bytes().await.map_err(ApiError::from_reqwest)?;
    if status.is_success() {
        Ok(body.to_vec())
    } else {
        Err(ApiError::Status {
            status: status.as_u16(),
            body: String::from_utf8_lossy(&body).chars().take(300).collect(),
        })
    }
}

fn parse<T: DeserializeOwned>(body: Vec<u8>) -> Result<T, ApiError> {
    serde_json::from_slice(&body).map_err(ApiError::BadBody)
}
