//! The transcription worker: takes stored voice notes (and voicemail) whose words are still to
//! come, a few at a time (speech to text is heavy), has the transcriber hear them in the
//! conversation's language, and stores the words as the message's text, marked as a transcript
//! with its language and confidence. Then the bot answers the words as if they had been typed —
//! or, when there are none it can trust, tells the customer plainly to type or ask for a person
//! (never a "bot failure" handover).

use jiff::SignedDuration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::conversation::ConversationStatus;
use tandem_domain::id::{AccountId, ConversationId, MessageId};
use tandem_domain::message::{Message, Transcription};
use tandem_store::{MediaFetch, StoreError, TranscriptionOutcome};

use crate::App;
use crate::delivery::{self, Deliverer};
use crate::ports::{HeardSpeech, TranscriptionError};

/// How long a claimed transcription is this node's: five minutes of audio take well under a
/// minute on two cores.
const LEASE: SignedDuration = SignedDuration::from_mins(10);

/// What the transcription worker is told.
#[derive(Clone, Debug)]
pub struct SpeechSettings {
    /// Recordings transcribed at once on one node.
    pub concurrency: usize,
    /// The least confidence (0–1) at which the bot answers a transcript; below it, the
    /// customer is asked to type. The agent sees the transcript either way.
    pub min_confidence: f32,
}

impl Default for SpeechSettings {
    fn default() -> Self {
        Self {
            concurrency: 1,
            min_confidence: 0.3,
        }
    }
}

/// Wakes this node's transcription worker when a fetch queued a transcription.
#[derive(Clone, Debug)]
pub(crate) struct TranscriptionKicks(std::sync::Arc<watch::Sender<()>>);

impl TranscriptionKicks {
    pub(crate) fn new() -> Self {
        Self(std::sync::Arc::new(watch::channel(()).0))
    }

    pub(crate) fn kick(&self) {
        self.0.send_replace(());
    }
}

/// Starts the worker; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    let poll_interval = app.settings.deliveries.poll_interval;
    let kicked = app.transcriptions.0.subscribe();
    let in_flight = app.settings.speech.concurrency.max(1);
    tokio::spawn(async move {
        delivery::run(
            TranscriptionWorker { app },
            kicked,
            poll_interval,
            "transcription",
            in_flight,
            shutdown,
        )
        .await;
    })
}

#[derive(Clone)]
struct TranscriptionWorker {
    app: App,
}

impl Deliverer for TranscriptionWorker {
    type Job = MediaFetch;
    type Outcome = (MediaFetch, TranscriptionOutcome);

    async fn claim(&self, limit: u32) -> Result<Vec<MediaFetch>, StoreError> {
        self.app
            .store
            .claim_transcriptions(self.app.now(), LEASE, limit)
            .await
    }

    async fn attempt(&self, job: MediaFetch) -> (MediaFetch, TranscriptionOutcome) {
        let outcome = match self.hear(&job).await {
            Ok(heard) => TranscriptionOutcome::Transcribed {
                text: heard.text.trim().to_owned(),
                language: heard.language.unwrap_or_default(),
                confidence_percent: heard.confidence.map(percent),
            },
            Err(TranscriptionError::Unusable(reason)) => {
                tracing::info!(message_id = %job.message_id, %reason, "voice note not transcribed");
                TranscriptionOutcome::Failed(reason)
            }
            Err(TranscriptionError::Unavailable(reason)) => {
                let deliveries = &self.app.settings.deliveries;
                match deliveries.retry_or_give_up(job.attempts, self.app.now(), &reason) {
                    Ok(at) => {
                        tracing::info!(message_id = %job.message_id, attempts = job.attempts, %reason, "transcription will be retried");
                        TranscriptionOutcome::Retry(at)
                    }
                    Err(gave_up) => TranscriptionOutcome::Failed(gave_up),
                }
            }
        };
        (job, outcome)
    }

