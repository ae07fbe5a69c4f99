//! Stored files' records (the content is the file storage's) and the jobs that fetch customers'
//! media from their providers. A message carrying files links them in its own transaction
//! (`link_message_files`): an upload it names, and a fetch job for each attachment the
//! provider still holds.

use sqlx::types::Json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ContactId, ConversationId, FileId, InboxId, MessageId};
use tandem_domain::message::{Attachment, AttachmentKind, Direction, Message, Transcription};

use crate::changes::Announcements;
use crate::db::{Conn, args};
use crate::message_rows::attachments_json;
use crate::records::{parse, timestamp};
use crate::{Store, StoreError};

/// What is known of a stored file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub id: FileId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    /// The customer it concerns (erased with them).
    pub contact_id: ContactId,
    /// The conversation and message that carry it; `None` for an upload not sent yet.
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    pub kind: AttachmentKind,
    /// The type found in the content itself, never the sender's claim.
    pub mime_type: String,
    pub file_name: Option<String>,
    pub size_bytes: u64,
    pub sha256: String,
    pub created_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct FileRow {
    id: Uuid,
    account_id: Uuid,
    inbox_id: Uuid,
    contact_id: Uuid,
    conversation_id: Option<Uuid>,
    message_id: Option<Uuid>,
    kind: String,
    mime_type: String,
    file_name: Option<String>,
    size_bytes: i64,
    sha256: String,
    created_at: i64,
}

impl TryFrom<FileRow> for StoredFile {
    type Error = StoreError;

    fn try_from(row: FileRow) -> Result<Self, StoreError> {
        Ok(StoredFile {
            id: FileId(row.id),
            account_id: AccountId(row.account_id),
            inbox_id: InboxId(row.inbox_id),
            contact_id: ContactId(row.contact_id),
            conversation_id: row.conversation_id.map(ConversationId),
            message_id: row.message_id.map(MessageId),
            kind: parse::<AttachmentKind>("files.kind", &row.kind)?,
            mime_type: row.mime_type,
            file_name: row.file_name,
            size_bytes: u64::try_from(row.size_bytes).map_err(|_| {
                StoreError::corrupt(format!("files.size_bytes = {}", row.size_bytes))
            })?,
            sha256: row.sha256,
            created_at: timestamp(row.created_at)?,
        })
    }
}

const FILE_COLUMNS: &str = "id, account_id, inbox_id, contact_id, conversation_id, message_id, kind, \
     mime_type, file_name, size_bytes, sha256, created_at";

/// One attachment whose content is still at its provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaFetch {
    pub message_id: MessageId,
    pub attachment_index: usize,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub conversation_id: ConversationId,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

#[derive(Debug, sqlx::FromRow)]
struct MediaFetchRow {
    message_id: Uuid,
    attachment_index: i64,
    account_id: Uuid,
    inbox_id: Uuid,
    conversation_id: Uuid,
    attempts: i64,
}

impl TryFrom<MediaFetchRow> for MediaFetch {
    type Error = StoreError;

    fn try_from(row: MediaFetchRow) -> Result<Self, StoreError> {
        Ok(MediaFetch {
            message_id: MessageId(row.message_id),
            attachment_index: usize::try_from(row.attachment_index)
                .map_err(|_| StoreError::corrupt("media_fetches.attachment_index"))?,
            account_id: AccountId(row.account_id),
            inbox_id: InboxId(row.inbox_id),
            conversation_id: ConversationId(row.conversation_id),
            attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        })
    }
}

/// How a fetch ended, to record.
#[derive(Clone, Debug)]
pub enum MediaFetchOutcome {
    /// The content is stored as this file.
    Stored(StoredFile),
    /// It never will be, for this reason (shown on the attachment).
    Unavailable(String),
    /// Try again at this time.
    Retry(Timestamp),
}

