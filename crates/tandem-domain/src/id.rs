//! Typed identifiers: one newtype per entity so ids of different kinds cannot be mixed up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! entity_id {
    ($(#[$doc:meta] $name:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    )+};
}

entity_id!(
    /// Identifies an account (tenant).
    AccountId,
    /// Identifies a user (admin, supervisor or agent).
    UserId,
    /// Identifies a team.
    TeamId,
    /// Identifies an inbox (one connected channel instance).
    InboxId,
    /// Identifies a contact (a customer).
    ContactId,
    /// Identifies a conversation.
    ConversationId,
    /// Identifies a message.
    MessageId,
    /// Identifies a conversation event.
    EventId,
    /// Identifies a login session or personal API token.
    TokenId,
    /// Identifies a canned response.
    CannedResponseId,
    /// Identifies a learning suggestion (something the bot may learn).
    LearningSuggestionId,
    /// Identifies a note people keep about a contact.
    ContactNoteId,
    /// Identifies a person's saved conversation-list view.
    SavedViewId,
    /// Identifies a stored file (a customer's media, an agent's upload).
    FileId,
);
