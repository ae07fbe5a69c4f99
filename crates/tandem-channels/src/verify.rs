//! Checking a channel's credentials with its provider before an inbox is saved: one read-only
//! "who am I" request per channel, and what the answer says — the account the credentials reach,
//! or which field the provider refused and why.

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::Value;

use crate::config::ChannelConfig;
use crate::{HttpMethod, ProviderRequest, RequestBody, truncate};

/// Where each provider's API is (production addresses, or a test's fake).
#[derive(Clone, Copy, Debug)]
pub struct ProviderUrls<'a> {
    /// Meta's Graph API with its version, like `https://graph.facebook.com/v21.0`.
    pub meta_graph: &'a str,
    pub telegram: &'a str,
    pub twilio: &'a str,
}

/// What a provider said of the credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// They work: `account` names what they reach (a bot's @username, a number's name).
    Verified { account: String },
    /// The provider refused them; `field` is the setting at fault.
    Rejected { field: &'static str, reason: String },
    /// No verdict: the provider failed or answered something unexpected.
    Unavailable { reason: String },
}

/// The request that checks `config`, or `None` for channels checked only when used (e-mail).
#[must_use]
pub fn verify_request(config: &ChannelConfig, urls: ProviderUrls<'_>) -> Option<ProviderRequest> {
    let get = |url: String, headers: Vec<(String, String)>| ProviderRequest {
        method: HttpMethod::Get,
        url,
        headers,
        body: RequestBody::Empty,
    };
    let bearer = |token: &str| vec![("Authorization".to_owned(), format!("Bearer {token}"))];
    let base = |url: &str| url.strip_suffix('/').unwrap_or(url).to_owned();
    match config {
        ChannelConfig::Whatsapp(whatsapp) => Some(get(
            format!(
                "{}/{}?fields=display_phone_number,verified_name",
                base(urls.meta_graph),
                path_segment(&whatsapp.phone_number_id)
            ),
            bearer(&whatsapp.access_token),
        )),
        ChannelConfig::MetaPage(page) => Some(get(
            format!(
                "{}/{}?fields=name,username",
                base(urls.meta_graph),
                path_segment(&page.page_id)
            ),
            bearer(&page.page_access_token),
        )),
        ChannelConfig::Telegram(telegram) => Some(get(
            format!(
                "{}/bot{}/getMe",
                base(urls.telegram),
                path_segment(&telegram.bot_token)
            ),
            Vec::new(),
        )),
        ChannelConfig::TwilioSms(twilio) => Some(twilio_account(
            urls.twilio,
            &twilio.account_sid,
            &twilio.auth_token,
        )),
        ChannelConfig::TwilioVoice(twilio) => Some(twilio_account(
            urls.twilio,
            &twilio.account_sid,
            &twilio.auth_token,
        )),
        ChannelConfig::Email(_) => None,
    }
}

fn twilio_account(api: &str, account_sid: &str, auth_token: &str) -> ProviderRequest {
    let credentials = BASE64_STANDARD.encode(format!("{account_sid}:{auth_token}"));
    ProviderRequest {
        method: HttpMethod::Get,
        url: format!(
            "{}/2010-04-01/Accounts/{}.json",
            api.strip_suffix('/').unwrap_or(api),
            path_segment(account_sid)
        ),
        headers: vec![("Authorization".to_owned(), format!("Basic {credentials}"))],
        body: RequestBody::Empty,
    }
}

/// A setting put into a URL path: anything but letters, digits, `:`, `-`, `_` and `.` is
/// dropped, so a pasted value cannot change which address is called.
pub(crate) fn path_segment(value: &str) -> String {
    value
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
        .collect()
}

