//! The account itself: its name, time zone (the calendar of its reports) and retention of
//! resolved conversations. Anyone may read it; admins change it.

use axum::Json;
use axum::extract::State;

use tandem_app::account::{AccountChanges, AccountSettings};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use crate::wire::{AccountResponse, UpdateAccountRequest};

fn respond(settings: AccountSettings) -> AccountResponse {
    AccountResponse {
        id: settings.account.id.0,
        name: settings.account.name,
        time_zone: settings.time_zone,
        retention_days: settings.retention.days,
        retention_action: settings.retention.action.as_str(),
        webhook_mask_personal_data: settings.webhook_mask_personal_data,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<AccountResponse>, ApiError> {
    let settings = state.app.account_settings(principal.account_id()).await?;
    Ok(Json(respond(settings)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<UpdateAccountRequest>,
) -> Result<Json<AccountResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let settings = state
        .app
        .update_account_settings(
            auth.0.account_id(),
            AccountChanges {
                time_zone: request.time_zone.as_deref(),
                retention_days: request.retention_days,
                retention_action: request.retention_action.as_deref(),
                webhook_mask_personal_data: request.webhook_mask_personal_data,
            },
        )
        .await?;
    Ok(Json(respond(settings)))
}
