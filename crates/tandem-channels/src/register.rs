//! Registering Tandem's webhook address with a provider that is told it by API instead of by an
//! admin pasting it (Telegram's `setWebhook`), and what the provider answered.

use serde_json::{Value, json};

use crate::config::ChannelConfig;
use crate::verify::{ProviderUrls, path_segment};
use crate::{HttpMethod, ProviderRequest, RequestBody, truncate};

/// The update kinds Tandem reads (`telegram::parse_update`).
const TELEGRAM_UPDATES: [&str; 2] = ["message", "callback_query"];

/// The request that registers `webhook_url` for `config`, or `None` for channels whose address
/// an admin pastes at the provider.
#[must_use]
pub fn register_request(
    config: &ChannelConfig,
    urls: ProviderUrls<'_>,
    webhook_url: &str,
) -> Option<ProviderRequest> {
    let ChannelConfig::Telegram(telegram) = config else {
        return None;
    };
    let api = urls.telegram.strip_suffix('/').unwrap_or(urls.telegram);
    Some(ProviderRequest {
        method: HttpMethod::Post,
        url: format!("{api}/bot{}/setWebhook", path_segment(&telegram.bot_token)),
        headers: Vec::new(),
        body: RequestBody::Json(json!({
            "url": webhook_url,
            "secret_token": telegram.secret_token,
            "allowed_updates": TELEGRAM_UPDATES,
        })),
    })
}

/// Reads the provider's answer to [`register_request`]: the provider's reason when it refused.
///
/// # Errors
/// The provider did not take the address (Telegram wants a public https URL, for one).
pub fn read_registration(status: u16, body: &str) -> Result<(), String> {
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) && answer["ok"] == Value::Bool(true) {
        return Ok(());
    }
    Err(answer["description"].as_str().map_or_else(
        || format!("HTTP {status}: {}", truncate(body, 200)),
        str::to_owned,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{TelegramConfig, TwilioSmsConfig};

    const URLS: ProviderUrls<'static> = ProviderUrls {
        meta_graph: "https://graph.example/v21.0",
        telegram: "https://telegram.example",
        twilio: "https://twilio.example",
    };

    #[test]
    fn telegram_is_told_the_address_its_secret_and_the_updates_read() {
        let config = ChannelConfig::Telegram(TelegramConfig {
            bot_token: "123:ABC".into(),
            secret_token: "s3cret".into(),
        });
        let request = register_request(
            &config,
            URLS,
            "https://tandem.example/api/v1/channels/1/webhook",
        )
        .expect("Telegram registers by API");
        assert_eq!(
            request.url,
            "https://telegram.example/bot123:ABC/setWebhook"
        );
        assert_eq!(
            request.body,
            RequestBody::Json(json!({
                "url": "https://tandem.example/api/v1/channels/1/webhook",
                "secret_token": "s3cret",
                "allowed_updates": ["message", "callback_query"],
            }))
        );
        let sms = ChannelConfig::TwilioSms(TwilioSmsConfig {
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from_number: "+15550001111".into(),
        });
        assert!(register_request(&sms, URLS, "https://x").is_none());
    }

    #[test]
    fn a_refusal_carries_the_providers_reason() {
        assert_eq!(
            read_registration(
                200,
                r#"{"ok":true,"result":true,"description":"Webhook was set"}"#
            ),
            Ok(())
        );
        assert_eq!(
            read_registration(
                400,
                r#"{"ok":false,"error_code":400,"description":"Bad Request: bad webhook: HTTPS url must be provided for webhook"}"#
            ),
            Err("Bad Request: bad webhook: HTTPS url must be provided for webhook".into())
        );
    }
}
