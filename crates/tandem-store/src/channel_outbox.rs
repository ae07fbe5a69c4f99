//! The durable outbound queue to channel providers (WhatsApp, Telegram, Twilio, e-mail...). A
//! job is written in the same transaction as the message it delivers, so a committed reply is
//! never lost; workers on any node claim due jobs with a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the single writer on SQLite), so each job is attempted by one worker at a time,
//! and a job held by a crashed worker becomes due again when its lease runs out. Providers'
//! delivery reports move the message's status forward only.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, InboxId, MessageId};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::message::DeliveryStatus;

use crate::changes::Announcements;
use crate::db::{Backend, Conn, args};
use crate::records::timestamp;
use crate::{Store, StoreError};

/// A claimed job: deliver one outbound message to its channel.
#[derive(Clone, Debug)]
pub struct ChannelDelivery {
    pub id: Uuid,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    /// The inbox's channel.
    pub channel: ChannelKind,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    /// Attempts made so far, this one included.
    pub attempts: u32,
    pub created_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct ChannelDeliveryRow {
    id: Uuid,
    account_id: Uuid,
    inbox_id: Uuid,
    channel: String,
    message_id: Uuid,
    conversation_id: Uuid,
    attempts: i64,
    created_at: i64,
}

impl TryFrom<ChannelDeliveryRow> for ChannelDelivery {
    type Error = StoreError;
    fn try_from(row: ChannelDeliveryRow) -> Result<Self, StoreError> {
        Ok(ChannelDelivery {
            id: row.id,
            account_id: row.account_id.into(),
            inbox_id: row.inbox_id.into(),
            channel: row
                .channel
                .parse()
                .map_err(|_| StoreError::corrupt(format!("inboxes.channel = {:?}", row.channel)))?,
            message_id: row.message_id.into(),
            conversation_id: row.conversation_id.into(),
            attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            created_at: timestamp(row.created_at)?,
        })
    }
}

pub(crate) async fn enqueue_channel_delivery(
    conn: &mut Conn,
    account_id: AccountId,
    inbox_id: InboxId,
    conversation_id: ConversationId,
    message_id: MessageId,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO channel_deliveries (id, account_id, inbox_id, conversation_id, message_id, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
        args![Uuid::now_v7(), account_id, inbox_id, conversation_id, message_id, now],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Claims up to `limit` due jobs for `lease`, oldest first; they are not due again until
    /// the lease ends. Only the oldest pending job of each conversation is claimable, so one
    /// conversation's messages are sent one at a time, in order, on any node.
    pub async fn claim_channel_deliveries(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: u32,
    ) -> Result<Vec<ChannelDelivery>, StoreError> {
        let mut conn = self.write().await?;
        let skip_locked = match conn.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let lease_end = now.saturating_add(lease).map_err(StoreError::corrupt)?;
        let claimed = conn
            .fetch_all::<(Uuid,)>(
                &format!(
                    "UPDATE channel_deliveries SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN \
                     (SELECT d.id FROM channel_deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $2 \
                      AND NOT EXISTS (SELECT 1 FROM channel_deliveries e WHERE e.conversation_id = d.conversation_id \
                                      AND e.status = 'pending' AND e.id < d.id) \
                      ORDER BY d.next_attempt_at, d.id LIMIT $3{skip_locked}) RETURNING id"
                ),
                args![lease_end, now, i64::from(limit)],
            )
            .await?;
        let mut deliveries = Vec::with_capacity(claimed.len());
        for (id,) in claimed {
            let row = conn
                .fetch_one::<ChannelDeliveryRow>(
                    "SELECT d.id, d.account_id, d.inbox_id, i.channel, d.message_id, m.conversation_id, d.attempts, d.created_at \
                     FROM channel_deliveries d JOIN messages m ON m.id = d.message_id JOIN inboxes i ON i.id = d.inbox_id \
                     WHERE d.id = $1",
                    args![id],
                )
                .await?;
            deliveries.push(ChannelDelivery::try_from(row)?);
        }
        conn.commit().await?;
        deliveries.sort_by_key(|delivery| delivery.id);
        Ok(deliveries)
    }

    /// Records a job the provider accepted: the message becomes `sent` and keeps the provider's
    /// id, which later delivery reports name.
    pub async fn complete_channel_delivery(
        &self,
        delivery: &ChannelDelivery,
        external_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let finished = conn
            .execute(
                "UPDATE channel_deliveries SET status = 'sent', finished_at = $1 WHERE id = $2 AND status = 'pending'",
                args![now, delivery.id],
            )
            .await?;
        if finished == 0 {
            conn.commit().await?;
            return Ok(());
        }
        conn.execute(
            "UPDATE messages SET external_id = $1, \
             delivery_status = CASE WHEN delivery_status = 'pending' THEN 'sent' ELSE delivery_status END \
             WHERE account_id = $2 AND id = $3",
            args![external_id, delivery.account_id, delivery.message_id],
        )
        .await?;
        self.changes
            .commit_with(conn, message_update(delivery))
            .await
    }

    /// Records a failed attempt to be tried again at `retry_at`.
    pub async fn retry_channel_delivery(
        &self,
        delivery: &ChannelDelivery,
        error: &str,
        retry_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE channel_deliveries SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND status = 'pending'",
            args![retry_at, error, delivery.id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Gives a job up: the message is marked `failed` with the reason, for the agent to see.
    pub async fn fail_channel_delivery(
        &self,
        delivery: &ChannelDelivery,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE channel_deliveries SET status = 'failed', last_error = $1, finished_at = $2 WHERE id = $3 AND status = 'pending'",
            args![error, now, delivery.id],
        )
        .await?;
        conn.execute(
            "UPDATE messages SET delivery_status = 'failed', delivery_error = $1 WHERE account_id = $2 AND id = $3",
            args![error, delivery.account_id, delivery.message_id],
        )
        .await?;
        self.changes
            .commit_with(conn, message_update(delivery))
            .await
    }

    /// Holds every pending job of an inbox until `until` (a provider's rate limit or
    /// `Retry-After`).
    pub async fn defer_inbox_deliveries(
        &self,
        inbox_id: InboxId,
        until: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE channel_deliveries SET next_attempt_at = $1 WHERE inbox_id = $2 AND status = 'pending' AND next_attempt_at < $1",
            args![until, inbox_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Applies a provider's delivery report to the outbound message it names. Statuses only
    /// move forward (`DeliveryStatus::can_become`); a report for an unknown or older state is
    /// ignored. Returns whether the message changed.
    pub async fn record_delivery_status(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        external_id: &str,
        status: DeliveryStatus,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let row = conn
            .fetch_optional::<(Uuid, Uuid, Option<String>)>(
                &format!(
                    "SELECT id, conversation_id, delivery_status FROM messages \
                     WHERE account_id = $1 AND inbox_id = $2 AND external_id = $3 AND direction = 'outbound'{}",
                    conn.for_update()
                ),
                args![account_id, inbox_id, external_id],
            )
            .await?;
        let Some((message_id, conversation_id, current)) = row else {
            conn.commit().await?;
            return Ok(false);
        };
        let current = current
            .as_deref()
            .unwrap_or("pending")
            .parse::<DeliveryStatus>()
            .map_err(|_| StoreError::corrupt(format!("messages.delivery_status = {current:?}")))?;
        if !current.can_become(status) {
            conn.commit().await?;
            return Ok(false);
        }
        conn.execute(
            "UPDATE messages SET delivery_status = $1, delivery_error = COALESCE($2, delivery_error) WHERE id = $3",
            args![status.as_str(), error, message_id],
        )
        .await?;
        let update =
            Announcements::message_update(account_id, conversation_id.into(), message_id.into());
        self.changes.commit_with(conn, update).await?;
        Ok(true)
    }
}

/// The announcement that a job's message changed.
fn message_update(delivery: &ChannelDelivery) -> Announcements {
    Announcements::message_update(
        delivery.account_id,
        delivery.conversation_id,
        delivery.message_id,
    )
}

impl Store {
    /// Counts over every account for the operators' metrics: conversations waiting in the
    /// queue, and outbound messages and webhooks waiting for delivery.
    pub async fn operational_counts(&self) -> Result<(i64, i64), StoreError> {
        let mut conn = self.read().await?;
        let (queued, channel, webhooks) = conn
            .fetch_one::<(i64, i64, i64)>(
                "SELECT (SELECT count(*) FROM conversations WHERE status = 'queued'), \
                 (SELECT count(*) FROM channel_deliveries WHERE status = 'pending'), \
                 (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')",
                args![],
            )
            .await?;
        Ok((queued, channel + webhooks))
    }
}
