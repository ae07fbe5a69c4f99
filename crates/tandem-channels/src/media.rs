//! Fetching a customer's media from its provider, as pure request building: WhatsApp and
//! Telegram name media by id and need a look-up first (Graph's media URL, the Bot API's
//! `getFile`), Twilio serves its `MediaUrl` behind the account's credentials, Messenger and
//! Instagram give a public CDN address. The server performs the requests (through its outbound
//! guard) and stores what comes back.

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::Value;

use crate::config::ChannelConfig;
use crate::verify::{ProviderUrls, path_segment};
use crate::{Attachment, HttpMethod, ProviderRequest, RequestBody, truncate};

/// The first request for an attachment's content.
#[derive(Clone, Debug, PartialEq)]
pub enum MediaRequest {
    /// Asks where the content is; its answer goes to [`read_lookup`].
    Lookup(ProviderRequest),
    /// Downloads the content.
    Download(ProviderRequest),
}

/// Why an attachment's content cannot be fetched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Worth trying again later (the provider failed or limited us).
    #[error("{0}")]
    Retry(String),
    /// It never will be (no id, refused, expired at the provider).
    #[error("{0}")]
    Unavailable(String),
}

/// The request that starts fetching `attachment` on the channel `config` configures.
pub fn media_request(
    config: &ChannelConfig,
    attachment: &Attachment,
    urls: ProviderUrls<'_>,
) -> Result<MediaRequest, MediaError> {
    let base = |url: &str| url.strip_suffix('/').unwrap_or(url).to_owned();
    let missing = || MediaError::Unavailable("the provider named no media to fetch".to_owned());
    match config {
        ChannelConfig::Whatsapp(whatsapp) => {
            let media_id = attachment.media_id.as_deref().ok_or_else(missing)?;
            Ok(MediaRequest::Lookup(get(
                format!("{}/{}", base(urls.meta_graph), path_segment(media_id)),
                bearer(&whatsapp.access_token),
            )))
        }
        ChannelConfig::Telegram(telegram) => {
            let file_id = attachment.media_id.as_deref().ok_or_else(missing)?;
            let file_id: String =
                form_urlencoded::byte_serialize(file_id.trim().as_bytes()).collect();
            Ok(MediaRequest::Lookup(get(
                format!(
                    "{}/bot{}/getFile?file_id={file_id}",
                    base(urls.telegram),
                    path_segment(&telegram.bot_token)
                ),
                Vec::new(),
            )))
        }
        ChannelConfig::TwilioSms(twilio) => {
            let url = attachment.url.as_deref().ok_or_else(missing)?;
            Ok(MediaRequest::Download(get(
                twilio_api_url(url, urls.twilio),
                basic(&twilio.account_sid, &twilio.auth_token),
            )))
        }
        ChannelConfig::TwilioVoice(twilio) => {
            let url = attachment.url.as_deref().ok_or_else(missing)?;
            Ok(MediaRequest::Download(get(
                twilio_api_url(url, urls.twilio),
                basic(&twilio.account_sid, &twilio.auth_token),
            )))
        }
        ChannelConfig::MetaPage(_) => {
            let url = attachment.url.as_deref().ok_or_else(missing)?;
            Ok(MediaRequest::Download(get(url.to_owned(), Vec::new())))
        }
        ChannelConfig::Email(_) => Err(MediaError::Unavailable(
            "an e-mail's attachments arrive with the e-mail".to_owned(),
        )),
    }
}

/// A Twilio `MediaUrl` on the configured REST API (`api.twilio.com` unless the operator points
/// Tandem elsewhere); media on other Twilio hosts is fetched where it is.
fn twilio_api_url(url: &str, api: &str) -> String {
    match url.strip_prefix(TWILIO_API) {
        Some(path) if path.starts_with('/') => {
            format!("{}{path}", api.strip_suffix('/').unwrap_or(api))
        }
        _ => url.to_owned(),
    }
}

/// Where Twilio's media URLs point.
const TWILIO_API: &str = "https://api.twilio.com";

/// Reads the answer to a [`MediaRequest::Lookup`] into the download request.
pub fn read_lookup(
    config: &ChannelConfig,
    urls: ProviderUrls<'_>,
    status: u16,
    body: &str,
) -> Result<ProviderRequest, MediaError> {
    if status == 429 || status >= 500 {
        return Err(MediaError::Retry(format!(
            "HTTP {status}: {}",
            truncate(body, 200)
        )));
    }
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let refused = || {
        let reason = answer["error"]["message"]
            .as_str()
            .or_else(|| answer["description"].as_str())
            .map_or_else(|| truncate(body, 200).to_owned(), str::to_owned);
        MediaError::Unavailable(format!("HTTP {status}: {reason}"))
    };
    if !(200..300).contains(&status) {
        return Err(refused());
    }
    match config {
        ChannelConfig::Whatsapp(whatsapp) => {
            let url = answer["url"].as_str().ok_or_else(refused)?;
            Ok(get(url.to_owned(), bearer(&whatsapp.access_token)))
        }
        ChannelConfig::Telegram(telegram) => {
            let path = answer["result"]["file_path"].as_str().ok_or_else(refused)?;
            let path = path
                .split('/')
                .map(path_segment)
                .filter(|part| !part.is_empty() && part != "..")
                .collect::<Vec<_>>()
                .join("/");
            let base = urls.telegram.strip_suffix('/').unwrap_or(urls.telegram);
            Ok(get(
                format!(
                    "{base}/file/bot{}/{path}",
                    path_segment(&telegram.bot_token)
                ),
                Vec::new(),
            ))
        }
        _ => Err(refused()),
    }
}

