//! Tandem's application layer: every use case of the product, between the HTTP server and the
//! store. A customer message arriving (`intake`), the bot's turn (`bot_turn`) and its handover
//! (`handover`), agent actions, surveys, learning, proactive messages, and the workers that
//! route queues and deliver to webhooks and channel providers. The outside world enters only
//! through the seams of `ports`, so each use case runs without HTTP.

pub mod account;
pub mod agent_sessions;
pub mod ai;
pub mod audit;
pub mod auth;
mod bot_closing;
pub mod bot_profiles;
mod bot_turn;
pub mod canned;
pub mod channel_delivery;
pub mod channel_events;
pub mod channel_setup;
pub mod channels;
pub mod contact_notes;
pub mod contacts;
pub mod conversations;
pub mod credentials;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod file_types;
pub mod files;
mod handover;
pub mod health;
pub mod hub;
pub mod inboxes;
pub mod intake;
pub mod learning;
mod loaded_bot;
pub mod login_protection;
pub mod mail_poll;
mod media_fetch;
pub mod model;
mod outbound;
pub mod password_reset;
mod personal_data;
pub mod ports;
pub mod privacy;
pub mod proactive;
pub mod reactions;
mod report_facts;
pub mod reports;
pub mod routing;
pub mod routing_worker;
pub mod saved_views;
pub mod sealing;
pub mod search;
pub mod secret;
pub mod sessions;
pub mod surveys;
pub mod teams;
pub mod tokens;
pub mod totp;
pub mod transcription;
pub mod two_factor;
pub mod users;
pub mod visitor;
pub mod voice_calls;
pub mod web_chat;
pub mod webhooks;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::Timestamp;
use tandem_store::Store;

pub use auth::{AuthError, Principal};
pub use error::AppError;
pub use hub::{Delivery, Feed, Hub, Notification};

use bot_turn::BotRunner;
use channels::ChannelSettings;
use ports::{
    AiProviders, ChannelProviders, Clock, ExternalBots, FileContents, HttpActions, Mailboxes,
    Observer, OutboundPolicy, SystemMailer, Transcriber, WebhookSender,
};
use routing_worker::{RoutingKicks, RoutingSettings};
use webhooks::WebhookSettings;

/// The current time at the precision the store keeps (milliseconds), so what an API call
/// returns equals what a later read returns.
pub fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

/// How the use cases and workers of one node behave.
#[derive(Debug)]
pub struct AppSettings {
    pub auth: auth::AuthSettings,
    /// The share of conversations (0–100) asked the NPS question after their CSAT.
    pub nps_sample_percent: u8,
    /// Channel settings' sealing and the public URL providers call.
    pub channels: Arc<ChannelSettings>,
    /// This node's routing worker.
    pub routing: RoutingSettings,
    /// Retries and leases of the webhook and channel delivery workers.
    pub deliveries: WebhookSettings,
    /// How often e-mail inboxes are polled.
    pub mail_poll_interval: Duration,
    /// The largest file kept (uploads and customers' media).
    pub max_file_bytes: u64,
    /// The transcription worker's concurrency and the confidence the bot trusts.
    pub speech: transcription::SpeechSettings,
}

/// The implementations of the seams (`ports`) the use cases call.
#[derive(Clone, Debug)]
pub struct Ports {
    pub clock: Arc<dyn Clock>,
    pub http_actions: Arc<dyn HttpActions>,
    pub external_bots: Arc<dyn ExternalBots>,
    pub webhooks: Arc<dyn WebhookSender>,
    pub providers: Arc<dyn ChannelProviders>,
    pub mailboxes: Arc<dyn Mailboxes>,
    /// Checks the addresses users save for the server to call.
    pub outbound: Arc<dyn OutboundPolicy>,
    pub observer: Arc<dyn Observer>,
    /// The server's own e-mail (password resets); `None` when the operator configured none.
    pub mailer: Option<Arc<dyn SystemMailer>>,
    /// The language models: the embedded one and OpenAI-compatible clients.
    pub ai: Arc<dyn AiProviders>,
    /// Stored files' content.
    pub files: Arc<dyn FileContents>,
    /// Speech to text for voice notes and voicemail; `None` when the operator configured
    /// none (the customer is then asked to type).
    pub transcriber: Option<Arc<dyn Transcriber>>,
}

