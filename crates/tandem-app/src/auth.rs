//! Logging in and out, personal API tokens, and resolving a bearer token to the person behind it.

use std::sync::OnceLock;

use jiff::SignedDuration;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_domain::user::{Role, User};
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_store::{AuthToken, StoreError, TokenKind};

use crate::secret::{generate_token, hash_password, token_hash, verify_password};
use crate::{App, AppError};

/// Prefix of session tokens.
pub const SESSION_PREFIX: &str = "tdm_s_";
/// Prefix of personal API tokens.
pub const API_TOKEN_PREFIX: &str = "tdm_p_";

/// How logins behave.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// How long a login session lasts.
    pub session_ttl: SignedDuration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_ttl: SignedDuration::from_hours(12),
        }
    }
}

/// The authenticated person making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub token_id: TokenId,
    pub token_kind: TokenKind,
}

impl Principal {
    pub fn account_id(&self) -> AccountId {
        self.user.account_id
    }

    pub fn user_id(&self) -> UserId {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
}

/// Why authentication failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong e-mail address or password")]
    InvalidCredentials,
    #[error("missing, expired or revoked token")]
    InvalidToken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A hash of a random password, checked when the e-mail is unknown so that login takes as long
/// for unknown addresses as for wrong passwords (no user enumeration by timing).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&generate_token("")).unwrap_or_default())
}

impl App {
    /// Checks an e-mail and password and opens a session; returns its token (shown once).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(String, AuthToken, User), AuthError> {
        let email = email.trim().to_lowercase();
        let credentials = self.store.credentials(&email).await?;
        let password = password.to_owned();
        let stored_hash = credentials
            .as_ref()
            .map_or_else(|| decoy_hash().to_owned(), |(_, hash)| hash.clone());
        // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
            .await
            .unwrap_or(false);
        let user = match credentials {
            Some((user, _)) if matches => user,
            _ => return Err(AuthError::InvalidCredentials),
        };
        let token = generate_token(SESSION_PREFIX);
        let expires_at = now.saturating_add(self.auth.session_ttl).ok();
        let record = self
            .store
            .create_token(
                user.account_id,
                user.id,
                TokenKind::Session,
                "session",
                &token_hash(&token),
                expires_at,
                now,
            )
            .await?;
        Ok((token, record, user))
    }

    /// Issues a personal API token for the user (its name required, and trimmed); returns its
    /// secret (shown once).
    pub async fn create_api_token(
        &self,
        principal: &Principal,
        name: &str,
        now: Timestamp,
    ) -> Result<(String, AuthToken), AppError> {
        let mut validator = Validator::new();
        validator.text("name", name, MAX_NAME_CHARS);
        validator.finish()?;
        let name = name.trim();
        let token = generate_token(API_TOKEN_PREFIX);
        let record = self
            .store
            .create_token(
                principal.account_id(),
                principal.user_id(),
                TokenKind::Api,
                name,
                &token_hash(&token),
                None,
                now,
            )
            .await?;
        Ok((token, record))
    }

    /// The person a session or API token belongs to.
    pub async fn authenticate(&self, token: &str, now: Timestamp) -> Result<Principal, AuthError> {
        if !(token.starts_with(SESSION_PREFIX) || token.starts_with(API_TOKEN_PREFIX)) {
            return Err(AuthError::InvalidToken);
        }
        let (record, user) = self
            .store
            .authenticate(&token_hash(token), now)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        Ok(Principal {
            user,
            token_id: record.id,
            token_kind: record.kind,
        })
    }

    /// Ends the session (or revokes the token) the principal authenticated with.
    pub async fn logout(&self, principal: &Principal) -> Result<(), AppError> {
        Ok(self
            .store
            .delete_token(
                principal.account_id(),
                principal.user_id(),
                principal.token_id,
            )
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoy_hash_is_a_real_hash_that_common_passwords_do_not_match() {
        assert!(decoy_hash().starts_with("$argon2id$"));
        assert!(!verify_password("", decoy_hash()));
        assert!(!verify_password("password", decoy_hash()));
    }
}
