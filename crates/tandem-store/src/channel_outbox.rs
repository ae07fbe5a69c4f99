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
use crate::db::{Arg, Conn, args, values_rows};
use crate::delivery_signals::Outbox;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// How one attempt at a channel job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelAttempt {
    /// The provider accepted the message and named it `external_id`.
    Sent { external_id: String },
    /// It failed and is tried again at `at`.
    Retry { error: String, at: Timestamp },
    /// It failed for good.
    Failed { error: String },
}

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
    conn.queued(Outbox::Channels);
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
        let skip_locked = conn.skip_locked();
        let lease_end = now.saturating_add(lease).map_err(StoreError::corrupt)?;
        let rows = conn
            .fetch_all::<ChannelDeliveryRow>(
                &format!(
                    "UPDATE channel_deliveries SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN \
                     (SELECT d.id FROM channel_deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $2 \
                      AND NOT EXISTS (SELECT 1 FROM channel_deliveries e WHERE e.conversation_id = d.conversation_id \
                                      AND e.status = 'pending' AND e.id < d.id) \
                      ORDER BY d.next_attempt_at, d.id LIMIT $3{skip_locked}) \
                     RETURNING id, account_id, inbox_id, \
                     (SELECT i.channel FROM inboxes i WHERE i.id = channel_deliveries.inbox_id) AS channel, \
                     message_id, conversation_id, attempts, created_at"
                ),
                args![lease_end, now, i64::from(limit)],
            )
            .await?;
        let mut deliveries = rows
            .into_iter()
            .map(ChannelDelivery::try_from)
            .collect::<Result<Vec<_>, _>>()?;
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
        let attempt = ChannelAttempt::Sent {
            external_id: external_id.to_owned(),
        };
        self.record_channel_attempts(&[(delivery.clone(), attempt)], now)
            .await
    }

    /// Gives a job up: the message is marked `failed` with the reason, for the agent to see.
    pub async fn fail_channel_delivery(
        &self,
        delivery: &ChannelDelivery,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let attempt = ChannelAttempt::Failed {
            error: error.to_owned(),
        };
        self.record_channel_attempts(&[(delivery.clone(), attempt)], now)
            .await
    }

    /// Records how each of `attempts` ended, all in one transaction: a sent job's message
    /// becomes `sent` and keeps the provider's id, a failed job's message `failed` with the
    /// reason, and a retried job waits for its next attempt; `now` dates the finished ones. An
    /// attempt whose job is no longer pending (another node finished it after the lease ran
    /// out) changes nothing.
    pub async fn record_channel_attempts(
        &self,
        attempts: &[(ChannelDelivery, ChannelAttempt)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut conn = self.write().await?;
        let mut outcomes = vec![Arg::from(now)];
        for (delivery, attempt) in attempts {
            let (status, retry_at, error) = match attempt {
                ChannelAttempt::Sent { .. } => ("sent", None, None),
                ChannelAttempt::Retry { error, at } => ("pending", Some(*at), Some(error.as_str())),
                ChannelAttempt::Failed { error } => ("failed", None, Some(error.as_str())),
            };
            outcomes.extend(args![delivery.id, status, retry_at, error]);
        }
        let finished: Vec<Uuid> = conn
            .fetch_all::<(Uuid, String)>(
                &format!(
                    "UPDATE channel_deliveries SET status = v.column2, \
                     next_attempt_at = COALESCE(v.column3, next_attempt_at), \
                     last_error = COALESCE(v.column4, last_error), \
                     finished_at = CASE WHEN v.column2 = 'pending' THEN finished_at ELSE $1 END \
                     FROM (VALUES {}) AS v \
                     WHERE channel_deliveries.id = v.column1 AND channel_deliveries.status = 'pending' \
                     RETURNING id, status",
                    values_rows(attempts.len(), 4, 2)
                ),
                outcomes,
            )
            .await?
            .into_iter()
            .filter(|(_, status)| status != "pending")
            .map(|(id, _)| id)
            .collect();
        let mut messages = Vec::new();
        let mut announcements = Announcements::default();
        for (delivery, attempt) in attempts {
            if !finished.contains(&delivery.id) {
                continue;
            }
            let (external_id, status, error) = match attempt {
                ChannelAttempt::Sent { external_id } => (Some(external_id.as_str()), "sent", None),
                ChannelAttempt::Failed { error } => (None, "failed", Some(error.as_str())),
                ChannelAttempt::Retry { .. } => continue,
            };
            messages.extend(args![
                delivery.account_id,
                delivery.message_id,
                external_id,
                status,
                error
            ]);
            announcements.extend(message_update(delivery));
        }
        if !messages.is_empty() {
            let rows = messages.len() / 5;
            conn.execute(
                &format!(
                    "UPDATE messages SET external_id = COALESCE(v.column3, messages.external_id), \
                     delivery_status = CASE WHEN v.column4 = 'failed' THEN 'failed' \
                       WHEN messages.delivery_status = 'pending' THEN 'sent' ELSE messages.delivery_status END, \
                     delivery_error = CASE WHEN v.column4 = 'failed' THEN v.column5 ELSE messages.delivery_error END \
                     FROM (VALUES {}) AS v WHERE messages.account_id = v.column1 AND messages.id = v.column2",
                    values_rows(rows, 5, 1)
                ),
                messages,
            )
            .await?;
        }
        self.changes.commit_with(conn, announcements).await
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
