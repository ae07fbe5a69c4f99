//! The account itself: its name and time zone (the calendar of its reports). Anyone may read
//! it; admins change it.

use axum::Json;
use axum::extract::State;

use tandem_domain::user::Role;
use tandem_reports::period::time_zone;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use crate::wire::{AccountResponse, UpdateAccountRequest};

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<AccountResponse>, ApiError> {
    respond(&state, principal.account_id()).await.map(Json)
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<UpdateAccountRequest>,
) -> Result<Json<AccountResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let account_id = auth.0.account_id();
    if let Some(name) = &request.time_zone {
        if time_zone(name).is_none() {
            return Err(ApiError::invalid_field(
                "time_zone",
                "unknown_time_zone",
                format!("{name:?} is not an IANA time zone (e.g. America/Sao_Paulo)"),
            ));
        }
        state
            .app
            .store
            .set_account_time_zone(account_id, name)
            .await?;
    }
    respond(&state, account_id).await.map(Json)
}

async fn respond(
    state: &AppState,
    account_id: tandem_domain::id::AccountId,
) -> Result<AccountResponse, ApiError> {
    let store = &state.app.store;
    let account = store.account(account_id).await?;
    let time_zone = store.account_time_zone(account_id).await?;
    Ok(AccountResponse {
        id: account.id.0,
        name: account.name,
        time_zone,
    })
}
