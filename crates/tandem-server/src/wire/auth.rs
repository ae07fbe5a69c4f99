//! Logging in (for a bearer token or the workspace's browser session) and personal API tokens.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_domain::Timestamp;

use super::UserResponse;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The account to log in to; needed only when the address and password match users of
    /// several accounts (`account_required`).
    #[serde(default)]
    pub account_id: Option<Uuid>,
}

#[derive(Debug, Serialize)]
pub struct SessionResponse {
    pub user: UserResponse,
    /// Sent back in `X-CSRF-Token` on every state-changing request of this session.
    pub csrf_token: String,
    /// When the session ends; given at login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// The account requires two-factor authentication and the user must enable it before
    /// anything else (`POST /api/v1/auth/2fa/setup`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub two_factor_enrolment_required: bool,
}

#[derive(Debug, Serialize)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: Option<Timestamp>,
    pub user: UserResponse,
    /// As in [`SessionResponse`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub two_factor_enrolment_required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub name: String,
    /// Days until the token expires (1–365); 90 when absent or null.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// The caller's password, asked again before a new credential is issued.
    pub current_password: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// When it last authenticated a request (to the minute); null if never.
    pub last_used_at: Option<Timestamp>,
    /// The secret, present only in the response that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}
