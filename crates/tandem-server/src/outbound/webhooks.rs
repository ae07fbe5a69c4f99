//! Outgoing webhooks over HTTP (`ports::WebhookSender`): the JSON body of a delivery in the
//! same shapes the REST API returns, signed and POSTed to the inbox's webhook URL.
//!
//! Signature: `X-Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use std::time::Duration;

use hmac::{KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use tandem_app::model::WebhookDelivery;
use tandem_app::ports::{BoxFuture, WebhookSendError, WebhookSender, WebhookSubject};

use super::guard::{GuardedClient, OutboundGuard, refusal};
use crate::wire::{ContactResponse, ConversationResponse, EventResponse, MessageResponse};

pub use tandem_app::webhooks::WebhookSettings;

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

/// Posts webhooks with a guarded client that follows no redirects and gives up after
/// `timeout`.
#[derive(Debug)]
pub struct HttpWebhooks {
    client: GuardedClient,
}

impl HttpWebhooks {
    pub fn new(guard: &OutboundGuard, timeout: Duration) -> reqwest::Result<Self> {
        let client = guard.client(
            concat!("Tandem-Webhooks/", env!("CARGO_PKG_VERSION")),
            Some(timeout),
        )?;
        Ok(Self { client })
    }
}

impl WebhookSender for HttpWebhooks {
    fn send<'a>(
        &'a self,
        url: &'a str,
        secret: &'a str,
        delivery: &'a WebhookDelivery,
        subject: &'a WebhookSubject,
    ) -> BoxFuture<'a, Result<(), WebhookSendError>> {
        Box::pin(async move {
            let body = serde_json::to_vec(&payload(delivery, subject))
                .map_err(|error| WebhookSendError::Request(error.to_string()))?;
            let now = tandem_app::now().as_second();
            let response = self
                .client
                .post(url)
                .map_err(|refused| WebhookSendError::Request(refused.to_string()))?
                .header("content-type", "application/json")
                .header("x-tandem-delivery", delivery.id.to_string())
                .header("x-tandem-signature", signature(secret, now, &body))
                .body(body)
                .send()
                .await
                .map_err(|error| match refusal(&error) {
                    Some(refused) => WebhookSendError::Request(refused.to_string()),
                    None => WebhookSendError::Request(error.without_url().to_string()),
                })?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(WebhookSendError::Status(response.status().as_u16()))
            }
        })
    }
}

/// The JSON body of a delivery, in the same shapes the REST API returns.
fn payload(delivery: &WebhookDelivery, subject: &WebhookSubject) -> serde_json::Value {
    let common = |kind: String, conversation: &tandem_domain::conversation::Conversation| {
        json!({
            "id": delivery.id,
            "type": kind,
            "created_at": delivery.created_at,
            "account_id": delivery.account_id,
            "inbox_id": delivery.inbox_id,
            "conversation": ConversationResponse::from(conversation.clone()),
        })
    };
    match subject {
        WebhookSubject::Message {
            message,
            conversation,
            contact,
        } => {
            let mut body = common("message.created".into(), conversation);
            body["message"] = json!(MessageResponse::from((**message).clone()));
            body["contact"] = json!(ContactResponse::from((**contact).clone()));
            body
        }
        WebhookSubject::Event {
            event,
            conversation,
        } => {
            let mut body = common(format!("conversation.{}", event.kind.name()), conversation);
            body["event"] = json!(EventResponse::from(event.clone()));
            body
        }
    }
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
}
