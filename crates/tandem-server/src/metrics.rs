//! Operational metrics for the people running Tandem, served at `/metrics` in the OpenMetrics
//! text format Prometheus scrapes: HTTP traffic and latency per route, open WebSockets, the
//! bot's turn latency, handovers by reason, outbound deliveries by channel and outcome, and,
//! read from the database at each scrape, the queue depth and the outbound backlog. Each server
//! has its own registry (no global state), so tests can run several in one process.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use tandem_app::ports::Observer;
use tandem_app::{App, AppError};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    /// The route template (`/api/v1/conversations/{conversation_id}`), never the raw path, so
    /// ids do not multiply the series.
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: String,
    /// `sent`, `retried` or `failed`.
    outcome: &'static str,
}

/// Latency buckets from 1 ms to about 16 s.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AiLabels {
    purpose: String,
    provider: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AiTokenLabels {
    purpose: String,
    provider: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AiPurposeLabels {
    purpose: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// This server's metrics.
#[derive(Debug)]
pub struct Metrics {
    /// The bearer token a scrape must carry, when set.
    token: Option<String>,
    registry: Registry,
    http_requests: Family<StatusLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    websocket_connections: Gauge,
    bot_turn_duration: Histogram,
    handovers: Family<ReasonLabels, Counter>,
    deliveries: Family<DeliveryLabels, Counter>,
    queue_depth: Gauge,
    outbound_backlog: Gauge,
    ai_calls: Family<AiLabels, Counter>,
    ai_tokens: Family<AiTokenLabels, Counter>,
    ai_duration: Family<AiPurposeLabels, Histogram, fn() -> Histogram>,
}

impl Metrics {
    /// Metrics served to scrapes carrying `token` as a bearer token (any scrape when `None`).
    pub fn new(token: Option<String>) -> Self {
        let mut metrics = Metrics {
            token,
            registry: Registry::with_prefix("tandem"),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            websocket_connections: Gauge::default(),
            bot_turn_duration: latency_histogram(),
            handovers: Family::default(),
            deliveries: Family::default(),
            queue_depth: Gauge::default(),
            outbound_backlog: Gauge::default(),
            ai_calls: Family::default(),
            ai_tokens: Family::default(),
            ai_duration: Family::new_with_constructor(latency_histogram),
        };
        let registry = &mut metrics.registry;
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            metrics.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            metrics.http_duration.clone(),
        );
        registry.register(
            "websocket_connections",
            "Open real-time (WebSocket) sessions on this node",
            metrics.websocket_connections.clone(),
        );
        registry.register(
            "bot_turn_duration_seconds",
            "Time from a customer message to the bot's stored answer",
            metrics.bot_turn_duration.clone(),
        );
        registry.register(
            "handovers",
            "Conversations the bot handed to people, by reason",
            metrics.handovers.clone(),
        );
        registry.register(
            "outbound_deliveries",
            "Attempts to deliver outbound messages to channel providers, by channel and outcome",
            metrics.deliveries.clone(),
        );
        registry.register(
            "queue_depth",
            "Conversations waiting in the queue, all accounts",
            metrics.queue_depth.clone(),
        );
        registry.register(
            "outbound_backlog",
            "Outbound messages and webhooks waiting for delivery, all accounts",
            metrics.outbound_backlog.clone(),
        );
        registry.register(
            "ai_calls",
            "Calls to language models, by purpose (answer, summary, suggest, rephrase, translate, \
             test), provider and outcome (ok, a check's refusal, a failure); the AI-answered share \
             of bot turns is ai_calls{purpose=\"answer\",outcome=\"ok\"} over bot turns",
            metrics.ai_calls.clone(),
        );
        registry.register(
            "ai_tokens",
            "Tokens used by language model calls, by purpose, provider and kind (prompt, completion)",
            metrics.ai_tokens.clone(),
        );
        registry.register(
            "ai_call_duration_seconds",
            "Time of one language model call, by purpose",
            metrics.ai_duration.clone(),
        );
        metrics
    }

    /// Counts a WebSocket session as open until the returned guard is dropped.
    pub fn websocket_opened(&self) -> OpenWebSocket {
        self.websocket_connections.inc();
        OpenWebSocket(self.websocket_connections.clone())
    }

    /// The bearer token a scrape must carry, when one is configured.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Counts and times one answered HTTP request by its route template.
    pub fn http_request(&self, method: String, route: String, status: u16, elapsed: Duration) {
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.clone(),
                route: route.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.http_requests
            .get_or_create(&StatusLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// The metrics as OpenMetrics text, with the queue depth and backlog read now.
    pub async fn render(&self, app: &App) -> Result<String, AppError> {
        let (queued, backlog) = app.operational_counts().await?;
        self.queue_depth.set(queued);
        self.outbound_backlog.set(backlog);
        let mut text = String::new();
        // Writing into a String cannot fail.
        #[allow(clippy::expect_used)]
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("encoding into a String");
        Ok(text)
    }
}

impl Observer for Metrics {
    fn bot_turn(&self, elapsed: Duration) {
        self.bot_turn_duration.observe(elapsed.as_secs_f64());
    }

    fn ai_call(
        &self,
        purpose: &str,
        provider: &str,
        outcome: &str,
        tokens: (u32, u32),
        elapsed: Duration,
    ) {
        self.ai_calls
            .get_or_create(&AiLabels {
                purpose: purpose.to_owned(),
                provider: provider.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        for (kind, count) in [("prompt", tokens.0), ("completion", tokens.1)] {
            self.ai_tokens
                .get_or_create(&AiTokenLabels {
                    purpose: purpose.to_owned(),
                    provider: provider.to_owned(),
                    kind,
                })
                .inc_by(u64::from(count));
        }
        self.ai_duration
            .get_or_create(&AiPurposeLabels {
                purpose: purpose.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    fn handover(&self, reason: &str) {
        self.handovers
            .get_or_create(&ReasonLabels {
                reason: reason.to_owned(),
            })
            .inc();
    }

    fn delivery(&self, channel: &str, outcome: &'static str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                channel: channel.to_owned(),
                outcome,
            })
            .inc();
    }
}

/// An open WebSocket session, counted until dropped (however the session ends).
#[derive(Debug)]
pub struct OpenWebSocket(Gauge);

impl Drop for OpenWebSocket {
    fn drop(&mut self) {
        self.0.dec();
    }
}