/// Everything the use cases share. Cheap to clone; no global state, so several apps can run in
/// one process (tests do).
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    pub hub: Hub,
    pub auth: auth::AuthSettings,
    pub(crate) bot: BotRunner,
    pub(crate) routing: RoutingKicks,
    pub(crate) settings: Arc<AppSettings>,
    pub(crate) ports: Ports,
    pub(crate) ai: ai::AiService,
    pub(crate) search: search::SearchIndexes,
    pub(crate) transcriptions: transcription::TranscriptionKicks,
    routing_kicks: Arc<std::sync::Mutex<Option<routing_worker::KickReceiver>>>,
}

impl App {
    /// Wires the use cases over `store` and starts the hub that follows its changes; the
    /// workers start with [`App::start_workers`].
    pub fn new(store: Store, settings: AppSettings, ports: Ports) -> Self {
        let hub = Hub::start(store.clone());
        let (routing, kicks) = routing_worker::routing_channel();
        let ai = ai::AiService::new(store.clone(), ports.clone(), Arc::clone(&settings.channels));
        let bot = BotRunner::new(store.clone(), routing.clone(), ports.clone(), ai.clone());
        Self {
            ai,
            auth: settings.auth.clone(),
            store,
            hub,
            bot,
            routing,
            settings: Arc::new(settings),
            ports,
            search: search::SearchIndexes::new(),
            transcriptions: transcription::TranscriptionKicks::new(),
            routing_kicks: Arc::new(std::sync::Mutex::new(Some(kicks))),
        }
    }

    /// The store, for start-up wiring (migrations, seeding) and tests; use cases are methods of
    /// `App`.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current time by the app's clock.
    pub fn now(&self) -> Timestamp {
        self.ports.clock.now()
    }

    /// The channel settings (sealing, public URLs).
    pub fn channels(&self) -> &Arc<ChannelSettings> {
        &self.settings.channels
    }

    /// Starts this node's workers (routing, webhook and channel delivery, e-mail polling, token
    /// clean-up, report facts, the bot closing silent conversations, search indexes) and answers
    /// the messages a stopped node left unanswered. Call once; they stop when `shutdown` is cancelled.
    pub fn start_workers(&self, shutdown: &CancellationToken) -> Vec<JoinHandle<()>> {
        let kicks = self
            .routing_kicks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let mut workers = vec![
            webhooks::spawn_worker(self.clone(), shutdown.clone()),
            channel_delivery::spawn_worker(self.clone(), shutdown.clone()),
            spawn_token_cleanup(self.clone(), shutdown.clone()),
            login_protection::spawn_cleanup(self.clone(), shutdown.clone()),
            report_facts::spawn_worker(self.store.clone(), shutdown.clone()),
            mail_poll::spawn_mail_poller(self.clone(), shutdown.clone()),
            privacy::spawn_worker(self.clone(), shutdown.clone()),
            bot_closing::spawn_worker(self.clone(), shutdown.clone()),
            search::spawn_worker(self.clone(), shutdown.clone()),
            media_fetch::spawn_worker(self.clone(), shutdown.clone()),
            media_fetch::spawn_sweep(self.clone(), shutdown.clone()),
            transcription::spawn_worker(self.clone(), shutdown.clone()),
        ];
        if let Some(kicks) = kicks {
            workers.push(routing_worker::spawn(self.clone(), kicks, shutdown.clone()));
        }
        self.bot.answer_leftovers();
        workers
    }

    /// Waits for the bot turns in progress (no new ones start), then closes the database.
    pub async fn shutdown(&self) {
        self.bot.shutdown().await;
        self.store.close().await;
    }
}

/// Deletes expired sessions, API tokens and password reset links every hour.
fn spawn_token_cleanup(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every_hour.tick() => match app.store.delete_expired_tokens(app.now()).await {
                    Ok(deleted) if deleted > 0 => tracing::info!(deleted, "expired sessions removed"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "removing expired sessions failed"),
                },
            }
        }
    })
}
