//! The account (its name, time zone and retention) and its audit log.

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
    /// Days resolved conversations are kept; `null` keeps them forever.
    pub retention_days: Option<u32>,
    /// `delete` or `anonymise`, what happens to a conversation past `retention_days`.
    pub retention_action: &'static str,
    /// Whether outgoing webhooks carry personal data masked.
    pub webhook_mask_personal_data: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    pub time_zone: Option<String>,
    /// Absent: unchanged; `null`: keep forever; a number of days.
    #[serde(default, deserialize_with = "present")]
    pub retention_days: Option<Option<u32>>,
    pub retention_action: Option<String>,
    pub webhook_mask_personal_data: Option<bool>,
}

/// A field that is present (even as `null`) becomes `Some`, so absent and `null` differ.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
