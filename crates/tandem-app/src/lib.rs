//! Tandem's use cases, between the HTTP server and the store: authentication, the real-time
//! hub that turns stored changes into notifications, and the demo account seeded on first
//! start.

pub mod auth;
pub mod demo;
pub mod error;
pub mod hub;
pub mod sealing;
pub mod secret;
pub mod visitor;

// Resource use cases
pub mod account;
pub mod canned;
pub mod contacts;
pub mod health;
pub mod inboxes;
pub mod model;
pub mod reports;
pub mod routing;
pub mod teams;
pub mod tokens;
pub mod users;

use tandem_domain::Timestamp;
use tandem_store::Store;

pub use auth::{AuthError, Principal};
pub use error::AppError;
pub use hub::{Hub, Notification};

/// The current time at the precision the store keeps (milliseconds), so what an API call
/// returns equals what a later read returns.
pub fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

/// Everything the use cases share. Cheap to clone; no global state, so several apps can run in
/// one process (tests do).
#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    pub hub: Hub,
    pub auth: auth::AuthSettings,
}

impl App {
    /// Wires the use cases over `store` and starts the hub that follows its changes.
    pub fn new(store: Store, auth: auth::AuthSettings) -> Self {
        let hub = Hub::start(store.clone());
        Self { store, hub, auth }
    }
}
