//! Messages: inbound from contacts, outbound from the bot or agents, and private notes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::event::Actor;
use crate::id::{AccountId, ConversationId, MessageId};
use crate::validation::{ValidationError, Validator};

/// Whether a message came from the customer or goes to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

impl FromStr for Direction {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(Direction::Inbound),
            "outbound" => Ok(Direction::Outbound),
            _ => Err(UnknownName(s.to_owned())),
        }
    }
}

/// How far an outbound message got on its way to the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Accepted and queued for the channel.
    Pending,
    Sent,
    Delivered,
    Read,
    /// The channel gave up on it.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Read,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
        .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// A stored name that this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown name {0:?}")]
pub struct UnknownName(pub String);

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub direction: Direction,
    pub sender: Actor,
    /// Private notes are for agents only and never leave for the customer.
    pub is_private: bool,
    pub text: String,
    /// The channel's id for the message, unique per inbox (idempotency and delivery statuses).
    pub external_id: Option<String>,
    /// Delivery progress of outbound, non-private messages.
    pub delivery_status: Option<DeliveryStatus>,
    pub created_at: Timestamp,
}

/// Longest message text accepted (long e-mails included).
pub const MAX_MESSAGE_CHARS: usize = 64 * 1024;
/// Longest external message id accepted.
pub const MAX_EXTERNAL_ID_CHARS: usize = 256;

/// Validates a message's text.
pub fn validate_text(validator: &mut Validator, field: &str, text: &str) {
    validator.text(field, text, MAX_MESSAGE_CHARS);
}

/// Validates a message text on its own.
pub fn validate_message_text(text: &str) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    validate_text(&mut validator, "text", text);
    validator.finish()
}
