//! Each channel's settings and credentials, as an admin writes them when connecting an inbox.
//! The store keeps them encrypted; the API shows them with every secret masked.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::validation::{ValidationError, Validator, normalize_email};

/// Longest setting value accepted.
const MAX_SETTING_CHARS: usize = 1024;

/// A connected channel's settings. The variant matches the inbox's channel kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChannelConfig {
    Whatsapp(WhatsappConfig),
    /// Messenger (a Facebook page) and Instagram (a professional account) share one shape.
    MetaPage(MetaPageConfig),
    Telegram(TelegramConfig),
    TwilioSms(TwilioSmsConfig),
    TwilioVoice(TwilioVoiceConfig),
    Email(EmailConfig),
}

/// WhatsApp Cloud API: one business phone number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsappConfig {
    /// The Cloud API's id of the business phone number (not the number itself).
    pub phone_number_id: String,
    /// A system-user access token with `whatsapp_business_messaging`.
    pub access_token: String,
    /// The Meta app's secret, which signs webhooks (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// Chosen by the admin and typed into Meta's webhook setup (`hub.verify_token`).
    pub verify_token: String,
}

/// Messenger or Instagram through a Meta app and a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaPageConfig {
    /// The Facebook page id (Messenger) or Instagram professional account id.
    pub page_id: String,
    pub page_access_token: String,
    pub app_secret: String,
    pub verify_token: String,
}

/// A Telegram bot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// From @BotFather: `123456:ABC-...`.
    pub bot_token: String,
    /// Given to `setWebhook` as `secret_token`; Telegram sends it back in
    /// `X-Telegram-Bot-Api-Secret-Token`. 1–256 characters of `A-Z a-z 0-9 _ -`.
    pub secret_token: String,
}

/// Twilio Programmable Messaging (SMS/MMS) from one number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioSmsConfig {
    pub account_sid: String,
    /// Signs webhooks (`X-Twilio-Signature`) and authenticates the REST API.
    pub auth_token: String,
    /// The Twilio number customers write to, in E.164.
    pub from_number: String,
}

/// Twilio Programmable Voice: calls to one number are conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioVoiceConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// What a handover does with the call.
    pub handover: VoiceHandover,
}

/// Where a call goes when the bot hands over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum VoiceHandover {
    /// Ring the phones (or SIP addresses) of the agents who are online, of the conversation's
    /// team when it has one, all at once: whoever answers gets the conversation. When nobody
    /// can answer, the caller leaves a voicemail.
    Agents,
    /// `<Dial>` the team's number; a voicemail when nobody answers.
    Dial { number: String },
    /// `<Enqueue>` into a Twilio queue that agents' phones dequeue from.
    Enqueue { queue: String },
}

/// E-mail: outbound over SMTP, inbound by IMAP polling and/or an inbound-parse webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The support address customers write to and replies come from.
    pub address: String,
    /// The name shown beside the address.
    #[serde(default)]
    pub display_name: Option<String>,
    pub smtp: MailServer,
    /// Polled for new mail when set.
    #[serde(default)]
    pub imap: Option<MailServer>,
    /// The secret the inbound-parse webhook must carry (`Authorization: Bearer ...`); the
    /// webhook is closed when unset.
    #[serde(default)]
    pub inbound_secret: Option<String>,
}

/// An SMTP or IMAP server and its login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailServer {
    pub host: String,
    pub port: u16,
    /// `tls` (implicit TLS: 465, 993), `starttls` (587, 143) or `none` (local relays only).
    pub security: MailSecurity,
    /// The login; an SMTP relay that takes mail without one (a local Postfix) leaves both
    /// `username` and `password` empty. IMAP always needs one.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// How a mail connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    Tls,
    Starttls,
    None,
}

/// The mask shown instead of a secret.
const MASK: &str = "********";

