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
    pub created_at: Timestamp,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            email: user.email,
            name: user.name,
            role: user.role.as_str(),
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
    /// The admin's own password, required with `role` or `password`.
    pub current_password: Option<String>,
}
