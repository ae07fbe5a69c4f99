//! A WhatsApp webhook delivered the way Meta delivers it, under the run's `DeliveryPolicy`:
//! to the customer's node or, when it stopped answering, another; again after each failure.

use std::time::Instant;

use crate::api::ApiError;
use crate::delivery::backoff;
use crate::failure::FailureKind;
use crate::world::World;

/// One signed WhatsApp webhook, ready to deliver as often as needed.
#[derive(Debug, Clone)]
pub struct SignedWebhook {
    pub inbox_id: String,
    /// The `wamid....` of its message.
    pub message_id: String,
    pub body: Vec<u8>,
    pub signature: String,
}

/// Whether a failure means the target stopped answering (rather than answering badly).
fn is_silence(error: &ApiError) -> bool {
    matches!(
        error.kind(),
        FailureKind::Connect | FailureKind::Timeout | FailureKind::Request
    )
}

/// Delivers `webhook` to the target `preferred` (or, when it is dropped, another) until it is
/// acknowledged, re-delivering under the run's policy; returns the target that acknowledged
/// it, or the last failure when the policy gives up (or does not re-deliver).
pub async fn deliver(
    world: &World,
    preferred: usize,
    webhook: &SignedWebhook,
) -> Result<usize, ApiError> {
    let policy = world.delivery;
    let give_up_at = Instant::now() + policy.give_up_after;
    let mut attempt = 0;
    loop {
        let target = world.pool.pick(preferred, Instant::now());
        let result = world
            .api
            .post_whatsapp_webhook(
                &world.targets[target],
                &webhook.inbox_id,
                webhook.body.clone(),
                &webhook.signature,
            )
            .await;
        let error = match result {
            Ok(()) => {
                world.pool.answered(target);
                if policy.keeps_ledger() {
                    world.ledger.acknowledged(&webhook.message_id, target);
                }
                return Ok(target);
            }
            Err(error) => error,
        };
        if is_silence(&error) {
            world.pool.stopped_answering(target, Instant::now());
        }
        if !policy.redeliver || Instant::now() >= give_up_at {
            return Err(error);
        }
        if policy.keeps_ledger() {
            world.ledger.redelivered();
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt = attempt.saturating_add(1);
    }
}
