//! JSON shapes of the API, kept apart from domain types so the wire format changes only on
//! purpose. Every response type has a `From` the domain type it shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::contacts::RawIdentity;
use tandem_app::model::{
    AgentStatus, AuditEntry, Availability, ConversationSummary, LearningSuggestion, QueueEntry,
    QueueStatus, SlaClock, StoredBotProfile,
};
use tandem_domain::Timestamp;
use tandem_domain::contact::{Attributes, Contact, Identity};
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{Attachment, AttachmentKind, Message};
use tandem_domain::sla::{SlaStage, SlaTarget};
use tandem_domain::team::Team;
use tandem_domain::user::{Presence, User};
use tandem_reports::{Metric, Tally};
use tandem_routing::team::RoutingSpec;

/// A page of a list, with the cursor of the next page when there is one.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A plain list.
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

#[derive(Debug, Serialize)]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub created_at: Timestamp,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            email: user.email,
            name: user.name,
            role: user.role.as_str(),
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize)]
pub struct SessionResponse {
    pub user: UserResponse,
    /// Sent back in `X-CSRF-Token` on every state-changing request of this session.
    pub csrf_token: String,
    /// When the session ends; given at login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: Option<Timestamp>,
    pub user: UserResponse,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    /// The secret, present only in the response that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub name: Option<String>,
    pub role: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TeamResponse {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// Skills, priority, strategy, business hours and SLAs (the written form `tandem-routing`
    /// validates).
    pub routing: RoutingSpec,
    pub created_at: Timestamp,
}

impl TeamResponse {
    pub fn new(team: Team, routing: RoutingSpec) -> Self {
        Self {
            id: team.id.0,
            name: team.name,
            description: team.description,
            routing,
            created_at: team.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub routing: Option<RoutingSpec>,
}

/// Creates (every field required) or changes (any subset) a canned response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedResponseRequest {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CannedResponseResponse {
    pub id: Uuid,
    pub shortcut: String,
    pub title: String,
    pub text: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub routing: Option<RoutingSpec>,
}

#[derive(Debug, Serialize)]
pub struct InboxResponse {
    pub id: Uuid,
    pub name: String,
    pub channel: &'static str,
    pub first_responder: &'static str,
    pub webhook_url: Option<String>,
    /// The key outgoing webhooks are signed with; shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// The API-channel token, present only when it was just created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_token: Option<String>,
    /// The channel's settings with every secret masked; shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_config: Option<serde_json::Value>,
    /// The URL to register with the provider (webhooks; Twilio Voice calls `voice_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_url: Option<String>,
    /// The `<script>` tag that puts a web inbox's widget on a site; shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widget_snippet: Option<String>,
    pub created_at: Timestamp,
}

impl From<Inbox> for InboxResponse {
    fn from(inbox: Inbox) -> Self {
        Self {
            id: inbox.id.0,
            name: inbox.name,
            channel: inbox.channel.as_str(),
            first_responder: inbox.first_responder.as_str(),
            webhook_url: inbox.webhook_url,
            webhook_secret: None,
            api_token: None,
            channel_config: None,
            channel_webhook_url: None,
            voice_url: None,
            widget_snippet: None,
            created_at: inbox.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInboxRequest {
    pub name: String,
    pub channel: String,
    pub first_responder: Option<String>,
    pub webhook_url: Option<String>,
    /// The provider's settings and credentials; required for every channel but `api`.
    pub channel_config: Option<serde_json::Value>,
}

/// `webhook_url: null` removes the webhook; leaving the field out keeps it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInboxRequest {
    pub name: Option<String>,
    pub first_responder: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub webhook_url: Option<Option<String>>,
    /// Replaces the channel's settings as a whole.
    pub channel_config: Option<serde_json::Value>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityBody {
    pub kind: String,
    pub value: String,
}

impl From<IdentityBody> for RawIdentity {
    fn from(body: IdentityBody) -> Self {
        Self {
            kind: body.kind,
            value: body.value,
        }
    }
}

impl From<Identity> for IdentityBody {
    fn from(identity: Identity) -> Self {
        Self {
            kind: identity.kind.as_str().to_owned(),
            value: identity.value,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ContactResponse {
    pub id: Uuid,
    pub name: Option<String>,
    pub attributes: Attributes,
    pub identities: Vec<IdentityBody>,
    pub created_at: Timestamp,
}

impl From<Contact> for ContactResponse {
    fn from(contact: Contact) -> Self {
        Self {
            id: contact.id.0,
            name: contact.name,
            attributes: contact.attributes,
            identities: contact.identities.into_iter().map(Into::into).collect(),
            created_at: contact.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateContactRequest {
    pub name: Option<String>,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub identities: Vec<IdentityBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateContactRequest {
    pub name: Option<String>,
    pub attributes: Option<Attributes>,
    #[serde(default)]
    pub add_identities: Vec<IdentityBody>,
}

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
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ActorBody {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Option<Uuid>,
}

impl From<Actor> for ActorBody {
    fn from(actor: Actor) -> Self {
        Self {
            kind: actor.kind(),
            id: actor.id(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageResponse {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub direction: &'static str,
    pub sender: ActorBody,
    pub private: bool,
    pub text: String,
    pub external_id: Option<String>,
    pub delivery_status: Option<&'static str>,
    /// Why the channel refused the message, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentBody>,
    pub created_at: Timestamp,
}

/// A file or media item that came with a message (metadata only).
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentBody {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub voice: bool,
    pub needs_transcription: bool,
}

impl From<Attachment> for AttachmentBody {
    fn from(attachment: Attachment) -> Self {
        Self {
            kind: match attachment.kind {
                AttachmentKind::Image => "image",
                AttachmentKind::Audio => "audio",
                AttachmentKind::Video => "video",
                AttachmentKind::Document => "document",
                AttachmentKind::Sticker => "sticker",
                AttachmentKind::Location => "location",
                AttachmentKind::Other => "other",
            },
            media_id: attachment.media_id,
            url: attachment.url,
            mime_type: attachment.mime_type,
            file_name: attachment.file_name,
            caption: attachment.caption,
            voice: attachment.voice,
            needs_transcription: attachment.needs_transcription,
        }
    }
}

impl From<Message> for MessageResponse {
    fn from(message: Message) -> Self {
        Self {
            id: message.id.0,
            conversation_id: message.conversation_id.0,
            direction: message.direction.as_str(),
            sender: message.sender.into(),
            private: message.is_private,
            text: message.text,
            external_id: message.external_id,
            delivery_status: message.delivery_status.map(|status| status.as_str()),
            delivery_error: message.delivery_error,
            attachments: message.attachments.into_iter().map(Into::into).collect(),
            created_at: message.created_at,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMessageRequest {
    pub text: String,
    /// A private note for agents, never sent to the customer.
    #[serde(default)]
    pub private: bool,
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
    pub team_id: Uuid,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    pub presence: Presence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityRequest {
    /// The agent's own limit; `null` uses the account's default.
    pub capacity: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Capacity of agents who have none of their own.
    pub default_capacity: u32,
}

#[derive(Debug, Serialize)]
pub struct AgentStatusResponse {
    pub user_id: Uuid,
    pub presence: Presence,
    pub presence_changed_at: Option<Timestamp>,
    pub capacity: Option<u32>,
    pub effective_capacity: u32,
    pub load: u32,
}

impl From<AgentStatus> for AgentStatusResponse {
    fn from(status: AgentStatus) -> Self {
        Self {
            user_id: status.user_id.0,
            presence: status.presence,
            presence_changed_at: status.presence_changed_at,
            capacity: status.capacity,
            effective_capacity: status.effective_capacity,
            load: status.load,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct QueueEntryResponse {
    pub conversation_id: Uuid,
    pub team_id: Option<Uuid>,
    pub priority: i32,
    pub queued_at: Timestamp,
    /// 1 for the first in its team's line.
    pub position: u32,
}

impl From<QueueEntry> for QueueEntryResponse {
    fn from(entry: QueueEntry) -> Self {
        Self {
            conversation_id: entry.conversation_id.0,
            team_id: entry.team_id.map(|id| id.0),
            priority: entry.priority,
            queued_at: entry.queued_at,
            position: entry.position,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct QueueStatusResponse {
    pub position: u32,
    /// `null` while nobody who could take it is online.
    pub estimated_wait_seconds: Option<i64>,
    pub team_open: bool,
    /// When a closed team opens again, in its local time (`2026-11-23T08:00:00`).
    pub reopens_at_local: Option<String>,
}

impl From<QueueStatus> for QueueStatusResponse {
    fn from(status: QueueStatus) -> Self {
        let (team_open, reopens_at_local) = match status.availability {
            Availability::Open => (true, None),
            Availability::Closed { reopens_at, .. } => (false, reopens_at.map(|at| at.to_string())),
        };
        Self {
            position: status.position,
            estimated_wait_seconds: status.estimated_wait.map(|wait| wait.as_secs()),
            team_open,
            reopens_at_local,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SlaClockResponse {
    pub target: SlaTarget,
    pub stage: SlaStage,
    pub started_at: Timestamp,
    pub near_breach_at: Timestamp,
    pub due_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
}

impl From<SlaClock> for SlaClockResponse {
    fn from(clock: SlaClock) -> Self {
        Self {
            target: clock.target,
            stage: clock.stage,
            started_at: clock.started_at,
            near_breach_at: clock.near_breach_at,
            due_at: clock.due_at,
            stopped_at: clock.stopped_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ConversationRoutingResponse {
    pub team_id: Option<Uuid>,
    /// Present while the conversation waits in the queue.
    pub queue: Option<QueueStatusResponse>,
    pub sla: Vec<SlaClockResponse>,
}

#[derive(Debug, Serialize)]
pub struct ConversationChangeResponse {
    pub conversation: ConversationResponse,
    pub events: Vec<EventResponse>,
}

#[derive(Debug, Serialize)]
pub struct MessageCreatedResponse {
    pub conversation: ConversationResponse,
    pub message: MessageResponse,
    pub events: Vec<EventResponse>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelContact {
    pub identity: IdentityBody,
    pub name: Option<String>,
}

/// A customer message posted by an integration on the API channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelMessageRequest {
    pub contact: ChannelContact,
    pub text: String,
    /// The integration's id for the message; a repeated id is acknowledged, not stored twice.
    pub external_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChannelMessageResponse {
    pub duplicate: bool,
    pub contact_id: Uuid,
    pub conversation: ConversationResponse,
    pub message: MessageResponse,
}

/// A new bot profile: its YAML source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveBotProfileRequest {
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct BotProfileResponse {
    /// The YAML as saved.
    pub source: String,
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

/// What an external bot sends back for one customer message (protocol `tandem.bot.v1`), in
/// its webhook response or to `POST /api/v1/bot/conversations/{id}/reply`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalReplyRequest {
    /// Must be `tandem.bot.v1`.
    pub version: String,
    /// The customer message answered; required on the API, implied in a webhook response.
    pub in_reply_to: Option<Uuid>,
    #[serde(default)]
    pub replies: Vec<String>,
    /// `false` when the external bot did not understand (counts toward `bot_failure`).
    #[serde(default = "understood_by_default")]
    pub understood: bool,
    pub handover: Option<ExternalHandoverRequest>,
    /// The external bot's state for this conversation, sent back with the next turn.
    pub state: Option<serde_json::Value>,
}

fn understood_by_default() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalHandoverRequest {
    /// A handover reason code (`customer_request`, `complexity`, ...).
    pub reason: String,
    pub note: Option<String>,
}

/// The result of an external bot's reply.
#[derive(Debug, Serialize)]
pub struct ExternalReplyResponse {
    pub conversation: ConversationResponse,
    pub messages: Vec<MessageResponse>,
    pub events: Vec<EventResponse>,
}

/// The signed webhook Tandem POSTs to an external bot for each customer turn.
#[derive(Debug, Serialize)]
pub struct ExternalTurnPayload {
    pub version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub account_id: Uuid,
    pub conversation: ExternalConversation,
    pub contact: ContactResponse,
    pub message: ExternalMessage,
    pub analysis: ExternalAnalysis,
}

#[derive(Debug, Serialize)]
pub struct ExternalConversation {
    pub id: Uuid,
    pub inbox_id: Uuid,
    /// The customer's language (`pt`, `es`, `en`).
    pub language: &'static str,
    /// What the external bot returned as `state` last time, or `null`.
    pub state: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct ExternalMessage {
    pub id: Uuid,
    pub text: String,
}

/// Tandem's own understanding of the message, for the external bot to use or ignore.
#[derive(Debug, Serialize)]
pub struct ExternalAnalysis {
    pub language: &'static str,
    pub intents: Vec<ExternalIntent>,
    pub out_of_scope: bool,
    pub sentiment: f32,
    /// Entities found, personal numbers masked.
    pub entities: Vec<ExternalEntity>,
}

#[derive(Debug, Serialize)]
pub struct ExternalIntent {
    pub intent: String,
    pub confidence: f32,
}

#[derive(Debug, Serialize)]
pub struct ExternalEntity {
    pub kind: tandem_nlu::EntityKind,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeContactRequest {
    /// The contact merged into the one in the path, and deleted.
    pub contact_id: String,
}

#[derive(Debug, Serialize)]
pub struct AuditEntryResponse {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub subject_id: Uuid,
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            actor_id: entry.actor_id.map(|id| id.0),
            action: entry.action,
            subject_id: entry.subject_id,
            data: entry.data,
            created_at: entry.created_at,
        }
    }
}

/// A message the company sends first, opening a conversation with the bot.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProactiveMessageRequest {
    pub inbox_id: String,
    pub contact_id: String,
    /// The text to send, or, with a template, the text the transcript shows.
    pub text: Option<String>,
    /// A pre-approved WhatsApp template (required outside the 24-hour window).
    pub template: Option<TemplateBody>,
    /// What the campaign is about, kept with the message for agents and reports.
    #[serde(default)]
    pub context: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub parameters: Vec<String>,
}

/// A test conversation for the bot: the customer's messages so far.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryBotRequest {
    pub messages: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TryBotResponse {
    pub turns: Vec<tandem_bot::replay::TriedTurn>,
}

/// A report's metrics by name (`tandem_reports::Metric`), `null` where there was nothing to
/// count.
pub type MetricValues = BTreeMap<&'static str, Option<f64>>;

/// Every metric of a tally.
pub fn metric_values(tally: &Tally) -> MetricValues {
    Metric::ALL
        .into_iter()
        .map(|metric| (metric.as_str(), metric.value(tally)))
        .collect()
}

#[derive(Debug, Serialize)]
pub struct ReportSummaryResponse {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub group_by: Option<&'static str>,
    pub total: MetricValues,
    pub groups: Vec<ReportGroupResponse>,
}

#[derive(Debug, Serialize)]
pub struct ReportGroupResponse {
    /// The channel, intent or handover reason, or the inbox, team or agent id; `null` for
    /// conversations without one.
    pub key: Option<String>,
    /// The inbox, team or agent name (the key itself for the others).
    pub label: Option<String>,
    pub metrics: MetricValues,
}

#[derive(Debug, Serialize)]
pub struct ReportTrendResponse {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub bucket: &'static str,
    pub points: Vec<TrendPointResponse>,
}

#[derive(Debug, Serialize)]
pub struct TrendPointResponse {
    /// The bucket's first day (a Monday for weeks), in the account's time zone.
    pub start: String,
    pub metrics: MetricValues,
}

#[derive(Debug, Serialize)]
pub struct AccountResponse {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    pub time_zone: Option<String>,
}
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
