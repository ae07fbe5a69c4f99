//! The account itself: its name, time zone (the calendar of its reports), whether it requires
//! two-factor authentication, retention of resolved conversations and webhook masking. Anyone
//! may read it; admins change it (the security setting with their password again).

use axum::Json;
use axum::extract::State;

use tandem_app::account::{AccountChanges, AccountSettings};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin};
use crate::state::AppState;
use crate::wire::{AccountResponse, UpdateAccountRequest};

fn respond(settings: AccountSettings) -> AccountResponse {
    AccountResponse {
        id: settings.account.id.0,
        name: settings.account.name,
        time_zone: settings.time_zone,
        require_two_factor: settings.require_two_factor,
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
    origin: ClientOrigin,
    ApiJson(request): ApiJson<UpdateAccountRequest>,
) -> Result<Json<AccountResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    if request.require_two_factor.is_some() {
        state
            .app
            .reauthenticate(
                &auth.0,
                request.current_password.as_deref(),
                &origin.0,
                state.app.now(),
            )
            .await?;
    }
    let settings = state
        .app
        .update_account_settings(
            &auth.actor(origin),
            AccountChanges {
                time_zone: request.time_zone.as_deref(),
                require_two_factor: request.require_two_factor,
                retention_days: request.retention_days,
                retention_action: request.retention_action.as_deref(),
                webhook_mask_personal_data: request.webhook_mask_personal_data,
            },
        )
        .await?;
    Ok(Json(respond(settings)))
}
