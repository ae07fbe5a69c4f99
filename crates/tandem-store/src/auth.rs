//! Login sessions and personal API tokens: issuing, looking up, listing and revoking them, and
//! setting a password (which revokes them). Only a SHA-256 of each token is stored, so a leaked
//! database does not leak working credentials.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_domain::user::User;

use crate::db::{Conn, args};
use crate::records::{USER_COLUMNS, UserRow, timestamp};
use crate::{Store, StoreError};

/// What a token was issued for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A login session; expires.
    Session,
    /// A personal API token; expires too, later than a session.
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }

    fn parse(kind: &str) -> Result<Self, StoreError> {
        match kind {
            "session" => Ok(TokenKind::Session),
            "api" => Ok(TokenKind::Api),
            _ => Err(StoreError::corrupt(format!("auth_tokens.kind = {kind:?}"))),
        }
    }
}

/// A session or API token (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthToken {
    pub id: TokenId,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub kind: TokenKind,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// When it last authenticated a request, to the minute (see [`Store::touch_token`]).
    pub last_used_at: Option<Timestamp>,
    /// The address of the client that opened the session, as the server saw it.
    pub client_ip: Option<String>,
    /// The `User-Agent` of the client that opened the session.
    pub user_agent: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    token_id: Uuid,
    token_kind: String,
    token_name: String,
    token_created_at: i64,
    token_expires_at: Option<i64>,
    token_last_used_at: Option<i64>,
    token_client_ip: Option<String>,
    token_user_agent: Option<String>,
    #[sqlx(flatten)]
    user: UserRow,
}

impl TokenRow {
    fn into_parts(self) -> Result<(AuthToken, User), StoreError> {
        let user = User::try_from(self.user)?;
        let token = AuthToken {
            id: self.token_id.into(),
            account_id: user.account_id,
            user_id: user.id,
            kind: TokenKind::parse(&self.token_kind)?,
            name: self.token_name,
            created_at: timestamp(self.token_created_at)?,
            expires_at: self.token_expires_at.map(timestamp).transpose()?,
            last_used_at: self.token_last_used_at.map(timestamp).transpose()?,
            client_ip: self.token_client_ip,
            user_agent: self.token_user_agent,
        };
        Ok((token, user))
    }
}

