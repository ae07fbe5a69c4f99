//! Two-factor authentication with TOTP (`totp.rs`): enrolling (a new secret, shown once as an
//! `otpauth://` URI, enabled by a first right code, which also issues ten single-use recovery
//! codes), the login's second step (a short-lived challenge exchanged for a session), disabling
//! (password and code), and re-authentication before sensitive changes. Every code and
//! password checked here is throttled like a login (`login_protection.rs`).
//!
//! An account may require two-factor authentication (`require_two_factor`). A user of such an
//! account without it still logs in with the password, but the session is marked
//! `must_enrol_two_factor` and reaches only the routes that enrol (and read the session and
//! log out) until a code enables the second factor; everything else answers
//! `two_factor_enrolment_required`.

use jiff::SignedDuration;
use serde_json::json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::UserId;
use tandem_domain::user::User;
use tandem_store::ChallengeFlow;

use crate::audit::{Actor, AuditEvent, Origin};
use crate::auth::{AuthError, Challenge, NewSession, Principal};
use crate::credentials::reauthentication_failed;
use crate::error::ConflictKind;
use crate::login_protection::Attempt;
use crate::secret::{fill_random, generate_token, token_hash, verify_password};
use crate::totp;
use crate::{App, AppError};

/// Prefix of login challenge tokens.
pub const CHALLENGE_PREFIX: &str = "tdm_c_";
/// How long a login challenge may be answered.
pub const CHALLENGE_TTL: SignedDuration = SignedDuration::from_mins(5);
/// Recovery codes issued when two-factor authentication is enabled.
pub const RECOVERY_CODES: usize = 10;
/// The issuer authenticator apps show.
const ISSUER: &str = "Tandem";

/// A new secret to put into an authenticator app.
#[derive(Debug)]
pub struct Enrolment {
    /// Base32, for typing in.
    pub secret: String,
    /// For scanning (as a QR code) or opening.
    pub otpauth_uri: String,
}

/// Where a user stands with two-factor authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// An enrolment was started and not yet confirmed with a code.
    pub pending: bool,
    /// The account requires it.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// What a second-factor code turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SecondFactor {
    /// The current TOTP code.
    Code,
    /// One of the user's recovery codes, now used up.
    RecoveryCode,
    Wrong,
}

fn seal_context(user_id: UserId) -> Vec<u8> {
    let mut context = b"two_factor:".to_vec();
    context.extend_from_slice(user_id.0.as_bytes());
    context
}

/// A recovery code as stored: letters and digits only, lower-cased.
fn recovery_code_hash(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    token_hash(&format!("tandem recovery code:{normalized}"))
}

/// A fresh recovery code: 10 base32 characters (50 bits) shown as `xxxxx-xxxxx`.
fn new_recovery_code() -> String {
    let mut bytes = [0u8; 10];
    fill_random(&mut bytes);
    let text = totp::encode_secret(&bytes).to_lowercase();
    format!("{}-{}", &text[0..5], &text[5..10])
}

fn unix_seconds(now: Timestamp) -> i64 {
    now.as_second()
}

impl App {
    /// A challenge for the user's login when their second factor is enabled.
    pub(crate) async fn two_factor_challenge_for(
        &self,
        user: &User,
        flow: ChallengeFlow,
        now: Timestamp,
    ) -> Result<Option<Challenge>, AuthError> {
        let enabled = self
            .store
            .two_factor(user.account_id, user.id)
            .await?
            .is_some_and(|record| record.enabled_at.is_some());
        if !enabled {
            return Ok(None);
        }
        let token = generate_token(CHALLENGE_PREFIX);
        let expires_at = now.checked_add(CHALLENGE_TTL).unwrap_or(now);
        self.store
            .create_two_factor_challenge(user, &token_hash(&token), flow, expires_at)
            .await?;
        Ok(Some(Challenge { token, expires_at }))
    }

    /// Where the user stands with two-factor authentication.
    pub async fn two_factor_status(
        &self,
        principal: &Principal,
    ) -> Result<TwoFactorStatus, AppError> {
        let record = self
            .store
            .two_factor(principal.account_id(), principal.user_id())
            .await?;
        let gate = self
            .store
            .two_factor_gate(principal.account_id(), principal.user_id())
            .await?;
        Ok(TwoFactorStatus {
            enabled: record.as_ref().is_some_and(|r| r.enabled_at.is_some()),
            pending: record.as_ref().is_some_and(|r| r.enabled_at.is_none()),
            required: gate.required,
            recovery_codes_left: record
                .filter(|r| r.enabled_at.is_some())
                .map_or(0, |r| r.recovery_codes_left),
        })
    }

