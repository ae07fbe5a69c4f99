//! Inboxes: connected channel instances and what happens to conversations that start in them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::{AccountId, InboxId};
use crate::status::ConversationStatus;
use crate::validation::{MAX_NAME_CHARS, ValidationError, Validator};

/// The kind of channel an inbox is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Custom integrations posting through the REST API channel.
    Api,
    /// The web-chat widget on the company's site.
    Web,
    /// WhatsApp Cloud API.
    Whatsapp,
    /// Facebook Messenger.
    Messenger,
    /// Instagram Direct.
    Instagram,
    /// A Telegram bot.
    Telegram,
    /// SMS through Twilio.
    Sms,
    /// Phone calls through Twilio Voice.
    Voice,
    /// E-mail over SMTP and IMAP or an inbound-parse webhook.
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 9] = [
        ChannelKind::Api,
        ChannelKind::Web,
        ChannelKind::Whatsapp,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
        ChannelKind::Telegram,
        ChannelKind::Sms,
        ChannelKind::Voice,
        ChannelKind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Api => "api",
            ChannelKind::Web => "web",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Messenger => "messenger",
            ChannelKind::Instagram => "instagram",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Sms => "sms",
            ChannelKind::Voice => "voice",
            ChannelKind::Email => "email",
        }
    }

    /// Whether the inbox speaks to a provider and so needs channel settings.
    pub fn needs_config(self) -> bool {
        !matches!(self, ChannelKind::Api | ChannelKind::Web)
    }

    /// Whether outbound messages travel through the outbound queue to the provider (voice
    /// replies are spoken in the call instead; the widget reads them over its WebSocket).
    pub fn delivers_outbound(self) -> bool {
        !matches!(
            self,
            ChannelKind::Api | ChannelKind::Web | ChannelKind::Voice
        )
    }
}

impl FromStr for ChannelKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChannelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| {
                ValidationError::field(
                    "channel",
                    "unknown_channel",
                    format!(
                        "unknown channel {s:?}; one of {}",
                        ChannelKind::ALL.map(ChannelKind::as_str).join(", ")
                    ),
                )
            })
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who answers a conversation that opens in an inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstResponder {
    /// The bot answers first and hands over by its rules.
    Bot,
    /// The conversation waits in the queue for a person.
    Human,
}

impl FirstResponder {
    pub fn as_str(self) -> &'static str {
        match self {
            FirstResponder::Bot => "bot",
            FirstResponder::Human => "human",
        }
    }

    /// The status a new (or customer-reopened) conversation starts in.
    pub fn opening_status(self) -> ConversationStatus {
        match self {
            FirstResponder::Bot => ConversationStatus::Bot,
            FirstResponder::Human => ConversationStatus::Queued,
        }
    }
}

impl FromStr for FirstResponder {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bot" => Ok(FirstResponder::Bot),
            "human" => Ok(FirstResponder::Human),
            _ => Err(ValidationError::field(
                "first_responder",
                "invalid_value",
                "must be \"bot\" or \"human\"",
            )),
        }
    }
}

/// One connected channel instance of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub id: InboxId,
    pub account_id: AccountId,
    pub name: String,
    pub channel: ChannelKind,
    pub first_responder: FirstResponder,
    /// Where outbound messages and conversation events are POSTed, signed; none disables it.
    pub webhook_url: Option<String>,
    pub created_at: Timestamp,
}

/// Validates an inbox's name and outgoing webhook URL.
pub fn validate_inbox(
    name: Option<&str>,
    webhook_url: Option<&str>,
) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    validator.optional_text("name", name, MAX_NAME_CHARS);
    if let Some(url) = webhook_url
        && !is_http_url(url)
    {
        validator.reject(
            "webhook_url",
            "invalid_url",
            "must be an absolute http:// or https:// URL",
        );
    }
    validator.finish()
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && url.len() <= 2048 && !url.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_must_be_absolute_http() {
        assert!(validate_inbox(None, Some("https://example.com/hook")).is_ok());
        assert!(validate_inbox(None, Some("http://127.0.0.1:9000")).is_ok());
        for bad in ["ftp://x", "https://", "example.com", "https://a b"] {
            assert!(validate_inbox(None, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn first_responder_decides_the_opening_status() {
        assert_eq!(
            FirstResponder::Bot.opening_status(),
            ConversationStatus::Bot
        );
        assert_eq!(
            FirstResponder::Human.opening_status(),
            ConversationStatus::Queued
        );
    }
}
