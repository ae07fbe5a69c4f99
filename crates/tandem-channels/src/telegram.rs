//! Telegram Bot API: the webhook's secret-token header, `Update`s into events, and `sendMessage`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tandem_domain::Timestamp;
use tandem_domain::contact::{Identity, IdentityKind};

use crate::config::TelegramConfig;
use crate::{
    Attachment, AttachmentKind, HttpMethod, InboundMessage, OutboundError, OutboundFile,
    OutboundMessage, ProviderRequest, RequestBody, SendOutcome, WebhookError, WebhookEvent,
    outcome_for_failure, refuse_template, truncate,
};

/// The longest `sendMessage` text. The Bot API counts UTF-16 code units, so that is what is
/// counted here (an emoji outside the BMP counts twice).
const MAX_TEXT_UNITS: usize = 4096;
/// The longest caption of a file, in UTF-16 code units.
const MAX_CAPTION_UNITS: usize = 1024;

/// The longest `callback_data` of an inline-keyboard button, in bytes.
const MAX_CALLBACK_DATA_BYTES: usize = 64;

/// Checks `X-Telegram-Bot-Api-Secret-Token` against the configured secret, in constant time.
pub fn verify_secret(expected: &str, header: Option<&str>) -> Result<(), WebhookError> {
    let Some(header) = header else {
        return Err(WebhookError::Unauthenticated(
            "missing X-Telegram-Bot-Api-Secret-Token",
        ));
    };
    // Comparing digests keeps the secret's length out of the timing as well.
    let matches = Sha256::digest(expected.as_bytes()).ct_eq(&Sha256::digest(header.as_bytes()));
    if expected.is_empty() || !bool::from(matches) {
        return Err(WebhookError::Unauthenticated(
            "wrong X-Telegram-Bot-Api-Secret-Token",
        ));
    }
    Ok(())
}

/// One Update → events: a `message` or a pressed inline-keyboard button (`callback_query`)
/// becomes a message; every other kind of update is ignored by its key.
pub fn parse_update(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let update: serde_json::Map<String, Value> = serde_json::from_slice(body)
        .map_err(|error| WebhookError::Malformed(format!("not a Telegram update: {error}")))?;
    if !update.get("update_id").is_some_and(Value::is_i64) {
        return Err(WebhookError::Malformed(
            "a Telegram update needs a numeric update_id".into(),
        ));
    }
    // The Bot API sends at most one optional field besides update_id.
    let Some((kind, value)) = update.into_iter().find(|(key, _)| key != "update_id") else {
        return Ok(vec![WebhookEvent::Ignored {
            kind: "empty_update".into(),
        }]);
    };
    let event = match kind.as_str() {
        "message" => message_event(read(value, "message")?)?,
        "callback_query" => callback_event(read(value, "callback_query")?)?,
        _ => WebhookEvent::Ignored { kind },
    };
    Ok(vec![event])
}