impl Store {
    /// Records a file whose content the file storage holds. An upload names its conversation
    /// (an agent's) or none yet (a widget visitor's); either must be the account's.
    pub async fn insert_file(&self, file: &StoredFile) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        insert_file_row(&mut conn, file).await?;
        conn.commit().await?;
        Ok(())
    }

    /// A file of the account.
    pub async fn file(
        &self,
        account_id: AccountId,
        file_id: FileId,
    ) -> Result<StoredFile, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<FileRow>(
            &format!("SELECT {FILE_COLUMNS} FROM files WHERE account_id = $1 AND id = $2"),
            args![account_id, file_id],
        )
        .await?
        .ok_or(StoreError::not_found("file"))?
        .try_into()
    }

    /// The ids of the files about a contact, to remove their content when the contact is
    /// erased.
    pub async fn contact_file_ids(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
    ) -> Result<Vec<FileId>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<(Uuid,)>(
                "SELECT id FROM files WHERE account_id = $1 AND contact_id = $2",
                args![account_id, contact_id],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| FileId(id)).collect())
    }

    /// Which of `ids` still have a record (any account): content without one is an orphan.
    pub async fn known_file_ids(&self, ids: &[FileId]) -> Result<Vec<FileId>, StoreError> {
        let mut conn = self.read().await?;
        let mut known = Vec::new();
        for chunk in ids.chunks(500) {
            let list = crate::db::placeholders(1, chunk.len());
            let rows = conn
                .fetch_all::<(Uuid,)>(
                    &format!("SELECT id FROM files WHERE id IN ({list})"),
                    chunk.iter().map(|id| crate::db::Arg::from(*id)).collect(),
                )
                .await?;
            known.extend(rows.into_iter().map(|(id,)| FileId(id)));
        }
        Ok(known)
    }

    /// Forgets uploads no message carried since `before`.
    pub async fn delete_unsent_uploads(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM files WHERE message_id IS NULL AND created_at < $1",
                args![before],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted)
    }

    /// Puts a file kept at intake (an e-mail's attachment arrives with the e-mail), or why it
    /// was not kept, on attachment `index` of a message.
    pub async fn record_kept_file(
        &self,
        message: &Message,
        index: usize,
        outcome: MediaFetchOutcome,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        set_attachment_file(&mut conn, message.account_id, message.id, index, outcome).await?;
        let update =
            Announcements::message_update(message.account_id, message.conversation_id, message.id);
        self.changes.commit_with(conn, update).await?;
        Ok(())
    }

    /// Claims up to `limit` due fetches for `lease`; they are not due again until it ends.
    pub async fn claim_media_fetches(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: u32,
    ) -> Result<Vec<MediaFetch>, StoreError> {
        self.claim_media_jobs(FETCH, now, lease, limit).await
    }

    /// Claims up to `limit` due transcriptions (audio stored, words still to come) for
    /// `lease`.
    pub async fn claim_transcriptions(
        &self,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: u32,
    ) -> Result<Vec<MediaFetch>, StoreError> {
        self.claim_media_jobs(TRANSCRIBE, now, lease, limit).await
    }

    async fn claim_media_jobs(
        &self,
        task: &str,
        now: Timestamp,
        lease: jiff::SignedDuration,
        limit: u32,
    ) -> Result<Vec<MediaFetch>, StoreError> {
        let mut conn = self.write().await?;
        let skip_locked = conn.skip_locked();
        let lease_end = now.saturating_add(lease).map_err(StoreError::corrupt)?;
        let rows = conn
            .fetch_all::<MediaFetchRow>(
                &format!(
                    "UPDATE media_fetches SET attempts = attempts + 1, next_attempt_at = $1 \
                     WHERE (message_id, attachment_index) IN \
                     (SELECT message_id, attachment_index FROM media_fetches \
                      WHERE task = $4 AND next_attempt_at <= $2 \
                      ORDER BY next_attempt_at LIMIT $3{skip_locked}) \
                     RETURNING message_id, CAST(attachment_index AS BIGINT) AS attachment_index, \
                     account_id, inbox_id, conversation_id, CAST(attempts AS BIGINT) AS attempts"
                ),
                args![lease_end, now, i64::from(limit), task],
            )
            .await?;
        let jobs = rows
            .into_iter()
            .map(MediaFetch::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        conn.commit().await?;
        Ok(jobs)
    }

    /// Records how a fetch ended: the stored file (or the reason there is none) goes on the
    /// message's attachment, which agents see change; a retry waits for its time. Stored
    /// audio that needs its words becomes a transcription job; audio that never came is
    /// marked as not transcribed.
    pub async fn finish_media_fetch(
        &self,
        job: &MediaFetch,
        outcome: MediaFetchOutcome,
        now: Timestamp,
    ) -> Result<FetchFinished, StoreError> {
        let mut conn = self.write().await?;
        if let MediaFetchOutcome::Retry(at) = outcome {
            reschedule_job(&mut conn, job, FETCH, at).await?;
            conn.commit().await?;
            return Ok(FetchFinished::Done);
        }
        let deleted = delete_job(&mut conn, job, FETCH).await?;
        // Retention or an erasure may have taken the message (and the job) since the claim.
        let finished = if deleted == 1 {
            set_attachment_file(
                &mut conn,
                job.account_id,
                job.message_id,
                job.attachment_index,
                outcome,
            )
            .await?
        } else {
            FetchFinished::Done
        };
        if finished == FetchFinished::Transcribe {
            conn.execute(
                "INSERT INTO media_fetches (message_id, attachment_index, account_id, \
                 inbox_id, conversation_id, attempts, next_attempt_at, task) \
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
                args![
                    job.message_id,
                    i64::try_from(job.attachment_index).unwrap_or(i64::MAX),
                    job.account_id,
                    job.inbox_id,
                    job.conversation_id,
                    now,
                    TRANSCRIBE
                ],
            )
            .await?;
        }
        let update =
            Announcements::message_update(job.account_id, job.conversation_id, job.message_id);
        self.changes.commit_with(conn, update).await?;
        Ok(finished)
    }

    /// Records how a transcription ended: the words become the message's text (after its
    /// caption, if any) and the attachment says they are a transcript, in which language and
    /// how sure; a failure says why on the attachment; a retry waits for its time. `None` when
    /// the message is gone; else the message as it now is.
    pub async fn finish_transcription(
        &self,
        job: &MediaFetch,
        outcome: TranscriptionOutcome,
    ) -> Result<Option<Message>, StoreError> {
        let mut conn = self.write().await?;
        let (text, transcription) = match outcome {
            TranscriptionOutcome::Retry(at) => {
                reschedule_job(&mut conn, job, TRANSCRIBE, at).await?;
                conn.commit().await?;
                return Ok(None);
            }
            TranscriptionOutcome::Transcribed {
                text,
                language,
                confidence_percent,
            } => (
                Some(text),
                Transcription::Done {
                    language,
                    confidence_percent,
                },
            ),
            TranscriptionOutcome::Failed(reason) => (None, Transcription::Failed { reason }),
        };
        if delete_job(&mut conn, job, TRANSCRIBE).await? == 0 {
            conn.commit().await?;
            return Ok(None);
        }
        let row = conn
            .fetch_optional::<(String, Json<Vec<Attachment>>)>(
                &format!(
                    "SELECT text, attachments FROM messages WHERE account_id = $1 AND id = $2{}",
                    conn.for_update()
                ),
                args![job.account_id, job.message_id],
            )
            .await?;
        let Some((mut message_text, Json(mut attachments))) = row else {
            conn.commit().await?;
            return Ok(None);
        };
        let attachment = attachments.get_mut(job.attachment_index).ok_or_else(|| {
            StoreError::corrupt(format!(
                "message {} has no attachment {}",
                job.message_id, job.attachment_index
            ))
        })?;
        attachment.transcription = Some(transcription);
        if let Some(words) = text.filter(|words| !words.trim().is_empty()) {
            message_text = if message_text.trim().is_empty() {
                words
            } else {
                format!("{message_text}\n{words}")
            };
        }
        conn.execute(
            "UPDATE messages SET text = $3, attachments = $4 WHERE account_id = $1 AND id = $2",
            args![
                job.account_id,
                job.message_id,
                message_text.as_str(),
                attachments_json(&attachments)
            ],
        )
        .await?;
        let update =
            Announcements::message_transcribed(job.account_id, job.conversation_id, job.message_id);
        self.changes.commit_with(conn, update).await?;
        self.message(job.account_id, job.message_id).await.map(Some)
    }
}

