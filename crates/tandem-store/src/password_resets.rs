//! Password reset links: stored by the hash of their secret, expiring, and used at most once —
//! using one sets the password and revokes everything the old password opened, in one
//! transaction.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, UserId};
use tandem_domain::user::User;

use crate::auth::revoke_credentials;
use crate::db::args;
use crate::users::find_user;
use crate::{Store, StoreError};

impl Store {
    /// Records a reset link for a user by the hash of its secret.
    pub async fn create_password_reset(
        &self,
        account_id: AccountId,
        user_id: UserId,
        token_hash: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "INSERT INTO password_resets (id, account_id, user_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![Uuid::now_v7(), account_id, user_id, token_hash, now, expires_at],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Uses the unexpired reset link with this hash: sets the user's password hash, ends every
    /// session and API token of theirs and every reset link of theirs (this one included).
    /// `None` when no such link is pending (unknown, expired or already used).
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let mut conn = self.write().await?;
        let Some((account_id, user_id)) = conn
            .fetch_optional::<(Uuid, Uuid)>(
                "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 \
                 RETURNING account_id, user_id",
                args![token_hash, now],
            )
            .await?
        else {
            return Ok(None);
        };
        let (account_id, user_id) = (AccountId::from(account_id), UserId::from(user_id));
        let Some(user) = find_user(&mut conn, account_id, user_id).await? else {
            return Ok(None);
        };
        conn.execute(
            "UPDATE users SET password_hash = $1 WHERE account_id = $2 AND id = $3",
            args![password_hash, account_id, user_id],
        )
        .await?;
        revoke_credentials(&mut conn, account_id, user_id, None).await?;
        conn.commit().await?;
        Ok(Some(user))
    }
}
