//! Messages: customer messages arriving on a channel (idempotent per delivery), agent replies and
//! private notes, and reading a conversation's transcript.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::contact::{Attributes, Identity, NewContact};
use tandem_domain::conversation::{Conversation, REOPEN_WINDOW};
use tandem_domain::event::{Actor, Event};
use tandem_domain::id::{AccountId, ContactId, ConversationId, InboxId, MessageId, UserId};
use tandem_domain::message::{Attachment, DeliveryStatus, Direction, Message};

use crate::changes::Announcements;
use crate::contacts::insert_contact;
use crate::conversation_rows::{
    find_conversation, insert_conversation, update_conversation_row,
    update_conversation_row_and_address,
};
use crate::db::{Backend, Conn, args};
use crate::error::is_unique_violation;
use crate::events::{Written, record};
use crate::files::link_message_files;
use crate::inboxes::{INBOX_RULE_COLUMNS, InboxRuleRow, InboxRules, inbox_rules};
use crate::message_rows::insert_message;
use crate::outbox::enqueue_outbound;
use crate::records::{
    CONVERSATION_COLUMNS, ConversationRow, MESSAGE_COLUMNS, MessageRow, convert_all,
};
use crate::surveys::{answered, pending_answer};
use crate::{Store, StoreError};

/// A customer message as a channel delivered it.
#[derive(Clone, Debug)]
pub struct InboundMessage {
    pub inbox_id: InboxId,
    /// Who sent it, as the channel knows them.
    pub identity: Identity,
    /// The sender's name, if the channel tells it; fills an unnamed contact.
    pub contact_name: Option<String>,
    pub text: String,
    /// The channel's id for this delivery; the same id twice is one message.
    pub external_id: Option<String>,
    /// Files and media that came with it (metadata).
    pub attachments: Vec<Attachment>,
    /// Channel particulars kept with the message (an e-mail's subject and threading, the
    /// button pressed).
    pub channel_data: Option<serde_json::Value>,
    /// Where answers go on the channel, remembered on the conversation; `None` keeps what it
    /// has (the API channel has no address).
    pub reply_address: Option<String>,
}

/// What storing an inbound message did.
#[derive(Clone, Debug)]
pub struct InboundOutcome {
    pub conversation: Conversation,
    pub message: Message,
    /// Events recorded (opened, reopened...); empty for a duplicate.
    pub events: Vec<Event>,
    /// The delivery was seen before: nothing new was stored.
    pub is_duplicate: bool,
}

/// A message written by a person in the workspace.
#[derive(Clone, Debug)]
pub struct AgentMessage {
    pub conversation_id: ConversationId,
    pub author_id: UserId,
    pub text: String,
    /// A private note: for agents only, never sent to the customer, changes no status.
    pub is_private: bool,
    /// The author may reply to a conversation someone else owns.
    pub may_override: bool,
    /// Files uploaded to the conversation, sent with the text.
    pub attachments: Vec<Attachment>,
}

/// One page of a transcript, oldest first.
#[derive(Clone, Debug)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// Position of the last message, to pass back for the next page.
    pub next: Option<(Timestamp, MessageId)>,
}

/// A customer's message as stored in `conversation`.
fn inbound_message(
    account_id: AccountId,
    conversation: &Conversation,
    contact_id: ContactId,
    inbound: &InboundMessage,
    now: Timestamp,
) -> Message {
    Message {
        id: MessageId::generate(),
        account_id,
        conversation_id: conversation.id,
        direction: Direction::Inbound,
        sender: Actor::Contact(contact_id),
        is_private: false,
        text: inbound.text.clone(),
        external_id: inbound.external_id.clone(),
        delivery_status: None,
        delivery_error: None,
        attachments: inbound.attachments.clone(),
        channel_data: inbound.channel_data.clone(),
        created_at: now,
    }
}

