//! Tandem's HTTP and WebSocket server: routes, authentication, error mapping and the process
//! lifecycle. [`start`] is the one builder used by the `tandem` binary and by the tests, so the
//! tests run exactly what production runs.

pub mod ai_eval;
mod assets;
mod client_ip;
pub mod config;
mod embedded_speech;
mod error;
mod extract;
mod file_storage;
pub mod metrics;
mod outbound;
mod rate_limit;
mod routes;
mod security_headers;
mod served_files;
mod session;
mod state;
pub mod telemetry;
mod widget;
mod wire;
mod ws;

/// Outgoing webhooks: their settings and signature.
pub mod webhook {
    pub use crate::outbound::webhooks::{WebhookSettings, signature, verify_signature};
}

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderName;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use file_storage::DirectoryFiles;
use metrics::Metrics;
use outbound::external_bot::HttpExternalBots;
use outbound::guard::OutboundGuard;
use outbound::guard::policy::Policy;
use outbound::http_actions::HttpActionClient;
use outbound::language_models::LanguageModels;
use outbound::mailboxes::ImapMailboxes;
use outbound::providers::{HttpProviders, ProviderApis};
use outbound::system_mail::SmtpMailer;
use outbound::webhooks::HttpWebhooks;
use tandem_app::auth::AuthSettings;
use tandem_app::channels::ChannelSettings;
use tandem_app::demo::DemoAccount;
use tandem_app::ports::{Clock, SystemClock};
use tandem_app::routing_worker::RoutingSettings;
use tandem_app::{App, AppSettings, Ports};
use tandem_store::{Store, StoreOptions};
use webhook::WebhookSettings;

pub use config::Config;
pub use routes::{MAX_REPLAY_LIMIT, router};
pub use state::AppState;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest time a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the demo core-banking API (the demo bot's HTTP actions) is served when the demo is on.
const DEMO_CORE_BANKING_PATH: &str = "/demo/core-banking";

/// The address the server reaches its own demo core-banking API at.
fn demo_core_banking_address(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}

/// The demo core-banking API's URL on this server, reachable from the server itself.
fn demo_core_banking_url(addr: SocketAddr) -> String {
    format!(
        "http://{}{DEMO_CORE_BANKING_PATH}",
        demo_core_banking_address(addr)
    )
}

/// The demo core-banking API's key: derived from the server's secret key, so it is the same
/// after a restart (the seeded demo profile keeps sending it) and nobody can guess it.
fn demo_core_banking_key(secret_key: &str) -> String {
    use hmac::{KeyInit, Mac};
    // HMAC accepts keys of any length, so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"tandem demo core-banking API key");
    hex::encode(mac.finalize().into_bytes())
}

/// A server that is accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on (the real port when configured with port 0).
    pub addr: SocketAddr,
    pub app: App,
    /// The demo account, when this start created it.
    pub demo: Option<DemoAccount>,
    shutdown: CancellationToken,
    serving: JoinHandle<std::io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting connections, lets in-flight requests finish, closes WebSockets and
    /// workers, then closes the database.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let served = self.serving.await.context("server task panicked")?;
        for worker in self.workers {
            let _ = worker.await;
        }
        self.app.shutdown().await;
        served.context("serving HTTP")
    }
}

/// Opens the database (migrating it), seeds the demo account on a new database, starts the
/// background workers and begins serving HTTP.
pub async fn start(config: &Config, webhooks: WebhookSettings) -> anyhow::Result<RunningServer> {
    start_with_clock(config, webhooks, Arc::new(SystemClock)).await
}

