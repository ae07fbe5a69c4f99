//! Two-factor authentication's records: each user's sealed TOTP secret (enrolling or enabled)
//! with the last time step a code was accepted for, their hashed recovery codes, the login
//! challenges between the password and the code, and the account's `require_two_factor`.
//! Every statement that consumes something (a time step, a recovery code, a challenge) is one
//! conditional write, so a code is accepted once even by two nodes at the same instant.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, UserId};
use tandem_domain::user::User;

use crate::db::args;
use crate::records::{USER_COLUMNS, UserRow, timestamp};
use crate::{Store, StoreError};

/// A user's second factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoFactorRecord {
    /// The TOTP secret, sealed by the application.
    pub sealed_secret: String,
    /// `None` while the user is enrolling.
    pub enabled_at: Option<Timestamp>,
    /// The last TOTP time step a code was accepted for.
    pub last_used_step: i64,
    /// Unused recovery codes left.
    pub recovery_codes_left: i64,
}

/// Which session a login challenge becomes once its code is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeFlow {
    /// A bearer token in the response (`POST /auth/login`).
    Token,
    /// The workspace's session cookie (`POST /auth/session`).
    Browser,
}

impl ChallengeFlow {
    fn as_str(self) -> &'static str {
        match self {
            ChallengeFlow::Token => "token",
            ChallengeFlow::Browser => "browser",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "token" => Ok(ChallengeFlow::Token),
            "browser" => Ok(ChallengeFlow::Browser),
            other => Err(StoreError::corrupt(format!(
                "two_factor_challenges.flow = {other:?}"
            ))),
        }
    }
}

