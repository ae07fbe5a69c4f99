//! Row types as the database returns them, and their checked conversion into domain types.

use sqlx::FromRow;
use sqlx::types::Json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::account::Account;
use tandem_domain::contact::{Attributes, Contact, Identity, IdentityKind};
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox};
use tandem_domain::message::{Attachment, DeliveryStatus, Direction, Message};
use tandem_domain::team::Team;
use tandem_domain::user::{Role, User};

use crate::StoreError;

pub(crate) fn timestamp(millis: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(millis).map_err(StoreError::corrupt)
}

fn optional_timestamp(millis: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    millis.map(timestamp).transpose()
}

pub(crate) fn parse<T: std::str::FromStr>(column: &str, value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::corrupt(format!("{column} = {value:?}")))
}

#[derive(Debug, FromRow)]
pub(crate) struct AccountRow {
    id: Uuid,
    name: String,
    created_at: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: row.id.into(),
            name: row.name,
            created_at: timestamp(row.created_at)?,
        })
    }
}

pub(crate) const USER_COLUMNS: &str = "id, account_id, email, name, role, phone, created_at";

#[derive(Debug, FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    account_id: Uuid,
    email: String,
    name: String,
    role: String,
    phone: Option<String>,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: row.id.into(),
            account_id: row.account_id.into(),
            email: row.email,
            name: row.name,
            role: parse::<Role>("users.role", &row.role)?,
            phone: row.phone,
            created_at: timestamp(row.created_at)?,
        })
    }
}

pub(crate) const TEAM_COLUMNS: &str = "id, account_id, name, description, created_at";

#[derive(Debug, FromRow)]
pub(crate) struct TeamRow {
    id: Uuid,
    account_id: Uuid,
    name: String,
    description: String,
    created_at: i64,
}

impl TryFrom<TeamRow> for Team {
    type Error = StoreError;
    fn try_from(row: TeamRow) -> Result<Self, StoreError> {
        Ok(Team {
            id: row.id.into(),
            account_id: row.account_id.into(),
            name: row.name,
            description: row.description,
            created_at: timestamp(row.created_at)?,
        })
    }
}

pub(crate) const INBOX_COLUMNS: &str = "id, account_id, name, channel, first_responder, webhook_url, webhook_secret, created_at, channel_config";

#[derive(Debug, FromRow)]
pub(crate) struct InboxRow {
    id: Uuid,
    account_id: Uuid,
    name: String,
    channel: String,
    first_responder: String,
    webhook_url: Option<String>,
    pub(crate) webhook_secret: String,
    created_at: i64,
    pub(crate) channel_config: Option<String>,
}

impl TryFrom<InboxRow> for Inbox {
    type Error = StoreError;
    fn try_from(row: InboxRow) -> Result<Self, StoreError> {
        Ok(Inbox {
            id: row.id.into(),
            account_id: row.account_id.into(),
            name: row.name,
            channel: parse::<ChannelKind>("inboxes.channel", &row.channel)?,
            first_responder: parse::<FirstResponder>(
                "inboxes.first_responder",
                &row.first_responder,
            )?,
            webhook_url: row.webhook_url,
            created_at: timestamp(row.created_at)?,
        })
    }
}

pub(crate) const CONTACT_COLUMNS: &str = "id, account_id, name, attributes, created_at";

#[derive(Debug, FromRow)]
pub(crate) struct ContactRow {
    pub(crate) id: Uuid,
    account_id: Uuid,
    name: Option<String>,
    attributes: Json<Attributes>,
    created_at: i64,
}

#[derive(Debug, FromRow)]
pub(crate) struct IdentityRow {
    pub(crate) contact_id: Uuid,
    kind: String,
    value: String,
}

impl TryFrom<IdentityRow> for Identity {
    type Error = StoreError;
    fn try_from(row: IdentityRow) -> Result<Self, StoreError> {
        Ok(Identity {
            kind: parse::<IdentityKind>("contact_identities.kind", &row.kind)?,
            value: row.value,
        })
    }
}

impl ContactRow {
    pub(crate) fn into_contact(self, identities: Vec<Identity>) -> Result<Contact, StoreError> {
        Ok(Contact {
            id: self.id.into(),
            account_id: self.account_id.into(),
            name: self.name,
            attributes: self.attributes.0,
            identities,
            created_at: timestamp(self.created_at)?,
        })
    }
}

