//! Test helpers shared by the Meta adapters' tests: the ids of the fixtures' accounts, and
//! short ways to look into events and requests.

use serde_json::Value;

use crate::{
    InboundMessage, OutboundMessage, ProviderRequest, QuickReply, RequestBody, WebhookEvent,
};

/// The WhatsApp number the fixtures are addressed to.
pub(super) const PHONE_NUMBER_ID: &str = "200000000000002";
/// The Messenger page the fixtures are addressed to.
pub(super) const MESSENGER_PAGE: &str = "400000000000005";

/// The message `event` carries; panics on any other event.
pub(super) fn message(event: &WebhookEvent) -> &InboundMessage {
    match event {
        WebhookEvent::Message(message) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// The kind of an ignored `event`; panics on any other event.
pub(super) fn ignored_kind(event: &WebhookEvent) -> &str {
    match event {
        WebhookEvent::Ignored { kind } => kind,
        other => panic!("expected an ignored event, got {other:?}"),
    }
}

/// A message to a WhatsApp number with `options` quick replies whose titles are too long
/// for any button.
pub(super) fn outbound(text: &str, options: usize) -> OutboundMessage {
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
        file: None,
    }
}

/// A request's JSON body; panics on a form.
pub(super) fn json_body(request: &ProviderRequest) -> &Value {
    match &request.body {
        RequestBody::Json(body) => body,
        other => panic!("expected JSON, got {other:?}"),
    }
}
