//! Canned responses, the saved replies offered by shortcut.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::canned::CannedResponse;

/// Creates (every field required) or changes (any subset) a canned response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedResponseRequest {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CannedResponseResponse {
    pub id: Uuid,
    pub shortcut: String,
    pub title: String,
    pub text: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<CannedResponse> for CannedResponseResponse {
    fn from(canned: CannedResponse) -> Self {
        Self {
            id: canned.id.0,
            shortcut: canned.shortcut,
            title: canned.title,
            text: canned.text,
            created_at: canned.created_at,
            updated_at: canned.updated_at,
        }
    }
}
