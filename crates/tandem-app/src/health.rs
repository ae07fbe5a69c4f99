//! What the people running Tandem read about a node: whether its database answers (readiness),
//! and the queue depth and outbound backlog across accounts (metrics).

use crate::{App, AppError};

impl App {
    /// Asks the database for a trivial answer.
    pub async fn check_database(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }

    /// Conversations waiting in a queue and deliveries (webhooks and channel messages)
    /// waiting to leave, across all accounts.
    pub async fn operational_counts(&self) -> Result<(i64, i64), AppError> {
        Ok(self.store.operational_counts().await?)
    }
}
