//! Proactive messages: a company writes first (a template on WhatsApp, a plain message
//! elsewhere), which opens a conversation with the bot so that the bot handles the replies.

use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event};
use tandem_domain::id::{AccountId, ContactId, ConversationId, InboxId, MessageId};
use tandem_domain::message::{DeliveryStatus, Direction, Message};
use tandem_domain::validation::ValidationError;

use crate::changes::Announcements;
use crate::conversation_rows::insert_conversation;
use crate::db::args;
use crate::error::Conflict;
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::message_rows::insert_message;
use crate::outbox::enqueue_outbound;
use crate::records::{CONVERSATION_COLUMNS, ConversationRow};
use crate::{Store, StoreError};

/// A message the company sends first.
#[derive(Clone, Debug)]
pub struct ProactiveMessage {
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    /// The customer's address on the inbox's channel.
    pub address: String,
    /// What the transcript shows (the template's text as the customer will read it).
    pub text: String,
    /// The template and the campaign's context, kept with the message.
    pub channel_data: serde_json::Value,
}

impl Store {
    /// Stores a proactive message and queues it for the channel. It goes into the contact's
    /// open conversation on the inbox when the bot has it, or opens a new conversation with
    /// the bot; a conversation a person or the queue has is a conflict.
    pub async fn send_proactive_message(
        &self,
        account_id: AccountId,
        proactive: &ProactiveMessage,
        now: Timestamp,
    ) -> Result<(Conversation, Message, Vec<Event>), StoreError> {
        let mut conn = self.write().await?;
        let rules = inbox_rules(&mut conn, account_id, proactive.inbox_id)
            .await
            .map_err(|error| match error {
                StoreError::NotFound { .. } => StoreError::InvalidReference {
                    field: "inbox_id",
                    message: "no such inbox".to_owned(),
                },
                other => other,
            })?;
        if !rules.channel.delivers_outbound() {
            return Err(StoreError::Invalid(ValidationError::field(
                "inbox_id",
                "channel_cannot_send",
                format!(
                    "a {} inbox cannot send proactive messages",
                    rules.channel.as_str()
                ),
            )));
        }
        let (exists,) = conn
            .fetch_one::<(i64,)>(
                "SELECT count(*) FROM contacts WHERE account_id = $1 AND id = $2",
                args![account_id, proactive.contact_id],
            )
            .await?;
        if exists == 0 {
            return Err(StoreError::InvalidReference {
                field: "contact_id",
                message: "no such contact".to_owned(),
            });
        }
        let open = conn
            .fetch_optional::<ConversationRow>(
                &format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE account_id = $1 AND inbox_id = $2 \
                     AND contact_id = $3 AND status <> 'resolved'{}",
                    conn.for_update()
                ),
                args![account_id, proactive.inbox_id, proactive.contact_id],
            )
            .await?
            .map(Conversation::try_from)
            .transpose()?;
        let (mut conversation, kinds) = match open {
            Some(conversation) if conversation.status == ConversationStatus::Bot => {
                (conversation, Vec::new())
            }
            Some(_) => {
                return Err(StoreError::Conflict {
                    kind: Conflict::ConversationWithPeople,
                    field: "contact_id",
                    message: "the contact has an open conversation with an agent or in the queue on this inbox; reply there"
                        .to_owned(),
                });
            }
            None => {
                let (conversation, kinds) = Conversation::open(
                    ConversationId::generate(),
                    account_id,
                    proactive.inbox_id,
                    proactive.contact_id,
                    ConversationStatus::Bot,
                    now,
                );
                insert_conversation(&mut conn, &conversation).await?;
                (conversation, kinds)
            }
        };
        conn.execute(
            "UPDATE conversations SET channel_address = $1, last_activity_at = $2 WHERE account_id = $3 AND id = $4",
            args![proactive.address.as_str(), now, account_id, conversation.id],
        )
        .await?;
        conversation.last_activity_at = now;
        let message = Message {
            id: MessageId::generate(),
            account_id,
            conversation_id: conversation.id,
            direction: Direction::Outbound,
            sender: Actor::Bot,
            is_private: false,
            text: proactive.text.clone(),
            external_id: None,
            delivery_status: Some(DeliveryStatus::Pending),
            delivery_error: None,
            attachments: Vec::new(),
            channel_data: Some(proactive.channel_data.clone()),
            created_at: now,
        };
        insert_message(&mut conn, proactive.inbox_id, &message).await?;
        enqueue_outbound(&mut conn, &rules, &message, proactive.inbox_id).await?;
        let mut announcements = Announcements::default();
        let events = record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            Written::by(Actor::Bot, kinds).messages([message.clone()]),
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok((conversation, message, events))
    }

    /// The address a conversation's customer is reached at on its inbox's channel.
    pub async fn conversation_channel_address(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.read().await?;
        let (address,) = conn
            .fetch_optional::<(Option<String>,)>(
                "SELECT channel_address FROM conversations WHERE account_id = $1 AND id = $2",
                args![account_id, conversation_id],
            )
            .await?
            .ok_or(StoreError::not_found("conversation"))?;
        Ok(address)
    }
}
