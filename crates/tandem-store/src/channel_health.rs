//! How an inbox's channel is doing: when a customer's message last arrived, when a message was
//! last delivered, what is failing or being retried, and the day's counts.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, InboxId, MessageId};

use crate::db::args;
use crate::inboxes::find_inbox;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// The most failing deliveries listed.
const FAILING_LISTED: i64 = 20;

/// A delivery that failed for good or is being retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailingDelivery {
    pub message_id: MessageId,
    pub conversation_id: Option<ConversationId>,
    /// Failed for good (`false`: to be tried again at `next_attempt_at`).
    pub failed: bool,
    /// The provider's reason, as last given.
    pub error: Option<String>,
    pub attempts: i64,
    pub finished_at: Option<Timestamp>,
    pub next_attempt_at: Option<Timestamp>,
}

/// An inbox's channel health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelHealth {
    pub last_inbound_at: Option<Timestamp>,
    pub last_delivered_at: Option<Timestamp>,
    /// Newest first, at most twenty.
    pub failing: Vec<FailingDelivery>,
    pub delivered_since: i64,
    pub failed_since: i64,
}

type FailingRow = (
    Uuid,
    Option<Uuid>,
    String,
    Option<String>,
    i64,
    Option<i64>,
    i64,
);

impl Store {
    /// The health of an inbox's channel; the counts are of deliveries finished since `since`.
    pub async fn channel_health(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        since: Timestamp,
    ) -> Result<ChannelHealth, StoreError> {
        let mut conn = self.read().await?;
        find_inbox(&mut conn, account_id, inbox_id).await?;
        let (last_inbound,): (Option<i64>,) = conn
            .fetch_one(
                "SELECT max(created_at) FROM messages \
                 WHERE account_id = $1 AND inbox_id = $2 AND direction = 'inbound'",
                args![account_id, inbox_id],
            )
            .await?;
        let (last_delivered, delivered_since): (Option<i64>, i64) = conn
            .fetch_one(
                "SELECT max(finished_at), count(CASE WHEN finished_at >= $3 THEN 1 END) \
                 FROM channel_deliveries WHERE account_id = $1 AND inbox_id = $2 AND status = 'sent'",
                args![account_id, inbox_id, since],
            )
            .await?;
        let (failed_since,): (i64,) = conn
            .fetch_one(
                "SELECT count(*) FROM channel_deliveries \
                 WHERE account_id = $1 AND inbox_id = $2 AND status = 'failed' AND finished_at >= $3",
                args![account_id, inbox_id, since],
            )
            .await?;
        let rows: Vec<FailingRow> = conn
            .fetch_all(
                "SELECT message_id, conversation_id, status, last_error, attempts, finished_at, \
                 next_attempt_at FROM channel_deliveries \
                 WHERE account_id = $1 AND inbox_id = $2 \
                 AND (status = 'failed' OR (status = 'pending' AND attempts > 0)) \
                 ORDER BY created_at DESC, id DESC LIMIT $3",
                args![account_id, inbox_id, FAILING_LISTED],
            )
            .await?;
        let failing = rows
            .into_iter()
            .map(
                |(message_id, conversation_id, status, error, attempts, finished_at, next)| {
                    let failed = status == "failed";
                    Ok(FailingDelivery {
                        message_id: MessageId(message_id),
                        conversation_id: conversation_id.map(ConversationId),
                        failed,
                        error,
                        attempts,
                        finished_at: finished_at.map(timestamp).transpose()?,
                        next_attempt_at: if failed { None } else { Some(timestamp(next)?) },
                    })
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(ChannelHealth {
            last_inbound_at: last_inbound.map(timestamp).transpose()?,
            last_delivered_at: last_delivered.map(timestamp).transpose()?,
            failing,
            delivered_since,
            failed_since,
        })
    }
}
