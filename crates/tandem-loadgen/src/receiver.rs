//! The generator's own HTTP server, which the Tandem server calls: the API inbox's outgoing
//! webhooks (how an API-channel customer sees replies) and a fake WhatsApp Graph API (how a
//! WhatsApp customer sees them). Each call is checked the way the real receiver would check
//! it, answered at once, and turned into a delivery on the reply board.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use tokio::net::TcpListener;

use crate::board::Awaited;
use crate::failure::{Failure, FailureKind, Operation};
use crate::phrases::AGENT_REPLY;
use crate::setup::WEBHOOK_PATH;
use crate::signature::is_tandem_signature;
use crate::whatsapp::{GraphSend, accepted_send, invalid_token};
use crate::world::World;

/// What the receiver needs to check calls.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The API inbox's webhook secret.
    pub webhook_secret: Option<String>,
    /// The WhatsApp inbox's access token, expected as the Graph API bearer token.
    pub graph_token: Option<String>,
}

struct Receiver {
    world: Arc<World>,
    credentials: Credentials,
    graph_sends: AtomicU64,
}

/// Serves the receiver on `listener` until the process ends.
pub fn spawn(listener: TcpListener, world: Arc<World>, credentials: Credentials) {
    let receiver = Arc::new(Receiver {
        world,
        credentials,
        graph_sends: AtomicU64::new(0),
    });
    let app = Router::new()
        .route(WEBHOOK_PATH, post(tandem_webhook))
        .route("/{version}/{phone_number_id}/messages", post(graph_send))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// The parts of a Tandem webhook that say what a customer now sees.
#[derive(Debug, Deserialize)]
struct TandemWebhook {
    #[serde(rename = "type")]
    kind: String,
    conversation: Option<WebhookConversation>,
    message: Option<WebhookMessage>,
    contact: Option<WebhookContact>,
}

#[derive(Debug, Deserialize)]
struct WebhookConversation {
    contact_id: String,
}

#[derive(Debug, Deserialize)]
struct WebhookMessage {
    sender: WebhookSender,
}

#[derive(Debug, Deserialize)]
struct WebhookSender {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct WebhookContact {
    identities: Vec<WebhookIdentity>,
}

#[derive(Debug, Deserialize)]
struct WebhookIdentity {
    value: String,
}

impl Receiver {
    fn fail(&self, kind: FailureKind) {
        let failure = Failure {
            operation: Operation::Incoming,
            kind,
        };
        self.world.recorder.failure(Instant::now(), failure);
    }

    /// Which customer a webhook is about and what it makes visible to them.
    fn webhook_delivery(&self, webhook: &TandemWebhook) -> Option<(usize, Awaited)> {
        let world = &self.world;
        let by_contact = || {
            let contact_id = &webhook.conversation.as_ref()?.contact_id;
            world.board.customer_of_contact(contact_id)
        };
        match webhook.kind.as_str() {
            "message.created" => {
                let awaited = match webhook.message.as_ref()?.sender.kind.as_str() {
                    "bot" => Awaited::BotReply,
                    "user" => Awaited::AgentReply,
                    _ => return None,
                };
                let by_identity = webhook.contact.as_ref().and_then(|contact| {
                    contact.identities.iter().find_map(|identity| {
                        world.addresses.customer_of_api_identity(&identity.value)
                    })
                });
                Some((by_identity.or_else(by_contact)?, awaited))
            }
            "conversation.resolved" => Some((by_contact()?, Awaited::Resolution)),
            _ => None,
        }
    }
}

async fn tandem_webhook(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let seen = Instant::now();
    let signature = headers
        .get("x-tandem-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let is_signed = receiver
        .credentials
        .webhook_secret
        .as_deref()
        .is_some_and(|secret| is_tandem_signature(secret, signature, &body));
    if !is_signed {
        receiver.fail(FailureKind::BadCredentials);
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(webhook) = serde_json::from_slice::<TandemWebhook>(&body) else {
        receiver.fail(FailureKind::BadBody);
        return StatusCode::BAD_REQUEST;
    };
    if let Some((customer, awaited)) = receiver.webhook_delivery(&webhook) {
        receiver.world.board.deliver(customer, awaited, seen);
    }
    StatusCode::OK
}

/// What a WhatsApp send shows the customer: an agent's reply by its text; any other message is
/// the bot's, or after the agent's reply the survey that follows resolution.
fn graph_delivery(receiver: &Receiver, customer: usize, send: &GraphSend) -> Awaited {
    let board = &receiver.world.board;
    if send.text().is_some_and(|text| text.contains(AGENT_REPLY)) {
        Awaited::AgentReply
    } else if board.is_expecting(customer, Awaited::Resolution)
        && !board.is_expecting(customer, Awaited::AgentReply)
    {
        Awaited::Resolution
    } else {
        Awaited::BotReply
    }
}

async fn graph_send(
    State(receiver): State<Arc<Receiver>>,
    Path((_version, _phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Instant::now();
    let expected = receiver
        .credentials
        .graph_token
        .as_deref()
        .map(|token| format!("Bearer {token}"));
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if expected.is_none() || presented != expected.as_deref() {
        receiver.fail(FailureKind::BadCredentials);
        return json_response(StatusCode::UNAUTHORIZED, invalid_token());
    }
    let send = match serde_json::from_slice::<GraphSend>(&body) {
        Ok(send) if send.messaging_product.as_deref() == Some("whatsapp") => send,
        _ => {
            receiver.fail(FailureKind::BadBody);
            return (StatusCode::BAD_REQUEST, "not a WhatsApp send").into_response();
        }
    };
    let to = send.to.clone().unwrap_or_default();
    let customer = receiver.world.addresses.customer_of_whatsapp_number(&to);
    if let Some(customer) = customer {
        let awaited = graph_delivery(&receiver, customer, &send);
        receiver.world.board.deliver(customer, awaited, seen);
    }
    if receiver.world.delivery.keeps_ledger() {
        let ledger = &receiver.world.ledger;
        match customer {
            Some(customer) => ledger.reply(customer, send.text().unwrap_or_default()),
            None => ledger.unattributed_reply(),
        }
    }
    let sent = receiver.graph_sends.fetch_add(1, Ordering::Relaxed);
    json_response(
        StatusCode::OK,
        accepted_send(&to, &format!("wamid.out{sent}")),
    )
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
