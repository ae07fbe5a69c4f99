//! Channels on the server side: the sealed settings of each inbox, the provider APIs' base URLs,
//! the outbound worker that delivers queued messages to providers (`outbound.rs`) and the
//! e-mail poller (`mail_poll.rs`). Parsing and building provider messages is `tandem-channels`'
//! pure code; the webhook routes are in `routes/channel_webhooks.rs`.

pub mod mail_poll;
pub mod outbound;

use std::time::Duration;

use tandem_app::sealing::Sealer;
use tandem_channels::config::ChannelConfig;
use tandem_channels::email::InboundEmail;
use tandem_store::{InboundMessage, InboundOutcome, StoreError};

use crate::intake::accept_inbound;
use crate::state::AppState;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::Inbox;
use tandem_nlu::Language;

/// The base URLs of the providers' APIs (configurable, so tests point them at stand-ins).
#[derive(Clone, Debug)]
pub struct ProviderApis {
    pub meta_graph_url: String,
    pub telegram_api_url: String,
    pub twilio_api_url: String,
}

/// What the channel code of a node shares.
#[derive(Debug)]
pub struct Channels {
    sealer: Sealer,
    pub apis: ProviderApis,
    /// How providers reach this server, without a trailing slash.
    pub public_url: String,
    /// For provider APIs: no redirects, a 10 s timeout.
    pub http: reqwest::Client,
}

/// Why an inbox's channel settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the inbox has no channel settings")]
    Missing,
    #[error("the channel settings cannot be opened with this server's secret key")]
    Sealed,
    #[error("the stored channel settings are invalid: {0}")]
    Invalid(String),
}

impl Channels {
    pub fn new(sealer: Sealer, apis: ProviderApis, public_url: String) -> reqwest::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tandem/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            sealer,
            apis,
            public_url,
            http,
        })
    }

    /// Encrypts an inbox's settings for the store, bound to the inbox.
    pub fn seal(&self, inbox_id: InboxId, config: &ChannelConfig) -> String {
        // Serialising plain structs of strings cannot fail.
        #[allow(clippy::expect_used)]
        let json = serde_json::to_vec(config).expect("channel settings serialise");
        self.sealer.seal(&json, inbox_id.0.as_bytes())
    }

    /// Decrypts and reads an inbox's settings.
    pub fn open(
        &self,
        inbox: &Inbox,
        sealed: Option<&str>,
    ) -> Result<ChannelConfig, SettingsError> {
        let sealed = sealed.ok_or(SettingsError::Missing)?;
        let json = self
            .sealer
            .open(sealed, inbox.id.0.as_bytes())
            .map_err(|_| SettingsError::Sealed)?;
        let value = serde_json::from_slice(&json)
            .map_err(|error| SettingsError::Invalid(error.to_string()))?;
        ChannelConfig::parse(inbox.channel, value, "channel_config", None)
            .map_err(|error| SettingsError::Invalid(error.to_string()))
    }

    /// The URL to register with the provider for an inbox's webhooks.
    pub fn webhook_url(&self, inbox_id: InboxId) -> String {
        format!("{}/api/v1/channels/{inbox_id}/webhook", self.public_url)
    }

    /// The URL Twilio calls for an inbox's voice calls.
    pub fn voice_url(&self, inbox_id: InboxId) -> String {
        format!("{}/api/v1/channels/{inbox_id}/voice", self.public_url)
    }

    /// Whether browsers reach this server over HTTPS (session cookies are then `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The tag that embeds a web inbox's chat widget in a page.
    pub fn widget_snippet(&self, inbox_id: InboxId) -> String {
        format!(
            r#"<script src="{}/widget.js" data-inbox="{inbox_id}" async></script>"#,
            self.public_url
        )
    }
}

/// Stores a customer's e-mail and sets the bot or routing in motion. Automated mail
/// (out-of-office replies, bounces, mailing lists) is logged and dropped instead, so the bot
/// never converses with an autoresponder; `None` then.
pub async fn accept_email(
    state: &AppState,
    inbox: &Inbox,
    email: InboundEmail,
) -> Result<Option<InboundOutcome>, StoreError> {
    if email.automated {
        tracing::info!(inbox_id = %inbox.id, "automated e-mail (auto-reply, bounce or list) not answered");
        return Ok(None);
    }
    let inbound = email_inbound(inbox.id, email);
    accept_inbound(state, inbox.account_id, &inbound)
        .await
        .map(Some)
}

/// A parsed e-mail as the store's inbound message, its subject and threading kept with it.
fn email_inbound(inbox_id: InboxId, email: InboundEmail) -> InboundMessage {
    let channel_data = serde_json::json!({
        "subject": email.subject,
        "in_reply_to": email.in_reply_to,
        "references": email.references,
    });
    let mut inbound = store_inbound(inbox_id, email.message);
    inbound.channel_data = Some(channel_data);
    inbound
}

/// A provider's message as the store's inbound message.
pub fn store_inbound(
    inbox_id: InboxId,
    message: tandem_channels::InboundMessage,
) -> InboundMessage {
    let channel_data = message
        .reply_payload
        .map(|payload| serde_json::json!({ "reply_payload": payload }));
    InboundMessage {
        inbox_id,
        identity: message.sender,
        contact_name: message.sender_name,
        text: message.text,
        external_id: Some(message.external_id),
        attachments: message.attachments,
        channel_data,
        reply_address: Some(message.reply_address),
    }
}

/// The title of the "talk to a person" button offered with the bot's messages.
pub fn talk_to_person_title(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Falar com uma pessoa",
        Language::Spanish => "Hablar con una persona",
        Language::English => "Talk to a person",
    }
}

/// The payload of the "talk to a person" button.
pub const TALK_TO_PERSON: &str = "talk_to_person";
