//! Writing a message row, and a bot message with its way out of Tandem queued (the inbox's
//! webhook, the channel's outbound queue), in the caller's transaction.

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::Actor;
use tandem_domain::id::{InboxId, MessageId};
use tandem_domain::message::{Attachment, DeliveryStatus, Direction, Message};

use crate::StoreError;
use crate::db::{Conn, args};
use crate::inboxes::InboxRules;
use crate::outbox::enqueue_outbound;
use crate::records::MESSAGE_COLUMNS;

/// Inserts `message`, kept with the inbox it came in or goes out on.
pub(crate) async fn insert_message(
    conn: &mut Conn,
    inbox_id: InboxId,
    message: &Message,
) -> Result<(), sqlx::Error> {
    conn.execute(
        &format!("INSERT INTO messages ({MESSAGE_COLUMNS}, inbox_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"),
        args![message.id, message.account_id, message.conversation_id, message.direction.as_str(),
            message.sender.kind(), message.sender.id(), message.is_private, message.text.as_str(),
            message.external_id.as_deref(), message.delivery_status.map(DeliveryStatus::as_str),
            message.created_at, message.delivery_error.as_deref(), attachments_json(&message.attachments),
            message.channel_data.clone(), inbox_id],
    )
    .await
    .map(|_| ())
}

/// Stores a message from the bot in `conversation`, queued for the inbox's webhook and channel.
pub(crate) async fn insert_bot_message(
    conn: &mut Conn,
    conversation: &Conversation,
    rules: &InboxRules,
    text: &str,
    channel_data: Option<serde_json::Value>,
    now: Timestamp,
) -> Result<Message, StoreError> {
    let message = Message {
        id: MessageId::generate(),
        account_id: conversation.account_id,
        conversation_id: conversation.id,
        direction: Direction::Outbound,
        sender: Actor::Bot,
        is_private: false,
        text: text.to_owned(),
        external_id: None,
        delivery_status: rules.sends_outbound().then_some(DeliveryStatus::Pending),
        delivery_error: None,
        attachments: Vec::new(),
        channel_data,
        created_at: now,
    };
    insert_message(conn, conversation.inbox_id, &message).await?;
    enqueue_outbound(conn, rules, &message, conversation.inbox_id).await?;
    Ok(message)
}

/// Attachments as the JSON column stores them.
pub(crate) fn attachments_json(attachments: &[Attachment]) -> serde_json::Value {
    // Structs of strings, booleans and unit enums always serialise.
    #[allow(clippy::expect_used)]
    serde_json::to_value(attachments).expect("attachments serialise")
}