/// The task of a media job: fetch the content, or transcribe stored audio.
const FETCH: &str = "fetch";
const TRANSCRIBE: &str = "transcribe";

/// A media job's key and task, as `$1`–`$4`.
fn job_key(job: &MediaFetch, task: &str) -> Vec<crate::db::Arg> {
    args![
        job.account_id,
        job.message_id,
        i64::try_from(job.attachment_index).unwrap_or(i64::MAX),
        task
    ]
}

/// Makes a media job due again at `at`.
async fn reschedule_job(
    conn: &mut Conn,
    job: &MediaFetch,
    task: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE media_fetches SET next_attempt_at = $5 \
         WHERE account_id = $1 AND message_id = $2 AND attachment_index = $3 AND task = $4",
        job_key(job, task).into_iter().chain(args![at]).collect(),
    )
    .await?;
    Ok(())
}

/// Removes a finished media job; 0 when retention or an erasure took it since its claim.
async fn delete_job(conn: &mut Conn, job: &MediaFetch, task: &str) -> Result<u64, StoreError> {
    Ok(conn
        .execute(
            "DELETE FROM media_fetches \
             WHERE account_id = $1 AND message_id = $2 AND attachment_index = $3 AND task = $4",
            job_key(job, task),
        )
        .await?)
}

/// What a finished fetch leaves to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchFinished {
    /// Nothing: the file is kept, or why not is shown.
    Done,
    /// Stored audio waits for its words: a transcription job is queued.
    Transcribe,
    /// Audio the bot was waiting to hear never came: it is marked as not transcribed.
    AudioUnheard,
}

/// How a transcription ended, to record.
#[derive(Clone, Debug)]
pub enum TranscriptionOutcome {
    /// The words heard, their language and how sure the model was (0–100, when it says).
    Transcribed {
        text: String,
        language: String,
        confidence_percent: Option<u8>,
    },
    /// There will be no words, for this reason.
    Failed(String),
    /// Try again at this time.
    Retry(Timestamp),
}

