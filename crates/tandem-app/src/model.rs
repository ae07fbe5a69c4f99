//! The records the use cases take and return, as the store defines them: the application
//! layer's API speaks in these, so callers (the server) never name the store.

pub use tandem_store::{
    AgentMessage, Availability, BotTurnOutcome, ChannelDelivery, ConversationFilter,
    ConversationPage, ConversationSummary, ConversationUpdate, DeliverySubject, InboundMessage,
    InboundOutcome, LearningSuggestion, MessagePage, MessagePreview, QueueEntry, QueueStatus,
    StoredBotProfile, SuggestionStatus, TYPING, WebhookDelivery,
};
