//! The store's typed error: what callers can act on (not found, conflict, illegal transition)
//! apart from what they can only report (database failures).

use tandem_domain::conversation::TransitionError;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such entity in this account (it may exist in another one; callers must not care).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// The change would break a uniqueness rule, e.g. an e-mail address already in use.
    #[error("{message}")]
    Conflict {
        code: &'static str,
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
