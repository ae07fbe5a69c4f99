//! Whether this node can serve: its database answers.

use crate::{App, AppError};

impl App {
    /// Asks the database for a trivial answer.
    pub async fn check_database(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }
}
