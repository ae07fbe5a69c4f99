//! What the people running Tandem read about a node's work: the queue depth and the outbound
//! backlog across accounts, and whether the database answers (readiness).

use crate::{App, AppError};

impl App {
    /// Conversations waiting in a queue and deliveries (webhooks and channel messages)
    /// waiting to leave, across all accounts.
    pub async fn operational_counts(&self) -> Result<(i64, i64), AppError> {
        Ok(self.store.operational_counts().await?)
    }
}