impl ChannelConfig {
    /// Reads the settings of a `kind` inbox from JSON and validates them; `field` names the
    /// settings object in errors. When they replace `previous` settings, a secret given as the
    /// mask keeps its value. The API channel has no settings.
    pub fn parse(
        kind: ChannelKind,
        value: serde_json::Value,
        field: &str,
        previous: Option<&ChannelConfig>,
    ) -> Result<ChannelConfig, ValidationError> {
        fn read<T: DeserializeOwned>(
            value: serde_json::Value,
            field: &str,
        ) -> Result<T, ValidationError> {
            serde_json::from_value(value)
                .map_err(|error| ValidationError::field(field, "invalid_config", error.to_string()))
        }
        let config = match kind {
            ChannelKind::Api | ChannelKind::Web => {
                return Err(ValidationError::field(
                    field,
                    "not_allowed",
                    format!("the {} channel has no channel settings", kind.as_str()),
                ));
            }
            ChannelKind::Whatsapp => ChannelConfig::Whatsapp(read(value, field)?),
            ChannelKind::Messenger | ChannelKind::Instagram => {
                ChannelConfig::MetaPage(read(value, field)?)
            }
            ChannelKind::Telegram => ChannelConfig::Telegram(read(value, field)?),
            ChannelKind::Sms => ChannelConfig::TwilioSms(read(value, field)?),
            ChannelKind::Voice => ChannelConfig::TwilioVoice(read(value, field)?),
            ChannelKind::Email => ChannelConfig::Email(read(value, field)?),
        };
        let mut config = config;
        if let Some(previous) = previous {
            config.keep_masked_secrets(previous);
        }
        config.validate(field)?;
        Ok(config)
    }

    /// Checks every setting, naming bad ones under `field` (e.g. `config.access_token`).
    pub fn validate(&self, field: &str) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let f = |name: &str| format!("{field}.{name}");
        match self {
            ChannelConfig::Whatsapp(c) => {
                digits(&mut v, &f("phone_number_id"), &c.phone_number_id);
                setting(&mut v, &f("access_token"), &c.access_token);
                setting(&mut v, &f("app_secret"), &c.app_secret);
                setting(&mut v, &f("verify_token"), &c.verify_token);
            }
            ChannelConfig::MetaPage(c) => {
                digits(&mut v, &f("page_id"), &c.page_id);
                setting(&mut v, &f("page_access_token"), &c.page_access_token);
                setting(&mut v, &f("app_secret"), &c.app_secret);
                setting(&mut v, &f("verify_token"), &c.verify_token);
            }
            ChannelConfig::Telegram(c) => {
                let valid_token = c.bot_token.split_once(':').is_some_and(|(id, key)| {
                    !id.is_empty()
                        && id.chars().all(|c| c.is_ascii_digit())
                        && !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                });
                if !valid_token {
                    v.reject(
                        &f("bot_token"),
                        "invalid_token",
                        "must be a bot token from @BotFather, like 123456:ABC-DEF",
                    );
                }
                let valid_secret = (1..=256).contains(&c.secret_token.len())
                    && c.secret_token
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid_secret {
                    v.reject(
                        &f("secret_token"),
                        "invalid_secret",
                        "must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -",
                    );
                }
            }
            ChannelConfig::TwilioSms(c) => {
                account_sid(&mut v, &f("account_sid"), &c.account_sid);
                setting(&mut v, &f("auth_token"), &c.auth_token);
                phone(&mut v, &f("from_number"), &c.from_number);
            }
            ChannelConfig::TwilioVoice(c) => {
                account_sid(&mut v, &f("account_sid"), &c.account_sid);
                setting(&mut v, &f("auth_token"), &c.auth_token);
                match &c.handover {
                    VoiceHandover::Enqueue { queue } => {
                        setting(&mut v, &f("handover.queue"), queue);
                    }
                    VoiceHandover::Dial { number } => phone(&mut v, &f("handover.number"), number),
                    VoiceHandover::Agents => {}
                }
            }
            ChannelConfig::Email(c) => {
                if normalize_email(&c.address).is_none() {
                    v.reject(&f("address"), "invalid_email", "must be an e-mail address");
                }
                if let Some(name) = &c.display_name {
                    setting(&mut v, &f("display_name"), name);
                }
                mail_server(&mut v, &f("smtp"), &c.smtp, Login::Optional);
                if let Some(imap) = &c.imap {
                    mail_server(&mut v, &f("imap"), imap, Login::Required);
                }
                if let Some(secret) = &c.inbound_secret
                    && secret.chars().count() < 16
                {
                    v.reject(
                        &f("inbound_secret"),
                        "too_short",
                        "must be at least 16 characters",
                    );
                }
            }
        }
        v.finish()
    }

    /// The settings with every secret replaced by a mask, for showing to admins.
    pub fn masked(&self) -> ChannelConfig {
        let mut shown = self.clone();
        for (_, secret) in shown.secrets_mut() {
            if !secret.is_empty() {
                *secret = MASK.to_owned();
            }
        }
        shown
    }

    /// Puts back each secret that was sent as the mask (an admin editing settings shown
    /// masked) from `previous`, the settings in force.
    fn keep_masked_secrets(&mut self, previous: &ChannelConfig) {
        let mut previous = previous.clone();
        let kept: Vec<(&'static str, String)> = previous
            .secrets_mut()
            .into_iter()
            .map(|(name, secret)| (name, std::mem::take(secret)))
            .collect();
        for (name, secret) in self.secrets_mut() {
            if secret == MASK
                && let Some((_, value)) = kept.iter().find(|(kept_name, _)| *kept_name == name)
            {
                value.clone_into(secret);
            }
        }
    }

    /// Every secret of the settings, by field name.
    fn secrets_mut(&mut self) -> Vec<(&'static str, &mut String)> {
        match self {
            ChannelConfig::Whatsapp(c) => vec![
                ("access_token", &mut c.access_token),
                ("app_secret", &mut c.app_secret),
                ("verify_token", &mut c.verify_token),
            ],
            ChannelConfig::MetaPage(c) => vec![
                ("page_access_token", &mut c.page_access_token),
                ("app_secret", &mut c.app_secret),
                ("verify_token", &mut c.verify_token),
            ],
            ChannelConfig::Telegram(c) => vec![
                ("bot_token", &mut c.bot_token),
                ("secret_token", &mut c.secret_token),
            ],
            ChannelConfig::TwilioSms(c) => vec![("auth_token", &mut c.auth_token)],
            ChannelConfig::TwilioVoice(c) => vec![("auth_token", &mut c.auth_token)],
            ChannelConfig::Email(c) => {
                let mut secrets = vec![("smtp.password", &mut c.smtp.password)];
                if let Some(imap) = &mut c.imap {
                    secrets.push(("imap.password", &mut imap.password));
                }
                if let Some(secret) = &mut c.inbound_secret {
                    secrets.push(("inbound_secret", secret));
                }
                secrets
            }
        }
    }
}

