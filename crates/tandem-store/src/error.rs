//! The store's typed error: what callers can act on (not found, conflict, illegal transition)
//! apart from what they can only report (database failures).

use tandem_domain::conversation::TransitionError;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such entity in this account (it may exist in another one; callers must not care).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// The change clashes with what is stored, e.g. an e-mail address already in use, or
    /// another write won a race; `kind` says which rule, `field` names the input concerned.
    #[error("{message}")]
    Conflict {
        kind: Conflict,
        field: &'static str,
        message: String,
    },
    /// The conversation's status does not allow the change.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A referenced entity (user, team) does not exist in this account.
    #[error("{field}: {message}")]
    InvalidReference {
        field: &'static str,
        message: String,
    },
    /// The input breaks a domain rule; each bad field is named.
    #[error(transparent)]
    Invalid(#[from] tandem_domain::validation::ValidationError),
    /// The store was configured wrongly (bad URL).
    #[error("storage configuration: {0}")]
    Config(String),
    /// A stored value this version cannot read.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database did not give a connection in time (overloaded or down).
    #[error("database unavailable")]
    Unavailable,
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// Which rule a [`StoreError::Conflict`] broke. [`Conflict::code`] is the stable snake_case
/// error code the API answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Another bot turn was stored for the conversation since the one being stored was
    /// computed; the caller recomputes it.
    BotStateChanged,
    /// The bot profile changed since the one a change was based on; the caller retries.
    ProfileChanged,
    /// Another user of the account already has this e-mail address.
    EmailTaken,
    /// The account already has a team of this name.
    TeamNameTaken,
    /// The account already has a canned response with this shortcut.
    ShortcutTaken,
    /// Another contact of the account already has this identity.
    IdentityTaken,
    /// The change would leave the account without an admin.
    LastAdmin,
    /// The agent already holds as many conversations as allowed.
    AgentAtCapacity,
    /// Only a conversation resolved within the survey window can be rated.
    NotResolved,
    /// The learning suggestion was already approved or dismissed.
    SuggestionDecided,
    /// The message taught from is not a person's public reply.
    NotAnAgentReply,
    /// Both contacts being merged have an open conversation in the same inbox.
    OpenConversationsClash,
    /// The contact's open conversation on the inbox is with people, not the bot.
    ConversationWithPeople,
    /// The person already has a saved view of this name.
    ViewNameTaken,
}

impl Conflict {
    /// Every conflict, for the table of error codes.
    pub const ALL: [Conflict; 14] = [
        Conflict::BotStateChanged,
        Conflict::ProfileChanged,
        Conflict::EmailTaken,
        Conflict::TeamNameTaken,
        Conflict::ShortcutTaken,
        Conflict::IdentityTaken,
        Conflict::LastAdmin,
        Conflict::AgentAtCapacity,
        Conflict::NotResolved,
        Conflict::SuggestionDecided,
        Conflict::NotAnAgentReply,
        Conflict::OpenConversationsClash,
        Conflict::ConversationWithPeople,
        Conflict::ViewNameTaken,
    ];

    /// The stable snake_case code of this conflict, as the API reports it. Never renamed.
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::BotStateChanged => "bot_state_changed",
            Conflict::ProfileChanged => "profile_changed",
            Conflict::EmailTaken => "email_taken",
            Conflict::TeamNameTaken => "team_name_taken",
            Conflict::ShortcutTaken => "shortcut_taken",
            Conflict::IdentityTaken => "identity_taken",
            Conflict::LastAdmin => "last_admin",
            Conflict::AgentAtCapacity => "agent_at_capacity",
            Conflict::NotResolved => "not_resolved",
            Conflict::SuggestionDecided => "suggestion_decided",
            Conflict::NotAnAgentReply => "not_an_agent_reply",
            Conflict::OpenConversationsClash => "open_conversations_clash",
            Conflict::ConversationWithPeople => "conversation_with_people",
            Conflict::ViewNameTaken => "view_exists",
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => StoreError::Unavailable,
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    pub(crate) fn not_found(entity: &'static str) -> Self {
        StoreError::NotFound { entity }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::Conflict;

    #[test]
    fn conflict_codes_are_the_api_codes() {
        let table = [
            (Conflict::BotStateChanged, "bot_state_changed"),
            (Conflict::ProfileChanged, "profile_changed"),
            (Conflict::EmailTaken, "email_taken"),
            (Conflict::TeamNameTaken, "team_name_taken"),
            (Conflict::ShortcutTaken, "shortcut_taken"),
            (Conflict::IdentityTaken, "identity_taken"),
            (Conflict::LastAdmin, "last_admin"),
            (Conflict::AgentAtCapacity, "agent_at_capacity"),
            (Conflict::NotResolved, "not_resolved"),
            (Conflict::SuggestionDecided, "suggestion_decided"),
            (Conflict::NotAnAgentReply, "not_an_agent_reply"),
            (Conflict::OpenConversationsClash, "open_conversations_clash"),
            (Conflict::ConversationWithPeople, "conversation_with_people"),
        ];
        for (conflict, code) in table {
            assert_eq!(conflict.code(), code, "{conflict:?}");
        }
    }
}
