//! The addresses users save for the server to call on their behalf (an inbox's webhook URL,
//! its mail servers, a bot profile's action and external-bot URLs), checked against the
//! operator's outbound policy (`ports::OutboundPolicy`) before they are stored: a refused one
//! is the field's `url_not_allowed`. Calls are checked again when made (DNS may change).

use tandem_bot::BotProfile;
use tandem_channels::config::ChannelConfig;
use tandem_domain::validation::{ValidationError, Validator};

use crate::App;

/// The detail code of an address the server will not call.
pub const URL_NOT_ALLOWED: &str = "url_not_allowed";

impl App {
    /// Refuses `url` under `field` if the server would not call it.
    pub(crate) async fn check_outbound_url(
        &self,
        field: &str,
        url: &str,
    ) -> Result<(), ValidationError> {
        let mut validator = Validator::new();
        if let Err(refused) = self.ports.outbound.check_url(url).await {
            tracing::info!(field, %refused, "refused an address a user saved");
            validator.reject(field, URL_NOT_ALLOWED, refused.to_string());
        }
        validator.finish()
    }

    /// Refuses the SMTP and IMAP servers of an e-mail inbox's settings the server would not
    /// connect to, under `channel_config.smtp.host` / `channel_config.imap.host`.
    pub(crate) async fn check_mail_servers(
        &self,
        config: &ChannelConfig,
    ) -> Result<(), ValidationError> {
        let ChannelConfig::Email(email) = config else {
            return Ok(());
        };
        let servers = std::iter::once(("channel_config.smtp.host", &email.smtp)).chain(
            email
                .imap
                .iter()
                .map(|imap| ("channel_config.imap.host", imap)),
        );
        let mut validator = Validator::new();
        for (field, server) in servers {
            if let Err(refused) = self
                .ports
                .outbound
                .check_host(&server.host, server.port)
                .await
            {
                tracing::info!(field, %refused, "refused an address a user saved");
                validator.reject(field, URL_NOT_ALLOWED, refused.to_string());
            }
        }
        validator.finish()
    }

    /// Refuses each action URL and the external bot's URL of `profile` the server would not
    /// call, named by their path under `source`.
    pub(crate) async fn check_profile_urls(
        &self,
        profile: &BotProfile,
    ) -> Result<(), ValidationError> {
        let mut validator = Validator::new();
        for (path, url) in tandem_bot::outbound_urls(profile) {
            if let Err(refused) = self.ports.outbound.check_url(&url).await {
                tracing::info!(%path, %refused, "refused an address a user saved");
                validator.reject(
                    &format!("source.{path}"),
                    URL_NOT_ALLOWED,
                    refused.to_string(),
                );
            }
        }
        validator.finish()
    }
}
