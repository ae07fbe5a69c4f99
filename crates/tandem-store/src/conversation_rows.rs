//! Reading, locking and writing a conversation's own row, for the use cases above: no rules,
//! no events, no announcements.

use tandem_domain::conversation::Conversation;
use tandem_domain::id::{AccountId, ConversationId};

use crate::StoreError;
use crate::db::{Conn, args};
use crate::inboxes::inbox_rules;
use crate::records::{CONVERSATION_COLUMNS, ConversationRow};

/// One conversation of the account, locked for the transaction when `lock`.
pub(crate) async fn find_conversation(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
    lock: bool,
) -> Result<Conversation, StoreError> {
    let lock = if lock { conn.for_update() } else { "" };
    conn.fetch_optional::<ConversationRow>(
        &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE account_id = $1 AND id = $2{lock}"),
        args![account_id, conversation_id],
    )
    .await?
    .ok_or(StoreError::not_found("conversation"))?
    .try_into()
}

/// Loads and locks a conversation for a change, with whether its inbox sends webhooks.
pub(crate) async fn load_conversation_for_update(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
) -> Result<(Conversation, bool), StoreError> {
    let conversation = find_conversation(conn, account_id, conversation_id, true).await?;
    let rules = inbox_rules(conn, account_id, conversation.inbox_id).await?;
    Ok((conversation, rules.has_webhook))
}

/// Inserts a conversation just opened.
pub(crate) async fn insert_conversation(
    conn: &mut Conn,
    conversation: &Conversation,
) -> Result<(), sqlx::Error> {
    conn.execute(
        &format!("INSERT INTO conversations ({CONVERSATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        args![conversation.id, conversation.account_id, conversation.inbox_id, conversation.contact_id,
            conversation.status.as_str(), conversation.assignee_id, conversation.team_id,
            conversation.first_agent_reply_at, conversation.last_activity_at, conversation.created_at,
            conversation.resolved_at],
    )
    .await
    .map(|_| ())
}

/// Writes back the columns the status machine changes (status, owner, team, times).
pub(crate) async fn update_conversation_row(
    conn: &mut Conn,
    conversation: &Conversation,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE conversations SET status = $1, assignee_id = $2, team_id = $3, first_agent_reply_at = $4, \
         last_activity_at = $5, resolved_at = $6 WHERE account_id = $7 AND id = $8",
        args![conversation.status.as_str(), conversation.assignee_id, conversation.team_id,
            conversation.first_agent_reply_at, conversation.last_activity_at, conversation.resolved_at,
            conversation.account_id, conversation.id],
    )
    .await?;
    Ok(())
}

/// Writes back the columns the status machine changes and, when given, where answers go on
/// the channel: one statement for a customer message on an existing conversation.
pub(crate) async fn update_conversation_row_and_address(
    conn: &mut Conn,
    conversation: &Conversation,
    channel_address: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE conversations SET status = $1, assignee_id = $2, team_id = $3, first_agent_reply_at = $4, \
         last_activity_at = $5, resolved_at = $6, channel_address = COALESCE($7, channel_address) \
         WHERE account_id = $8 AND id = $9",
        args![conversation.status.as_str(), conversation.assignee_id, conversation.team_id,
            conversation.first_agent_reply_at, conversation.last_activity_at, conversation.resolved_at,
            channel_address, conversation.account_id, conversation.id],
    )
    .await?;
    Ok(())
}