    async fn record(&self, outcomes: Vec<(MediaFetch, TranscriptionOutcome)>) {
        for (job, outcome) in outcomes {
            match self.app.store.finish_transcription(&job, outcome).await {
                Ok(Some(message)) => {
                    self.app
                        .after_transcription(job.account_id, job.conversation_id, &message)
                        .await;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(message_id = %job.message_id, %error, "recording a transcription failed; it is attempted again when its lease ends");
                }
            }
        }
    }
}

impl TranscriptionWorker {
    async fn hear(&self, job: &MediaFetch) -> Result<HeardSpeech, TranscriptionError> {
        let app = &self.app;
        let Some(transcriber) = app.ports.transcriber.clone() else {
            return Err(TranscriptionError::Unusable(
                "no speech-to-text is configured on this server".to_owned(),
            ));
        };
        let retry = |error: StoreError| match error {
            StoreError::NotFound { entity } => {
                TranscriptionError::Unusable(format!("the {entity} no longer exists"))
            }
            error => TranscriptionError::Unavailable(format!("storage: {error}")),
        };
        let message = app
            .store
            .message(job.account_id, job.message_id)
            .await
            .map_err(retry)?;
        let attachment = message
            .attachments
            .get(job.attachment_index)
            .ok_or_else(|| TranscriptionError::Unusable("the attachment is gone".to_owned()))?;
        let file_id = attachment
            .file_id
            .ok_or_else(|| TranscriptionError::Unusable("the audio was never stored".to_owned()))?;
        let audio = app
            .ports
            .files
            .get(job.account_id, file_id)
            .await
            .map_err(|error| {
                TranscriptionError::Unavailable(format!("reading the audio: {error}"))
            })?
            .ok_or_else(|| TranscriptionError::Unusable("the audio is gone".to_owned()))?;
        let mime_type = attachment.mime_type.as_deref().unwrap_or("audio/ogg");
        let language = app
            .bot
            .conversation_language(job.account_id, job.conversation_id)
            .await
            .map_err(|error| TranscriptionError::Unavailable(error.to_string()))?;
        transcriber.transcribe(&audio, mime_type, language).await
    }
}

impl App {
    /// What follows a voice note's transcription on a conversation the bot has: the bot
    /// answers words it can trust; otherwise it asks the customer to type or ask for a
    /// person. A conversation with a person, or a message that waits for other audio, is
    /// left as it is (the agent sees the transcript).
    pub(crate) async fn after_transcription(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message: &Message,
    ) {
        if message.awaits_transcription() {
            return;
        }
        let conversation = match self.store.conversation(account_id, conversation_id).await {
            Ok(conversation) => conversation,
            Err(error) => {
                tracing::warn!(%error, %conversation_id, "the transcribed voice note was not answered");
                return;
            }
        };
        if conversation.status != ConversationStatus::Bot {
            return;
        }
        if self.heard_clearly(message) {
            self.bot.customer_wrote(
                account_id,
                conversation_id,
                message.id,
                message.text.clone(),
            );
        } else {
            self.bot
                .voice_note_unheard(account_id, conversation_id, message.id);
        }
    }

    /// After a voice note the bot was waiting for could not be fetched.
    pub(crate) async fn voice_note_lost(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) {
        match self.store.message(account_id, message_id).await {
            Ok(message) => {
                self.after_transcription(account_id, conversation_id, &message)
                    .await;
            }
            Err(error) => {
                tracing::warn!(%error, %message_id, "the lost voice note was not answered");
            }
        }
    }

    /// Whether every voice note of `message` became words sure enough for the bot, and there
    /// are words at all.
    fn heard_clearly(&self, message: &Message) -> bool {
        let least = percent(self.settings.speech.min_confidence);
        !message.text.trim().is_empty()
            && message
                .attachments
                .iter()
                .filter(|attachment| attachment.needs_transcription)
                .all(|attachment| match &attachment.transcription {
                    Some(Transcription::Done {
                        confidence_percent, ..
                    }) => confidence_percent.is_none_or(|confidence| confidence >= least),
                    _ => false,
                })
    }
}

/// A confidence from 0 to 1 as a whole percentage.
fn percent(confidence: f32) -> u8 {
    // Clamped first, so the cast cannot truncate.
    (confidence.clamp(0.0, 1.0) * 100.0).round() as u8
}
