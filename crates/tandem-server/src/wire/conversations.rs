//! Conversations (with the inbox list's summary line), their event log, and the changes agents make
//! to them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::ConversationSummary;
use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Event, EventKind};

use super::ActorBody;

#[derive(Debug, Clone, Serialize)]
pub struct ConversationResponse {
    pub id: Uuid,
    pub inbox_id: Uuid,
    pub contact_id: Uuid,
    pub status: &'static str,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub first_agent_reply_at: Option<Timestamp>,
    pub last_activity_at: Timestamp,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// The list's line (`GET /conversations` only): who, where, how urgent, what was said last.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub summary: Option<SummaryBody>,
    /// Its labels, sorted (`GET /conversations` and `GET /conversations/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

/// What an inbox list shows of a conversation beyond the conversation itself.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryBody {
    pub contact_name: Option<String>,
    pub channel: &'static str,
    pub priority: i32,
    pub last_message: Option<PreviewBody>,
}

/// The latest message of a conversation, as a list previews it.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewBody {
    pub text: String,
    pub direction: &'static str,
    pub private: bool,
    pub created_at: Timestamp,
}

impl From<ConversationSummary> for SummaryBody {
    fn from(summary: ConversationSummary) -> Self {
        Self {
            contact_name: summary.contact_name,
            channel: summary.channel.as_str(),
            priority: summary.priority,
            last_message: summary.last_message.map(|last| PreviewBody {
                text: last.text,
                direction: last.direction.as_str(),
                private: last.is_private,
                created_at: last.created_at,
            }),
        }
    }
}

impl From<Conversation> for ConversationResponse {
    fn from(conversation: Conversation) -> Self {
        Self {
            id: conversation.id.0,
            inbox_id: conversation.inbox_id.0,
            contact_id: conversation.contact_id.0,
            status: conversation.status.as_str(),
            assignee_id: conversation.assignee_id.map(|id| id.0),
            team_id: conversation.team_id.map(|id| id.0),
            first_agent_reply_at: conversation.first_agent_reply_at,
            last_activity_at: conversation.last_activity_at,
            created_at: conversation.created_at,
            resolved_at: conversation.resolved_at,
            summary: None,
            labels: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EventResponse {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub actor: ActorBody,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The event's own fields (reason, agent ids, status).
    pub data: EventKind,
    pub created_at: Timestamp,
}

impl From<Event> for EventResponse {
    fn from(event: Event) -> Self {
        Self {
            id: event.id.0,
            conversation_id: event.conversation_id.0,
            actor: event.actor.into(),
            kind: event.kind.name(),
            data: event.kind,
            created_at: event.created_at,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The agent to assign; the caller when left out.
    pub agent_id: Option<Uuid>,
    /// Assign even if the agent is at capacity (supervisors and admins).
    #[serde(default)]
    pub override_capacity: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The team whose queue receives the conversation.
    pub team_id: Option<Uuid>,
    /// The colleague who takes it (instead of a team).
    pub agent_id: Option<Uuid>,
    /// Give it to the colleague even beyond their capacity (supervisors and admins).
    #[serde(default)]
    pub override_capacity: bool,
    /// A private note for whoever takes it.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConversationChangeResponse {
    pub conversation: ConversationResponse,
    pub events: Vec<EventResponse>,
}

/// The labels to give a conversation (replacing the ones it has).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsRequest {
    pub labels: Vec<String>,
}

/// A conversation's labels.
#[derive(Debug, Serialize)]
pub struct LabelsResponse {
    pub labels: Vec<String>,
}

/// A label the account uses, with how many conversations carry it.
#[derive(Debug, Serialize)]
pub struct LabelUseResponse {
    pub label: String,
    pub conversations: i64,
}