/// sendMessage for `message` (`api_url` like `https://api.telegram.org`; one trailing slash is
/// tolerated). Quick replies become an inline keyboard, one button per row.
pub fn send_request(
    api_url: &str,
    config: &TelegramConfig,
    message: &OutboundMessage,
) -> Result<ProviderRequest, OutboundError> {
    refuse_template(message)?;
    let to = message.to.trim();
    if to.is_empty() {
        return Err(OutboundError::Recipient(
            "a Telegram chat id is needed".into(),
        ));
    }
    if let Some(file) = &message.file {
        return file_request(api_url, config, to, file, &message.text);
    }
    if message.text.trim().is_empty() {
        return Err(OutboundError::Unsupported("a Telegram message needs text"));
    }
    if message.text.encode_utf16().count() > MAX_TEXT_UNITS {
        return Err(OutboundError::Unsupported(
            "a Telegram message holds at most 4096 characters",
        ));
    }
    if message
        .quick_replies
        .iter()
        .any(|reply| reply.id.is_empty() || reply.id.len() > MAX_CALLBACK_DATA_BYTES)
    {
        return Err(OutboundError::Unsupported(
            "a Telegram button id must have 1 to 64 bytes",
        ));
    }
    // A numeric chat id is sent as a number; a channel's @username stays a string.
    let chat_id = to.parse::<i64>().map_or_else(|_| json!(to), |id| json!(id));
    let mut body = json!({"chat_id": chat_id, "text": message.text});
    if !message.quick_replies.is_empty() {
        let rows: Vec<Value> = message
            .quick_replies
            .iter()
            .map(|reply| json!([{"text": reply.title, "callback_data": reply.id}]))
            .collect();
        body["reply_markup"] = json!({ "inline_keyboard": rows });
    }
    let api = api_url.strip_suffix('/').unwrap_or(api_url);
    Ok(ProviderRequest {
        method: HttpMethod::Post,
        // The Bot API authenticates by the token in the path; there is no auth header.
        url: format!("{api}/bot{}/sendMessage", config.bot_token),
        headers: Vec::new(),
        body: RequestBody::Json(body),
    })
}

/// A file by URL (the Bot API downloads it) with the text as its caption.
fn file_request(
    api_url: &str,
    config: &TelegramConfig,
    to: &str,
    file: &OutboundFile,
    text: &str,
) -> Result<ProviderRequest, OutboundError> {
    if text.encode_utf16().count() > MAX_CAPTION_UNITS {
        return Err(OutboundError::Unsupported(
            "a Telegram caption holds at most 1024 characters",
        ));
    }
    let (method, field) = match file.kind {
        AttachmentKind::Image => ("sendPhoto", "photo"),
        AttachmentKind::Audio => ("sendAudio", "audio"),
        AttachmentKind::Video => ("sendVideo", "video"),
        AttachmentKind::Sticker => ("sendSticker", "sticker"),
        _ => ("sendDocument", "document"),
    };
    let chat_id = to.parse::<i64>().map_or_else(|_| json!(to), |id| json!(id));
    let mut body = json!({"chat_id": chat_id, field: file.url});
    if !text.trim().is_empty() {
        body["caption"] = json!(text);
    }
    let api = api_url.strip_suffix('/').unwrap_or(api_url);
    Ok(ProviderRequest {
        method: HttpMethod::Post,
        url: format!("{api}/bot{}/{method}", config.bot_token),
        headers: Vec::new(),
        body: RequestBody::Json(body),
    })
}

/// Reads the Bot API's answer to sendMessage; the external id is `{chat id}:{message id}`, as
/// [`parse_update`] names messages.
pub fn send_outcome(status: u16, body: &str, retry_after: Option<&str>) -> SendOutcome {
    let Ok(answer) = serde_json::from_str::<ApiAnswer>(body) else {
        return outcome_for_failure(status, body, retry_after);
    };
    if answer.ok && (200..300).contains(&status) {
        return match answer.result {
            Some(sent) => SendOutcome::Accepted {
                external_id: format!("{}:{}", sent.chat.id, sent.message_id),
            },
            None => SendOutcome::Rejected {
                reason: format!(
                    "sendMessage answered without a message: {}",
                    truncate(body, 300)
                ),
            },
        };
    }
    let code = answer.error_code.unwrap_or(status);
    let reason = match answer.description {
        Some(description) => format!("{code}: {}", truncate(&description, 300)),
        None => format!("HTTP {status}"),
    };
    if code == 429 || status == 429 {
        let header = retry_after.and_then(|value| value.trim().parse::<u64>().ok());
        return SendOutcome::Retry {
            reason,
            retry_after_seconds: answer
                .parameters
                .and_then(|parameters| parameters.retry_after)
                .or(header),
        };
    }
    if (500..600).contains(&status) || (500..600).contains(&code) {
        return SendOutcome::Retry {
            reason,
            retry_after_seconds: None,
        };
    }
    SendOutcome::Rejected { reason }
}

