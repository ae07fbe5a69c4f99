//! Login sessions, password changes and password resets.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::AuthToken;
use tandem_domain::Timestamp;
use tandem_domain::id::TokenId;

/// One login session of a user.
#[derive(Debug, Serialize)]
pub struct SessionInfo {
    pub id: Uuid,
    pub created_at: Timestamp,
    /// When it last authenticated a request (to the minute); null if never.
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    /// The client's address when it logged in, as this server saw it.
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Whether this is the session the request came with.
    pub current: bool,
}

impl SessionInfo {
    /// The session as shown to a caller whose own session is `current`.
    pub fn new(session: AuthToken, current: Option<TokenId>) -> Self {
        Self {
            id: session.id.0,
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            expires_at: session.expires_at,
            client_ip: session.client_ip,
            user_agent: session.user_agent,
            current: current == Some(session.id),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RevokedResponse {
    /// How many sessions or tokens ended.
    pub revoked: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// The answer to every well-formed reset request, whether or not the address is known.
#[derive(Debug, Serialize)]
pub struct PasswordResetAccepted {
    pub message: &'static str,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPasswordResetRequest {
    pub token: String,
    pub new_password: String,
}