fn token_query(condition: &str) -> String {
    let user_columns = USER_COLUMNS
        .split(", ")
        .map(|column| format!("u.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT t.id AS token_id, t.kind AS token_kind, t.name AS token_name, \
         t.created_at AS token_created_at, t.expires_at AS token_expires_at, \
         t.last_used_at AS token_last_used_at, t.client_ip AS token_client_ip, \
         t.user_agent AS token_user_agent, {user_columns} \
         FROM auth_tokens t JOIN users u ON u.id = t.user_id AND u.account_id = t.account_id \
         WHERE {condition}"
    )
}

/// Ends every session and API token of a user but `keep`, and every pending password reset;
/// returns how many tokens ended. Part of every password change.
pub(crate) async fn revoke_credentials(
    conn: &mut Conn,
    account_id: AccountId,
    user_id: UserId,
    keep: Option<TokenId>,
) -> Result<u64, StoreError> {
    let ended = match keep {
        Some(keep) => {
            conn.execute(
                "DELETE FROM auth_tokens WHERE account_id = $1 AND user_id = $2 AND id <> $3",
                args![account_id, user_id, keep],
            )
            .await?
        }
        None => {
            conn.execute(
                "DELETE FROM auth_tokens WHERE account_id = $1 AND user_id = $2",
                args![account_id, user_id],
            )
            .await?
        }
    };
    conn.execute(
        "DELETE FROM password_resets WHERE account_id = $1 AND user_id = $2",
        args![account_id, user_id],
    )
    .await?;
    Ok(ended)
}

impl Store {
    /// Records a new token by the hash of its secret.
    #[allow(clippy::too_many_arguments)] // Each is one column of the token.
    pub async fn create_token(
        &self,
        account_id: AccountId,
        user_id: UserId,
        kind: TokenKind,
        name: &str,
        token_hash: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<AuthToken, StoreError> {
        let id = TokenId::generate();
        let mut conn = self.write().await?;
        conn.execute(
            "INSERT INTO auth_tokens (id, account_id, user_id, kind, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![id, account_id, user_id, kind.as_str(), name, token_hash, now, expires_at],
        )
        .await?;
        conn.commit().await?;
        Ok(AuthToken {
            id,
            account_id,
            user_id,
            kind,
            name: name.to_owned(),
            created_at: now,
            expires_at,
            last_used_at: None,
            client_ip: None,
            user_agent: None,
        })
    }

    /// The unexpired token with this hash and its user.
    pub async fn authenticate(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(AuthToken, User)>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<TokenRow>(
            &token_query("t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)"),
            args![token_hash, now],
        )
        .await?
        .map(TokenRow::into_parts)
        .transpose()
    }

    /// A user's unexpired tokens of one kind, oldest first.
    pub async fn user_tokens(
        &self,
        account_id: AccountId,
        user_id: UserId,
        kind: TokenKind,
        now: Timestamp,
    ) -> Result<Vec<AuthToken>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<TokenRow>(
                &token_query(
                    "t.account_id = $1 AND t.user_id = $2 AND t.kind = $3 \
                     AND (t.expires_at IS NULL OR t.expires_at > $4) ORDER BY t.created_at, t.id",
                ),
                args![account_id, user_id, kind.as_str(), now],
            )
            .await?;
        rows.into_iter()
            .map(|row| row.into_parts().map(|(token, _)| token))
            .collect()
    }

    /// Records that the token authenticated a request at `now`, unless it was already recorded
    /// at or after `recorded_since` (so a busy token costs a write a minute, not one per
    /// request). Returns whether it wrote.
    pub async fn touch_token(
        &self,
        token_id: TokenId,
        now: Timestamp,
        recorded_since: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let touched = conn
            .execute(
                "UPDATE auth_tokens SET last_used_at = $1 \
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
                args![now, token_id, recorded_since],
            )
            .await?;
        conn.commit().await?;
        Ok(touched > 0)
    }

    /// Notes the client that opened a session (its address and `User-Agent`, cut to a length
    /// worth keeping).
    pub async fn describe_token(
        &self,
        account_id: AccountId,
        token_id: TokenId,
        client_ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<(), StoreError> {
        let cut =
            |value: Option<&str>| value.map(|value| value.chars().take(256).collect::<String>());
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE auth_tokens SET client_ip = $1, user_agent = $2 WHERE account_id = $3 AND id = $4",
            args![cut(client_ip), cut(user_agent), account_id, token_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Revokes one of a user's tokens of one kind.
    pub async fn delete_token_of_kind(
        &self,
        account_id: AccountId,
        user_id: UserId,
        kind: TokenKind,
        token_id: TokenId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM auth_tokens WHERE account_id = $1 AND user_id = $2 AND kind = $3 AND id = $4",
                args![account_id, user_id, kind.as_str(), token_id],
            )
            .await?;
        conn.commit().await?;
        if deleted == 0 {
            return Err(StoreError::not_found(match kind {
                TokenKind::Session => "session",
                TokenKind::Api => "token",
            }));
        }
        Ok(())
    }

    /// Ends every session of a user but `keep`; returns how many ended.
    pub async fn delete_other_sessions(
        &self,
        account_id: AccountId,
        user_id: UserId,
        keep: TokenId,
    ) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM auth_tokens WHERE account_id = $1 AND user_id = $2 AND kind = 'session' AND id <> $3",
                args![account_id, user_id, keep],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted)
    }

    /// A user's password hash, to check a password they give again.
    pub async fn password_hash(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<String, StoreError> {
        let mut conn = self.read().await?;
        let (hash,) = conn
            .fetch_optional::<(String,)>(
                "SELECT password_hash FROM users WHERE account_id = $1 AND id = $2",
                args![account_id, user_id],
            )
            .await?
            .ok_or(StoreError::not_found("user"))?;
        Ok(hash)
    }

    /// Sets a user's password hash and, in the same transaction, ends every session and API
    /// token of theirs but `keep` (the session the change was made in) and every pending
    /// password reset. Returns how many tokens ended.
    pub async fn set_password(
        &self,
        account_id: AccountId,
        user_id: UserId,
        password_hash: &str,
        keep: Option<TokenId>,
    ) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let updated = conn
            .execute(
                "UPDATE users SET password_hash = $1 WHERE account_id = $2 AND id = $3",
                args![password_hash, account_id, user_id],
            )
            .await?;
        if updated == 0 {
            return Err(StoreError::not_found("user"));
        }
        let ended = revoke_credentials(&mut conn, account_id, user_id, keep).await?;
        conn.commit().await?;
        Ok(ended)
    }

    /// Revokes one of a user's tokens.
    pub async fn delete_token(
        &self,
        account_id: AccountId,
        user_id: UserId,
        token_id: TokenId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM auth_tokens WHERE account_id = $1 AND user_id = $2 AND id = $3",
                args![account_id, user_id, token_id],
            )
            .await?;
        conn.commit().await?;
        if deleted == 0 {
            return Err(StoreError::not_found("token"));
        }
        Ok(())
    }

    /// Removes expired sessions, API tokens and password reset links; returns how many.
    pub async fn delete_expired_tokens(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM auth_tokens WHERE expires_at IS NOT NULL AND expires_at <= $1",
                args![now],
            )
            .await?
            + conn
                .execute(
                    "DELETE FROM password_resets WHERE expires_at <= $1",
                    args![now],
                )
                .await?;
        conn.commit().await?;
        Ok(deleted)
    }
}