fn read<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, WebhookError> {
    serde_json::from_value(value)
        .map_err(|error| WebhookError::Malformed(format!("unreadable Telegram {what}: {error}")))
}

fn message_event(message: Message) -> Result<WebhookEvent, WebhookError> {
    let Some(from) = &message.from else {
        return Ok(WebhookEvent::Ignored {
            kind: "no_sender".into(),
        });
    };
    if from.is_bot {
        return Ok(WebhookEvent::Ignored {
            kind: "from_bot".into(),
        });
    }
    let caption = message.caption.clone();
    let attachments = attachments(&message, caption.as_deref());
    let text = message.text.clone().or(caption).unwrap_or_default();
    if text.is_empty() && attachments.is_empty() {
        // Service messages (members joining, pins) and content Tandem cannot show (polls, dice).
        return Ok(WebhookEvent::Ignored {
            kind: "unsupported_message".into(),
        });
    }
    Ok(WebhookEvent::Message(InboundMessage {
        external_id: format!("{}:{}", message.chat.id, message.message_id),
        sender: sender(from)?,
        sender_name: from.name(),
        reply_address: message.chat.id.to_string(),
        text,
        attachments,
        reply_payload: None,
        sent_at: message
            .date
            .and_then(|date| Timestamp::from_second(date).ok()),
    }))
}

fn callback_event(query: CallbackQuery) -> Result<WebhookEvent, WebhookError> {
    // A button under an inline-mode message has no chat to answer in; a game button no data.
    let (Some(message), Some(data)) = (query.message, query.data) else {
        return Ok(WebhookEvent::Ignored {
            kind: "callback_query".into(),
        });
    };
    let title = message
        .reply_markup
        .iter()
        .flat_map(|markup| markup.inline_keyboard.iter().flatten())
        .find(|button| button.callback_data.as_deref() == Some(data.as_str()))
        .map(|button| button.text.clone());
    Ok(WebhookEvent::Message(InboundMessage {
        external_id: format!("callback:{}", query.id),
        sender: sender(&query.from)?,
        sender_name: query.from.name(),
        reply_address: message.chat.id.to_string(),
        text: title.unwrap_or_else(|| data.clone()),
        attachments: Vec::new(),
        reply_payload: Some(data),
        sent_at: None,
    }))
}

fn sender(user: &User) -> Result<Identity, WebhookError> {
    Identity::parse(IdentityKind::Telegram, &user.id.to_string(), "from.id")
        .map_err(|error| WebhookError::Malformed(error.to_string()))
}

/// The message's media, at most one kind of it in practice.
fn attachments(message: &Message, caption: Option<&str>) -> Vec<Attachment> {
    let attachment = |kind, file: &File| Attachment {
        kind,
        media_id: Some(file.file_id.clone()),
        url: None,
        mime_type: file.mime_type.clone(),
        sha256: None,
        file_name: file.file_name.clone(),
        caption: caption.map(str::to_owned),
        voice: false,
        needs_transcription: false,
        file_id: None,
        size_bytes: None,
        unavailable: None,
        transcription: None,
    };
    let mut found = Vec::new();
    // Telegram lists a photo in several sizes; the largest is the one worth keeping.
    if let Some(photo) = message
        .photo
        .iter()
        .max_by_key(|size| (size.width.saturating_mul(size.height), size.file_size))
    {
        found.push(attachment(AttachmentKind::Image, photo));
    }
    if let Some(voice) = &message.voice {
        found.push(Attachment {
            voice: true,
            needs_transcription: true,
            ..attachment(AttachmentKind::Audio, voice)
        });
    }
    if let Some(audio) = &message.audio {
        found.push(Attachment {
            needs_transcription: true,
            ..attachment(AttachmentKind::Audio, audio)
        });
    }
    if let Some(document) = &message.document {
        found.push(attachment(AttachmentKind::Document, document));
    }
    for video in [&message.video, &message.video_note].into_iter().flatten() {
        found.push(attachment(AttachmentKind::Video, video));
    }
    if let Some(sticker) = &message.sticker {
        let mime_type = if sticker.is_video {
            "video/webm"
        } else if sticker.is_animated {
            "application/x-tgsticker"
        } else {
            "image/webp"
        };
        found.push(Attachment {
            mime_type: Some(mime_type.into()),
            ..attachment(AttachmentKind::Sticker, sticker)
        });
    }
    if let Some(location) = &message.location {
        // No file to fetch: the coordinates travel as the caption, "latitude,longitude".
        found.push(Attachment {
            kind: AttachmentKind::Location,
            media_id: None,
            url: None,
            mime_type: None,
            sha256: None,
            file_name: None,
            caption: Some(format!("{},{}", location.latitude, location.longitude)),
            voice: false,
            needs_transcription: false,
            file_id: None,
            size_bytes: None,
            unavailable: None,
            transcription: None,
        });
    }
    found
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    date: Option<i64>,
    from: Option<User>,
    chat: Chat,
    text: Option<String>,
    caption: Option<String>,
    #[serde(default)]
    photo: Vec<File>,
    voice: Option<File>,
    audio: Option<File>,
    document: Option<File>,
    video: Option<File>,
    video_note: Option<File>,
    sticker: Option<File>,
    location: Option<Location>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    first_name: String,
    last_name: Option<String>,
}