async fn message_by_external_id(
    conn: &mut Conn,
    account_id: AccountId,
    inbox_id: InboxId,
    external_id: &str,
) -> Result<Option<Message>, StoreError> {
    conn.fetch_optional::<MessageRow>(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND inbox_id = $2 AND external_id = $3"),
        args![account_id, inbox_id, external_id],
    )
    .await?
    .map(Message::try_from)
    .transpose()
}

/// What an inbound message needs to know before it is stored, read with one statement: its
/// inbox's rules, the message already stored for the same delivery, and the sender's contact
/// (and whether it still has no name).
#[derive(Debug, sqlx::FromRow)]
struct IntakeRow {
    #[sqlx(flatten)]
    rules: InboxRuleRow,
    duplicate_id: Option<Uuid>,
    contact_id: Option<Uuid>,
    contact_unnamed: i64,
}

async fn find_message(
    conn: &mut Conn,
    account_id: AccountId,
    message_id: MessageId,
) -> Result<Message, StoreError> {
    conn.fetch_optional::<MessageRow>(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND id = $2"),
        args![account_id, message_id],
    )
    .await?
    .ok_or(StoreError::not_found("message"))?
    .try_into()
}

/// Where answers to `conversation` go on its channel.
async fn set_channel_address(
    conn: &mut Conn,
    conversation: &Conversation,
    address: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE conversations SET channel_address = $1 WHERE account_id = $2 AND id = $3",
        args![address, conversation.account_id, conversation.id],
    )
    .await?;
    Ok(())
}

/// Why an attempt to store an inbound message stopped.
enum InboundFailure {
    /// A concurrent delivery of the same external id won the race.
    LostRace,
    Store(StoreError),
}

impl<E: Into<StoreError>> From<E> for InboundFailure {
    fn from(error: E) -> Self {
        InboundFailure::Store(error.into())
    }
}

impl Store {
    /// Stores a customer message: finds or creates the contact by identity, finds the open
    /// conversation on the inbox (reopening a recently resolved one, or opening a new one), and
    /// appends the message. A repeated delivery (same inbox and external id) stores nothing and
    /// returns the original with `is_duplicate`.
    pub async fn append_inbound_message(
        &self,
        account_id: AccountId,
        inbound: &InboundMessage,
        now: Timestamp,
    ) -> Result<InboundOutcome, StoreError> {
        match self.try_append_inbound(account_id, inbound, now).await {
            Ok(outcome) => Ok(outcome),
            Err(InboundFailure::Store(error)) => Err(error),
            Err(InboundFailure::LostRace) => {
                let mut conn = self.read().await?;
                let external_id = inbound.external_id.as_deref().unwrap_or_default();
                let message =
                    message_by_external_id(&mut conn, account_id, inbound.inbox_id, external_id)
                        .await?
                        .ok_or(StoreError::not_found("message"))?;
                let conversation =
                    find_conversation(&mut conn, account_id, message.conversation_id, false)
                        .await?;
                Ok(InboundOutcome {
                    conversation,
                    message,
                    events: Vec::new(),
                    is_duplicate: true,
                })
            }
        }
    }

