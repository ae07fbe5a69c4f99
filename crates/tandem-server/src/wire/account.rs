//! The account (its name, time zone and security settings) and its audit log.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::AuditEntry;
use tandem_domain::Timestamp;

#[derive(Debug, Serialize)]
pub struct AuditEntryResponse {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub subject_id: Uuid,
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            actor_id: entry.actor_id.map(|id| id.0),
            action: entry.action,
            subject_id: entry.subject_id,
            data: entry.data,
            created_at: entry.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AccountResponse {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub require_two_factor: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    pub time_zone: Option<String>,
    /// Every user must use two-factor authentication; changing it needs `current_password`.
    pub require_two_factor: Option<bool>,
    pub current_password: Option<String>,
}
