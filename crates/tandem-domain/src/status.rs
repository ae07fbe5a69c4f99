//! Who is handling a conversation ([`ConversationStatus`]): a module of its own because the
//! status machine (`conversation`), the events it records (`event`) and inbox settings
//! (`inbox`) all name it, and none of them should depend on another for it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::stored_name::UnknownName;

/// Who is handling a conversation right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// The bot is answering.
    Bot,
    /// Handed over, waiting for an agent.
    Queued,
    /// A human agent owns it.
    Assigned,
    /// Closed; a new customer message reopens it.
    Resolved,
}

impl ConversationStatus {
    pub const ALL: [ConversationStatus; 4] = [
        ConversationStatus::Bot,
        ConversationStatus::Queued,
        ConversationStatus::Assigned,
        ConversationStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Bot => "bot",
            ConversationStatus::Queued => "queued",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Resolved => "resolved",
        }
    }

    pub fn is_open(self) -> bool {
        self != ConversationStatus::Resolved
    }
}

impl fmt::Display for ConversationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConversationStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConversationStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}
