//! The account itself: its name, its time zone (the calendar its reports count days in), whether
//! it requires two-factor authentication, and its audit log.

use tandem_domain::account::Account;
use tandem_domain::id::AccountId;
use tandem_reports::period::time_zone;

use crate::audit::{Actor, AuditEvent};
use crate::{App, AppError};

/// The account with its settings.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub account: Account,
    /// An IANA time zone name (`America/Sao_Paulo`).
    pub time_zone: String,
    /// Every user must use two-factor authentication (`two_factor.rs`).
    pub require_two_factor: bool,
}

impl App {
    pub async fn account_settings(
        &self,
        account_id: AccountId,
    ) -> Result<AccountSettings, AppError> {
        let account = self.store.account(account_id).await?;
        let time_zone = self.store.account_time_zone(account_id).await?;
        let require_two_factor = self.store.account_requires_two_factor(account_id).await?;
        Ok(AccountSettings {
            account,
            time_zone,
            require_two_factor,
        })
    }

    /// Changes the settings given (a time zone must be an IANA name) and returns them all;
    /// recorded as `account.updated` by `actor`. Requiring two-factor authentication is a
    /// security setting: the server asks the admin's password again first.
    pub async fn update_account_settings(
        &self,
        actor: &Actor,
        time_zone_name: Option<&str>,
        require_two_factor: Option<bool>,
    ) -> Result<AccountSettings, AppError> {
        let account_id = actor.account_id;
        if let Some(name) = time_zone_name {
            if time_zone(name).is_none() {
                return Err(AppError::invalid(
                    "time_zone",
                    "unknown_time_zone",
                    format!("{name:?} is not an IANA time zone (e.g. America/Sao_Paulo)"),
                ));
            }
            let before = self.store.account_time_zone(account_id).await?;
            self.store.set_account_time_zone(account_id, name).await?;
            let event = AuditEvent::new("account.updated", "account", account_id.0).changes(
                &serde_json::json!({"time_zone": before}),
                serde_json::json!({"time_zone": name}),
            );
            if !event.is_empty_change() {
                self.record(actor, event).await?;
            }
        }
        if let Some(required) = require_two_factor {
            self.store
                .set_account_requires_two_factor(account_id, required)
                .await?;
        }
        self.account_settings(account_id).await
    }
}
