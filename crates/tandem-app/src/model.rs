//! The records the use cases take and return, as the store defines them: the application
//! layer's API speaks in these, so callers (the server) never name the store.

pub use tandem_store::{
    AgentStatus, AuditEntry, AuthToken, Availability, CannedPatch, ContactPage,
    ConversationSummary, InboxSecrets, LearningSuggestion, QueueEntry, QueueStatus, ReportScope,
    SlaClock, StoredBotProfile, TeamPatch,
};
