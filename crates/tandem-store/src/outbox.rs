//! The outgoing-webhook outbox. Entries are written in the same transaction as the message or
//! event they report, so a committed change is never lost on its way out; workers on any node
//! claim due entries with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on
//! SQLite), so each attempt is made by one worker and an entry held by a crashed worker becomes
//! due again when its lease runs out.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, EventId, InboxId, MessageId};
use tandem_domain::message::{DeliveryStatus, Message};

use crate::changes::Announcements;
use crate::channel_outbox::enqueue_channel_delivery;
use crate::db::{Arg, Conn, args, values_rows};
use crate::delivery_signals::Outbox;
use crate::inboxes::InboxRules;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// What a webhook delivery reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliverySubject {
    /// An outbound message for the integration to deliver to the customer.
    Message(MessageId),
    /// A conversation event.
    Event(EventId),
}

/// How one attempt at a webhook delivery ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookAttempt {
    /// The integration received it.
    Delivered,
    /// It failed and is tried again at `at`.
    Retry { error: String, at: Timestamp },
    /// It failed for good.
    GaveUp { error: String },
}

/// A claimed delivery, ready to be attempted.
#[derive(Clone, Debug)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub subject: DeliverySubject,
    /// Attempts made so far, this one included.
    pub attempts: u32,
    pub created_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    account_id: Uuid,
    inbox_id: Uuid,
    subject_kind: String,
    subject_id: Uuid,
    attempts: i32,
    created_at: i64,
}

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = StoreError;
    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        let subject = match row.subject_kind.as_str() {
            "message" => DeliverySubject::Message(row.subject_id.into()),
            "event" => DeliverySubject::Event(row.subject_id.into()),
            other => {
                return Err(StoreError::corrupt(format!(
                    "webhook_deliveries.subject_kind = {other:?}"
                )));
            }
        };
        Ok(WebhookDelivery {
            id: row.id,
            account_id: row.account_id.into(),
            inbox_id: row.inbox_id.into(),
            subject,
            attempts: u32::try_from(row.attempts).unwrap_or_default(),
            created_at: timestamp(row.created_at)?,
        })
    }
}