pub(crate) const CONVERSATION_COLUMNS: &str = "id, account_id, inbox_id, contact_id, status, assignee_id, team_id, \
     first_agent_reply_at, last_activity_at, created_at, resolved_at";

#[derive(Debug, FromRow)]
pub(crate) struct ConversationRow {
    id: Uuid,
    account_id: Uuid,
    inbox_id: Uuid,
    contact_id: Uuid,
    status: String,
    assignee_id: Option<Uuid>,
    team_id: Option<Uuid>,
    first_agent_reply_at: Option<i64>,
    last_activity_at: i64,
    created_at: i64,
    resolved_at: Option<i64>,
}

impl TryFrom<ConversationRow> for Conversation {
    type Error = StoreError;
    fn try_from(row: ConversationRow) -> Result<Self, StoreError> {
        Ok(Conversation {
            id: row.id.into(),
            account_id: row.account_id.into(),
            inbox_id: row.inbox_id.into(),
            contact_id: row.contact_id.into(),
            status: parse::<ConversationStatus>("conversations.status", &row.status)?,
            assignee_id: row.assignee_id.map(Into::into),
            team_id: row.team_id.map(Into::into),
            first_agent_reply_at: optional_timestamp(row.first_agent_reply_at)?,
            last_activity_at: timestamp(row.last_activity_at)?,
            created_at: timestamp(row.created_at)?,
            resolved_at: optional_timestamp(row.resolved_at)?,
        })
    }
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, account_id, conversation_id, direction, sender_kind, sender_id, \
     is_private, text, external_id, delivery_status, created_at, delivery_error, attachments, channel_data";

#[derive(Debug, FromRow)]
pub(crate) struct MessageRow {
    id: Uuid,
    account_id: Uuid,
    conversation_id: Uuid,
    direction: String,
    sender_kind: String,
    sender_id: Option<Uuid>,
    is_private: bool,
    text: String,
    external_id: Option<String>,
    delivery_status: Option<String>,
    created_at: i64,
    delivery_error: Option<String>,
    attachments: Json<Vec<Attachment>>,
    channel_data: Option<Json<serde_json::Value>>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(row: MessageRow) -> Result<Self, StoreError> {
        Ok(Message {
            id: row.id.into(),
            account_id: row.account_id.into(),
            conversation_id: row.conversation_id.into(),
            direction: parse::<Direction>("messages.direction", &row.direction)?,
            sender: Actor::from_parts(&row.sender_kind, row.sender_id).ok_or_else(|| {
                StoreError::corrupt(format!("messages.sender_kind = {:?}", row.sender_kind))
            })?,
            is_private: row.is_private,
            text: row.text,
            external_id: row.external_id,
            delivery_status: row
                .delivery_status
                .as_deref()
                .map(|status| parse::<DeliveryStatus>("messages.delivery_status", status))
                .transpose()?,
            delivery_error: row.delivery_error,
            attachments: row.attachments.0,
            channel_data: row.channel_data.map(|data| data.0),
            created_at: timestamp(row.created_at)?,
        })
    }
}

pub(crate) const EVENT_COLUMNS: &str =
    "id, account_id, conversation_id, actor_kind, actor_id, data, created_at";

#[derive(Debug, FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    account_id: Uuid,
    conversation_id: Uuid,
    actor_kind: String,
    actor_id: Option<Uuid>,
    data: Json<EventKind>,
    created_at: i64,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;
    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        Ok(Event {
            id: row.id.into(),
            account_id: row.account_id.into(),
            conversation_id: row.conversation_id.into(),
            actor: Actor::from_parts(&row.actor_kind, row.actor_id).ok_or_else(|| {
                StoreError::corrupt(format!("events.actor_kind = {:?}", row.actor_kind))
            })?,
            kind: row.data.0,
            created_at: timestamp(row.created_at)?,
        })
    }
}

/// Converts every row, failing on the first one that cannot be read.
/// `columns` (a comma-separated list) each prefixed with the table alias `alias`.
pub(crate) fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn convert_all<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}