impl User {
    fn name(&self) -> Option<String> {
        let name = format!(
            "{} {}",
            self.first_name,
            self.last_name.as_deref().unwrap_or_default()
        );
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_owned())
    }
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
}

/// Any of the Bot API's file objects (PhotoSize, Voice, Audio, Document, Video, Sticker).
#[derive(Deserialize)]
struct File {
    file_id: String,
    mime_type: Option<String>,
    file_name: Option<String>,
    #[serde(default)]
    width: u64,
    #[serde(default)]
    height: u64,
    file_size: Option<u64>,
    #[serde(default)]
    is_animated: bool,
    #[serde(default)]
    is_video: bool,
}

#[derive(Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize)]
struct CallbackQuery {
    id: String,
    from: User,
    message: Option<KeyboardMessage>,
    data: Option<String>,
}

/// The bot's message that carried the pressed button.
#[derive(Deserialize)]
struct KeyboardMessage {
    chat: Chat,
    reply_markup: Option<InlineKeyboard>,
}

#[derive(Deserialize)]
struct InlineKeyboard {
    #[serde(default)]
    inline_keyboard: Vec<Vec<InlineButton>>,
}

#[derive(Deserialize)]
struct InlineButton {
    text: String,
    callback_data: Option<String>,
}

/// The Bot API's answer envelope.
#[derive(Deserialize)]
struct ApiAnswer {
    ok: bool,
    result: Option<SentMessage>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<ResponseParameters>,
}

#[derive(Deserialize)]
struct SentMessage {
    message_id: i64,
    chat: Chat,
}

#[derive(Deserialize)]
struct ResponseParameters {
    retry_after: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;
    use crate::{QuickReply, Template};

    fn only_message(events: Vec<WebhookEvent>) -> InboundMessage {
        match <[WebhookEvent; 1]>::try_from(events) {
            Ok([WebhookEvent::Message(message)]) => message,
            other => panic!("expected one message, got {other:?}"),
        }
    }

    fn config() -> TelegramConfig {
        TelegramConfig {
            bot_token: "123456:ABC-def".into(),
            secret_token: "tg_Secret-Token_123".into(),
        }
    }

    fn outbound(text: &str, quick_replies: Vec<QuickReply>) -> OutboundMessage {
        OutboundMessage {
            to: "800000009".into(),
            text: text.into(),
            quick_replies,
            template: None,
            file: None,
        }
    }

