//! The application layer's typed error: what a use case's caller can act on (not found, a
//! conflict, a refused transition, bad input, a permission) apart from what it can only report.
//! The server maps it to HTTP in one place; nothing here knows HTTP.

use tandem_domain::conversation::TransitionError;
use tandem_domain::validation::ValidationError;
pub use tandem_store::Conflict;
use tandem_store::StoreError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such entity in the caller's account (it may exist in another one; callers must not
    /// care).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// The change would break a rule of the current state (a name in use, a decision already
    /// taken, a state changed meanwhile).
    #[error("{message}")]
    Conflict {
        kind: ConflictKind,
        field: Option<&'static str>,
        message: String,
    },
    /// The conversation's status does not allow the change.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The input breaks a rule; each bad field is named.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A file's content is refused (empty, too large, a type not kept).
    #[error(transparent)]
    FileRefused(#[from] crate::file_types::FileRefused),
    /// The caller's role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// The database did not answer in time (overloaded or down).
    #[error("database unavailable")]
    Unavailable,
    /// The account's language model could not be used: down, slow, over budget, or its
    /// answer failed the checks (`code` says which).
    #[error("{message}")]
    AiUnavailable { code: &'static str, message: String },
    /// Anything the caller can only report; the text is for the log, never for the client.
    #[error("internal: {0}")]
    Internal(String),
}

/// Which rule of the current state a change broke: one the store enforces in its transaction,
/// or one a use case checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictKind {
    Store(Conflict),
    /// The conversation is no longer the bot's.
    NotTheBots,
    /// The customer message was answered already.
    AlreadyAnswered,
    /// The account's bot profile has no external bot.
    NoExternalBot,
    /// The customer asked nothing before the reply being taught.
    NoQuestion,
    /// Only an API-channel inbox has a channel token; providers sign their webhooks instead.
    NotAnApiInbox,
    /// Two-factor authentication is enabled already (setting it up again needs disabling it).
    TwoFactorAlreadyEnabled,
    /// No two-factor enrolment is in progress to confirm.
    TwoFactorNotPending,
    /// The account has no AI provider (or translation is switched off).
    AiNotConfigured,
    /// The articles do not answer what the customer asked.
    NoGroundedAnswer,
    /// The customer needed a person (asked for one, or was upset): not taught to the bot.
    NeedsAPerson,
    /// Approving would keep with the bot customers a rule sends to a person; needs an override.
    StopsHandovers,
}

impl ConflictKind {
    /// The conflicts the use cases check themselves (the store's are `Conflict::ALL`).
    pub const OWN: [ConflictKind; 11] = [
        ConflictKind::NotTheBots,
        ConflictKind::AlreadyAnswered,
        ConflictKind::NoExternalBot,
        ConflictKind::NoQuestion,
        ConflictKind::NotAnApiInbox,
        ConflictKind::TwoFactorAlreadyEnabled,
        ConflictKind::TwoFactorNotPending,
        ConflictKind::AiNotConfigured,
        ConflictKind::NoGroundedAnswer,
        ConflictKind::NeedsAPerson,
        ConflictKind::StopsHandovers,
    ];

    /// The stable snake_case code the API answers with. Never renamed.
    pub fn code(self) -> &'static str {
        match self {
            ConflictKind::Store(conflict) => conflict.code(),
            ConflictKind::NotTheBots => "not_the_bots",
            ConflictKind::AlreadyAnswered => "already_answered",
            ConflictKind::NoExternalBot => "no_external_bot",
            ConflictKind::NoQuestion => "no_question",
            ConflictKind::NotAnApiInbox => "not_an_api_inbox",
            ConflictKind::TwoFactorAlreadyEnabled => "two_factor_already_enabled",
            ConflictKind::TwoFactorNotPending => "two_factor_not_pending",
            ConflictKind::AiNotConfigured => "ai_not_configured",
            ConflictKind::NoGroundedAnswer => "no_grounded_answer",
            ConflictKind::NeedsAPerson => "needs_a_person",
            ConflictKind::StopsHandovers => "stops_handovers",
        }
    }
}

impl AppError {
    /// A conflict not tied to one field.
    pub fn conflict(kind: ConflictKind, message: impl Into<String>) -> Self {
        AppError::Conflict {
            kind,
            field: None,
            message: message.into(),
        }
    }

    /// Bad input in one field.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid(ValidationError::field(field, code, message))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => AppError::NotFound { entity },
            StoreError::Conflict {
                kind,
                field,
                message,
            } => AppError::Conflict {
                kind: ConflictKind::Store(kind),
                field: Some(field),
                message,
            },
            StoreError::Transition(error) => AppError::Transition(error),
            StoreError::InvalidReference { field, message } => {
                AppError::invalid(field, "unknown_reference", message)
            }
            StoreError::Invalid(error) => AppError::Invalid(error),
            StoreError::Unavailable => AppError::Unavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}