/// Puts a stored file (or why there is none) on a message's attachment, recording the file;
/// says what is left for audio the message waits to hear (a transcription job is the caller's
/// to write).
async fn set_attachment_file(
    conn: &mut Conn,
    account_id: AccountId,
    message_id: MessageId,
    index: usize,
    outcome: MediaFetchOutcome,
) -> Result<FetchFinished, StoreError> {
    let row = conn
        .fetch_optional::<(Json<Vec<Attachment>>,)>(
            &format!(
                "SELECT attachments FROM messages WHERE account_id = $1 AND id = $2{}",
                conn.for_update()
            ),
            args![account_id, message_id],
        )
        .await?;
    let Some((Json(mut attachments),)) = row else {
        return Ok(FetchFinished::Done);
    };
    let Some(attachment) = attachments.get_mut(index) else {
        return Err(StoreError::corrupt(format!(
            "message {message_id} has no attachment {index}"
        )));
    };
    let waiting = attachment.awaits_transcription();
    let audio = match outcome {
        MediaFetchOutcome::Stored(file) => {
            insert_file_row(conn, &file).await?;
            attachment.file_id = Some(file.id);
            attachment.size_bytes = Some(file.size_bytes);
            attachment.mime_type = Some(file.mime_type);
            if waiting {
                FetchFinished::Transcribe
            } else {
                FetchFinished::Done
            }
        }
        MediaFetchOutcome::Unavailable(reason) => {
            if waiting {
                attachment.transcription = Some(Transcription::Failed {
                    reason: format!("the audio could not be fetched: {reason}"),
                });
            }
            attachment.unavailable = Some(reason);
            if waiting {
                FetchFinished::AudioUnheard
            } else {
                FetchFinished::Done
            }
        }
        MediaFetchOutcome::Retry(_) => return Ok(FetchFinished::Done),
    };
    conn.execute(
        "UPDATE messages SET attachments = $3 WHERE account_id = $1 AND id = $2",
        args![account_id, message_id, attachments_json(&attachments)],
    )
    .await?;
    Ok(audio)
}

async fn insert_file_row(conn: &mut Conn, file: &StoredFile) -> Result<(), StoreError> {
    let size = i64::try_from(file.size_bytes).map_err(|_| StoreError::corrupt("file size"))?;
    let inserted = conn
        .execute(
            &format!(
                "INSERT INTO files ({FILE_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
                 WHERE EXISTS (SELECT 1 FROM inboxes WHERE account_id = $2 AND id = $3) \
                 AND EXISTS (SELECT 1 FROM contacts WHERE account_id = $2 AND id = $4) \
                 AND ($5 IS NULL OR EXISTS (SELECT 1 FROM conversations WHERE account_id = $2 AND id = $5))"
            ),
            args![
                file.id,
                file.account_id,
                file.inbox_id,
                file.contact_id,
                file.conversation_id,
                file.message_id,
                file.kind.as_str(),
                file.mime_type.as_str(),
                file.file_name.as_deref(),
                size,
                file.sha256.as_str(),
                file.created_at
            ],
        )
        .await?;
    if inserted == 0 {
        return Err(StoreError::not_found("conversation"));
    }
    Ok(())
}

/// Links what a just-inserted message carries, in its transaction: each upload it names
/// becomes the message's (it must be the account's, about the same contact, and not sent
/// before), and each customer attachment still at its provider gets a fetch job.
pub(crate) async fn link_message_files(
    conn: &mut Conn,
    inbox_id: InboxId,
    contact_id: ContactId,
    message: &Message,
    now: Timestamp,
) -> Result<(), StoreError> {
    for (index, attachment) in message.attachments.iter().enumerate() {
        if let Some(file_id) = attachment.file_id {
            let linked = conn
                .execute(
                    "UPDATE files SET message_id = $1, conversation_id = $2 \
                     WHERE account_id = $3 AND id = $4 AND contact_id = $5 AND message_id IS NULL \
                     AND (conversation_id IS NULL OR conversation_id = $2)",
                    args![
                        message.id,
                        message.conversation_id,
                        message.account_id,
                        file_id,
                        contact_id
                    ],
                )
                .await?;
            if linked == 0 {
                return Err(StoreError::InvalidReference {
                    field: "file_id",
                    message: "no file uploaded to this conversation and not sent yet has this id"
                        .to_owned(),
                });
            }
        } else if message.direction == Direction::Inbound && attachment.awaits_fetch() {
            conn.execute(
                "INSERT INTO media_fetches (message_id, attachment_index, account_id, inbox_id, \
                 conversation_id, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
                args![
                    message.id,
                    i64::try_from(index).unwrap_or(i64::MAX),
                    message.account_id,
                    inbox_id,
                    message.conversation_id,
                    now
                ],
            )
            .await?;
        }
    }
    Ok(())
}
