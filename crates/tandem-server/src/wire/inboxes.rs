//! Inboxes, with what only admins see: the webhook secret, masked channel settings and provider
//! URLs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::inbox::Inbox;

#[derive(Debug, Serialize)]
pub struct InboxResponse {
    pub id: Uuid,
    pub name: String,
    pub channel: &'static str,
    pub first_responder: &'static str,
    pub webhook_url: Option<String>,
    /// The key outgoing webhooks are signed with; shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// The API-channel token, present only when it was just created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_token: Option<String>,
    /// The channel's settings with every secret masked; shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_config: Option<serde_json::Value>,
    /// The URL to register with the provider (webhooks; Twilio Voice calls `voice_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_url: Option<String>,
    /// The `<script>` tag that puts a web inbox's widget on a site; shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widget_snippet: Option<String>,
    /// Whether the provider took the webhook address just now, for channels registered by API
    /// (Telegram), after their settings were saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_registration: Option<WebhookRegistrationBody>,
    pub created_at: Timestamp,
}

/// What the provider answered when told the inbox's webhook address.
#[derive(Debug, Serialize)]
pub struct WebhookRegistrationBody {
    pub registered: bool,
    /// The provider's reason when it refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<Result<(), String>> for WebhookRegistrationBody {
    fn from(result: Result<(), String>) -> Self {
        Self {
            registered: result.is_ok(),
            error: result.err(),
        }
    }
}

impl From<Inbox> for InboxResponse {
    fn from(inbox: Inbox) -> Self {
        Self {
            id: inbox.id.0,
            name: inbox.name,
            channel: inbox.channel.as_str(),
            first_responder: inbox.first_responder.as_str(),
            webhook_url: inbox.webhook_url,
            webhook_secret: None,
            api_token: None,
            channel_config: None,
            channel_webhook_url: None,
            voice_url: None,
            widget_snippet: None,
            webhook_registration: None,
            created_at: inbox.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInboxRequest {
    pub name: String,
    pub channel: String,
    pub first_responder: Option<String>,
    pub webhook_url: Option<String>,
    /// The provider's settings and credentials; required for every channel but `api`.
    pub channel_config: Option<serde_json::Value>,
}

/// `webhook_url: null` removes the webhook; leaving the field out keeps it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInboxRequest {
    pub name: Option<String>,
    pub first_responder: Option<String>,
    #[serde(default, deserialize_with = "super::common::present")]
    pub webhook_url: Option<Option<String>>,
    /// Replaces the channel's settings as a whole.
    pub channel_config: Option<serde_json::Value>,
}
