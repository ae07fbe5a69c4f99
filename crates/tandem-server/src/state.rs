//! The state every handler shares.

use tokio_util::sync::CancellationToken;

use tandem_app::App;
use tandem_app::visitor::VisitorTokens;

use std::sync::Arc;

use crate::bot_runner::BotRunner;
use crate::channels::Channels;
use crate::dispatcher::RoutingKicks;
use crate::metrics::Metrics;

/// Handlers' shared state: the use cases, the bot and the server's shutdown signal.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    /// Answers customers on conversations the bot handles.
    pub bot: BotRunner,
    /// Asks this node's routing worker to assign an account's queue now.
    pub routing: RoutingKicks,
    /// Channel settings, provider APIs and the public URL providers call.
    pub channels: Arc<Channels>,
    /// Issues and checks the chat widget's visitor tokens.
    pub visitors: Arc<VisitorTokens>,
    /// The share of conversations (0–100) asked the NPS question after their CSAT.
    pub nps_sample_percent: u8,
    /// This server's operational metrics (`/metrics`).
    pub metrics: Arc<Metrics>,
    /// This node's name among the nodes sharing the database.
    pub node: Arc<str>,
    /// Cancelled when the server begins to shut down; long-lived WebSocket sessions close on it.
    pub shutdown: CancellationToken,
}
