//! The outgoing-webhook worker: takes due entries from the store's outbox, POSTs each as signed
//! JSON to its inbox's webhook URL, and records success, or failure with a retry after an
//! exponential back-off, or gives up after the last attempt. Delivery is at least once: the
//! `id` of the payload is stable across retries, so receivers can drop repeats.
//!
//! Signature: `X-Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use std::sync::Arc;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use jiff::SignedDuration;
use serde_json::json;
use sha2::Sha256;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_store::{DeliverySubject, InboxSecrets, Store, StoreError, WebhookDelivery};

use crate::delivery::{self, Deliverer};
use crate::wire::{ContactResponse, ConversationResponse, EventResponse, MessageResponse};

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
}

/// The signature header value for `body` sent at `unix_seconds` with `secret`.
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(hmac_sha256(secret, unix_seconds, body))
    )
}

fn hmac_sha256(secret: &str, unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(format!("{unix_seconds}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a signature header in constant time, as a receiver would.
pub fn verify_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut timestamp = None;
    let mut digest = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => digest = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(digest)) = (timestamp, digest) else {
        return false;
    };
    #[allow(clippy::expect_used)] // As in `hmac_sha256`: any key length is accepted.
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

/// Why one delivery attempt failed.
#[derive(Debug, thiserror::Error)]
enum AttemptError {
    #[error("the inbox no longer has a webhook URL")]
    Disabled,
    #[error("what the delivery reports no longer exists: {0}")]
    Gone(StoreError),
    #[error("receiver answered HTTP {0}")]
    Status(u16),
    #[error("request failed: {0}")]
    Request(String),
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
pub fn spawn_worker(
    store: Store,
    settings: WebhookSettings,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tandem-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(%error, "webhook worker cannot build its HTTP client");
                return;
            }
        };
        let changes = store.changes().subscribe();
        let poll_interval = settings.poll_interval;
        let worker = WebhookWorker {
            store,
            client,
            settings: Arc::new(settings),
        };
        delivery::run(worker, changes, poll_interval, "webhooks", shutdown).await;
    })
}

/// Claims due webhook deliveries and attempts each.
#[derive(Clone)]
struct WebhookWorker {
    store: Store,
    client: reqwest::Client,
    settings: Arc<WebhookSettings>,
}

impl Deliverer for WebhookWorker {
    type Job = WebhookDelivery;

    async fn claim(&self, limit: u32) -> Result<Vec<WebhookDelivery>, StoreError> {
        self.store
            .claim_webhook_deliveries(tandem_app::now(), self.settings.lease, limit)
            .await
    }

    /// A delivery that cannot be attempted (its subject was erased, the inbox lost its URL)
    /// is recorded as failed for good; a receiver's failure is retried after a back-off.
    async fn deliver(&self, delivery: WebhookDelivery) {
        let outcome = attempt(&self.store, &self.client, &delivery).await;
        let now = tandem_app::now();
        let recorded = match outcome {
            Ok(()) => self.store.complete_webhook_delivery(&delivery, now).await,
            Err(error) => {
                let retry_at = match error {
                    AttemptError::Disabled | AttemptError::Gone(_) => None,
                    _ => self.settings.retry_at(delivery.attempts, now),
                };
                tracing::info!(delivery_id = %delivery.id, attempts = delivery.attempts, %error, retry = retry_at.is_some(), "webhook delivery failed");
                self.store
                    .fail_webhook_delivery(&delivery, &error.to_string(), retry_at, now)
                    .await
            }
        };
        if let Err(error) = recorded {
            tracing::warn!(delivery_id = %delivery.id, %error, "recording a webhook delivery failed; it is attempted again when its lease ends");
        }
    }
}

async fn attempt(
    store: &Store,
    client: &reqwest::Client,
    delivery: &WebhookDelivery,
) -> Result<(), AttemptError> {
    let InboxSecrets {
        inbox,
        webhook_secret: secret,
        ..
    } = store
        .inbox_with_secrets(delivery.account_id, delivery.inbox_id)
        .await?;
    let url = inbox.webhook_url.ok_or(AttemptError::Disabled)?;
    let body = serde_json::to_vec(&payload(store, delivery).await?)
        .map_err(|error| AttemptError::Request(error.to_string()))?;
    let now = tandem_app::now().as_second();
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-tandem-delivery", delivery.id.to_string())
        .header("x-tandem-signature", signature(&secret, now, &body))
        .body(body)
        .send()
        .await
        .map_err(|error| AttemptError::Request(error.without_url().to_string()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(AttemptError::Status(response.status().as_u16()))
    }
}

/// The JSON body of a delivery, read from the current state of its subject, in the same shapes
/// the REST API returns.
async fn payload(
    store: &Store,
    delivery: &WebhookDelivery,
) -> Result<serde_json::Value, StoreError> {
    let common = |kind: String, conversation: Conversation| {
        json!({
            "id": delivery.id,
            "type": kind,
            "created_at": delivery.created_at,
            "account_id": delivery.account_id,
            "inbox_id": delivery.inbox_id,
            "conversation": ConversationResponse::from(conversation),
        })
    };
    Ok(match delivery.subject {
        DeliverySubject::Message(message_id) => {
            let message = store.message(delivery.account_id, message_id).await?;
            let conversation = store
                .conversation(delivery.account_id, message.conversation_id)
                .await?;
            let contact = store
                .contact(delivery.account_id, conversation.contact_id)
                .await?;
            let mut body = common("message.created".into(), conversation);
            body["message"] = json!(MessageResponse::from(message));
            body["contact"] = json!(ContactResponse::from(contact));
            body
        }
        DeliverySubject::Event(event_id) => {
            let event = store.event(delivery.account_id, event_id).await?;
            let conversation = store
                .conversation(delivery.account_id, event.conversation_id)
                .await?;
            let mut body = common(format!("conversation.{}", event.kind.name()), conversation);
            body["event"] = json!(EventResponse::from(event));
            body
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_detected() {
        let header = signature("s3cret", 1_800_000_000, b"{\"a\":1}");
        assert!(verify_signature("s3cret", &header, b"{\"a\":1}"));
        assert!(!verify_signature("s3cret", &header, b"{\"a\":2}"));
        assert!(!verify_signature("other", &header, b"{\"a\":1}"));
        assert!(!verify_signature("s3cret", "t=1,v1=zz", b"{\"a\":1}"));
    }

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