    async fn try_append_inbound(
        &self,
        account_id: AccountId,
        inbound: &InboundMessage,
        now: Timestamp,
    ) -> Result<InboundOutcome, InboundFailure> {
        let mut conn = self.write().await?;
        if conn.backend() == Backend::Postgres {
            // Deliveries from one sender to one inbox are serialised, so concurrent first
            // messages find one contact and one conversation instead of racing to create them.
            let key = format!(
                "{}|{}|{}",
                inbound.inbox_id, inbound.identity.kind, inbound.identity.value
            );
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                args![key],
            )
            .await?;
        }
        let intake = conn
            .fetch_optional::<IntakeRow>(
                &format!(
                    "SELECT {INBOX_RULE_COLUMNS}, \
                     (SELECT m.id FROM messages m WHERE m.account_id = $1 AND m.inbox_id = $2 AND m.external_id = $3) \
                     AS duplicate_id, ci.contact_id, \
                     CAST(CASE WHEN EXISTS (SELECT 1 FROM contacts k WHERE k.account_id = $1 AND k.id = ci.contact_id \
                     AND k.name IS NULL) THEN 1 ELSE 0 END AS BIGINT) AS contact_unnamed \
                     FROM inboxes i LEFT JOIN contact_identities ci \
                     ON ci.account_id = $1 AND ci.kind = $4 AND ci.value = $5 \
                     WHERE i.account_id = $1 AND i.id = $2"
                ),
                args![
                    account_id,
                    inbound.inbox_id,
                    inbound.external_id.as_deref(),
                    inbound.identity.kind.as_str(),
                    inbound.identity.value.as_str()
                ],
            )
            .await?
            .ok_or(StoreError::not_found("inbox"))?;
        if let Some(message_id) = intake.duplicate_id {
            let message = find_message(&mut conn, account_id, message_id.into()).await?;
            let conversation =
                find_conversation(&mut conn, account_id, message.conversation_id, false).await?;
            return Ok(InboundOutcome {
                conversation,
                message,
                events: Vec::new(),
                is_duplicate: true,
            });
        }
        let rules = InboxRules::try_from(intake.rules)?;
        let contact_id = match intake.contact_id {
            Some(contact_id) => {
                if let Some(name) = &inbound.contact_name
                    && intake.contact_unnamed == 1
                {
                    conn.execute(
                        "UPDATE contacts SET name = $1 WHERE account_id = $2 AND id = $3 AND name IS NULL",
                        args![name.as_str(), account_id, contact_id],
                    )
                    .await?;
                }
                ContactId::from(contact_id)
            }
            None => {
                let contact = NewContact {
                    name: inbound.contact_name.clone(),
                    attributes: Attributes::new(),
                    identities: vec![inbound.identity.clone()],
                };
                insert_contact(&mut conn, account_id, &contact, now).await?
            }
        };
        let latest = conn
            .fetch_optional::<ConversationRow>(
                &format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE account_id = $1 AND inbox_id = $2 \
                     AND contact_id = $3 ORDER BY created_at DESC, id DESC LIMIT 1{}",
                    conn.for_update()
                ),
                args![account_id, inbound.inbox_id, contact_id],
            )
            .await?
            .map(Conversation::try_from)
            .transpose()?;
        let survey_answer = match &latest {
            Some(resolved) => pending_answer(&mut conn, resolved, &inbound.text, now).await?,
            None => None,
        };
        let address = inbound.reply_address.as_deref();
        let (mut conversation, kinds) = match (survey_answer, latest) {
            // A score answering the survey of a resolved conversation is recorded there,
            // without reopening it.
            (Some((survey, answer)), Some(resolved)) => {
                if let Some(address) = address {
                    set_channel_address(&mut conn, &resolved, address).await?;
                }
                (resolved, vec![answered(survey, answer)])
            }
            (_, latest) => {
                let latest = latest.filter(|conversation| {
                    conversation.status.is_open() || conversation.may_reopen(now, REOPEN_WINDOW)
                });
                let opening_status = rules.first_responder.opening_status();
                match latest {
                    Some(mut conversation) => {
                        let kinds = conversation.record_customer_message(opening_status, now);
                        update_conversation_row_and_address(&mut conn, &conversation, address)
                            .await?;
                        (conversation, kinds)
                    }
                    None => {
                        let (conversation, kinds) = Conversation::open(
                            ConversationId::generate(),
                            account_id,
                            inbound.inbox_id,
                            contact_id,
                            opening_status,
                            now,
                        );
                        insert_conversation(&mut conn, &conversation).await?;
                        if let Some(address) = address {
                            set_channel_address(&mut conn, &conversation, address).await?;
                        }
                        (conversation, kinds)
                    }
                }
            }
        };
        let message = inbound_message(account_id, &conversation, contact_id, inbound, now);
        match insert_message(&mut conn, inbound.inbox_id, &message).await {
            Err(error) if is_unique_violation(&error) => return Err(InboundFailure::LostRace),
            other => other?,
        }
        link_message_files(&mut conn, inbound.inbox_id, contact_id, &message, now).await?;
        let mut announcements = Announcements::default();
        let events = record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            Written::by(Actor::Contact(contact_id), kinds).messages([message.clone()]),
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok(InboundOutcome {
            conversation,
            message,
            events,
            is_duplicate: false,
        })
    }

    /// Stores a reply or private note written by a person. A reply to a conversation with the
    /// bot or in the queue makes it the author's; the first one records `first_agent_reply`.
    pub async fn append_agent_message(
        &self,
        account_id: AccountId,
        agent_message: &AgentMessage,
        now: Timestamp,
    ) -> Result<(Conversation, Message, Vec<Event>), StoreError> {
        let mut conn = self.write().await?;
        let mut conversation =
            find_conversation(&mut conn, account_id, agent_message.conversation_id, true).await?;
        let rules = inbox_rules(&mut conn, account_id, conversation.inbox_id).await?;
        let kinds = if agent_message.is_private {
            Vec::new()
        } else {
            conversation.record_agent_reply(
                agent_message.author_id,
                agent_message.may_override,
                now,
            )?
        };
        let message = Message {
            id: MessageId::generate(),
            account_id,
            conversation_id: conversation.id,
            direction: Direction::Outbound,
            sender: Actor::User(agent_message.author_id),
            is_private: agent_message.is_private,
            text: agent_message.text.clone(),
            external_id: None,
            delivery_status: (!agent_message.is_private && rules.sends_outbound())
                .then_some(DeliveryStatus::Pending),
            delivery_error: None,
            attachments: agent_message.attachments.clone(),
            channel_data: None,
            created_at: now,
        };
        if !agent_message.is_private {
            update_conversation_row(&mut conn, &conversation).await?;
            if conversation.assignee_id == Some(agent_message.author_id) {
                conn.execute(
                    "UPDATE conversations SET awaiting_answer_since = NULL WHERE account_id = $1 AND id = $2",
                    args![account_id, conversation.id],
                )
                .await?;
            }
        }
        insert_message(&mut conn, conversation.inbox_id, &message).await?;
        link_message_files(
            &mut conn,
            conversation.inbox_id,
            conversation.contact_id,
            &message,
            now,
        )
        .await?;
        if !message.is_private {
            enqueue_outbound(&mut conn, &rules, &message, conversation.inbox_id).await?;
        }
        let actor = Actor::User(agent_message.author_id);
        let mut announcements = Announcements::default();
        let events = record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            Written::by(actor, kinds).messages([message.clone()]),
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok((conversation, message, events))
    }

    /// One message.
    pub async fn message(
        &self,
        account_id: AccountId,
        message_id: MessageId,
    ) -> Result<Message, StoreError> {
        let mut conn = self.read().await?;
        find_message(&mut conn, account_id, message_id).await
    }

    /// A page of a conversation's transcript, oldest first, starting after `after`.
    pub async fn messages(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        after: Option<(Timestamp, MessageId)>,
        limit: u32,
    ) -> Result<MessagePage, StoreError> {
        let mut conn = self.read().await?;
        find_conversation(&mut conn, account_id, conversation_id, false).await?;
        let (after_time, after_id) = match after {
            Some((time, id)) => (Some(time), Some(id)),
            None => (None, None),
        };
        let rows = conn
            .fetch_all::<MessageRow>(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND conversation_id = $2 \
                     AND ($3 IS NULL OR created_at > $3 OR (created_at = $3 AND id > $4)) \
                     ORDER BY created_at, id LIMIT $5"
                ),
                args![account_id, conversation_id, after_time, after_id, i64::from(limit) + 1],
            )
            .await?;
        let mut messages: Vec<Message> = convert_all(rows)?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        let next = if has_more {
            messages.last().map(|m| (m.created_at, m.id))
        } else {
            None
        };
        Ok(MessagePage { messages, next })
    }
}
