//! The account itself: its name, its time zone (the calendar its reports count days in), whether
//! it requires two-factor authentication, how long it keeps resolved conversations (retention),
//! and whether its webhooks carry personal data masked.

use serde_json::json;

use tandem_domain::account::Account;
use tandem_domain::id::AccountId;
use tandem_reports::period::time_zone;

use crate::audit::{Actor, AuditEvent};
use crate::model::{Retention, RetentionAction};
use crate::{App, AppError};

/// The account with its settings.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub account: Account,
    /// An IANA time zone name (`America/Sao_Paulo`).
    pub time_zone: String,
    /// Every user must use two-factor authentication (`two_factor.rs`).
    pub require_two_factor: bool,
    /// How long resolved conversations are kept, and what happens to them then.
    pub retention: Retention,
    /// Whether outgoing webhooks carry personal data masked (on by default).
    pub webhook_mask_personal_data: bool,
}

/// Changes to the account's settings; `None` keeps a setting as it is.
#[derive(Clone, Debug, Default)]
pub struct AccountChanges<'a> {
    pub time_zone: Option<&'a str>,
    /// A security setting: the server asks the admin's password again before changing it.
    pub require_two_factor: Option<bool>,
    /// `Some(None)` keeps resolved conversations forever.
    pub retention_days: Option<Option<u32>>,
    pub retention_action: Option<&'a str>,
    pub webhook_mask_personal_data: Option<bool>,
}

/// The longest retention period that may be set: a hundred years.
const MAX_RETENTION_DAYS: u32 = 36_500;

impl App {
    pub async fn account_settings(
        &self,
        account_id: AccountId,
    ) -> Result<AccountSettings, AppError> {
        let account = self.store.account(account_id).await?;
        let time_zone = self.store.account_time_zone(account_id).await?;
        let require_two_factor = self.store.account_requires_two_factor(account_id).await?;
        let retention = self.store.account_retention(account_id).await?;
        let webhook_mask_personal_data = self.store.webhook_masking(account_id).await?;
        Ok(AccountSettings {
            account,
            time_zone,
            require_two_factor,
            retention,
            webhook_mask_personal_data,
        })
    }

    /// Changes the settings given (a time zone must be an IANA name; a retention period 1 to
    /// 36,500 days; an action `delete` or `anonymise`) and returns them all; recorded as
    /// `account.updated` by `actor`, with what changed before and after.
    pub async fn update_account_settings(
        &self,
        actor: &Actor,
        changes: AccountChanges<'_>,
    ) -> Result<AccountSettings, AppError> {
        let account_id = actor.account_id;
        if let Some(name) = changes.time_zone
            && time_zone(name).is_none()
        {
            return Err(AppError::invalid(
                "time_zone",
                "unknown_time_zone",
                format!("{name:?} is not an IANA time zone (e.g. America/Sao_Paulo)"),
            ));
        }
        if let Some(Some(days)) = changes.retention_days
            && !(1..=MAX_RETENTION_DAYS).contains(&days)
        {
            return Err(AppError::invalid(
                "retention_days",
                "out_of_range",
                format!("must be between 1 and {MAX_RETENTION_DAYS} days, or null to keep forever"),
            ));
        }
        let action = match changes.retention_action {
            Some(name) => Some(RetentionAction::parse(name).ok_or_else(|| {
                AppError::invalid(
                    "retention_action",
                    "unknown_retention_action",
                    format!("{name:?} is not `delete` or `anonymise`"),
                )
            })?),
            None => None,
        };
        let before = self.account_settings(account_id).await?;
        if let Some(name) = changes.time_zone {
            self.store.set_account_time_zone(account_id, name).await?;
        }
        if let Some(required) = changes.require_two_factor {
            self.store
                .set_account_requires_two_factor(account_id, required)
                .await?;
        }
        if let Some(masked) = changes.webhook_mask_personal_data {
            self.store.set_webhook_masking(account_id, masked).await?;
        }
        if changes.retention_days.is_some() || action.is_some() {
            let retention = Retention {
                days: changes.retention_days.unwrap_or(before.retention.days),
                action: action.unwrap_or(before.retention.action),
            };
            self.store
                .set_account_retention(account_id, retention)
                .await?;
        }
        let after = self.account_settings(account_id).await?;
        let event = AuditEvent::new("account.updated", "account", account_id.0)
            .changes(&settings_json(&before), settings_json(&after));
        if !event.is_empty_change() {
            self.record(actor, event).await?;
        }
        Ok(after)
    }
}

/// The settings an admin changes, as the audit trail records them.
fn settings_json(settings: &AccountSettings) -> serde_json::Value {
    json!({
        "time_zone": settings.time_zone,
        "require_two_factor": settings.require_two_factor,
        "retention_days": settings.retention.days,
        "retention_action": settings.retention.action.as_str(),
        "webhook_mask_personal_data": settings.webhook_mask_personal_data,
    })
}
