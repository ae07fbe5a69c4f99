//! Checking a channel's credentials, and a channel's health.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::{ChannelHealth, FailingDelivery};
use tandem_domain::Timestamp;

/// Settings to check, as an inbox would be created with them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyChannelRequest {
    /// The inbox being edited: settings left masked or out keep its saved values.
    pub inbox_id: Option<Uuid>,
    pub channel: String,
    pub channel_config: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct VerifyChannelResponse {
    /// `false`: this channel is checked only when used (e-mail).
    pub verified: bool,
    /// What the credentials reach: a bot's @username, a number's name.
    pub account: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FailingDeliveryResponse {
    pub message_id: Uuid,
    pub conversation_id: Option<Uuid>,
    /// `failed` (for good) or `retrying`.
    pub status: &'static str,
    /// The provider's reason.
    pub error: Option<String>,
    pub attempts: i64,
    pub last_attempt_at: Option<Timestamp>,
    pub next_attempt_at: Option<Timestamp>,
}

impl From<FailingDelivery> for FailingDeliveryResponse {
    fn from(delivery: FailingDelivery) -> Self {
        Self {
            message_id: delivery.message_id.0,
            conversation_id: delivery.conversation_id.map(|id| id.0),
            status: if delivery.failed {
                "failed"
            } else {
                "retrying"
            },
            error: delivery.error,
            attempts: delivery.attempts,
            last_attempt_at: delivery.finished_at,
            next_attempt_at: delivery.next_attempt_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ChannelHealthResponse {
    pub last_inbound_at: Option<Timestamp>,
    pub last_delivered_at: Option<Timestamp>,
    /// Newest first, at most twenty.
    pub failing: Vec<FailingDeliveryResponse>,
    pub delivered_24h: i64,
    pub failed_24h: i64,
}

impl From<ChannelHealth> for ChannelHealthResponse {
    fn from(health: ChannelHealth) -> Self {
        Self {
            last_inbound_at: health.last_inbound_at,
            last_delivered_at: health.last_delivered_at,
            failing: health.failing.into_iter().map(Into::into).collect(),
            delivered_24h: health.delivered_since,
            failed_24h: health.failed_since,
        }
    }
}
