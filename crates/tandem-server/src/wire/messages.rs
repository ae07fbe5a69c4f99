//! Messages with their attachments, and agents' replies and private notes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::StoredFile;
use tandem_domain::Timestamp;
use tandem_domain::message::{Attachment, Message, Transcription};

use super::{ActorBody, ConversationResponse, EventResponse};

#[derive(Debug, Clone, Serialize)]
pub struct MessageResponse {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub direction: &'static str,
    pub sender: ActorBody,
    pub private: bool,
    pub text: String,
    pub external_id: Option<String>,
    pub delivery_status: Option<&'static str>,
    /// Why the channel refused the message, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentBody>,
    pub created_at: Timestamp,
    /// The language of `text` (`pt`, `es`, `en`), when the account translates and it can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<&'static str>,
    /// The text in other languages, kept by two-way translation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<TranslationBody>,
}

/// A message's text in another language.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationBody {
    pub language: String,
    pub text: String,
}

/// A file or media item of a message: the provider's metadata and, once stored, the file
/// served at `/files/{file_id}`.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentBody {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub voice: bool,
    pub needs_transcription: bool,
    /// The stored file; `null` while it is being fetched or when it is unavailable.
    pub file_id: Option<Uuid>,
    pub size_bytes: Option<u64>,
    /// Why the file could not be fetched from the provider.
    pub unavailable: Option<String>,
    /// For audio that needs transcription, what speech to text made of it once it is done:
    /// the words are the message's `text`.
    pub transcription: Option<TranscriptionBody>,
}

/// What speech to text made of a voice note or recording.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TranscriptionBody {
    /// The message's text is the transcript, heard in `language` with `confidence` (0–1,
    /// `null` when the provider gives none).
    Done {
        language: String,
        confidence: Option<f32>,
    },
    /// There is no transcript, for `reason`.
    Failed { reason: String },
}

impl From<Transcription> for TranscriptionBody {
    fn from(transcription: Transcription) -> Self {
        match transcription {
            Transcription::Done {
                language,
                confidence_percent,
            } => TranscriptionBody::Done {
                language,
                confidence: confidence_percent.map(|percent| f32::from(percent) / 100.0),
            },
            Transcription::Failed { reason } => TranscriptionBody::Failed { reason },
        }
    }
}

/// A stored file, as an upload answers it.
#[derive(Debug, Clone, Serialize)]
pub struct FileResponse {
    pub id: Uuid,
    pub kind: &'static str,
    /// The type read from the content.
    pub mime_type: String,
    pub file_name: Option<String>,
    pub size_bytes: u64,
}

impl From<StoredFile> for FileResponse {
    fn from(file: StoredFile) -> Self {
        Self {
            id: file.id.0,
            kind: file.kind.as_str(),
            mime_type: file.mime_type,
            file_name: file.file_name,
            size_bytes: file.size_bytes,
        }
    }
}

impl From<Attachment> for AttachmentBody {
    fn from(attachment: Attachment) -> Self {
        Self {
            kind: attachment.kind.as_str(),
            media_id: attachment.media_id,
            url: attachment.url,
            mime_type: attachment.mime_type,
            file_name: attachment.file_name,
            caption: attachment.caption,
            voice: attachment.voice,
            needs_transcription: attachment.needs_transcription,
            file_id: attachment.file_id.map(|id| id.0),
            size_bytes: attachment.size_bytes,
            unavailable: attachment.unavailable,
            transcription: attachment.transcription.map(TranscriptionBody::from),
        }
    }
}

impl From<Message> for MessageResponse {
    fn from(message: Message) -> Self {
        Self {
            id: message.id.0,
            conversation_id: message.conversation_id.0,
            direction: message.direction.as_str(),
            sender: message.sender.into(),
            private: message.is_private,
            text: message.text,
            external_id: message.external_id,
            delivery_status: message.delivery_status.map(|status| status.as_str()),
            delivery_error: message.delivery_error,
            attachments: message.attachments.into_iter().map(Into::into).collect(),
            created_at: message.created_at,
            language: None,
            translations: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMessageRequest {
    /// May be empty when the message carries a file.
    #[serde(default)]
    pub text: String,
    /// A file uploaded to the conversation (`POST /conversations/{id}/files`), sent with the text.
    pub file_id: Option<Uuid>,
    /// A private note for agents, never sent to the customer.
    #[serde(default)]
    pub private: bool,
    /// Send it in the customer's language: translated by the account's model when written in
    /// another one (the original kept as the message's translation).
    #[serde(default)]
    pub translate: bool,
}

#[derive(Debug, Serialize)]
pub struct MessageCreatedResponse {
    pub conversation: ConversationResponse,
    pub message: MessageResponse,
    pub events: Vec<EventResponse>,
}