    #[test]
    fn the_fixture_update_becomes_a_message() {
        let message = only_message(parse_update(&fixture("telegram_update_text.json")).unwrap());
        assert_eq!(message.external_id, "800000009:11");
        assert_eq!(
            message.sender,
            Identity {
                kind: IdentityKind::Telegram,
                value: "800000009".into()
            }
        );
        assert_eq!(message.sender_name.as_deref(), Some("Cliente"));
        assert_eq!(message.reply_address, "800000009");
        assert_eq!(
            message.text,
            "Boa tarde, meu cartão 4111 1111 1111 1111 foi cobrado duas vezes"
        );
        assert!(message.attachments.is_empty());
        assert_eq!(message.reply_payload, None);
        assert_eq!(
            message.sent_at,
            Some(Timestamp::from_second(1_750_000_800).unwrap())
        );
    }

    #[test]
    fn only_the_configured_secret_header_passes() {
        let headers: Value = serde_json::from_slice(&fixture("telegram_headers.json")).unwrap();
        let header = |case: &str| headers[case]["X-Telegram-Bot-Api-Secret-Token"].as_str();
        let secret = config().secret_token;
        assert_eq!(verify_secret(&secret, header("ok")), Ok(()));
        assert_eq!(header("missing"), None);
        assert!(matches!(
            verify_secret(&secret, header("missing")),
            Err(WebhookError::Unauthenticated(_))
        ));
        assert!(matches!(
            verify_secret(&secret, header("wrong")),
            Err(WebhookError::Unauthenticated(_))
        ));
        assert!(verify_secret(&secret, Some("tg_Secret-Token_12")).is_err());
        assert!(verify_secret("", Some("")).is_err());
    }

