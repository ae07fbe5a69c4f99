//! The state every handler shares.

use tokio_util::sync::CancellationToken;

use tandem_app::App;

use crate::bot_runner::BotRunner;

/// Handlers' shared state: the use cases, the bot and the server's shutdown signal.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    /// Answers customers on conversations the bot handles.
    pub bot: BotRunner,
    /// Cancelled when the server begins to shut down; long-lived WebSocket sessions close on it.
    pub shutdown: CancellationToken,
}
