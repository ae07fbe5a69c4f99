//! Passwords: finding the user an e-mail and password belong to (an address may be used in
//! several accounts) and a user changing their own password, which ends every other session and
//! every API token of theirs.

use serde_json::json;

use tandem_domain::id::AccountId;
use tandem_domain::password::{PasswordOwner, check_password};
use tandem_domain::user::User;
use tandem_domain::validation::Validator;

use crate::audit::{Actor, AuditEvent, Origin};
use crate::auth::{AuthError, Principal, decoy_hash};
use crate::secret::{hash_password, verify_password};
use crate::{App, AppError};

/// The most accounts one e-mail address is checked in at login without the account being
/// named; Argon2 is deliberately slow, so each one costs tens of milliseconds.
pub const MAX_LOGIN_ACCOUNTS: u32 = 5;

/// Checks `password` against each hash on a blocking thread (Argon2 would stall the async
/// workers); with no hash at all it checks a decoy, so an unknown address takes as long as a
/// wrong password.
async fn matching(password: &str, hashes: Vec<String>) -> Vec<bool> {
    let password = password.to_owned();
    let count = hashes.len();
    tokio::task::spawn_blocking(move || {
        if hashes.is_empty() {
            verify_password(&password, decoy_hash());
            return Vec::new();
        }
        hashes
            .iter()
            .map(|hash| verify_password(&password, hash))
            .collect()
    })
    .await
    .unwrap_or_else(|_| vec![false; count])
}

/// `auth.reauthentication_failed`: the caller's current password was wrong.
pub(crate) fn reauthentication_failed(principal: &Principal) -> AuditEvent {
    AuditEvent::new(
        "auth.reauthentication_failed",
        "user",
        principal.user_id().0,
    )
}

/// Hashes a new password off the async workers.
pub(crate) async fn hash_new_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
        .map_err(|error| AppError::Internal(error.to_string()))
}

/// Checks a new password of `owner` against the password rules; the error names `field`.
pub(crate) fn check_new_password(
    field: &str,
    password: &str,
    owner: PasswordOwner<'_>,
) -> Result<(), AppError> {
    let mut validator = Validator::new();
    check_password(&mut validator, password, owner);
    validator.finish().map_err(|mut error| {
        for problem in &mut error.0 {
            field.clone_into(&mut problem.field);
        }
        AppError::Invalid(error)
    })
}

impl App {
    /// The users an e-mail address belongs to (in `account` when given; otherwise in at most
    /// [`MAX_LOGIN_ACCOUNTS`] accounts), each with their password hash.
    pub(crate) async fn login_candidates(
        &self,
        email: &str,
        account: Option<AccountId>,
    ) -> Result<Vec<(User, String)>, AuthError> {
        let email = email.trim().to_lowercase();
        Ok(self
            .store
            .credentials(&email, account, MAX_LOGIN_ACCOUNTS)
            .await?)
    }

    /// The one user among `candidates` whose password this is. Several matching is
    /// [`AuthError::AccountRequired`], naming only the accounts whose password matched.
    pub(crate) async fn password_user(
        &self,
        candidates: Vec<(User, String)>,
        password: &str,
    ) -> Result<User, AuthError> {
        let hashes = candidates.iter().map(|(_, hash)| hash.clone()).collect();
        let verdicts = matching(password, hashes).await;
        let mut matched: Vec<User> = candidates
            .into_iter()
            .zip(verdicts)
            .filter_map(|((user, _), matches)| matches.then_some(user))
            .collect();
        match matched.len() {
            0 => Err(AuthError::InvalidCredentials),
            1 => Ok(matched.remove(0)),
            _ => {
                let mut accounts = Vec::with_capacity(matched.len());
                for user in &matched {
                    accounts.push(self.store.account(user.account_id).await?);
                }
                Err(AuthError::AccountRequired(accounts))
            }
        }
    }

    /// Changes the caller's own password after checking their current one; every other session
    /// and every API token of theirs ends (the session they are in stays). Returns how many
    /// ended. Recorded as `user.password_changed`; a wrong current password as
    /// `auth.reauthentication_failed`.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current_password: &str,
        new_password: &str,
        origin: &Origin,
    ) -> Result<u64, AppError> {
        let actor = Actor::user(&principal.user, origin.clone());
        check_new_password(
            "new_password",
            new_password,
            PasswordOwner {
                email: &principal.user.email,
                name: &principal.user.name,
            },
        )?;
        let stored = self
            .store
            .password_hash(principal.account_id(), principal.user_id())
            .await?;
        let current_matches = matching(current_password, vec![stored])
            .await
            .first()
            .copied()
            .unwrap_or(false);
        if !current_matches {
            self.record(&actor, reauthentication_failed(principal))
                .await?;
            return Err(AppError::invalid(
                "current_password",
                "incorrect",
                "is not your current password",
            ));
        }
        let hash = hash_new_password(new_password.to_owned()).await?;
        let keep = (principal.token_kind == tandem_store::TokenKind::Session)
            .then_some(principal.token_id);
        let ended = self
            .store
            .set_password(principal.account_id(), principal.user_id(), &hash, keep)
            .await?;
        tracing::info!(user_id = %principal.user_id(), ended, "password changed by its user");
        let event = AuditEvent::new("user.password_changed", "user", principal.user_id().0)
            .after(json!({ "sessions_ended": ended }));
        self.record(&actor, event).await?;
        Ok(ended)
    }
}
