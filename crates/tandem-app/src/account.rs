//! The account itself: its name, its time zone (the calendar its reports count days in), how
//! long it keeps resolved conversations (retention), and its audit log.

use tandem_domain::account::Account;
use tandem_domain::id::AccountId;
use tandem_reports::period::time_zone;

use crate::model::{AuditEntry, Retention, RetentionAction};
use crate::{App, AppError};

/// The account with its settings.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub account: Account,
    /// An IANA time zone name (`America/Sao_Paulo`).
    pub time_zone: String,
    /// How long resolved conversations are kept, and what happens to them then.
    pub retention: Retention,
    /// Whether outgoing webhooks carry personal data masked (on by default).
    pub webhook_mask_personal_data: bool,
}

/// Changes to the account's settings; `None` keeps a setting as it is.
#[derive(Clone, Debug, Default)]
pub struct AccountChanges<'a> {
    pub time_zone: Option<&'a str>,
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
        let retention = self.store.account_retention(account_id).await?;
        let webhook_mask_personal_data = self.store.webhook_masking(account_id).await?;
        Ok(AccountSettings {
            account,
            time_zone,
            retention,
            webhook_mask_personal_data,
        })
    }

    /// Changes the settings given (a time zone must be an IANA name; a retention period 1 to
    /// 36,500 days; an action `delete` or `anonymise`) and returns them all.
    pub async fn update_account_settings(
        &self,
        account_id: AccountId,
        changes: AccountChanges<'_>,
    ) -> Result<AccountSettings, AppError> {
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
        if let Some(name) = changes.time_zone {
            self.store.set_account_time_zone(account_id, name).await?;
        }
        if let Some(masked) = changes.webhook_mask_personal_data {
            self.store.set_webhook_masking(account_id, masked).await?;
        }
        if changes.retention_days.is_some() || action.is_some() {
            let current = self.store.account_retention(account_id).await?;
            let retention = Retention {
                days: changes.retention_days.unwrap_or(current.days),
                action: action.unwrap_or(current.action),
            };
            self.store
                .set_account_retention(account_id, retention)
                .await?;
        }
        self.account_settings(account_id).await
    }

    /// The account's audit log, newest first.
    pub async fn audit_log(
        &self,
        account_id: AccountId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.store.audit_log(account_id, limit).await?)
    }
}
