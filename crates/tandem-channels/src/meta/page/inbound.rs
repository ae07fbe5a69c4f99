//! Messenger and Instagram webhooks: the `messaging` events of a page or professional account,
//! read into customers' messages and postbacks and the deliveries of our messages; echoes,
//! reads, reactions and the like are ignored by kind.

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
        let Some(external_id) = message.mid.filter(|mid| !is_blank_id(mid)) else {
            return vec![ignored("malformed_message_id")];
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
            (Some(mid), _, _) if !is_blank_id(&mid) => format!("postback:{mid}"),
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
        file_id: None,
        size_bytes: None,
        unavailable: None,
        transcription: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::testing::{MESSENGER_PAGE, ignored_kind, message};
    use crate::testing::fixture;
    use serde_json::json;

    const INSTAGRAM_ACCOUNT: &str = "600000000000007";

    fn status(event: &WebhookEvent) -> &StatusUpdate {
        match event {
            WebhookEvent::Status(status) => status,
            other => panic!("expected a status, got {other:?}"),
        }
    }

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
}