/// Queues a webhook delivery for each of `subjects` (in order) of one conversation.
pub(crate) async fn enqueue_deliveries(
    conn: &mut Conn,
    account_id: AccountId,
    inbox_id: InboxId,
    conversation_id: ConversationId,
    subjects: &[DeliverySubject],
    now: Timestamp,
) -> Result<(), StoreError> {
    if subjects.is_empty() {
        return Ok(());
    }
    let mut rows = args![account_id, inbox_id, conversation_id, now];
    for subject in subjects {
        let (kind, id) = match subject {
            DeliverySubject::Message(id) => ("message", id.0),
            DeliverySubject::Event(id) => ("event", id.0),
        };
        // Time-ordered ids keep the subjects' order, which claiming follows.
        rows.extend(args![Uuid::now_v7(), kind, id]);
    }
    let values = (0..subjects.len())
        .map(|n| {
            let first = 5 + 3 * n;
            format!(
                "(${first}, $1, $2, $3, ${}, ${}, 'pending', 0, $4, $4)",
                first + 1,
                first + 2
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    conn.execute(
        &format!(
            "INSERT INTO webhook_deliveries (id, account_id, inbox_id, conversation_id, subject_kind, subject_id, status, attempts, next_attempt_at, created_at) \
             VALUES {values}"
        ),
        rows,
    )
    .await?;
    conn.queued(Outbox::Webhooks);
    Ok(())
}

/// Queues `message` for whatever carries it out of Tandem: the inbox's webhook (the
/// integration delivers it) and the channel's provider (the outbound queue).
pub(crate) async fn enqueue_outbound(
    conn: &mut Conn,
    rules: &InboxRules,
    message: &Message,
    inbox_id: InboxId,
) -> Result<(), StoreError> {
    if rules.has_webhook {
        enqueue_deliveries(
            conn,
            message.account_id,
            inbox_id,
            message.conversation_id,
            &[DeliverySubject::Message(message.id)],
            message.created_at,
        )
        .await?;
    }
    if rules.channel.delivers_outbound() {
        enqueue_channel_delivery(
            conn,
            message.account_id,
            inbox_id,
            message.conversation_id,
            message.id,
            message.created_at,
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Claims up to `limit` due deliveries for `lease`; they are not due again until it ends.
    /// Only the oldest pending delivery of each conversation is claimable, so one
    /// conversation's deliveries are attempted one at a time, in order, on any node.
    pub async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let mut conn = self.write().await?;
        let skip_locked = conn.skip_locked();
        let lease_end = now.saturating_add(lease).map_err(StoreError::corrupt)?;
        let rows = conn
            .fetch_all::<DeliveryRow>(
                &format!(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN \
                     (SELECT d.id FROM webhook_deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $2 \
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.conversation_id = d.conversation_id \
                                      AND e.status = 'pending' AND e.id < d.id) \
                      ORDER BY d.next_attempt_at, d.id LIMIT $3{skip_locked}) \
                     RETURNING id, account_id, inbox_id, subject_kind, subject_id, attempts, created_at"
                ),
                args![lease_end, now, i64::from(limit)],
            )
            .await?;
        conn.commit().await?;
        let mut deliveries = rows
            .into_iter()
            .map(WebhookDelivery::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        deliveries.sort_by_key(|delivery| delivery.id);
        Ok(deliveries)
    }

    /// Records a delivery as received by the integration; an outbound message becomes `sent`.
    pub async fn complete_webhook_delivery(
        &self,
        delivery: &WebhookDelivery,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.record_webhook_attempts(&[(delivery.clone(), WebhookAttempt::Delivered)], now)
            .await
    }

    /// Records a failed attempt: retried at `retry_at`, or given up (and an outbound message
    /// marked `failed`) when there is none.
    pub async fn fail_webhook_delivery(
        &self,
        delivery: &WebhookDelivery,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let error = error.to_owned();
        let attempt = match retry_at {
            Some(at) => WebhookAttempt::Retry { error, at },
            None => WebhookAttempt::GaveUp { error },
        };
        self.record_webhook_attempts(&[(delivery.clone(), attempt)], now)
            .await
    }

    /// Records how each of `attempts` ended, all in one transaction: delivered ones and given
    /// up ones are finished (an outbound message they carry becomes `sent` or `failed` unless a
    /// channel delivers it), retried ones wait for their next attempt. An attempt whose
    /// delivery is no longer pending (another node finished it after the lease ran out)
    /// changes nothing.
    pub async fn record_webhook_attempts(
        &self,
        attempts: &[(WebhookDelivery, WebhookAttempt)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut conn = self.write().await?;
        let mut outcomes = vec![Arg::from(now)];
        for (delivery, attempt) in attempts {
            let (status, retry_at, error) = match attempt {
                WebhookAttempt::Delivered => ("delivered", None, None),
                WebhookAttempt::Retry { error, at } => ("pending", Some(*at), Some(error.as_str())),
                WebhookAttempt::GaveUp { error } => ("failed", None, Some(error.as_str())),
            };
            outcomes.extend(args![delivery.id, status, retry_at, error]);
        }
        conn.execute(
            &format!(
                "UPDATE webhook_deliveries SET status = v.column2, \
                 next_attempt_at = COALESCE(v.column3, next_attempt_at), \
                 last_error = COALESCE(v.column4, last_error), \
                 finished_at = CASE WHEN v.column2 = 'pending' THEN finished_at ELSE $1 END \
                 FROM (VALUES {}) AS v WHERE webhook_deliveries.id = v.column1 AND webhook_deliveries.status = 'pending'",
                values_rows(attempts.len(), 4, 2)
            ),
            outcomes,
        )
        .await?;
        let mut messages = Vec::new();
        for (delivery, attempt) in attempts {
            let status = match attempt {
                WebhookAttempt::Delivered => DeliveryStatus::Sent,
                WebhookAttempt::GaveUp { .. } => DeliveryStatus::Failed,
                WebhookAttempt::Retry { .. } => continue,
            };
            if let DeliverySubject::Message(message_id) = delivery.subject {
                messages.extend(args![delivery.account_id, message_id, status.as_str()]);
            }
        }
        let mut announcements = Announcements::default();
        if !messages.is_empty() {
            let rows = messages.len() / 3;
            let updated = conn
                .fetch_all::<(Uuid, Uuid, Uuid)>(
                    &format!(
                        "UPDATE messages SET delivery_status = v.column3 FROM (VALUES {}) AS v \
                         WHERE messages.account_id = v.column1 AND messages.id = v.column2 \
                         AND messages.delivery_status = 'pending' \
                         AND NOT EXISTS (SELECT 1 FROM channel_deliveries c WHERE c.message_id = messages.id) \
                         RETURNING account_id, id, conversation_id",
                        values_rows(rows, 3, 1)
                    ),
                    messages,
                )
                .await?;
            for (account_id, message_id, conversation_id) in updated {
                announcements.extend(Announcements::message_update(
                    account_id.into(),
                    conversation_id.into(),
                    message_id.into(),
                ));
            }
        }
        self.changes.commit_with(conn, announcements).await
    }
}
