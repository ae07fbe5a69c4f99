//! Logging in and out, personal API tokens, and resolving a bearer token to the person behind it.

use std::sync::OnceLock;

use jiff::SignedDuration;
use serde_json::json;

use tandem_domain::Timestamp;
use tandem_domain::account::Account;
use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_domain::user::{Role, User};
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_store::{AuthToken, ChallengeFlow, StoreError, TokenKind};

use crate::audit::{Actor, AuditEvent, Origin};
use crate::login_protection::{Attempt, LoginProtection, ThrottleError};
use crate::secret::{generate_token, hash_password, token_hash};
use crate::{App, AppError};

/// Prefix of session tokens.
pub const SESSION_PREFIX: &str = "tdm_s_";
/// Prefix of personal API tokens.
pub const API_TOKEN_PREFIX: &str = "tdm_p_";
/// How long a personal API token lives when its creator does not say.
pub const DEFAULT_API_TOKEN_DAYS: u32 = 90;
/// The longest a personal API token may live. There is no "never": a token copied into an
/// integration's settings is easily forgotten there, and a yearly rotation is cheap.
pub const MAX_API_TOKEN_DAYS: u32 = 365;

/// How logins behave.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// How long a login session lasts.
    pub session_ttl: SignedDuration,
    /// Throttling of failed logins.
    pub protection: LoginProtection,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_ttl: SignedDuration::from_hours(12),
            protection: LoginProtection::default(),
        }
    }
}

/// The authenticated person making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub token_id: TokenId,
    pub token_kind: TokenKind,
    /// The account requires two-factor authentication and this user has not enabled it: the
    /// credential reaches only the routes that enrol (see `two_factor.rs`).
    pub must_enrol_two_factor: bool,
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
    /// The e-mail and password match a user in each of these accounts: the client must say
    /// which one.
    #[error("this e-mail address and password belong to several accounts; choose one")]
    AccountRequired(Vec<Account>),
    /// Too many failures from this e-mail address or client address: wait before trying again.
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// The one-time code (or recovery code) is wrong, expired or used already.
    #[error("wrong or already used two-factor code")]
    InvalidTwoFactorCode,
    /// The change needs the caller's current password (`current_password`) again.
    #[error("this change needs your current password in current_password")]
    ReauthenticationRequired,
    /// The account requires two-factor authentication, which this user must enable first.
    #[error(
        "your account requires two-factor authentication: enable it first (POST /api/v1/auth/2fa/setup)"
    )]
    TwoFactorEnrolmentRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ThrottleError> for AuthError {
    fn from(error: ThrottleError) -> Self {
        match error {
            ThrottleError::TooManyAttempts {
                retry_after_seconds,
            } => AuthError::TooManyAttempts {
                retry_after_seconds,
            },
            ThrottleError::Store(error) => AuthError::Store(error),
        }
    }
}

/// The second step of a login: answer with a code before `expires_at` (`two_factor.rs`).
#[derive(Debug)]
pub struct Challenge {
    /// Shown once; only its hash is stored.
    pub token: String,
    pub expires_at: Timestamp,
}

/// A session just opened; its token is shown once.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub record: AuthToken,
    pub user: User,
    /// The session reaches only the routes that enrol a second factor until one is enabled.
    pub must_enrol_two_factor: bool,
}

/// What a right password leads to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in.
    Session(Box<NewSession>),
    /// The user has two-factor authentication: answer the challenge with a code.
    TwoFactorRequired(Challenge),
}

/// A hash of a random password, checked when the e-mail is unknown so that login takes as long
/// for unknown addresses as for wrong passwords (no user enumeration by timing).
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&generate_token("")).unwrap_or_default())
}

impl App {
    /// Checks an e-mail and password (in `account` when given: an address may belong to users
    /// of several accounts), throttled per e-mail and client address (`login_protection.rs`). A
    /// user with two-factor authentication gets a challenge to answer with a code
    /// (`App::verify_two_factor`), turned into a session of `flow`; anyone else a session at
    /// once.
    ///
    /// Recorded: `auth.login_succeeded`, and for each user the address belongs to
    /// `auth.login_failed` or `auth.locked_out`, in that user's account. An address nobody
    /// has belongs to no account, so its failures have no audit trail to go to: they are only
    /// logged.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        account: Option<AccountId>,
        flow: ChallengeFlow,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<LoginOutcome, AuthError> {
        let attempt = Attempt {
            email,
            client: origin.ip,
        };
        let candidates = self.login_candidates(email, account).await?;
        let users: Vec<User> = candidates.iter().map(|(user, _)| user.clone()).collect();
        if let Err(error) = self.begin_attempt(attempt, now).await {
            let error = AuthError::from(error);
            for user in &users {
                self.record_locked_out(user, origin, &error).await?;
            }
            return Err(error);
        }
        let user = match self.password_user(candidates, password).await {
            Ok(user) => user,
            Err(AuthError::InvalidCredentials) => {
                self.attempt_failed(attempt, now).await?;
                for user in &users {
                    let event = AuditEvent::new("auth.login_failed", "user", user.id.0);
                    self.record_event(&Actor::anonymous(user.account_id, origin.clone()), event)
                        .await?;
                }
                return Err(AuthError::InvalidCredentials);
            }
            Err(other) => return Err(other),
        };
        if let Some(challenge) = self.two_factor_challenge_for(&user, flow, now).await? {
            // The e-mail address stays charged until the code is right too.
            return Ok(LoginOutcome::TwoFactorRequired(challenge));
        }
        self.attempt_succeeded(attempt).await?;
        Ok(LoginOutcome::Session(Box::new(
            self.open_session(user, origin, false, now).await?,
        )))
    }

