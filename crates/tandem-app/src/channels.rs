//! Channel settings: each inbox's sealed provider credentials (opened only with this server's
//! secret key, bound to the inbox) and the public URLs providers and browsers reach this server
//! by. Parsing and building provider messages is `tandem-channels`' pure code.

use tandem_channels::config::ChannelConfig;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::Inbox;
use tandem_nlu::Language;

use crate::sealing::Sealer;

/// What the channel code of a node shares.
#[derive(Debug)]
pub struct ChannelSettings {
    sealer: Sealer,
    /// How providers reach this server, without a trailing slash.
    pub public_url: String,
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

impl ChannelSettings {
    pub fn new(sealer: Sealer, public_url: String) -> Self {
        Self { sealer, public_url }
    }

    /// The installation's sealer, for other secrets kept at rest (two-factor secrets).
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
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