/// [`start`] with the use cases reading the time from `clock` (tests move a
/// `tandem_app::ports::ManualClock` to let a lockout expire without sleeping).
pub async fn start_with_clock(
    config: &Config,
    webhooks: WebhookSettings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<RunningServer> {
    let trusted_proxies = Arc::new(
        client_ip::TrustedProxies::parse(&config.trusted_proxies).context("trusted_proxies")?,
    );
    let url = config.resolved_database_url();
    if config.database_url.is_none() {
        private_data_dir(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let options = StoreOptions {
        max_connections: config.database_max_connections,
        ..StoreOptions::default()
    };
    let store = Store::connect(&url, &options)
        .await
        .context("opening the database")?;
    tracing::info!(backend = ?store.backend(), "database ready");
    // Bound before seeding: the demo bot's profile points at this server's own address.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let metrics = Arc::new(Metrics::new(
        config
            .metrics_token
            .as_ref()
            .map(|token| token.expose().to_owned()),
    ));
    let secret_key = config.resolved_secret_key()?;
    let sealer = tandem_app::sealing::Sealer::from_hex(&secret_key).context("secret_key")?;
    let visitors =
        Arc::new(tandem_app::visitor::VisitorTokens::from_hex(&secret_key).context("secret_key")?);
    let apis = ProviderApis {
        meta_graph_url: config.meta_graph_url.trim_end_matches('/').to_owned(),
        telegram_api_url: config.telegram_api_url.trim_end_matches('/').to_owned(),
        twilio_api_url: config.twilio_api_url.trim_end_matches('/').to_owned(),
    };
    let mut allowed = config.outbound_allow.clone();
    if config.seed_demo {
        // The demo bot's actions call the demo core-banking API on this server's own address.
        allowed.push(demo_core_banking_address(addr).to_string());
    }
    let guard = OutboundGuard::new(
        Policy::parse(allowed.iter().map(String::as_str))
            .context("outbound_allow (TANDEM_OUTBOUND_ALLOW)")?,
    );
    let demo_key = demo_core_banking_key(&secret_key);
    let public_url = config.resolved_public_url(addr);
    let channels = Arc::new(ChannelSettings::new(sealer, public_url.clone()));
    let node = uuid::Uuid::now_v7().to_string();
    let ports = Ports {
        clock,
        http_actions: Arc::new(
            HttpActionClient::new(&guard).context("building the bot's HTTP client")?,
        ),
        external_bots: Arc::new(
            HttpExternalBots::new(&guard).context("building the external bots' HTTP client")?,
        ),
        webhooks: Arc::new(
            HttpWebhooks::new(&guard, webhooks.timeout)
                .context("building the webhooks' HTTP client")?,
        ),
        providers: Arc::new(
            HttpProviders::new(&guard, apis, public_url.clone())
                .context("building the channels' HTTP client")?,
        ),
        mailboxes: Arc::new(ImapMailboxes::new(&guard)),
        outbound: Arc::new(guard.clone()),
        observer: metrics.clone(),
        mailer: SmtpMailer::from_config(config.smtp_url.as_ref(), config.mail_from.as_deref())?
            .map(|mailer| Arc::new(mailer) as Arc<dyn tandem_app::ports::SystemMailer>),
        ai: Arc::new(LanguageModels::new(&guard, embedded_model(config).await?)),
        files: Arc::new(
            DirectoryFiles::new(config.resolved_files_dir()).with_context(|| {
                format!(
                    "creating the files directory {}",
                    config.resolved_files_dir().display()
                )
            })?,
        ),
        transcriber: transcriber(config, &guard).await?,
    };
    if config.smtp_url.is_none() {
        tracing::warn!(
            "no mail server configured (smtp_url): password reset e-mails cannot be sent"
        );
    }
    let settings = AppSettings {
        auth: AuthSettings::default(),
        nps_sample_percent: config.nps_sample_percent.min(100),
        channels: channels.clone(),
        routing: RoutingSettings {
            node,
            presence_grace: seconds(config.presence_grace_seconds),
            queue_notice_interval: seconds(config.queue_notice_interval_seconds),
        },
        deliveries: webhooks,
        mail_poll_interval: Duration::from_secs(config.mail_poll_seconds.max(1)),
        max_file_bytes: config.max_file_bytes.max(1),
        speech: tandem_app::transcription::SpeechSettings {
            concurrency: config.speech_concurrency.max(1),
            min_confidence: f32::from(config.speech_min_confidence_percent.min(100)) / 100.0,
        },
    };
    let app = App::new(store, settings, ports);
    let demo = if config.seed_demo {
        let password = config
            .demo_password
            .as_ref()
            .map(|secret| secret.expose().to_owned());
        let profile = tandem_bot::demo_profile_yaml_with_core_banking(
            &demo_core_banking_url(addr),
            &demo_key,
        );
        app.seed_demo_account(password, profile, tandem_app::now())
            .await
            .context("seeding the demo account")?
    } else {
        None
    };
    let shutdown = CancellationToken::new();
    let workers = app.start_workers(&shutdown);
    let state = AppState {
        app: app.clone(),
        channels,
        visitors,
        trusted_proxies,
        metrics,
        widget_limits: Arc::new(rate_limit::WidgetLimits::new(
            config.widget_new_visitors_per_minute,
            config.widget_messages_per_minute,
        )),
        shutdown: shutdown.clone(),
    };
    let request_id = HeaderName::from_static("x-request-id");
    let mut routes = router();
    if config.seed_demo {
        routes = routes
            .nest_service(
                DEMO_CORE_BANKING_PATH,
                tandem_demo_bank::router(&demo_key, tandem_demo_bank::today_in_brazil),
            )
            .route("/demo", axum::routing::get(assets::demo))
            .route("/demo/{file}", axum::routing::get(assets::demo_file));
    }
    let service = routes
        .with_state(state.clone())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            telemetry::track,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::map_response_with_state(
            security_headers::SecurityHeaders::for_public_url(&public_url),
            security_headers::add,
        ));
    let graceful = shutdown.clone();
    let serving = tokio::spawn(async move {
        // The peer's address reaches handlers as `ConnectInfo` (login throttling per client).
        axum::serve(
            listener,
            service.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { graceful.cancelled().await })
        .await
    });
    Ok(RunningServer {
        addr,
        app,
        demo,
        shutdown,
        serving,
        workers,
    })
}

