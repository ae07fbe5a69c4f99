//! What an inbox list shows of each conversation beyond the conversation itself, read for a
//! whole page at once: the contact's name, the channel, the priority and the last message.

use std::collections::HashMap;

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::message::Direction;

use crate::db::Arg;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// One conversation's line in an inbox list.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationSummary {
    pub contact_name: Option<String>,
    pub channel: ChannelKind,
    /// The queue priority (higher first; 0 is normal).
    pub priority: i32,
    pub last_message: Option<MessagePreview>,
}

/// The latest message of a conversation, as a list previews it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessagePreview {
    pub text: String,
    pub direction: Direction,
    pub is_private: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    contact_name: Option<String>,
    channel: String,
    priority: i64,
    text: Option<String>,
    direction: Option<String>,
    is_private: Option<bool>,
    created_at: Option<i64>,
}

impl Store {
    /// The list lines of some conversations of an account (unknown ids are left out).
    pub async fn conversation_summaries(
        &self,
        account_id: AccountId,
        conversation_ids: &[ConversationId],
    ) -> Result<HashMap<ConversationId, ConversationSummary>, StoreError> {
        if conversation_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut args = vec![Arg::from(account_id)];
        let placeholders: Vec<String> = conversation_ids
            .iter()
            .map(|id| {
                args.push(Arg::from(*id));
                format!("${}", args.len())
            })
            .collect();
        let sql = format!(
            "SELECT c.id, ct.name AS contact_name, i.channel, c.priority, m.text, m.direction, \
             m.is_private, m.created_at \
             FROM conversations c \
             JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id \
             JOIN inboxes i ON i.account_id = c.account_id AND i.id = c.inbox_id \
             LEFT JOIN messages m ON m.id = (SELECT last.id FROM messages last \
               WHERE last.conversation_id = c.id ORDER BY last.created_at DESC, last.id DESC LIMIT 1) \
             WHERE c.account_id = $1 AND c.id IN ({})",
            placeholders.join(", ")
        );
        let mut conn = self.read().await?;
        let rows = conn.fetch_all::<SummaryRow>(&sql, args).await?;
        rows.into_iter()
            .map(|row| {
                let last_message = match (row.text, row.direction, row.is_private, row.created_at) {
                    (Some(text), Some(direction), Some(is_private), Some(created_at)) => {
                        Some(MessagePreview {
                            text,
                            direction: direction.parse().map_err(StoreError::corrupt)?,
                            is_private,
                            created_at: timestamp(created_at)?,
                        })
                    }
                    _ => None,
                };
                let summary = ConversationSummary {
                    contact_name: row.contact_name,
                    channel: row.channel.parse().map_err(StoreError::corrupt)?,
                    priority: i32::try_from(row.priority).map_err(StoreError::corrupt)?,
                    last_message,
                };
                Ok((ConversationId(row.id), summary))
            })
            .collect()
    }
}
