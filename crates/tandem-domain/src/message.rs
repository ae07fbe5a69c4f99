//! Messages: inbound from contacts, outbound from the bot or agents, and private notes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::stored_name::UnknownName;

use crate::Timestamp;
use crate::event::Actor;
use crate::id::{AccountId, ConversationId, FileId, MessageId};
use crate::validation::{ValidationError, Validator};

/// Whether a message came from the customer or goes to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

impl FromStr for Direction {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(Direction::Inbound),
            "outbound" => Ok(Direction::Outbound),
            _ => Err(UnknownName(s.to_owned())),
        }
    }
}

/// How far an outbound message got on its way to the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Accepted and queued for the channel.
    Pending,
    Sent,
    Delivered,
    Read,
    /// The channel gave up on it.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl DeliveryStatus {
    /// Whether a provider's report of `next` moves the message on: statuses only go forward
    /// (sent, delivered, read), a failure ends a message not yet delivered, and nothing
    /// follows a failure.
    pub fn can_become(self, next: DeliveryStatus) -> bool {
        let rank = |status| match status {
            DeliveryStatus::Pending => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Failed => 4,
        };
        match (self, next) {
            (DeliveryStatus::Failed, _) => false,
            (DeliveryStatus::Delivered | DeliveryStatus::Read, DeliveryStatus::Failed) => false,
            _ => rank(next) > rank(self),
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Read,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
        .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub direction: Direction,
    pub sender: Actor,
    /// Private notes are for agents only and never leave for the customer.
    pub is_private: bool,
    pub text: String,
    /// The channel's id for the message, unique per inbox (idempotency and delivery statuses).
    pub external_id: Option<String>,
    /// Delivery progress of outbound, non-private messages.
    pub delivery_status: Option<DeliveryStatus>,
    /// Why the channel refused the message, when it failed.
    pub delivery_error: Option<String>,
    /// Files and media that came with the message (metadata only).
    pub attachments: Vec<Attachment>,
    /// Channel particulars: an e-mail's subject and threading, the buttons offered or pressed,
    /// the template sent.
    pub channel_data: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

impl Message {
    /// Whether an attachment still waits for its words: the bot answers once they come.
    pub fn awaits_transcription(&self) -> bool {
        self.attachments
            .iter()
            .any(Attachment::awaits_transcription)
    }
}

/// A file or media item of a message: the provider's metadata, and once Tandem has fetched
/// and stored its content, the stored file (`file_id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub kind: AttachmentKind,
    /// The provider's media id (WhatsApp, Telegram), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Where the provider serves the content, if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A voice note recorded in the app.
    #[serde(default)]
    pub voice: bool,
    /// Audio waiting to be transcribed before the bot can read it.
    #[serde(default)]
    pub needs_transcription: bool,
    /// The stored content, once fetched from the provider or uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<FileId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Why the content could not be fetched and never will be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// What speech-to-text made of audio that needed transcription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription: Option<Transcription>,
}

/// What speech-to-text made of a voice note or recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Transcription {
    /// The words are the message's text.
    Done {
        /// The language the words were heard in (`pt`, `es`, `en`…).
        language: String,
        /// How sure the model was, from 0 to 100, when it says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence_percent: Option<u8>,
    },
    /// There are no words, for this reason (the audio could not be fetched or decoded, the
    /// speech-to-text provider refused it, none is configured).
    Failed { reason: String },
}

impl Attachment {
    /// Metadata of one kind, with nothing else known yet.
    pub fn of_kind(kind: AttachmentKind) -> Self {
        Attachment {
            kind,
            media_id: None,
            url: None,
            mime_type: None,
            sha256: None,
            file_name: None,
            caption: None,
            voice: false,
            needs_transcription: false,
            file_id: None,
            size_bytes: None,
            unavailable: None,
            transcription: None,
        }
    }

    /// Whether the message waits for this attachment's words: audio that needs transcription
    /// and has none yet, nor a reason why not.
    pub fn awaits_transcription(&self) -> bool {
        self.needs_transcription && self.transcription.is_none()
    }

    /// Whether Tandem still has to fetch the content from the provider: it names the media
    /// and holds content (a location does not), and nothing is stored or refused yet.
    pub fn awaits_fetch(&self) -> bool {
        self.kind != AttachmentKind::Location
            && (self.media_id.is_some() || self.url.is_some())
            && self.file_id.is_none()
            && self.unavailable.is_none()
    }
}

/// What kind of content an attachment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Image,
    Audio,
    Video,
    Document,
    Sticker,
    Location,
    Other,
}

impl AttachmentKind {
    const ALL: [AttachmentKind; 7] = [
        AttachmentKind::Image,
        AttachmentKind::Audio,
        AttachmentKind::Video,
        AttachmentKind::Document,
        AttachmentKind::Sticker,
        AttachmentKind::Location,
        AttachmentKind::Other,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
            AttachmentKind::Document => "document",
            AttachmentKind::Sticker => "sticker",
            AttachmentKind::Location => "location",
            AttachmentKind::Other => "other",
        }
    }
}

impl FromStr for AttachmentKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AttachmentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

pub use crate::text::MAX_MESSAGE_CHARS;
/// Longest external message id accepted.
pub const MAX_EXTERNAL_ID_CHARS: usize = 256;

/// Validates a message's text as it will be stored: without control characters
/// (`text::clean_text`), not empty and within the cap.
pub fn validate_text(validator: &mut Validator, field: &str, text: &str) {
    validator.text(field, &crate::text::clean_text(text), MAX_MESSAGE_CHARS);
}

/// Validates a message text on its own.
pub fn validate_message_text(text: &str) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    validate_text(&mut validator, "text", text);
    validator.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_statuses_only_move_forward() {
        use DeliveryStatus::*;
        let cases = [
            (Pending, Sent, true),
            (Sent, Delivered, true),
            (Sent, Read, true),
            (Read, Delivered, false),
            (Delivered, Delivered, false),
            (Sent, Failed, true),
            (Delivered, Failed, false),
            (Failed, Read, false),
        ];
        for (from, to, expected) in cases {
            assert_eq!(from.can_become(to), expected, "{from:?} -> {to:?}");
        }
    }
}
