//! Channel adapters as pure code: each provider module checks a webhook's authenticity, parses
//! it into [`WebhookEvent`]s in the platform's terms, and builds the [`ProviderRequest`] that
//! sends an outbound message, reading the provider's answer back. No I/O happens here: the
//! server performs the requests and stores what comes out, so every adapter is tested with the
//! providers' documented payloads alone.

pub mod config;
pub mod email;
pub mod media;
pub mod meta;
pub mod register;
pub mod telegram;
pub mod twilio;
pub mod verify;

use serde::{Deserialize, Serialize};
use tandem_domain::Timestamp;
use tandem_domain::contact::Identity;
use tandem_domain::message::DeliveryStatus;
pub use tandem_domain::message::{Attachment, AttachmentKind};

/// Something a provider's webhook reported.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookEvent {
    /// A customer sent a message.
    Message(InboundMessage),
    /// An outbound message moved on (delivered, read, failed).
    Status(StatusUpdate),
    /// An event Tandem does not act on (an echo of our own message, a reaction, an unknown
    /// type); acknowledged and logged by kind, never an error.
    Ignored { kind: String },
}

/// A customer's message, as the platform stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct InboundMessage {
    /// The provider's id for the message; the same id twice is one message.
    pub external_id: String,
    /// Who sent it, normalised (a WhatsApp or SMS sender is a `phone` in E.164).
    pub sender: Identity,
    /// The sender's display name, when the provider tells it.
    pub sender_name: Option<String>,
    /// Where answers go on this channel: the WhatsApp id, page-scoped id, chat id, phone number
    /// or e-mail address the message came from.
    pub reply_address: String,
    /// The text, a media caption, or the title of the button the customer pressed; empty when
    /// the message is only an attachment.
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// The id of the quick-reply button or list row the customer chose, if any.
    pub reply_payload: Option<String>,
    /// When the provider says the customer sent it.
    pub sent_at: Option<Timestamp>,
}

/// A provider's news about an outbound message.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusUpdate {
    /// The provider's id for our message, as it answered when we sent it.
    pub external_id: String,
    pub status: DeliveryStatus,
    pub at: Option<Timestamp>,
    /// The provider's explanation of a failure.
    pub error: Option<String>,
}

/// Why a webhook was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The signature or secret is missing or wrong: answered 401/403, nothing stored.
    #[error("webhook not authentic: {0}")]
    Unauthenticated(&'static str),
    /// The body is not the provider's format: answered 400, nothing stored.
    #[error("malformed webhook: {0}")]
    Malformed(String),
}

/// An outbound message in the platform's terms, for an adapter to turn into its request.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundMessage {
    /// The customer's address on the channel (a phone in E.164, a page-scoped id, a chat id).
    pub to: String,
    pub text: String,
    /// Buttons offered with the text ("talk to a person", a clarification's choices); a
    /// channel without buttons lists them in the text.
    pub quick_replies: Vec<QuickReply>,
    /// A pre-approved template, required by WhatsApp outside the 24-hour window.
    pub template: Option<Template>,
    /// A file sent with the text (the text becomes its caption where the channel has one).
    pub file: Option<OutboundFile>,
}

/// A file to send, at an address the provider downloads it from (a link to this server that
/// works for a limited time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundFile {
    pub kind: AttachmentKind,
    pub url: String,
    pub file_name: Option<String>,
    pub mime_type: String,
}

/// One button of a quick reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    /// Comes back as [`InboundMessage::reply_payload`] when pressed.
    pub id: String,
    pub title: String,
}

/// A provider-approved message template and the values for its placeholders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    /// The template's language code, as registered (`pt_BR`, `en_US`, `es`).
    pub language: String,
    /// Values for the body's placeholders `{{1}}`, `{{2}}`, ... in order.
    #[serde(default)]
    pub parameters: Vec<String>,
}

/// Why an outbound message cannot be turned into a provider request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// The channel cannot carry this kind of message (a template on Telegram).
    #[error("not supported on this channel: {0}")]
    Unsupported(&'static str),
    /// The recipient address is not one the channel accepts.
    #[error("invalid recipient: {0}")]
    Recipient(String),
}

/// An HTTP request for the server to perform against a provider.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderRequest {
    pub method: HttpMethod,
    pub url: String,
    /// Headers to send, authorization included.
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
}

/// The HTTP methods adapters use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

/// A provider request's body.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestBody {
    /// No body (a GET).
    Empty,
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` pairs, in order.
    Form(Vec<(String, String)>),
}

/// What a provider's answer to a send means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the provider's id for the message, used to match later statuses.
    Accepted { external_id: String },
    /// Worth trying again later: a server error, a timeout, or a rate limit (with the
    /// provider's `Retry-After` in seconds when it sent one).
    Retry {
        reason: String,
        retry_after_seconds: Option<u64>,
    },
    /// The provider refused the message for good (bad recipient, outside the 24-hour window,
    /// bad credentials); the agent sees it failed.
    Rejected { reason: String },
}

/// Classifies an answer by HTTP status alone, for adapters whose success body needs no reading
/// beyond the id; `retry_after` is the `Retry-After` header's value.
pub fn outcome_for_failure(status: u16, body: &str, retry_after: Option<&str>) -> SendOutcome {
    let reason = format!("HTTP {status}: {}", truncate(body, 300));
    let retry_after_seconds = retry_after.and_then(|value| value.trim().parse::<u64>().ok());
    match status {
        429 | 500..=599 | 408 => SendOutcome::Retry {
            reason,
            retry_after_seconds,
        },
        _ => SendOutcome::Rejected { reason },
    }
}

/// Refuses a template outside WhatsApp, the one channel that has them.
pub(crate) fn refuse_template(message: &OutboundMessage) -> Result<(), OutboundError> {
    match message.template {
        Some(_) => Err(OutboundError::Unsupported(
            "templates are a WhatsApp feature",
        )),
        None => Ok(()),
    }
}

/// Whether a provider's message id is missing in effect: empty, or nothing but spaces and
/// control characters once cleaned the way every stored text is.
pub fn is_blank_id(id: &str) -> bool {
    tandem_domain::text::clean_text(id).trim().is_empty()
}

/// The first `max` characters of `text`.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    /// A provider payload sample from `../shared/fixtures/`, as bytes.
    pub(crate) fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures"
        ))
        .join(name);
        std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }
}