fn setting(v: &mut Validator, field: &str, value: &str) {
    v.text(field, value, MAX_SETTING_CHARS);
}

fn digits(v: &mut Validator, field: &str, value: &str) {
    if value.is_empty() || value.len() > 64 || !value.chars().all(|c| c.is_ascii_digit()) {
        v.reject(field, "invalid_id", "must be the numeric id Meta shows");
    }
}

fn account_sid(v: &mut Validator, field: &str, value: &str) {
    let valid = value.len() == 34
        && value.starts_with("AC")
        && value[2..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        v.reject(
            field,
            "invalid_sid",
            "must be a Twilio account SID: AC and 32 hex digits",
        );
    }
}

fn phone(v: &mut Validator, field: &str, value: &str) {
    let valid = value.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
    });
    if !valid {
        v.reject(
            field,
            "invalid_phone",
            "must be a phone number in E.164, like +5511987654321",
        );
    }
}

/// Whether a mail server must be given a login.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Login {
    Required,
    Optional,
}

fn mail_server(v: &mut Validator, field: &str, server: &MailServer, login: Login) {
    let valid_host = !server.host.is_empty()
        && server.host.len() <= 253
        && server
            .host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid_host {
        v.reject(
            &format!("{field}.host"),
            "invalid_host",
            "must be a host name or IP address",
        );
    }
    if server.port == 0 {
        v.reject(
            &format!("{field}.port"),
            "invalid_port",
            "must be 1 to 65535",
        );
    }
    let no_login = server.username.is_empty() && server.password.is_empty();
    if !(login == Login::Optional && no_login) {
        setting(v, &format!("{field}.username"), &server.username);
        setting(v, &format!("{field}.password"), &server.password);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whatsapp() -> ChannelConfig {
        ChannelConfig::Whatsapp(WhatsappConfig {
            phone_number_id: "106540352242922".into(),
            access_token: "EAAG-token".into(),
            app_secret: "app-secret".into(),
            verify_token: "verify-me".into(),
        })
    }

    #[test]
    fn bad_settings_are_named_under_the_field() {
        let config = ChannelConfig::TwilioSms(TwilioSmsConfig {
            account_sid: "AC123".into(),
            auth_token: String::new(),
            from_number: "5511".into(),
        });
        let error = config.validate("config").unwrap_err();
        let fields: Vec<_> = error.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "config.account_sid",
                "config.auth_token",
                "config.from_number"
            ]
        );
        assert!(whatsapp().validate("config").is_ok());
    }

    #[test]
    fn settings_are_read_for_the_inbox_kind() {
        let value = serde_json::json!({"bot_token": "1:abc", "secret_token": "s3cret"});
        assert!(matches!(
            ChannelConfig::parse(ChannelKind::Telegram, value.clone(), "config", None),
            Ok(ChannelConfig::Telegram(_))
        ));
        let error = ChannelConfig::parse(ChannelKind::Whatsapp, value, "config", None).unwrap_err();
        assert_eq!(error.0[0].field, "config");
        assert_eq!(error.0[0].code, "invalid_config");
    }

    #[test]
    fn masking_hides_every_secret_and_keeps_the_rest() {
        let ChannelConfig::Whatsapp(masked) = whatsapp().masked() else {
            panic!("variant changed");
        };
        assert_eq!(masked.phone_number_id, "106540352242922");
        assert_eq!(masked.access_token, MASK);
        assert_eq!(masked.app_secret, MASK);
        assert_eq!(masked.verify_token, MASK);
    }

    #[test]
    fn secrets_sent_back_masked_keep_their_value() {
        let previous = whatsapp();
        let edited = serde_json::json!({"phone_number_id": "106540352242999", "access_token": MASK,
            "app_secret": "new-secret", "verify_token": MASK});
        let ChannelConfig::Whatsapp(config) = ChannelConfig::parse(
            ChannelKind::Whatsapp,
            edited.clone(),
            "config",
            Some(&previous),
        )
        .unwrap() else {
            panic!("variant changed");
        };
        assert_eq!(config.phone_number_id, "106540352242999");
        assert_eq!(config.access_token, "EAAG-token");
        assert_eq!(config.app_secret, "new-secret");
        assert_eq!(config.verify_token, "verify-me");
        let ChannelConfig::Whatsapp(fresh) =
            ChannelConfig::parse(ChannelKind::Whatsapp, edited, "config", None).unwrap()
        else {
            panic!("variant changed");
        };
        assert_eq!(fresh.access_token, MASK, "nothing to keep on a new inbox");
    }

    #[test]
    fn an_smtp_relay_may_take_mail_without_a_login_but_imap_may_not() {
        let server = |username: &str, password: &str| MailServer {
            host: "127.0.0.1".into(),
            port: 25,
            security: MailSecurity::None,
            username: username.into(),
            password: password.into(),
        };
        let email = |smtp, imap| {
            ChannelConfig::Email(EmailConfig {
                address: "support@example.com".into(),
                display_name: None,
                smtp,
                imap,
                inbound_secret: None,
            })
        };
        assert!(email(server("", ""), None).validate("config").is_ok());
        let fields = |config: ChannelConfig| -> Vec<String> {
            config
                .validate("config")
                .unwrap_err()
                .0
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(email(server("relay", ""), None)),
            ["config.smtp.password"]
        );
        assert_eq!(
            fields(email(server("", ""), Some(server("", "")))),
            ["config.imap.username", "config.imap.password"]
        );
        let ChannelConfig::Email(masked) = email(server("", ""), None).masked() else {
            panic!("variant changed");
        };
        assert_eq!(
            masked.smtp.password, "",
            "nothing to hide is shown as nothing"
        );
    }

    #[test]
    fn telegram_secret_tokens_follow_the_bot_api_rules() {
        let config = |secret: &str| {
            ChannelConfig::Telegram(TelegramConfig {
                bot_token: "123456:ABC-def_1".into(),
                secret_token: secret.into(),
            })
        };
        assert!(config("abc_DEF-123").validate("config").is_ok());
        assert!(config("has space").validate("config").is_err());
        assert!(config(&"a".repeat(257)).validate("config").is_err());
    }
}
