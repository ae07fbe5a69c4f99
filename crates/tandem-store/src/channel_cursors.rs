//! Where polling a channel stopped (an IMAP mailbox's UIDs), with a lease so that one node polls
//! an inbox at a time.

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, InboxId};

use crate::db::args;
use crate::{Store, StoreError};

impl Store {
    /// Takes the polling lease of an inbox until `until` when nobody holds it (or the holder's
    /// lease ran out); returns the saved cursor (`Some(None)` before the first poll), or `None`
    /// when another node is polling.
    pub async fn lease_channel_cursor(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<Option<serde_json::Value>>, StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "INSERT INTO channel_cursors (inbox_id, account_id, cursor, lease_until, updated_at) \
             VALUES ($1, $2, NULL, 0, $3) ON CONFLICT (inbox_id) DO NOTHING",
            args![inbox_id, account_id, now],
        )
        .await?;
        let leased = conn
            .fetch_optional::<(Option<sqlx::types::Json<serde_json::Value>>,)>(
                "UPDATE channel_cursors SET lease_until = $1 WHERE account_id = $2 AND inbox_id = $3 AND lease_until <= $4 \
                 RETURNING cursor",
                args![until, account_id, inbox_id, now],
            )
            .await?;
        conn.commit().await?;
        Ok(leased.map(|(cursor,)| cursor.map(|cursor| cursor.0)))
    }

    /// Saves where polling stopped and gives the lease back.
    pub async fn save_channel_cursor(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        cursor: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE channel_cursors SET cursor = $1, lease_until = $2, updated_at = $2 WHERE account_id = $3 AND inbox_id = $4",
            args![cursor, now, account_id, inbox_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }
}
