//! The external-bot protocol `tandem.bot.v1`: the signed turn webhook Tandem sends and the reply it
//! reads back (`docs/external-bots.md`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ContactResponse, ConversationResponse, EventResponse, MessageResponse};

/// What an external bot sends back for one customer message (protocol `tandem.bot.v1`), in
/// its webhook response or to `POST /api/v1/bot/conversations/{id}/reply`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalReplyRequest {
    /// Must be `tandem.bot.v1`.
    pub version: String,
    /// The customer message answered; required on the API, implied in a webhook response.
    pub in_reply_to: Option<Uuid>,
    #[serde(default)]
    pub replies: Vec<String>,
    /// `false` when the external bot did not understand (counts toward `bot_failure`).
    #[serde(default = "understood_by_default")]
    pub understood: bool,
    pub handover: Option<ExternalHandoverRequest>,
    /// The external bot's state for this conversation, sent back with the next turn.
    pub state: Option<serde_json::Value>,
}

fn understood_by_default() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalHandoverRequest {
    /// A handover reason code (`customer_request`, `complexity`, ...).
    pub reason: String,
    pub note: Option<String>,
}

/// The result of an external bot's reply.
#[derive(Debug, Serialize)]
pub struct ExternalReplyResponse {
    pub conversation: ConversationResponse,
    pub messages: Vec<MessageResponse>,
    pub events: Vec<EventResponse>,
}

/// The signed webhook Tandem POSTs to an external bot for each customer turn.
#[derive(Debug, Serialize)]
pub struct ExternalTurnPayload {
    pub version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub account_id: Uuid,
    pub conversation: ExternalConversation,
    pub contact: ContactResponse,
    pub message: ExternalMessage,
    pub analysis: ExternalAnalysis,
}

#[derive(Debug, Serialize)]
pub struct ExternalConversation {
    pub id: Uuid,
    pub inbox_id: Uuid,
    /// The customer's language (`pt`, `es`, `en`).
    pub language: &'static str,
    /// What the external bot returned as `state` last time, or `null`.
    pub state: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct ExternalMessage {
    pub id: Uuid,
    pub text: String,
}

/// Tandem's own understanding of the message, for the external bot to use or ignore.
#[derive(Debug, Serialize)]
pub struct ExternalAnalysis {
    pub language: &'static str,
    pub intents: Vec<ExternalIntent>,
    pub out_of_scope: bool,
    pub sentiment: f32,
    /// Entities found, personal numbers masked.
    pub entities: Vec<ExternalEntity>,
}

#[derive(Debug, Serialize)]
pub struct ExternalIntent {
    pub intent: String,
    pub confidence: f32,
}

#[derive(Debug, Serialize)]
pub struct ExternalEntity {
    pub kind: tandem_nlu::EntityKind,
    pub value: String,
}
