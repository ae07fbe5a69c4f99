//! The state every handler shares.

use tokio_util::sync::CancellationToken;

use tandem_app::App;

/// Handlers' shared state: the use cases and the server's shutdown signal.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    /// Cancelled when the server begins to shut down; long-lived WebSocket sessions close on it.
    pub shutdown: CancellationToken,
}
