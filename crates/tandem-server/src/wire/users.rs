//! The account's users.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::user::User;

#[derive(Debug, Serialize)]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    /// Where a call the bot hands over rings for this agent (E.164 or `sip:`).
    pub phone: Option<String>,
    pub created_at: Timestamp,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            email: user.email,
            name: user.name,
            role: user.role.as_str(),
            phone: user.phone,
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub name: Option<String>,
    pub role: Option<String>,
    pub password: Option<String>,
    /// Where calls the bot hands over ring for this agent; `null` removes it.
    #[serde(default, deserialize_with = "super::common::present")]
    pub phone: Option<Option<String>>,
    /// The admin's own password, required with `role` or `password`.
    pub current_password: Option<String>,
}
