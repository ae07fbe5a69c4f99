//! Tandem's HTTP and WebSocket server: routes, authentication, error mapping and the process
//! lifecycle. [`start`] is the one builder used by the `tandem` binary and by the tests, so the
//! tests run exactly what production runs.

mod assets;
mod bot_runner;
mod channels;
pub mod config;
mod delivery;
mod dispatcher;
mod error;
mod external_bot;
mod extract;
mod intake;
pub mod metrics;
mod routes;
mod session;
mod state;
mod surveys;
pub mod telemetry;
pub mod webhook;
mod widget;
mod wire;
mod ws;

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

use bot_runner::BotRunner;
use channels::mail_poll::spawn_mail_poller;
use channels::outbound::spawn_outbound_worker;
use channels::{Channels, ProviderApis};
use dispatcher::{DispatcherSettings, routing_channel, spawn_dispatcher};
use metrics::Metrics;
use tandem_app::App;
use tandem_app::auth::AuthSettings;
use tandem_app::demo::DemoAccount;
use tandem_store::{Store, StoreOptions};
use webhook::{WebhookSettings, spawn_worker};

pub use config::Config;
pub use routes::{MAX_REPLAY_LIMIT, router};
pub use state::AppState;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest time a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the demo core-banking API (the demo bot's HTTP actions) is served when the demo is on.
const DEMO_CORE_BANKING_PATH: &str = "/demo/core-banking";

/// The demo core-banking API's URL on this server, reachable from the server itself.
fn demo_core_banking_url(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    format!("http://{host}{DEMO_CORE_BANKING_PATH}")
}

/// A server that is accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on (the real port when configured with port 0).
    pub addr: SocketAddr,
    pub app: App,
    /// The demo account, when this start created it.
    pub demo: Option<DemoAccount>,
    bot: BotRunner,
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
        self.bot.shutdown().await;
        for worker in self.workers {
            let _ = worker.await;
        }
        self.app.store.close().await;
        served.context("serving HTTP")
    }
}

/// Opens the database (migrating it), seeds the demo account on a new database, starts the
/// background workers and begins serving HTTP.
pub async fn start(config: &Config, webhooks: WebhookSettings) -> anyhow::Result<RunningServer> {
    let url = config.resolved_database_url();
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
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
    let app = App::new(store.clone(), AuthSettings::default());
    // Bound before seeding: the demo bot's profile points at this server's own address.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let demo = if config.seed_demo {
        let password = config
            .demo_password
            .as_ref()
            .map(|secret| secret.expose().to_owned());
        let profile = tandem_bot::demo_profile_yaml_with_core_banking(&demo_core_banking_url(addr));
        app.seed_demo_account(password, profile, tandem_app::now())
            .await
            .context("seeding the demo account")?
    } else {
        None
    };
    let shutdown = CancellationToken::new();
    let (routing, kicks) = routing_channel();
    let metrics = Arc::new(Metrics::new(
        config
            .metrics_token
            .as_ref()
            .map(|token| token.expose().to_owned()),
    ));
    let bot = BotRunner::new(store.clone(), routing.clone(), metrics.clone())
        .context("building the bot's HTTP client")?;
    let secret_key = config.resolved_secret_key()?;
    let sealer = tandem_app::sealing::Sealer::from_hex(&secret_key).context("secret_key")?;
    let visitors =
        Arc::new(tandem_app::visitor::VisitorTokens::from_hex(&secret_key).context("secret_key")?);
    let apis = ProviderApis {
        meta_graph_url: config.meta_graph_url.trim_end_matches('/').to_owned(),
        telegram_api_url: config.telegram_api_url.trim_end_matches('/').to_owned(),
        twilio_api_url: config.twilio_api_url.trim_end_matches('/').to_owned(),
    };
    let channels = Arc::new(
        Channels::new(sealer, apis, config.resolved_public_url(addr))
            .context("building the channels' HTTP client")?,
    );
    let node = uuid::Uuid::now_v7().to_string();
    let dispatcher = DispatcherSettings {
        node: node.clone(),
        presence_grace: seconds(config.presence_grace_seconds),
        queue_notice_interval: seconds(config.queue_notice_interval_seconds),
    };
    let mut workers = vec![
        spawn_worker(store.clone(), webhooks.clone(), shutdown.clone()),
        spawn_outbound_worker(
            store.clone(),
            channels.clone(),
            bot.clone(),
            metrics.clone(),
            webhooks,
            shutdown.clone(),
        ),
        spawn_token_cleanup(store.clone(), shutdown.clone()),
        spawn_report_backfill(store.clone(), shutdown.clone()),
        spawn_dispatcher(
            store.clone(),
            bot.clone(),
            dispatcher,
            kicks,
            shutdown.clone(),
        ),
    ];
    bot.answer_leftovers();
    let state = AppState {
        app: app.clone(),
        bot: bot.clone(),
        routing,
        channels,
        visitors,
        metrics,
        nps_sample_percent: config.nps_sample_percent.min(100),
        node: node.into(),
        shutdown: shutdown.clone(),
    };
    workers.push(spawn_mail_poller(
        state.clone(),
        Duration::from_secs(config.mail_poll_seconds.max(1)),
        shutdown.clone(),
    ));
    let request_id = HeaderName::from_static("x-request-id");
    let mut routes = router();
    if config.seed_demo {
        routes = routes
            .nest_service(
                DEMO_CORE_BANKING_PATH,
                tandem_demo_bank::router(tandem_demo_bank::today_in_brazil),
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
            metrics::track,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid));
    let graceful = shutdown.clone();
    let serving = tokio::spawn(async move {
        axum::serve(listener, service)
            .with_graceful_shutdown(async move { graceful.cancelled().await })
            .await
    });
    Ok(RunningServer {
        addr,
        bot,
        app,
        demo,
        shutdown,
        serving,
        workers,
    })
}

fn seconds(seconds: u64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// Folds the report facts of conversations stored before reports existed (once, at start).
fn spawn_report_backfill(store: Store, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown.cancelled() => {}
            result = store.backfill_report_facts(500) => match result {
                Ok(folded) if folded > 0 => tracing::info!(folded, "report facts backfilled"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "backfilling report facts failed"),
            },
        }
    })
}

/// Deletes expired login sessions every hour.
fn spawn_token_cleanup(store: Store, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every_hour.tick() => match store.delete_expired_tokens(tandem_app::now()).await {
                    Ok(deleted) if deleted > 0 => tracing::info!(deleted, "expired sessions removed"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "removing expired sessions failed"),
                },
            }
        }
    })
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
    let (user, _) = store
        .credentials(&email)
        .await?
        .with_context(|| format!("no user {email}"))?;
    let report = routes::replay_recent(store, user.account_id, Some(source), limit).await?;
    Ok(serde_json::to_value(report)?)
}
