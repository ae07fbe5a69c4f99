//! Labels on conversations: the set a conversation has (replaced whole, or added to by the bot
//! profile's rules), the labels of a page of conversations, and every label the account uses with how many conversations carry it.

use std::collections::HashMap;

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId};

use crate::conversation_rows::find_conversation;
use crate::db::{Arg, args, placeholders};
use crate::{Store, StoreError};

impl Store {
    /// Replaces the labels of a conversation with `labels` (already checked and normalised);
    /// returns them sorted.
    pub async fn set_conversation_labels(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        labels: &[String],
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.write().await?;
        find_conversation(&mut conn, account_id, conversation_id, true).await?;
        conn.execute(
            "DELETE FROM conversation_labels WHERE account_id = $1 AND conversation_id = $2",
            args![account_id, conversation_id],
        )
        .await?;
        let mut sorted = labels.to_vec();
        sorted.sort();
        sorted.dedup();
        for label in &sorted {
            conn.execute(
                "INSERT INTO conversation_labels (account_id, conversation_id, label, created_at) \
                 VALUES ($1, $2, $3, $4)",
                args![account_id, conversation_id, label.as_str(), now],
            )
            .await?;
        }
        conn.commit().await?;
        Ok(sorted)
    }

    /// Adds `labels` (already in their one shape) to a conversation, keeping the ones it has.
    pub async fn add_conversation_labels(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        labels: &[String],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if labels.is_empty() {
            return Ok(());
        }
        let mut conn = self.write().await?;
        find_conversation(&mut conn, account_id, conversation_id, true).await?;
        for label in labels {
            conn.execute(
                "INSERT INTO conversation_labels (account_id, conversation_id, label, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                args![account_id, conversation_id, label.as_str(), now],
            )
            .await?;
        }
        conn.commit().await?;
        Ok(())
    }

    /// The labels of each of `ids` that has any, sorted.
    pub async fn conversation_labels(
        &self,
        account_id: AccountId,
        ids: &[ConversationId],
    ) -> Result<HashMap<ConversationId, Vec<String>>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut query_args = vec![Arg::from(account_id)];
        query_args.extend(ids.iter().map(|id| Arg::from(*id)));
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<(Uuid, String)>(
                &format!(
                    "SELECT conversation_id, label FROM conversation_labels \
                     WHERE account_id = $1 AND conversation_id IN ({}) ORDER BY label",
                    placeholders(2, ids.len())
                ),
                query_args,
            )
            .await?;
        let mut labels: HashMap<ConversationId, Vec<String>> = HashMap::new();
        for (conversation_id, label) in rows {
            labels
                .entry(ConversationId(conversation_id))
                .or_default()
                .push(label);
        }
        Ok(labels)
    }

    /// Every label the account's conversations carry, with how many carry it, by name.
    pub async fn labels_in_use(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_all::<(String, i64)>(
            "SELECT label, COUNT(*) FROM conversation_labels WHERE account_id = $1 \
             GROUP BY label ORDER BY label",
            args![account_id],
        )
        .await
        .map_err(Into::into)
    }
}
