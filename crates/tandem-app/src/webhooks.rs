//! The outgoing-webhook worker: takes due entries from the store's outbox, reads the current
//! state of what each reports, hands it to the webhook sender (`ports::WebhookSender`, which
//! signs and POSTs it to the inbox's webhook URL), and records success, or failure with a
//! retry after an exponential back-off, or gives up after the last attempt (the attempts that
//! finished together in one transaction). Delivery is at
//! least once: the `id` of the payload is stable across retries, so receivers can drop repeats.

use std::time::Duration;

use jiff::SignedDuration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::Timestamp;
use tandem_nlu::masking::mask_text;
use tandem_store::{
    DeliverySubject, InboxSecrets, Outbox, StoreError, WebhookAttempt, WebhookDelivery,
};

use crate::App;
use crate::delivery::{self, Deliverer};
use crate::personal_data::{mask_strings, masked_contact};
use crate::ports::{WebhookSendError, WebhookSubject};

/// How the worker behaves.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Time allowed for the receiver to answer.
    pub timeout: Duration,
    /// Wait before the first retry; each later retry waits twice as long, up to `max_delay`.
    pub base_delay: SignedDuration,
    pub max_delay: SignedDuration,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// How often the outbox is checked when no change wakes the worker.
    pub poll_interval: Duration,
    /// How long a claimed delivery is reserved for its worker; longer than `timeout`, so no
    /// other node attempts it while the receiver may still answer.
    pub lease: SignedDuration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            base_delay: SignedDuration::from_secs(5),
            max_delay: SignedDuration::from_hours(1),
            max_attempts: 12,
            poll_interval: Duration::from_secs(1),
            lease: SignedDuration::from_secs(60),
        }
    }
}

impl WebhookSettings {
    /// When to retry after `attempts` failed attempts, or `None` to give up.
    pub fn retry_at(&self, attempts: u32, now: Timestamp) -> Option<Timestamp> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 2i32.saturating_pow(attempts.saturating_sub(1).min(30));
        let delay = self
            .base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        now.saturating_add(delay).ok()
    }

    /// [`Self::retry_at`] for a job that failed for `reason`: when to retry, or (`Err`) why it
    /// is given up, attempts and reason told.
    pub fn retry_or_give_up(
        &self,
        attempts: u32,
        now: Timestamp,
        reason: &str,
    ) -> Result<Timestamp, String> {
        self.retry_at(attempts, now)
            .ok_or_else(|| format!("gave up after {attempts} attempts: {reason}"))
    }
}

/// Why one delivery attempt failed.
#[derive(Debug, thiserror::Error)]
enum AttemptError {
    #[error("the inbox no longer has a webhook URL")]
    Disabled,
    #[error("what the delivery reports no longer exists: {0}")]
    Gone(StoreError),
    #[error(transparent)]
    Send(#[from] WebhookSendError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AttemptError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => AttemptError::Gone(error),
            error => AttemptError::Store(error),
        }
    }
}

/// Starts the worker; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    let queued = app.store.deliveries_queued(Outbox::Webhooks);
    let poll_interval = app.settings.deliveries.poll_interval;
    tokio::spawn(delivery::run(
        WebhookWorker { app },
        queued,
        poll_interval,
        "webhooks",
        delivery::MAX_IN_FLIGHT,
        shutdown,
    ))
}

/// Claims due webhook deliveries and attempts each.
#[derive(Clone)]
struct WebhookWorker {
    app: App,
}

impl Deliverer for WebhookWorker {
    type Job = WebhookDelivery;
    type Outcome = (WebhookDelivery, WebhookAttempt);

    async fn claim(&self, limit: u32) -> Result<Vec<WebhookDelivery>, StoreError> {
        let settings = &self.app.settings.deliveries;
        self.app
            .store
            .claim_webhook_deliveries(self.app.now(), settings.lease, limit)
            .await
    }

