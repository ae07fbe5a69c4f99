//! Login sessions and personal API tokens. Only a SHA-256 of each token is stored, so a leaked
//! database does not leak working credentials.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_domain::user::User;

use crate::db::args;
use crate::records::{USER_COLUMNS, UserRow, timestamp};
use crate::{Store, StoreError};

/// What a token was issued for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A login session; expires.
    Session,
    /// A personal API token; lives until revoked.
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
}

#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    token_id: Uuid,
    token_kind: String,
    token_name: String,
    token_created_at: i64,
    token_expires_at: Option<i64>,
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
         t.created_at AS token_created_at, t.expires_at AS token_expires_at, {user_columns} \
         FROM auth_tokens t JOIN users u ON u.id = t.user_id AND u.account_id = t.account_id \
         WHERE {condition}"
    )
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

    /// A user's personal API tokens, oldest first.
    pub async fn api_tokens(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<Vec<AuthToken>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<TokenRow>(
                &token_query("t.account_id = $1 AND t.user_id = $2 AND t.kind = 'api' ORDER BY t.created_at, t.id"),
                args![account_id, user_id],
            )
            .await?;
        rows.into_iter()
            .map(|row| row.into_parts().map(|(token, _)| token))
            .collect()
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

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired_tokens(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM auth_tokens WHERE expires_at IS NOT NULL AND expires_at <= $1",
                args![now],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted)
    }
}
