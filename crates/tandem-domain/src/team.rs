//! Teams: groups of users that conversations are routed to.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::{AccountId, TeamId};
use crate::validation::{MAX_NAME_CHARS, ValidationError, Validator};

/// A group of agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
}

/// Longest team description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Validates a team's name and description.
pub fn validate_team(name: Option<&str>, description: Option<&str>) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    validator.optional_text("name", name, MAX_NAME_CHARS);
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        validator.reject(
            "description",
            "too_long",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        );
    }
    validator.finish()
}