/// Creates the data directory (and missing parents) for its owner only (0700), and narrows an
/// existing one: it holds the database and the secret key.
/// Speech to text as the operator configured it: the embedded Whisper of `speech_model_dir`,
/// an OpenAI-compatible server at `speech_url`, or none (customers who send voice notes are
/// asked to type).
async fn transcriber(
    config: &Config,
    guard: &OutboundGuard,
) -> anyhow::Result<Option<Arc<dyn tandem_app::ports::Transcriber>>> {
    let max_duration = Duration::from_secs(u64::from(config.speech_max_seconds.max(1)));
    match (&config.speech_model_dir, &config.speech_url) {
        (Some(_), Some(_)) => {
            anyhow::bail!("set speech_model_dir or speech_url, not both")
        }
        (Some(dir), None) => {
            let whisper = embedded_speech::EmbeddedWhisper::load(dir, max_duration).await?;
            tracing::info!(model = %dir.display(), "embedded speech model ready");
            Ok(Some(Arc::new(whisper)))
        }
        (None, Some(url)) => Ok(Some(Arc::new(
            outbound::transcription::OpenAiTranscriber::new(
                guard,
                url,
                &config.speech_api_model,
                config
                    .speech_api_key
                    .as_ref()
                    .map(|key| key.expose().to_owned()),
            )
            .context("building the speech-to-text HTTP client")?,
        ))),
        (None, None) => {
            tracing::warn!(
                "no speech to text configured (speech_model_dir or speech_url): customers who send voice notes are asked to type"
            );
            Ok(None)
        }
    }
}

/// Models loaded in this process, by file: tests start many servers, and a model is read once.
type LoadedModels<T> =
    std::sync::Mutex<Option<std::collections::HashMap<std::path::PathBuf, Arc<T>>>>;

/// The model at `path` from `cache`, loaded by `load` on the blocking pool the first time.
async fn loaded_once<T: Send + Sync + 'static>(
    cache: &'static LoadedModels<T>,
    path: std::path::PathBuf,
    load: impl FnOnce(&std::path::Path) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<Arc<T>> {
    tokio::task::spawn_blocking(move || {
        let mut loaded = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let loaded = loaded.get_or_insert_with(Default::default);
        if let Some(model) = loaded.get(&path) {
            return Ok(Arc::clone(model));
        }
        let model = Arc::new(load(&path)?);
        loaded.insert(path, Arc::clone(&model));
        Ok(model)
    })
    .await?
}

/// The embedded language model of `config.ai_model_path`, loaded once per process and file
/// (tests start many servers in one process).
async fn embedded_model(
    config: &Config,
) -> anyhow::Result<Option<Arc<dyn tandem_ai::LanguageModel>>> {
    static LOADED: LoadedModels<tandem_llm::EmbeddedModel> = std::sync::Mutex::new(None);
    let Some(path) = config.ai_model_path.clone() else {
        return Ok(None);
    };
    let options = tandem_llm::EmbeddedOptions {
        context_tokens: config.ai_context_tokens,
        ..tandem_llm::EmbeddedOptions::default()
    };
    let model = loaded_once(&LOADED, path, move |path| {
        tandem_llm::EmbeddedModel::load(path, options).with_context(|| {
            format!(
                "loading the language model (ai_model_path {})",
                path.display()
            )
        })
    })
    .await?;
    tracing::info!(model = model.name(), "embedded language model ready");
    Ok(Some(model))
}

fn private_data_dir(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)?;
        if std::fs::metadata(path)?.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(path)
    }
}

fn seconds(seconds: u64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// Replays a draft bot profile (YAML) against the `limit` most recent conversations the bot
/// handled in the account of `user_email`, as `POST /api/v1/bot/replay` does; returns the same
/// JSON report.
pub async fn replay_bot_profile(
    store: &Store,
    user_email: &str,
    source: String,
    limit: u32,
) -> anyhow::Result<serde_json::Value> {
    let email = tandem_domain::validation::normalize_email(user_email)
        .with_context(|| format!("{user_email:?} is not an e-mail address"))?;
    let mut users = store.credentials(&email, None, 2).await?;
    if users.len() > 1 {
        anyhow::bail!("{email} is a user of several accounts; this command needs one");
    }
    let (user, _) = users.pop().with_context(|| format!("no user {email}"))?;
    let replayed = tandem_app::bot_profiles::replay_recent(
        store,
        user.account_id,
        Some(source),
        limit,
        tandem_app::now(),
    )
    .await?;
    Ok(serde_json::to_value(routes::replay_report(replayed))?)
}
