//! The media fetch worker: takes due jobs from the store (one per customer attachment still at
//! its provider, written with the message), downloads the content through the inbox's
//! provider (`ChannelProviders::fetch_media`, through the outbound guard), keeps it as a file
//! and puts the file on the attachment, which agents see change. A provider failing is retried
//! with the delivery back-off; media the provider refuses, or a type Tandem does not keep, is
//! marked unavailable with the reason. Also here: the hourly sweep that forgets uploads never
//! sent and removes content left without a record (after an erasure or a crash).

use std::time::Duration;

use jiff::SignedDuration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_channels::media::MediaError;
use tandem_domain::Timestamp;
use tandem_store::{FetchFinished, InboxSecrets, MediaFetch, MediaFetchOutcome, StoreError};

use crate::delivery::{self, Deliverer};
use crate::{App, AppError};

/// How long an upload may wait for a message to carry it.
const UNSENT_UPLOAD_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
/// How young content without a record may be and still be kept (its record may be on its way).
const ORPHAN_GRACE: SignedDuration = SignedDuration::from_hours(1);
/// How often the sweep runs.
const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Starts the worker; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    let poll_interval = app.settings.deliveries.poll_interval;
    // Fetch jobs are found by polling: nothing else wakes this worker.
    let (never_sent, queued) = watch::channel(());
    tokio::spawn(async move {
        let _sender = never_sent;
        delivery::run(
            MediaWorker { app },
            queued,
            poll_interval,
            "media",
            delivery::MAX_IN_FLIGHT,
            shutdown,
        )
        .await;
    })
}

#[derive(Clone)]
struct MediaWorker {
    app: App,
}

impl Deliverer for MediaWorker {
    type Job = MediaFetch;
    type Outcome = (MediaFetch, MediaFetchOutcome);

    async fn claim(&self, limit: u32) -> Result<Vec<MediaFetch>, StoreError> {
        self.app
            .store
            .claim_media_fetches(self.app.now(), self.app.settings.deliveries.lease, limit)
            .await
    }

    async fn attempt(&self, job: MediaFetch) -> (MediaFetch, MediaFetchOutcome) {
        let outcome = match self.fetch(&job).await {
            Ok(file) => MediaFetchOutcome::Stored(file),
            Err(MediaError::Unavailable(reason)) => {
                tracing::info!(message_id = %job.message_id, %reason, "customer media unavailable");
                MediaFetchOutcome::Unavailable(reason)
            }
            Err(MediaError::Retry(reason)) => {
                let deliveries = &self.app.settings.deliveries;
                match deliveries.retry_or_give_up(job.attempts, self.app.now(), &reason) {
                    Ok(at) => {
                        tracing::info!(message_id = %job.message_id, attempts = job.attempts, %reason, "fetching customer media will be retried");
                        MediaFetchOutcome::Retry(at)
                    }
                    Err(gave_up) => MediaFetchOutcome::Unavailable(gave_up),
                }
            }
        };
        (job, outcome)
    }

    async fn record(&self, outcomes: Vec<(MediaFetch, MediaFetchOutcome)>) {
        for (job, outcome) in outcomes {
            let stored = match &outcome {
                MediaFetchOutcome::Stored(file) => Some(file.id),
                _ => None,
            };
            let app = &self.app;
            match app.store.finish_media_fetch(&job, outcome, app.now()).await {
                Ok(FetchFinished::Done) => {}
                Ok(FetchFinished::Transcribe) => app.transcriptions.kick(),
                Ok(FetchFinished::AudioUnheard) => {
                    app.voice_note_lost(job.account_id, job.conversation_id, job.message_id)
                        .await;
                }
                Err(error) => {
                    tracing::warn!(message_id = %job.message_id, %error, "recording a media fetch failed; it is attempted again when its lease ends");
                    if let Some(file_id) = stored {
                        app.remove_contents(job.account_id, &[file_id]).await;
                    }
                }
            }
        }
    }
}

impl MediaWorker {
    async fn fetch(&self, job: &MediaFetch) -> Result<tandem_store::StoredFile, MediaError> {
        let storage = |error: StoreError| match error {
            StoreError::NotFound { entity } => {
                MediaError::Unavailable(format!("the {entity} no longer exists"))
            }
            error => MediaError::Retry(format!("storage: {error}")),
        };
        let app = &self.app;
        let InboxSecrets {
            inbox,
            channel_config: sealed,
            ..
        } = app
            .store
            .inbox_with_secrets(job.account_id, job.inbox_id)
            .await
            .map_err(storage)?;
        let config = app
            .channels()
            .open(&inbox, sealed.as_deref())
            .map_err(|error| MediaError::Unavailable(error.to_string()))?;
        let message = app
            .store
            .message(job.account_id, job.message_id)
            .await
            .map_err(storage)?;
        let conversation = app
            .store
            .conversation(job.account_id, job.conversation_id)
            .await
            .map_err(storage)?;
        let attachment = message
            .attachments
            .get(job.attachment_index)
            .ok_or_else(|| MediaError::Unavailable("the attachment no longer exists".to_owned()))?;
        let content = app
            .ports
            .providers
            .fetch_media(&config, attachment, app.max_file_bytes())
            .await?;
        app.keep_attachment_file(
            &message,
            attachment,
            job.inbox_id,
            conversation.contact_id,
            &content,
        )
        .await
        .map_err(|error| match error {
            AppError::FileRefused(refused) => MediaError::Unavailable(refused.to_string()),
            error => MediaError::Retry(error.to_string()),
        })
    }
}

/// Starts the hourly sweep; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_sweep(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = app.sweep_files().await {
                tracing::warn!(%error, "sweeping stored files failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(SWEEP_INTERVAL) => {}
            }
        }
    })
}

impl App {
    /// Forgets uploads no message carried for a day, then removes content whose record is gone
    /// (an hour after it was made, so content whose record is being written stays). Returns how
    /// many contents were removed.
    pub async fn sweep_files(&self) -> Result<usize, AppError> {
        let now = self.now();
        let unsent_before = now.saturating_sub(UNSENT_UPLOAD_LIFETIME).unwrap_or(now);
        self.store.delete_unsent_uploads(unsent_before).await?;
        let kept = self
            .ports
            .files
            .list()
            .await
            .map_err(|error| AppError::Internal(format!("listing stored files: {error}")))?;
        let grace_start = now.saturating_sub(ORPHAN_GRACE).unwrap_or(now);
        let old: Vec<_> = kept
            .into_iter()
            .filter(|(_, id)| made_at(id.0).is_some_and(|made| made < grace_start))
            .collect();
        let ids: Vec<_> = old.iter().map(|(_, id)| *id).collect();
        let known: std::collections::HashSet<_> =
            self.store.known_file_ids(&ids).await?.into_iter().collect();
        let mut removed = 0;
        for (account_id, id) in old.into_iter().filter(|(_, id)| !known.contains(id)) {
            self.remove_contents(account_id, &[id]).await;
            removed += 1;
        }
        Ok(removed)
    }
}

/// When a UUIDv7 id was made.
fn made_at(id: uuid::Uuid) -> Option<Timestamp> {
    let (seconds, nanos) = id.get_timestamp()?.to_unix();
    Timestamp::new(i64::try_from(seconds).ok()?, i32::try_from(nanos).ok()?).ok()
}