    /// Records `auth.locked_out` for a known user when `error` refuses their attempt for now.
    pub(crate) async fn record_locked_out(
        &self,
        user: &User,
        origin: &Origin,
        error: &AuthError,
    ) -> Result<(), StoreError> {
        let AuthError::TooManyAttempts {
            retry_after_seconds,
        } = error
        else {
            return Ok(());
        };
        let event = AuditEvent::new("auth.locked_out", "user", user.id.0)
            .after(json!({ "retry_after_seconds": retry_after_seconds }));
        self.record_event(&Actor::anonymous(user.account_id, origin.clone()), event)
            .await
    }

    /// Opens a login session for a user who proved who they are (`two_factor`: with a second
    /// factor too), noting the client that opened it; recorded as `auth.login_succeeded`.
    pub(crate) async fn open_session(
        &self,
        user: User,
        origin: &Origin,
        two_factor: bool,
        now: Timestamp,
    ) -> Result<NewSession, AuthError> {
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
        self.describe_session(&record, origin).await;
        let event = AuditEvent::new("auth.login_succeeded", "user", user.id.0)
            .after(json!({ "session_id": record.id.0, "two_factor": two_factor }));
        self.record_event(&Actor::user(&user, origin.clone()), event)
            .await?;
        let gate = self.store.two_factor_gate(user.account_id, user.id).await?;
        Ok(NewSession {
            token,
            record,
            user,
            must_enrol_two_factor: gate.required && !gate.enabled,
        })
    }

    /// Issues a personal API token for the user (its name required, and trimmed) that expires
    /// after `expires_in_days` (1 to [`MAX_API_TOKEN_DAYS`]; [`DEFAULT_API_TOKEN_DAYS`] when
    /// not given); returns its secret (shown once).
    /// Recorded as `api_token.created` (its name and expiry).
    pub async fn create_api_token(
        &self,
        principal: &Principal,
        name: &str,
        expires_in_days: Option<u32>,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<(String, AuthToken), AppError> {
        let mut validator = Validator::new();
        validator.text("name", name, MAX_NAME_CHARS);
        let days = expires_in_days.unwrap_or(DEFAULT_API_TOKEN_DAYS);
        if !(1..=MAX_API_TOKEN_DAYS).contains(&days) {
            validator.reject(
                "expires_in_days",
                "out_of_range",
                format!("must be a whole number of days from 1 to {MAX_API_TOKEN_DAYS}"),
            );
        }
        validator.finish()?;
        let expires_at = now
            .saturating_add(SignedDuration::from_hours(24 * i64::from(days)))
            .map_err(|error| AppError::Internal(error.to_string()))?;
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
                Some(expires_at),
                now,
            )
            .await?;
        let event = AuditEvent::new("api_token.created", "api_token", record.id.0)
            .after(json!({ "name": record.name, "expires_at": record.expires_at }));
        self.record(&Actor::user(&principal.user, origin.clone()), event)
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
        self.note_token_use(&record, now).await;
        let gate = self.store.two_factor_gate(user.account_id, user.id).await?;
        Ok(Principal {
            user,
            token_id: record.id,
            token_kind: record.kind,
            must_enrol_two_factor: gate.required && !gate.enabled,
        })
    }

    /// Ends the session (or revokes the token) the principal authenticated with; recorded as
    /// `auth.logout`.
    pub async fn logout(&self, principal: &Principal, origin: &Origin) -> Result<(), AppError> {
        self.store
            .delete_token(
                principal.account_id(),
                principal.user_id(),
                principal.token_id,
            )
            .await?;
        let subject = match principal.token_kind {
            TokenKind::Session => "session",
            TokenKind::Api => "api_token",
        };
        let event = AuditEvent::new("auth.logout", subject, principal.token_id.0);
        self.record(&Actor::user(&principal.user, origin.clone()), event)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::verify_password;

    #[test]
    fn the_decoy_hash_is_a_real_hash_that_common_passwords_do_not_match() {
        assert!(decoy_hash().starts_with("$argon2id$"));
        assert!(!verify_password("", decoy_hash()));
        assert!(!verify_password("password", decoy_hash()));
    }
}