    #[test]
    fn a_pressed_button_carries_its_id_and_title() {
        let body = br#"{"update_id": 900000002, "callback_query": {
            "id": "4382bfdwdsb323b2d9", "chat_instance": "-1234",
            "from": {"id": 800000009, "is_bot": false, "first_name": "Ana", "last_name": "Souza"},
            "message": {"message_id": 12, "date": 1750000900,
                "from": {"id": 123456, "is_bot": true, "first_name": "Tandem"},
                "chat": {"id": -100200300, "type": "supergroup"},
                "text": "Posso ajudar com mais algo?",
                "reply_markup": {"inline_keyboard": [
                    [{"text": "Sim", "callback_data": "yes"}],
                    [{"text": "Falar com um atendente", "callback_data": "human"}]]}},
            "data": "human"}}"#;
        let message = only_message(parse_update(body).unwrap());
        assert_eq!(message.external_id, "callback:4382bfdwdsb323b2d9");
        assert_eq!(message.reply_payload.as_deref(), Some("human"));
        assert_eq!(message.text, "Falar com um atendente");
        assert_eq!(message.reply_address, "-100200300");
        assert_eq!(message.sender.value, "800000009");
        assert_eq!(message.sender_name.as_deref(), Some("Ana Souza"));

        // A button no longer in the keyboard still answers with its data.
        let stale = String::from_utf8_lossy(body).replace(r#""data": "human""#, r#""data": "old""#);
        let message = only_message(parse_update(stale.as_bytes()).unwrap());
        assert_eq!(message.text, "old");
        assert_eq!(message.reply_payload.as_deref(), Some("old"));
    }

    #[test]
    fn media_messages_keep_their_files() {
        let body = br#"{"update_id": 3, "message": {"message_id": 20, "date": 1750000000,
            "from": {"id": 7, "is_bot": false, "first_name": "Rui"},
            "chat": {"id": 7, "type": "private"}, "caption": "segunda via",
            "photo": [
                {"file_id": "small", "file_unique_id": "a", "width": 90, "height": 60},
                {"file_id": "large", "file_unique_id": "c", "width": 1280, "height": 853},
                {"file_id": "medium", "file_unique_id": "b", "width": 320, "height": 213}]}}"#;
        let message = only_message(parse_update(body).unwrap());
        assert_eq!(message.text, "segunda via");
        assert_eq!(message.attachments.len(), 1);
        let photo = &message.attachments[0];
        assert_eq!(photo.kind, AttachmentKind::Image);
        assert_eq!(photo.media_id.as_deref(), Some("large"));
        assert_eq!(photo.caption.as_deref(), Some("segunda via"));

        let body = br#"{"update_id": 4, "message": {"message_id": 21,
            "from": {"id": 7, "is_bot": false, "first_name": "Rui"}, "chat": {"id": 7},
            "voice": {"file_id": "v1", "file_unique_id": "u", "duration": 3,
                      "mime_type": "audio/ogg"}}}"#;
        let message = only_message(parse_update(body).unwrap());
        assert_eq!(message.text, "");
        assert_eq!(message.sent_at, None);
        let voice = &message.attachments[0];
        assert_eq!(voice.kind, AttachmentKind::Audio);
        assert!(voice.voice && voice.needs_transcription);
        assert_eq!(voice.mime_type.as_deref(), Some("audio/ogg"));

        let body = br#"{"update_id": 5, "message": {"message_id": 22,
            "from": {"id": 7, "is_bot": false, "first_name": "Rui"}, "chat": {"id": 7},
            "document": {"file_id": "d1", "file_unique_id": "u", "file_name": "fatura.pdf",
                         "mime_type": "application/pdf"}}}"#;
        let message = only_message(parse_update(body).unwrap());
        let document = &message.attachments[0];
        assert_eq!(document.kind, AttachmentKind::Document);
        assert_eq!(document.file_name.as_deref(), Some("fatura.pdf"));
        assert_eq!(document.mime_type.as_deref(), Some("application/pdf"));

        let body = br#"{"update_id": 6, "message": {"message_id": 23,
            "from": {"id": 7, "is_bot": false, "first_name": "Rui"}, "chat": {"id": 7},
            "location": {"latitude": -23.5505, "longitude": -46.6333}}}"#;
        let message = only_message(parse_update(body).unwrap());
        assert_eq!(message.attachments[0].kind, AttachmentKind::Location);
        assert_eq!(
            message.attachments[0].caption.as_deref(),
            Some("-23.5505,-46.6333")
        );
    }

    #[test]
    fn other_updates_are_ignored_by_kind_and_junk_is_malformed() {
        let ignored = |body: &str| match parse_update(body.as_bytes()).unwrap().as_slice() {
            [WebhookEvent::Ignored { kind }] => kind.clone(),
            other => panic!("expected one ignored event, got {other:?}"),
        };
        assert_eq!(
            ignored(r#"{"update_id": 1, "edited_message": {"message_id": 1}}"#),
            "edited_message"
        );
        assert_eq!(
            ignored(r#"{"update_id": 1, "channel_post": {"message_id": 1}}"#),
            "channel_post"
        );
        assert_eq!(
            ignored(r#"{"update_id": 1, "my_chat_member": {}}"#),
            "my_chat_member"
        );
        assert_eq!(
            ignored(
                r#"{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5},
                "from": {"id": 5, "is_bot": true, "first_name": "Other bot"}, "text": "hi"}}"#
            ),
            "from_bot"
        );
        assert_eq!(
            ignored(
                r#"{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5},
                "from": {"id": 5, "is_bot": false, "first_name": "A"},
                "new_chat_members": [{"id": 9, "is_bot": false, "first_name": "B"}]}}"#
            ),
            "unsupported_message"
        );
        for junk in [
            "not json",
            "[]",
            r#"{"message": {"message_id": 1}}"#,
            r#"{"update_id": "1", "message": {}}"#,
            r#"{"update_id": 1, "message": {"text": "no chat"}}"#,
        ] {
            assert!(
                matches!(
                    parse_update(junk.as_bytes()),
                    Err(WebhookError::Malformed(_))
                ),
                "{junk}"
            );
        }
    }

    #[test]
    fn send_message_carries_an_inline_keyboard() {
        let replies = vec![
            QuickReply {
                id: "yes".into(),
                title: "Sim".into(),
            },
            QuickReply {
                id: "human".into(),
                title: "Falar com um atendente".into(),
            },
        ];
        let request = send_request(
            "https://api.telegram.org/",
            &config(),
            &outbound("Ok?", replies),
        )
        .unwrap();
        assert_eq!(request.method, HttpMethod::Post);
        assert_eq!(
            request.url,
            "https://api.telegram.org/bot123456:ABC-def/sendMessage"
        );
        assert!(request.headers.is_empty());
        assert_eq!(
            request.body,
            RequestBody::Json(json!({
                "chat_id": 800000009,
                "text": "Ok?",
                "reply_markup": {"inline_keyboard": [
                    [{"text": "Sim", "callback_data": "yes"}],
                    [{"text": "Falar com um atendente", "callback_data": "human"}]
                ]}
            }))
        );

        let mut to_channel = outbound("Oi", Vec::new());
        to_channel.to = "@tandem_news".into();
        let request = send_request("https://api.telegram.org", &config(), &to_channel).unwrap();
        assert_eq!(
            request.body,
            RequestBody::Json(json!({"chat_id": "@tandem_news", "text": "Oi"}))
        );
    }

    #[test]
    fn send_message_refuses_what_telegram_cannot_carry() {
        let api = "https://api.telegram.org";
        let long_id = vec![QuickReply {
            id: "x".repeat(65),
            title: "X".into(),
        }];
        assert!(matches!(
            send_request(api, &config(), &outbound("Oi", long_id)),
            Err(OutboundError::Unsupported(_))
        ));
        let fits = vec![QuickReply {
            id: "x".repeat(64),
            title: "X".into(),
        }];
        assert!(send_request(api, &config(), &outbound("Oi", fits)).is_ok());
        assert!(send_request(api, &config(), &outbound(&"a".repeat(4096), Vec::new())).is_ok());
        assert!(matches!(
            send_request(api, &config(), &outbound(&"a".repeat(4097), Vec::new())),
            Err(OutboundError::Unsupported(_))
        ));
        let mut template = outbound("Oi", Vec::new());
        template.template = Some(Template {
            name: "reminder".into(),
            language: "pt_BR".into(),
            parameters: Vec::new(),
        });
        assert_eq!(
            send_request(api, &config(), &template),
            Err(OutboundError::Unsupported(
                "templates are a WhatsApp feature"
            ))
        );
    }

    #[test]
    fn send_answers_are_read() {
        assert_eq!(
            send_outcome(
                200,
                r#"{"ok":true,"result":{"message_id":42,"date":1750000900,
                    "chat":{"id":800000009,"type":"private"},"text":"Oi"}}"#,
                None
            ),
            SendOutcome::Accepted {
                external_id: "800000009:42".into()
            }
        );
        let too_many = r#"{"ok":false,"error_code":429,
            "description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}"#;
        assert_eq!(
            send_outcome(429, too_many, Some("5")),
            SendOutcome::Retry {
                reason: "429: Too Many Requests: retry after 17".into(),
                retry_after_seconds: Some(17)
            }
        );
        assert!(matches!(
            send_outcome(
                429,
                r#"{"ok":false,"error_code":429,"description":"slow"}"#,
                Some("9")
            ),
            SendOutcome::Retry {
                retry_after_seconds: Some(9),
                ..
            }
        ));
        assert!(matches!(
            send_outcome(502, "<html>Bad Gateway</html>", None),
            SendOutcome::Retry { .. }
        ));
        assert_eq!(
            send_outcome(
                403,
                r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
                None
            ),
            SendOutcome::Rejected {
                reason: "403: Forbidden: bot was blocked by the user".into()
            }
        );
        assert_eq!(
            send_outcome(
                400,
                r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
                None
            ),
            SendOutcome::Rejected {
                reason: "400: Bad Request: chat not found".into()
            }
        );
    }
}