/// Whether a user must still enrol: the account requires two-factor authentication and the user
/// has not enabled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoFactorGate {
    pub required: bool,
    pub enabled: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct RecordRow {
    sealed_secret: String,
    enabled_at: Option<i64>,
    last_used_step: i64,
    recovery_codes_left: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct ChallengeRow {
    challenge_id: Uuid,
    challenge_flow: String,
    #[sqlx(flatten)]
    user: UserRow,
}

impl Store {
    /// The user's second factor, enrolling or enabled.
    pub async fn two_factor(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<Option<TwoFactorRecord>, StoreError> {
        let mut conn = self.read().await?;
        let row = conn
            .fetch_optional::<RecordRow>(
                "SELECT sealed_secret, enabled_at, last_used_step, \
                 (SELECT count(*) FROM two_factor_recovery_codes c \
                  WHERE c.account_id = t.account_id AND c.user_id = t.user_id) AS recovery_codes_left \
                 FROM two_factor t WHERE t.account_id = $1 AND t.user_id = $2",
                args![account_id, user_id],
            )
            .await?;
        row.map(|row| {
            Ok(TwoFactorRecord {
                sealed_secret: row.sealed_secret,
                enabled_at: row.enabled_at.map(timestamp).transpose()?,
                last_used_step: row.last_used_step,
                recovery_codes_left: row.recovery_codes_left,
            })
        })
        .transpose()
    }

    /// Starts (or restarts) enrolment with a new sealed secret. Returns `false`, changing
    /// nothing, when the user's second factor is already enabled.
    pub async fn begin_two_factor(
        &self,
        account_id: AccountId,
        user_id: UserId,
        sealed_secret: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let changed = conn
            .execute(
                "INSERT INTO two_factor (user_id, account_id, sealed_secret, enabled_at, last_used_step, created_at) \
                 SELECT id, account_id, $3, NULL, 0, $4 FROM users WHERE account_id = $1 AND id = $2 \
                 ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, \
                 last_used_step = 0, created_at = excluded.created_at \
                 WHERE two_factor.enabled_at IS NULL",
                args![account_id, user_id, sealed_secret, now],
            )
            .await?;
        conn.commit().await?;
        Ok(changed == 1)
    }

    /// Enables the enrolling second factor, consuming time step `step`, and replaces the
    /// recovery codes with `recovery_code_hashes`. Returns `false`, changing nothing, when there
    /// is no enrolment in progress or the step was used.
    pub async fn enable_two_factor(
        &self,
        account_id: AccountId,
        user_id: UserId,
        step: i64,
        recovery_code_hashes: &[String],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let changed = conn
            .execute(
                "UPDATE two_factor SET enabled_at = $3, last_used_step = $4 \
                 WHERE account_id = $1 AND user_id = $2 AND enabled_at IS NULL AND last_used_step < $4",
                args![account_id, user_id, now, step],
            )
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        conn.execute(
            "DELETE FROM two_factor_recovery_codes WHERE account_id = $1 AND user_id = $2",
            args![account_id, user_id],
        )
        .await?;
        for hash in recovery_code_hashes {
            conn.execute(
                "INSERT INTO two_factor_recovery_codes (account_id, user_id, code_hash) VALUES ($1, $2, $3)",
                args![account_id, user_id, hash.as_str()],
            )
            .await?;
        }
        conn.commit().await?;
        Ok(true)
    }

    /// Consumes TOTP time step `step` of an enabled second factor: `false` when it (or a later
    /// one) was used already, so a code is accepted once.
    pub async fn use_two_factor_step(
        &self,
        account_id: AccountId,
        user_id: UserId,
        step: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let changed = conn
            .execute(
                "UPDATE two_factor SET last_used_step = $3 WHERE account_id = $1 AND user_id = $2 \
                 AND enabled_at IS NOT NULL AND last_used_step < $3",
                args![account_id, user_id, step],
            )
            .await?;
        conn.commit().await?;
        Ok(changed == 1)
    }

    /// Consumes a recovery code by its hash: `false` when the user has no such unused code.
    pub async fn use_recovery_code(
        &self,
        account_id: AccountId,
        user_id: UserId,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM two_factor_recovery_codes WHERE account_id = $1 AND user_id = $2 AND code_hash = $3",
                args![account_id, user_id, code_hash],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted == 1)
    }

    /// Removes the user's second factor and recovery codes.
    pub async fn disable_two_factor(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "DELETE FROM two_factor_recovery_codes WHERE account_id = $1 AND user_id = $2",
            args![account_id, user_id],
        )
        .await?;
        conn.execute(
            "DELETE FROM two_factor WHERE account_id = $1 AND user_id = $2",
            args![account_id, user_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Whether the account requires a second factor and the user has enabled one.
    pub async fn two_factor_gate(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<TwoFactorGate, StoreError> {
        let mut conn = self.read().await?;
        let (required, enabled) = conn
            .fetch_one::<(bool, bool)>(
                "SELECT a.require_two_factor, EXISTS (SELECT 1 FROM two_factor t \
                 WHERE t.account_id = a.id AND t.user_id = $2 AND t.enabled_at IS NOT NULL) \
                 FROM accounts a WHERE a.id = $1",
                args![account_id, user_id],
            )
            .await?;
        Ok(TwoFactorGate { required, enabled })
    }

    /// Whether every user of the account must use a second factor.
    pub async fn account_requires_two_factor(
        &self,
        account_id: AccountId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<(bool,)>(
            "SELECT require_two_factor FROM accounts WHERE id = $1",
            args![account_id],
        )
        .await?
        .map(|(required,)| required)
        .ok_or(StoreError::not_found("account"))
    }

    /// Sets whether every user of the account must use a second factor.
    pub async fn set_account_requires_two_factor(
        &self,
        account_id: AccountId,
        required: bool,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE accounts SET require_two_factor = $1 WHERE id = $2",
            args![required, account_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Records a login challenge by the hash of its token.
    pub async fn create_two_factor_challenge(
        &self,
        user: &User,
        token_hash: &str,
        flow: ChallengeFlow,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "INSERT INTO two_factor_challenges (id, account_id, user_id, token_hash, flow, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                Uuid::now_v7(),
                user.account_id,
                user.id,
                token_hash,
                flow.as_str(),
                expires_at
            ],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// The unexpired challenge with this token hash, its flow and its user.
    pub async fn two_factor_challenge(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Uuid, ChallengeFlow, User)>, StoreError> {
        let user_columns = USER_COLUMNS
            .split(", ")
            .map(|column| format!("u.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut conn = self.read().await?;
        let row = conn
            .fetch_optional::<ChallengeRow>(
                &format!(
                    "SELECT c.id AS challenge_id, c.flow AS challenge_flow, {user_columns} \
                     FROM two_factor_challenges c \
                     JOIN users u ON u.id = c.user_id AND u.account_id = c.account_id \
                     WHERE c.token_hash = $1 AND c.expires_at > $2"
                ),
                args![token_hash, now],
            )
            .await?;
        row.map(|row| {
            Ok((
                row.challenge_id,
                ChallengeFlow::parse(&row.challenge_flow)?,
                User::try_from(row.user)?,
            ))
        })
        .transpose()
    }

    /// Consumes a challenge: `false` when another request consumed it first.
    pub async fn delete_two_factor_challenge(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute("DELETE FROM two_factor_challenges WHERE id = $1", args![id])
            .await?;
        conn.commit().await?;
        Ok(deleted == 1)
    }

    /// Removes challenges that expired before `now`; returns how many.
    pub async fn delete_expired_two_factor_challenges(
        &self,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM two_factor_challenges WHERE expires_at <= $1",
                args![now],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted)
    }
}
