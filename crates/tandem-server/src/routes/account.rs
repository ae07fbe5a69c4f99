//! The account itself: its name and time zone (the calendar of its reports). Anyone may read
//! it; admins change it.

use axum::Json;
use axum::extract::State;

use tandem_app::account::AccountSettings;
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
    let settings = state
        .app
        .update_account_settings(&auth.actor(origin), request.time_zone.as_deref())
        .await?;
    Ok(Json(respond(settings)))
}
