//! The learning loop: unanswered questions grouped, the suggestions made from them, and their
//! review.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::LearningSuggestion;
use tandem_domain::Timestamp;

/// A suggestion for the bot to learn, as the review screen shows it.
#[derive(Debug, Serialize)]
pub struct LearningSuggestionResponse {
    pub id: Uuid,
    pub group_key: String,
    pub language: String,
    pub questions: Vec<String>,
    pub question_count: i64,
    /// A `tandem_bot::learning::Proposal`: `{"kind": "article", ...}` or
    /// `{"kind": "examples", ...}`.
    pub proposal: serde_json::Value,
    pub edited: bool,
    pub source_message_id: Option<Uuid>,
    pub source_conversation_id: Option<Uuid>,
    pub status: &'static str,
    pub created_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<LearningSuggestion> for LearningSuggestionResponse {
    fn from(suggestion: LearningSuggestion) -> Self {
        Self {
            id: suggestion.id.0,
            group_key: suggestion.group_key,
            language: suggestion.language,
            questions: suggestion.questions,
            question_count: suggestion.question_count,
            proposal: suggestion.proposal,
            edited: suggestion.edited,
            source_message_id: suggestion.source_message_id.map(|id| id.0),
            source_conversation_id: suggestion.source_conversation_id.map(|id| id.0),
            status: suggestion.status.as_str(),
            created_by: suggestion.created_by.map(|id| id.0),
            decided_by: suggestion.decided_by.map(|id| id.0),
            decided_at: suggestion.decided_at,
            created_at: suggestion.created_at,
            updated_at: suggestion.updated_at,
        }
    }
}

/// Similar unanswered questions, most frequent first.
#[derive(Debug, Serialize)]
pub struct LearningGroupResponse {
    pub key: String,
    pub language: String,
    /// Questions recorded in the group.
    pub count: usize,
    /// How many of them a person answered.
    pub answered: usize,
    /// Up to five of its questions, oldest first.
    pub samples: Vec<String>,
    /// The suggestion made from the group, once people answered it.
    pub suggestion_id: Option<Uuid>,
    pub suggestion_status: Option<&'static str>,
}

/// A new proposal for a pending suggestion.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditSuggestionRequest {
    pub proposal: tandem_bot::learning::Proposal,
}

/// The optional body of an approval.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveSuggestionRequest {
    /// Approve even though customers a rule sends to a person would stay with the bot.
    #[serde(default)]
    pub override_handover_guard: bool,
}

/// What approving a suggestion would change on past customer questions.
#[derive(Debug, Serialize)]
pub struct LearningPreviewResponse {
    pub suggestion_id: Uuid,
    #[serde(flatten)]
    pub impact: tandem_bot::learning::Impact,
}

/// An approved suggestion and the profile version it wrote.
#[derive(Debug, Serialize)]
pub struct LearningApprovalResponse {
    pub suggestion: LearningSuggestionResponse,
    pub profile_updated_at: Timestamp,
}