    /// A delivery that cannot be attempted (its subject was erased, the inbox lost its URL)
    /// fails for good; a receiver's failure is retried after a back-off.
    async fn attempt(&self, delivery: WebhookDelivery) -> (WebhookDelivery, WebhookAttempt) {
        let attempt = match self.try_send(&delivery).await {
            Ok(()) => WebhookAttempt::Delivered,
            Err(error) => {
                let retry_at = match error {
                    AttemptError::Disabled | AttemptError::Gone(_) => None,
                    _ => self
                        .app
                        .settings
                        .deliveries
                        .retry_at(delivery.attempts, self.app.now()),
                };
                tracing::info!(delivery_id = %delivery.id, attempts = delivery.attempts, %error, retry = retry_at.is_some(), "webhook delivery failed");
                let error = error.to_string();
                match retry_at {
                    Some(at) => WebhookAttempt::Retry { error, at },
                    None => WebhookAttempt::GaveUp { error },
                }
            }
        };
        (delivery, attempt)
    }

    async fn record(&self, outcomes: Vec<(WebhookDelivery, WebhookAttempt)>) {
        if let Err(error) = self
            .app
            .store
            .record_webhook_attempts(&outcomes, self.app.now())
            .await
        {
            tracing::warn!(deliveries = outcomes.len(), %error, "recording webhook deliveries failed; they are attempted again when their leases end");
        }
    }
}

impl WebhookWorker {
    async fn try_send(&self, delivery: &WebhookDelivery) -> Result<(), AttemptError> {
        let InboxSecrets {
            inbox,
            webhook_secret: secret,
            ..
        } = self
            .app
            .store
            .inbox_with_secrets(delivery.account_id, delivery.inbox_id)
            .await?;
        let url = inbox.webhook_url.ok_or(AttemptError::Disabled)?;
        let mut subject = self.subject(delivery).await?;
        if self.app.store.webhook_masking(delivery.account_id).await? {
            mask_subject(&mut subject);
        }
        self.app
            .ports
            .webhooks
            .send(&url, &secret, delivery, &subject)
            .await?;
        Ok(())
    }

    /// What the delivery reports, read from its current state.
    async fn subject(&self, delivery: &WebhookDelivery) -> Result<WebhookSubject, StoreError> {
        let store = &self.app.store;
        let account_id = delivery.account_id;
        Ok(match delivery.subject {
            DeliverySubject::Message(message_id) => {
                let message = store.message(account_id, message_id).await?;
                let conversation = store
                    .conversation(account_id, message.conversation_id)
                    .await?;
                let contact = store.contact(account_id, conversation.contact_id).await?;
                WebhookSubject::Message {
                    message: Box::new(message),
                    conversation,
                    contact: Box::new(contact),
                }
            }
            DeliverySubject::Event(event_id) => {
                let event = store.event(account_id, event_id).await?;
                let conversation = store
                    .conversation(account_id, event.conversation_id)
                    .await?;
                WebhookSubject::Event {
                    event,
                    conversation,
                }
            }
        })
    }
}

/// The message's text and channel particulars, and the contact's identities and attributes,
/// masked by the one masking rule (the account's `webhook_mask_personal_data`, on unless an
/// admin turns it off for an integration that needs them in clear).
fn mask_subject(subject: &mut WebhookSubject) {
    if let WebhookSubject::Message {
        message, contact, ..
    } = subject
    {
        message.text = mask_text(&message.text);
        if let Some(data) = &mut message.channel_data {
            mask_strings(data);
        }
        masked_contact(contact);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap_then_stop() {
        let settings = WebhookSettings::default();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let delay = |attempts| {
            settings
                .retry_at(attempts, now)
                .map(|at| at.duration_since(now).as_secs())
        };
        assert_eq!(delay(1), Some(5));
        assert_eq!(delay(2), Some(10));
        assert_eq!(delay(3), Some(20));
        assert_eq!(delay(11), Some(3600));
        assert_eq!(delay(12), None);
    }
}
