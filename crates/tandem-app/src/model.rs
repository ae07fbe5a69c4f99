//! The records the use cases take and return, as the store defines them: the application
//! layer's API speaks in these, so callers (the server) never name the store.

pub use tandem_store::{
    AgentMessage, AgentStatus, AiCall, AuditActor, AuditEntry, AuditFilter, AuditPage, AuthToken,
    Availability, BotTurnOutcome, CannedPatch, ChallengeFlow, ChannelDelivery, ChannelHealth,
    ContactNote, ContactPage, ConversationFilter, ConversationPage, ConversationSummary,
    ConversationUpdate, DeliverySubject, ErasureCounts, ExpiredConversation, FailingDelivery,
    GeneratedContainment, InboundMessage, InboundOutcome, InboxSecrets, LearningSuggestion,
    MessagePage, MessagePreview, MessageTranslation, QueueEntry, QueueStatus, ReportScope,
    Retention, RetentionAction, RetentionRun, SavedView, SlaClock, StoredBotProfile, StoredFile,
    SuggestionStatus, SurveyResponse, TYPING, TeamPatch, WebhookDelivery,
};