/// Reads the provider's answer to [`verify_request`].
#[must_use]
pub fn read_verification(config: &ChannelConfig, status: u16, body: &str) -> Verification {
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if status >= 500 || status == 429 {
        return Verification::Unavailable {
            reason: format!("HTTP {status}: {}", truncate(body, 200)),
        };
    }
    let ok = (200..300).contains(&status);
    let text = |value: &Value| value.as_str().map(str::to_owned);
    match config {
        ChannelConfig::Whatsapp(_) | ChannelConfig::MetaPage(_) => {
            let (token_field, id_field) = match config {
                ChannelConfig::Whatsapp(_) => ("access_token", "phone_number_id"),
                _ => ("page_access_token", "page_id"),
            };
            if ok {
                let name = text(&answer["verified_name"])
                    .or_else(|| text(&answer["name"]))
                    .or_else(|| text(&answer["username"]));
                let number = text(&answer["display_phone_number"]);
                return match (name, number) {
                    (Some(name), Some(number)) => verified(format!("{name} ({number})")),
                    (Some(found), None) | (None, Some(found)) => verified(found),
                    (None, None) => unexpected(status, body),
                };
            }
            let error = &answer["error"];
            let reason = text(&error["message"]).unwrap_or_else(|| format!("HTTP {status}"));
            // 190: the token is invalid or expired; other codes are about the object asked for.
            let field = if error["code"].as_i64() == Some(190) || status == 401 {
                token_field
            } else {
                id_field
            };
            rejected(field, reason)
        }
        ChannelConfig::Telegram(_) => {
            if ok && answer["ok"] == Value::Bool(true) {
                return match text(&answer["result"]["username"]) {
                    Some(username) => verified(format!("@{username}")),
                    None => unexpected(status, body),
                };
            }
            let reason = text(&answer["description"]).unwrap_or_else(|| format!("HTTP {status}"));
            rejected("bot_token", reason)
        }
        ChannelConfig::TwilioSms(_) | ChannelConfig::TwilioVoice(_) => {
            if ok {
                return match text(&answer["friendly_name"]) {
                    Some(name) => verified(name),
                    None => unexpected(status, body),
                };
            }
            let reason = text(&answer["message"]).unwrap_or_else(|| format!("HTTP {status}"));
            let field = if status == 404 {
                "account_sid"
            } else {
                "auth_token"
            };
            rejected(field, reason)
        }
        ChannelConfig::Email(_) => unexpected(status, body),
    }
}

fn verified(account: String) -> Verification {
    Verification::Verified { account }
}

fn rejected(field: &'static str, reason: String) -> Verification {
    Verification::Rejected {
        field,
        reason: truncate(&reason, 300).to_owned(),
    }
}

fn unexpected(status: u16, body: &str) -> Verification {
    Verification::Unavailable {
        reason: format!("unexpected answer (HTTP {status}): {}", truncate(body, 200)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{TelegramConfig, TwilioSmsConfig, WhatsappConfig};

    const URLS: ProviderUrls<'static> = ProviderUrls {
        meta_graph: "https://graph.example/v21.0",
        telegram: "https://telegram.example/",
        twilio: "https://twilio.example",
    };

    fn telegram(token: &str) -> ChannelConfig {
        ChannelConfig::Telegram(TelegramConfig {
            bot_token: token.into(),
            secret_token: "s".into(),
        })
    }

    #[test]
    fn each_channel_asks_who_it_is_without_changing_anything() {
        let request = verify_request(&telegram("123:ABC/../x?y"), URLS).expect("a request");
        assert_eq!(request.method, HttpMethod::Get);
        assert_eq!(request.url, "https://telegram.example/bot123:ABC..xy/getMe");
        let whatsapp = ChannelConfig::Whatsapp(WhatsappConfig {
            phone_number_id: "1055".into(),
            access_token: "EAAG".into(),
            app_secret: "a".into(),
            verify_token: "v".into(),
        });
        let request = verify_request(&whatsapp, URLS).expect("a request");
        assert_eq!(
            request.url,
            "https://graph.example/v21.0/1055?fields=display_phone_number,verified_name"
        );
        assert_eq!(
            request.headers,
            [("Authorization".into(), "Bearer EAAG".into())]
        );
    }

    #[test]
    fn answers_name_the_account_or_the_refused_field() {
        assert_eq!(
            read_verification(
                &telegram("t"),
                200,
                r#"{"ok":true,"result":{"id":1,"is_bot":true,"username":"aurora_bot"}}"#
            ),
            verified("@aurora_bot".into())
        );
        assert_eq!(
            read_verification(
                &telegram("t"),
                401,
                r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#
            ),
            rejected("bot_token", "Unauthorized".into())
        );
        let twilio = ChannelConfig::TwilioSms(TwilioSmsConfig {
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from_number: "+15550001111".into(),
        });
        assert_eq!(
            read_verification(
                &twilio,
                401,
                r#"{"code":20003,"message":"Authenticate","status":401}"#
            ),
            rejected("auth_token", "Authenticate".into())
        );
        assert!(matches!(
            read_verification(&twilio, 503, "busy"),
            Verification::Unavailable { .. }
        ));
        let whatsapp = ChannelConfig::Whatsapp(WhatsappConfig {
            phone_number_id: "1".into(),
            access_token: "x".into(),
            app_secret: "a".into(),
            verify_token: "v".into(),
        });
        assert_eq!(
            read_verification(
                &whatsapp,
                400,
                r#"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"#
            ),
            rejected("access_token", "Invalid OAuth access token.".into())
        );
        assert_eq!(
            read_verification(
                &whatsapp,
                200,
                r#"{"verified_name":"Banco Aurora","display_phone_number":"+55 11 4000-0000","id":"1"}"#
            ),
            verified("Banco Aurora (+55 11 4000-0000)".into())
        );
    }
}
