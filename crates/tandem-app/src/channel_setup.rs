//! Connecting a channel with confidence: its credentials checked with the provider before the
//! inbox is saved, its webhook registered where the provider is told it by API, and how the
//! channel is doing once it is.

use jiff::SignedDuration;

use tandem_channels::config::ChannelConfig;
use tandem_channels::verify::Verification;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::ChannelKind;
use tandem_store::{ChannelHealth, InboxSecrets};

use crate::{App, AppError, Principal};

/// The window of an inbox's health counts.
const HEALTH_WINDOW: SignedDuration = SignedDuration::from_hours(24);

impl App {
    /// Checks a channel's settings (as an admin would save them) with the provider: the account
    /// they reach, or `None` when this channel is checked only when used. A refusal names the
    /// setting at fault (`channel_config.<setting>`, code `rejected_by_provider`); a provider that
    /// gives no verdict is `provider_unreachable` on `channel`.
    ///
    /// With `inbox_id` (an inbox being edited), settings left masked or out keep the inbox's
    /// saved values, so its secrets are checked without being typed again.
    pub async fn verify_channel(
        &self,
        principal: &Principal,
        inbox_id: Option<InboxId>,
        channel: &str,
        settings: serde_json::Value,
    ) -> Result<Option<String>, AppError> {
        let kind: ChannelKind = channel.parse()?;
        let saved = match inbox_id {
            Some(inbox_id) => {
                let (inbox, saved) = self
                    .inbox_settings(principal.account_id(), inbox_id)
                    .await?;
                if inbox.channel != kind {
                    return Err(AppError::invalid(
                        "channel",
                        "channel_mismatch",
                        format!("the inbox is a {} inbox", inbox.channel),
                    ));
                }
                saved
            }
            None => None,
        };
        let config = ChannelConfig::parse(kind, settings, "channel_config", saved.as_ref())?;
        match self.ports.providers.verify(&config).await {
            None => Ok(None),
            Some(Verification::Verified { account }) => Ok(Some(account)),
            Some(Verification::Rejected { field, reason }) => Err(AppError::invalid(
                &format!("channel_config.{field}"),
                "rejected_by_provider",
                reason,
            )),
            Some(Verification::Unavailable { reason }) => {
                Err(AppError::invalid("channel", "provider_unreachable", reason))
            }
        }
    }

    /// Tells the provider where to send a saved inbox's events, for channels registered by API
    /// (Telegram's `setWebhook`): `None` for channels whose address an admin pastes (or without
    /// settings); otherwise whether the provider took it, with its reason when not.
    pub async fn register_channel_webhook(
        &self,
        secrets: &InboxSecrets,
    ) -> Option<Result<(), String>> {
        let config = self
            .channels()
            .open(&secrets.inbox, secrets.channel_config.as_deref())
            .ok()?;
        let url = self.channels().webhook_url(secrets.inbox.id);
        let registered = self.ports.providers.register_webhook(&config, &url).await;
        if let Some(Err(reason)) = &registered {
            tracing::warn!(inbox_id = %secrets.inbox.id, %reason, "the provider refused the webhook");
        }
        registered
    }

    /// How an inbox's channel is doing: the last customer message, the last delivery, what
    /// fails or is retried, and the last day's counts.
    pub async fn channel_health(
        &self,
        principal: &Principal,
        inbox_id: InboxId,
    ) -> Result<ChannelHealth, AppError> {
        let now = self.now();
        let since = now.checked_sub(HEALTH_WINDOW).unwrap_or(now);
        Ok(self
            .store
            .channel_health(principal.account_id(), inbox_id, since)
            .await?)
    }
}
