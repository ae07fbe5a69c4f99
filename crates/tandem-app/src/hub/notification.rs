//! What the hub tells a WebSocket session.

use tandem_domain::conversation::Conversation;
use tandem_domain::id::AccountId;
use tandem_domain::message::Message;
use tandem_store::TYPING;

/// Something an account's users should see at once.
#[derive(Clone, Debug, PartialEq)]
pub enum Notification {
    /// A message was written (or its delivery status changed) in a conversation.
    Message {
        account_id: AccountId,
        conversation: Conversation,
        message: Box<Message>,
        events: Vec<String>,
        /// The message existed before and changed (its delivery status).
        is_update: bool,
        /// With a `handover_requested` event: what the person taking over needs.
        handover_context: Option<serde_json::Value>,
        /// With an `opened` event: the widget visitor whose conversation it is, if any, so each
        /// widget socket recognises its visitor's first conversation without a read of its own.
        opened_by_visitor: Option<String>,
    },
    /// A conversation changed status or owner.
    Conversation {
        account_id: AccountId,
        conversation: Conversation,
        events: Vec<String>,
        /// With a `handover_requested` event: what the person taking over needs.
        handover_context: Option<serde_json::Value>,
        /// As on `Message`.
        opened_by_visitor: Option<String>,
    },
    /// Notifications may have been missed; clients should reload what they show.
    Resync,
}

impl Notification {
    /// The conversation it is about, if any.
    pub fn conversation(&self) -> Option<&Conversation> {
        match self {
            Notification::Message { conversation, .. }
            | Notification::Conversation { conversation, .. } => Some(conversation),
            Notification::Resync => None,
        }
    }

    /// The widget visitor that opened the conversation with this change, if any.
    pub fn opened_by_visitor(&self) -> Option<&str> {
        match self {
            Notification::Message {
                opened_by_visitor, ..
            }
            | Notification::Conversation {
                opened_by_visitor, ..
            } => opened_by_visitor.as_deref(),
            Notification::Resync => None,
        }
    }

    /// Whether it only says an agent is typing (news for the customer's widget alone).
    pub fn is_typing(&self) -> bool {
        matches!(self, Notification::Conversation { events, .. } if events.iter().any(|event| event == TYPING))
    }
}
