//! Bot profiles, replaying a draft against past conversations, and trying the bot.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::StoredBotProfile;
use tandem_domain::Timestamp;

/// A bot profile as an editor sends it: its YAML source, or its structure as a JSON document
/// (written as YAML when saved). Exactly one of the two.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveBotProfileRequest {
    pub source: Option<String>,
    pub document: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct BotProfileResponse {
    /// The YAML as saved.
    pub source: String,
    /// The profile as a JSON object with the YAML's structure, for form editors.
    pub document: serde_json::Value,
    pub updated_at: Timestamp,
    pub updated_by: Option<Uuid>,
    pub bot_name: String,
    pub languages: Vec<&'static str>,
    pub intents: usize,
    pub articles: usize,
}

impl BotProfileResponse {
    pub fn new(stored: &StoredBotProfile, profile: &tandem_bot::BotProfile) -> Self {
        Self {
            source: stored.source.clone(),
            document: profile.to_document(),
            updated_at: stored.updated_at,
            updated_by: stored.updated_by.map(|id| id.0),
            bot_name: profile.persona.name.clone(),
            languages: profile
                .languages
                .supported
                .iter()
                .map(|language| language.code())
                .collect(),
            intents: profile.intents.len(),
            articles: profile.articles.len(),
        }
    }
}

/// Replay a draft bot profile against past conversations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// The draft's YAML; the current profile when absent.
    pub source: Option<String>,
    /// How many of the most recent conversations to consider.
    pub limit: Option<u32>,
}

#[derive(Debug, Default, Serialize)]
pub struct ReplayTotals {
    pub unchanged: usize,
    pub still_contained: usize,
    pub now_handed_over: usize,
    pub now_contained: usize,
    pub reason_changed: usize,
}

#[derive(Debug, Serialize)]
pub struct ReplayedConversationResponse {
    pub conversation_id: Uuid,
    /// Why the bot handed it over back then, if it did.
    pub past_handover_reason: Option<tandem_domain::event::HandoverReason>,
    pub change: tandem_bot::replay::ReplayChange,
    /// What the draft would do.
    pub draft: tandem_bot::replay::ReplayedConversation,
}

#[derive(Debug, Default, Serialize)]
pub struct ReplayResponse {
    pub totals: ReplayTotals,
    pub conversations: Vec<ReplayedConversationResponse>,
}

impl ReplayResponse {
    /// Counts one replayed conversation in the totals.
    pub fn count(&mut self, change: tandem_bot::replay::ReplayChange) {
        use tandem_bot::replay::ReplayChange;
        let totals = &mut self.totals;
        let counter = match change {
            ReplayChange::Unchanged => &mut totals.unchanged,
            ReplayChange::StillContained => &mut totals.still_contained,
            ReplayChange::NowHandedOver => &mut totals.now_handed_over,
            ReplayChange::NowContained => &mut totals.now_contained,
            ReplayChange::ReasonChanged => &mut totals.reason_changed,
        };
        *counter += 1;
    }
}

/// A draft in both forms, for an editor switching between its form and YAML views.
#[derive(Debug, Serialize)]
pub struct ConvertedProfileResponse {
    pub source: String,
    pub document: serde_json::Value,
}

/// A test conversation for the bot: the customer's messages so far.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryBotRequest {
    pub messages: Vec<String>,
    /// An unsaved draft to try instead of the saved profile (YAML source).
    pub source: Option<String>,
    /// An unsaved draft to try, as a JSON document.
    pub document: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct TryBotResponse {
    pub turns: Vec<tandem_bot::replay::TriedTurn>,
}
