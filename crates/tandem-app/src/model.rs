//! The records the use cases take and return, as the store defines them: the application
//! layer's API speaks in these, so callers (the server) never name the store.

pub use tandem_store::{
    AgentMessage, AgentStatus, AiCall, AuditActor, AuditEntry, AuditFilter, AuditPage, AuthToken,
    Availability, BotTurnOutcome, CannedPatch, ChallengeFlow, ChannelDelivery, ContactPage,
    ConversationFilter, ConversationPage, ConversationSummary, ConversationUpdate, DeliverySubject,
    ErasureCounts, ExpiredConversation, GeneratedContainment, InboundMessage, InboundOutcome,
    InboxSecrets, LearningSuggestion, MessagePage, MessagePreview, MessageTranslation, QueueEntry,
    QueueStatus, ReportScope, Retention, RetentionAction, RetentionRun, SlaClock, StoredBotProfile,
    SuggestionStatus, SurveyResponse, TYPING, TeamPatch, WebhookDelivery,
};
