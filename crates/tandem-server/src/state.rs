//! The state every handler shares.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use tandem_app::App;
use tandem_app::channels::ChannelSettings;
use tandem_app::visitor::VisitorTokens;

use crate::client_ip::TrustedProxies;
use crate::metrics::Metrics;
use crate::rate_limit::WidgetLimits;

/// Handlers' shared state: the use cases and the server's own concerns.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    /// Channel settings and the public URL providers call (the same as the app's).
    pub channels: Arc<ChannelSettings>,
    /// Issues and checks the chat widget's visitor tokens.
    pub visitors: Arc<VisitorTokens>,
    /// The proxies whose `X-Forwarded-For` names the client (`client_ip.rs`).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// This server's operational metrics (`/metrics`).
    pub metrics: Arc<Metrics>,
    /// The widget's rate limits (this node's memory).
    pub widget_limits: Arc<WidgetLimits>,
    /// Cancelled when the server begins to shut down; long-lived WebSocket sessions close on it.
    pub shutdown: CancellationToken,
}
