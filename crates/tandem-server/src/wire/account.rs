//! The account (its name, time zone, security settings and retention) and its audit log.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::AuditEntry;
use tandem_domain::Timestamp;

/// One audit-log entry: who (as they were then), from where, what, on which subject, and the
/// values before and after. The CSV export has these columns, in this order.
#[derive(Debug, Serialize)]
pub struct AuditEntryResponse {
    pub id: Uuid,
    pub created_at: Timestamp,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            created_at: entry.created_at,
            actor_id: entry.actor.user_id.map(|id| id.0),
            actor_email: entry.actor.email,
            actor_name: entry.actor.name,
            ip: entry.actor.ip,
            user_agent: entry.actor.user_agent,
            action: entry.action,
            subject_kind: entry.subject_kind,
            subject_id: entry.subject_id,
            before: entry.before,
            after: entry.after,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AccountResponse {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub require_two_factor: bool,
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
    /// Every user must use two-factor authentication; changing it needs `current_password`.
    pub require_two_factor: Option<bool>,
    pub current_password: Option<String>,
    /// Absent: unchanged; `null`: keep forever; a number of days.
    #[serde(default, deserialize_with = "super::common::present")]
    pub retention_days: Option<Option<u32>>,
    pub retention_action: Option<String>,
    pub webhook_mask_personal_data: Option<bool>,
}