    /// Starts enrolment with a new secret (replacing one not yet confirmed).
    pub async fn begin_two_factor(
        &self,
        principal: &Principal,
        now: Timestamp,
    ) -> Result<Enrolment, AppError> {
        let mut secret = [0u8; totp::SECRET_BYTES];
        fill_random(&mut secret);
        let sealed = self
            .channels()
            .sealer()
            .seal(&secret, &seal_context(principal.user_id()));
        let started = self
            .store
            .begin_two_factor(principal.account_id(), principal.user_id(), &sealed, now)
            .await?;
        if !started {
            return Err(AppError::conflict(
                ConflictKind::TwoFactorAlreadyEnabled,
                "two-factor authentication is already enabled; disable it first",
            ));
        }
        Ok(Enrolment {
            secret: totp::encode_secret(&secret),
            otpauth_uri: totp::otpauth_uri(ISSUER, &principal.user.email, &secret),
        })
    }

    /// Confirms enrolment with a current code; returns the recovery codes (shown once).
    /// Recorded as `two_factor.enabled`.
    pub async fn enable_two_factor(
        &self,
        principal: &Principal,
        code: &str,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<Vec<String>, AppError> {
        let (account_id, user_id) = (principal.account_id(), principal.user_id());
        let record = self
            .store
            .two_factor(account_id, user_id)
            .await?
            .filter(|record| record.enabled_at.is_none())
            .ok_or_else(|| {
                AppError::conflict(
                    ConflictKind::TwoFactorNotPending,
                    "no two-factor enrolment in progress: start one with POST /api/v1/auth/2fa/setup",
                )
            })?;
        let secret = self
            .channels()
            .sealer()
            .open(&record.sealed_secret, &seal_context(user_id))
            .map_err(|error| AppError::Internal(format!("two-factor secret: {error}")))?;
        let wrong_code = || {
            AppError::invalid(
                "code",
                "invalid_code",
                "is not the current code of your authenticator app",
            )
        };
        let step = totp::matching_step(&secret, code, unix_seconds(now)).ok_or_else(wrong_code)?;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes.iter().map(|code| recovery_code_hash(code)).collect();
        let enabled = self
            .store
            .enable_two_factor(account_id, user_id, step, &hashes, now)
            .await?;
        if !enabled {
            return Err(wrong_code());
        }
        let event = AuditEvent::new("two_factor.enabled", "user", user_id.0)
            .after(json!({ "recovery_codes_issued": codes.len() }));
        self.record(&Actor::user(&principal.user, origin.clone()), event)
            .await?;
        Ok(codes)
    }

    /// Turns two-factor authentication off; needs the password and a code (or recovery code).
    /// Recorded as `two_factor.disabled`.
    pub async fn disable_two_factor(
        &self,
        principal: &Principal,
        password: Option<&str>,
        code: &str,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        self.reauthenticate(principal, password, origin, now)
            .await?;
        let actor = Actor::user(&principal.user, origin.clone());
        self.check_second_factor(&principal.user, code, &actor, now)
            .await?;
        self.store
            .disable_two_factor(principal.account_id(), principal.user_id())
            .await?;
        let event = AuditEvent::new("two_factor.disabled", "user", principal.user_id().0);
        Ok(self.record_event(&actor, event).await?)
    }

    /// The login's second step: a code (or recovery code) for a challenge opens the session the
    /// challenge was for.
    pub async fn verify_two_factor(
        &self,
        challenge_token: &str,
        code: &str,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<(ChallengeFlow, NewSession), AuthError> {
        if !challenge_token.starts_with(CHALLENGE_PREFIX) {
            return Err(AuthError::InvalidToken);
        }
        let (challenge_id, flow, user): (Uuid, ChallengeFlow, User) = self
            .store
            .two_factor_challenge(&token_hash(challenge_token), now)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        // Not logged in yet: the password was right, the code is still to be proven.
        let actor = Actor::anonymous(user.account_id, origin.clone());
        self.check_second_factor(&user, code, &actor, now).await?;
        if !self.store.delete_two_factor_challenge(challenge_id).await? {
            return Err(AuthError::InvalidToken);
        }
        Ok((flow, self.open_session(user, origin, true, now).await?))
    }

    /// Checks the user's second factor, throttled like a login. Recorded: a refusal for now as
    /// `auth.locked_out`, a wrong code as `two_factor.verify_failed`, a recovery code used up as
    /// `two_factor.recovery_code_used`.
    async fn check_second_factor(
        &self,
        user: &User,
        code: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        let attempt = Attempt {
            email: &user.email,
            client: actor.origin.ip,
        };
        if let Err(error) = self.begin_attempt(attempt, now).await {
            let error = AuthError::from(error);
            self.record_locked_out(user, &actor.origin, &error).await?;
            return Err(error);
        }
        let event = |action| AuditEvent::new(action, "user", user.id.0);
        match self.second_factor_matches(user, code, now).await? {
            SecondFactor::Wrong => {
                self.attempt_failed(attempt, now).await?;
                self.record_event(actor, event("two_factor.verify_failed"))
                    .await?;
                return Err(AuthError::InvalidTwoFactorCode);
            }
            SecondFactor::RecoveryCode => {
                self.record_event(actor, event("two_factor.recovery_code_used"))
                    .await?;
            }
            SecondFactor::Code => {}
        }
        Ok(self.attempt_succeeded(attempt).await?)
    }

    /// Checks the caller's current password again before a sensitive change (throttled like a
    /// login: a stolen session is no password oracle). A wrong one is recorded as
    /// `auth.reauthentication_failed`, a refusal for now as `auth.locked_out`.
    pub async fn reauthenticate(
        &self,
        principal: &Principal,
        current_password: Option<&str>,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<(), AuthError> {
        let Some(password) = current_password.filter(|password| !password.is_empty()) else {
            return Err(AuthError::ReauthenticationRequired);
        };
        let attempt = Attempt {
            email: &principal.user.email,
            client: origin.ip,
        };
        if let Err(error) = self.begin_attempt(attempt, now).await {
            let error = AuthError::from(error);
            self.record_locked_out(&principal.user, origin, &error)
                .await?;
            return Err(error);
        }
        let stored_hash = self
            .store
            .password_hash(principal.account_id(), principal.user_id())
            .await?;
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
            .await
            .unwrap_or(false);
        if !matches {
            self.attempt_failed(attempt, now).await?;
            let actor = Actor::user(&principal.user, origin.clone());
            self.record_event(&actor, reauthentication_failed(principal))
                .await?;
            return Err(AuthError::ReauthenticationRequired);
        }
        Ok(self.attempt_succeeded(attempt).await?)
    }

    /// Whether `code` is the user's current TOTP code (each time step accepted once) or one of
    /// their unused recovery codes (consumed).
    async fn second_factor_matches(
        &self,
        user: &User,
        code: &str,
        now: Timestamp,
    ) -> Result<SecondFactor, AuthError> {
        let Some(record) = self
            .store
            .two_factor(user.account_id, user.id)
            .await?
            .filter(|record| record.enabled_at.is_some())
        else {
            return Ok(SecondFactor::Wrong);
        };
        let secret = self
            .channels()
            .sealer()
            .open(&record.sealed_secret, &seal_context(user.id))
            .map_err(|_| AuthError::InvalidTwoFactorCode)?;
        let matched = if let Some(step) = totp::matching_step(&secret, code, unix_seconds(now)) {
            self.store
                .use_two_factor_step(user.account_id, user.id, step)
                .await?
                .then_some(SecondFactor::Code)
        } else {
            self.store
                .use_recovery_code(user.account_id, user.id, &recovery_code_hash(code))
                .await?
                .then_some(SecondFactor::RecoveryCode)
        };
        Ok(matched.unwrap_or(SecondFactor::Wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_distinct_and_match_however_they_are_typed() {
        let a = new_recovery_code();
        let b = new_recovery_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), 11);
        assert_eq!(&a[5..6], "-");
        let typed = a.to_uppercase().replace('-', " ");
        assert_eq!(recovery_code_hash(&typed), recovery_code_hash(&a));
        assert_ne!(recovery_code_hash(&a), recovery_code_hash(&b));
    }
}
