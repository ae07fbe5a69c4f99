//! The API channel: a customer message an integration posts, and what it gets back.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ConversationResponse, IdentityBody, MessageResponse};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelContact {
    pub identity: IdentityBody,
    pub name: Option<String>,
}

/// A customer message posted by an integration on the API channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelMessageRequest {
    pub contact: ChannelContact,
    pub text: String,
    /// The integration's id for the message; a repeated id is acknowledged, not stored twice.
    pub external_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChannelMessageResponse {
    pub duplicate: bool,
    pub contact_id: Uuid,
    pub conversation: ConversationResponse,
    pub message: MessageResponse,
}
