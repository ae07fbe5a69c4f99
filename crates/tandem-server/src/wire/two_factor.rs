//! Two-factor authentication: its status, enrolment, the login's second step and disabling.

use serde::{Deserialize, Serialize};

use tandem_app::two_factor::TwoFactorStatus;
use tandem_domain::Timestamp;

#[derive(Debug, Serialize)]
pub struct TwoFactorStatusResponse {
    pub enabled: bool,
    /// A setup was started and not yet confirmed with a code.
    pub pending: bool,
    /// The account requires two-factor authentication.
    pub required: bool,
    pub recovery_codes_left: i64,
}

impl From<TwoFactorStatus> for TwoFactorStatusResponse {
    fn from(status: TwoFactorStatus) -> Self {
        Self {
            enabled: status.enabled,
            pending: status.pending,
            required: status.required,
            recovery_codes_left: status.recovery_codes_left,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TwoFactorSetupResponse {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// The same secret as an `otpauth://` URI (what a QR code would carry).
    pub otpauth_uri: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnableTwoFactorRequest {
    pub code: String,
}

#[derive(Debug, Serialize)]
pub struct EnableTwoFactorResponse {
    /// Single-use codes for when the authenticator is lost; shown this once.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisableTwoFactorRequest {
    pub current_password: Option<String>,
    /// A current code or a recovery code.
    pub code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyTwoFactorRequest {
    pub challenge_token: String,
    /// A current code or a recovery code.
    pub code: String,
}

/// The answer to a right password when the user has two-factor authentication.
#[derive(Debug, Serialize)]
pub struct TwoFactorChallengeResponse {
    /// Always `true`: tells this answer from a session.
    pub two_factor_required: bool,
    /// Sent with a code to `POST /api/v1/auth/2fa/verify`.
    pub challenge_token: String,
    pub expires_at: Timestamp,
}
