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
use crate::db::{Backend, Conn, args};
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

pub(crate) async fn enqueue_delivery(
    conn: &mut Conn,
    account_id: AccountId,
    inbox_id: InboxId,
    conversation_id: ConversationId,
    subject: DeliverySubject,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (kind, id) = match subject {
        DeliverySubject::Message(id) => ("message", id.0),
        DeliverySubject::Event(id) => ("event", id.0),
    };
    conn.execute(
        "INSERT INTO webhook_deliveries (id, account_id, inbox_id, conversation_id, subject_kind, subject_id, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
        args![Uuid::now_v7(), account_id, inbox_id, conversation_id, kind, id, now],
    )
    .await?;
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
        let subject = DeliverySubject::Message(message.id);
        enqueue_delivery(
            conn,
            message.account_id,
            inbox_id,
            message.conversation_id,
            subject,
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
        let skip_locked = match conn.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
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
        self.finish_delivery(delivery, "delivered", None, DeliveryStatus::Sent, now)
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
        match retry_at {
            Some(retry_at) => {
                let mut conn = self.write().await?;
                conn.execute(
                    "UPDATE webhook_deliveries SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND status = 'pending'",
                    args![retry_at, error, delivery.id],
                )
                .await?;
                conn.commit().await?;
                Ok(())
            }
            None => {
                self.finish_delivery(delivery, "failed", Some(error), DeliveryStatus::Failed, now)
                    .await
            }
        }
    }

    async fn finish_delivery(
        &self,
        delivery: &WebhookDelivery,
        status: &str,
        error: Option<&str>,
        message_status: DeliveryStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE webhook_deliveries SET status = $1, last_error = COALESCE($2, last_error), finished_at = $3 \
             WHERE id = $4 AND status = 'pending'",
            args![status, error, now, delivery.id],
        )
        .await?;
        let mut announcements = Announcements::default();
        if let DeliverySubject::Message(message_id) = delivery.subject {
            let updated = conn
                .fetch_optional::<(Uuid,)>(
                    "UPDATE messages SET delivery_status = $1 WHERE account_id = $2 AND id = $3 AND delivery_status = 'pending' \
                     AND NOT EXISTS (SELECT 1 FROM channel_deliveries WHERE message_id = $3) RETURNING conversation_id",
                    args![message_status.as_str(), delivery.account_id, message_id],
                )
                .await?;
            if let Some((conversation_id,)) = updated {
                announcements = Announcements::message_update(
                    delivery.account_id,
                    conversation_id.into(),
                    message_id,
                );
            }
        }
        self.changes.commit_with(conn, announcements).await
    }
}