/// What a download's status says when it is not a success.
pub fn download_failure(status: u16, body: &str) -> MediaError {
    let reason = format!("HTTP {status}: {}", truncate(body, 200));
    if status == 429 || status == 408 || status >= 500 {
        MediaError::Retry(reason)
    } else {
        MediaError::Unavailable(reason)
    }
}

fn get(url: String, headers: Vec<(String, String)>) -> ProviderRequest {
    ProviderRequest {
        method: HttpMethod::Get,
        url,
        headers,
        body: RequestBody::Empty,
    }
}

fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".to_owned(), format!("Bearer {token}"))]
}

fn basic(user: &str, password: &str) -> Vec<(String, String)> {
    let credentials = BASE64_STANDARD.encode(format!("{user}:{password}"));
    vec![("Authorization".to_owned(), format!("Basic {credentials}"))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AttachmentKind;
    use crate::config::{TelegramConfig, WhatsappConfig};

    const URLS: ProviderUrls<'static> = ProviderUrls {
        meta_graph: "https://graph.example/v21.0",
        telegram: "https://telegram.example",
        twilio: "https://twilio.example",
    };

    fn whatsapp() -> ChannelConfig {
        ChannelConfig::Whatsapp(WhatsappConfig {
            phone_number_id: "123".into(),
            access_token: "wa-token".into(),
            app_secret: "secret".into(),
            verify_token: "verify".into(),
        })
    }

    fn telegram() -> ChannelConfig {
        ChannelConfig::Telegram(TelegramConfig {
            bot_token: "42:abc".into(),
            secret_token: "s".into(),
        })
    }

    fn with_media_id(id: &str) -> Attachment {
        Attachment {
            media_id: Some(id.to_owned()),
            ..Attachment::of_kind(AttachmentKind::Image)
        }
    }

    #[test]
    fn whatsapp_media_is_looked_up_then_downloaded_with_the_token() {
        let MediaRequest::Lookup(lookup) =
            media_request(&whatsapp(), &with_media_id("9/../x"), URLS).unwrap()
        else {
            panic!("WhatsApp media needs a look-up");
        };
        assert_eq!(lookup.url, "https://graph.example/v21.0/9..x");
        assert_eq!(lookup.headers[0].1, "Bearer wa-token");
        let download = read_lookup(
            &whatsapp(),
            URLS,
            200,
            r#"{"url":"https://lookaside.example/m?id=9","mime_type":"image/jpeg"}"#,
        )
        .unwrap();
        assert_eq!(download.url, "https://lookaside.example/m?id=9");
        assert_eq!(download.headers[0].1, "Bearer wa-token");
    }

    #[test]
    fn telegram_files_are_found_by_get_file() {
        let MediaRequest::Lookup(lookup) =
            media_request(&telegram(), &with_media_id("AgAD+x"), URLS).unwrap()
        else {
            panic!("Telegram files need getFile");
        };
        assert_eq!(
            lookup.url,
            "https://telegram.example/bot42:abc/getFile?file_id=AgAD%2Bx"
        );
        let download = read_lookup(
            &telegram(),
            URLS,
            200,
            r#"{"ok":true,"result":{"file_id":"x","file_path":"photos/../file 1.jpg"}}"#,
        )
        .unwrap();
        assert_eq!(
            download.url,
            "https://telegram.example/file/bot42:abc/photos/file1.jpg"
        );
    }

    #[test]
    fn a_refused_look_up_is_final_and_a_failing_provider_is_retried() {
        let refused = read_lookup(
            &telegram(),
            URLS,
            400,
            r#"{"ok":false,"description":"Bad Request: file is too big"}"#,
        );
        assert_eq!(
            refused,
            Err(MediaError::Unavailable(
                "HTTP 400: Bad Request: file is too big".to_owned()
            ))
        );
        assert!(matches!(
            read_lookup(&whatsapp(), URLS, 503, "busy"),
            Err(MediaError::Retry(_))
        ));
        assert!(matches!(
            download_failure(404, "gone"),
            MediaError::Unavailable(_)
        ));
    }

    #[test]
    fn media_without_an_id_cannot_be_fetched() {
        assert!(matches!(
            media_request(
                &whatsapp(),
                &Attachment::of_kind(AttachmentKind::Image),
                URLS
            ),
            Err(MediaError::Unavailable(_))
        ));
    }

    #[test]
    fn twilio_media_is_downloaded_from_the_configured_api_with_the_account_credentials() {
        let sms = ChannelConfig::TwilioSms(crate::config::TwilioSmsConfig {
            account_sid: "AC1".into(),
            auth_token: "token".into(),
            from_number: "+5511400000000".into(),
        });
        let at = |url: &str| Attachment {
            url: Some(url.to_owned()),
            ..Attachment::of_kind(AttachmentKind::Image)
        };
        let MediaRequest::Download(download) = media_request(
            &sms,
            &at("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"),
            URLS,
        )
        .unwrap() else {
            panic!("Twilio media is downloaded directly");
        };
        assert_eq!(
            download.url,
            "https://twilio.example/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
        );
        assert_eq!(
            download.headers[0].1,
            format!("Basic {}", BASE64_STANDARD.encode("AC1:token"))
        );
        let MediaRequest::Download(elsewhere) =
            media_request(&sms, &at("https://media.twilio.com/ME1"), URLS).unwrap()
        else {
            panic!("Twilio media is downloaded directly");
        };
        assert_eq!(elsewhere.url, "https://media.twilio.com/ME1");
        let MediaRequest::Download(lookalike) =
            media_request(&sms, &at("https://api.twilio.com.evil.example/ME1"), URLS).unwrap()
        else {
            panic!("Twilio media is downloaded directly");
        };
        assert_eq!(lookalike.url, "https://api.twilio.com.evil.example/ME1");
    }
}
