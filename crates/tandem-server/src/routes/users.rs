//! Users of the account: anyone may list them; only admins change them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_app::secret::hash_password;
use tandem_domain::event::Actor;
use tandem_domain::id::UserId;
use tandem_domain::user::{NewUser, Role, UserPatch};
use tandem_domain::validation::ValidationError;
use tandem_store::UserSeed;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{CreateUserRequest, List, UpdateUserRequest, UserResponse};

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    raw.parse::<Role>().map_err(|_| {
        ApiError::invalid_field("role", "unknown_role", "must be admin, supervisor or agent")
    })
}

/// Hashes off the async workers: Argon2 is deliberately slow.
async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .map_err(|error| ApiError::Internal(error.to_string()))
}

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<UserResponse>>, ApiError> {
    let users = state.app.store.users(principal.account_id()).await?;
    Ok(Json(List {
        data: users.into_iter().map(Into::into).collect(),
    }))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(user_id): Path<String>,
) -> Result<Json<UserResponse>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    Ok(Json(
        state
            .app
            .store
            .user(principal.account_id(), user_id)
            .await?
            .into(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    auth.require(Role::can_manage_account)?;
    let role = parse_role(&request.role);
    let parsed = NewUser::parse(
        &request.email,
        &request.name,
        *role.as_ref().unwrap_or(&Role::Agent),
        &request.password,
    );
    // Every bad field is reported at once, the role's among them.
    let (role, new_user) = match (role, parsed) {
        (Ok(role), Ok(new_user)) => (role, new_user),
        (role, parsed) => {
            let mut errors = parsed.err().map(|error| error.0).unwrap_or_default();
            if let Err(ApiError::Validation(error)) = role {
                errors.extend(error.0);
            }
            errors.sort_by(|a, b| a.field.cmp(&b.field));
            return Err(ApiError::Validation(ValidationError(errors)));
        }
    };
    let seed = UserSeed {
        email: new_user.email,
        name: new_user.name,
        role,
        password_hash: hash(new_user.password).await?,
    };
    let user = state
        .app
        .store
        .create_user(auth.0.account_id(), &seed, tandem_app::now())
        .await?;
    tracing::info!(user_id = %user.id, by = %auth.0.user_id(), "user created");
    Ok((StatusCode::CREATED, Json(user.into())))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> Result<Json<UserResponse>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_account)?;
    let patch = UserPatch {
        name: request.name.map(|name| name.trim().to_owned()),
        role: request.role.as_deref().map(parse_role).transpose()?,
        password: request.password,
    };
    patch.validate()?;
    let password_hash = match patch.password {
        Some(password) => Some(hash(password).await?),
        None => None,
    };
    let user = state
        .app
        .store
        .update_user(
            auth.0.account_id(),
            user_id,
            patch.name.as_deref(),
            patch.role,
            password_hash.as_deref(),
        )
        .await?;
    tracing::info!(%user_id, by = %auth.0.user_id(), "user updated");
    Ok(Json(user.into()))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_account)?;
    if user_id == auth.0.user_id() {
        return Err(ValidationError::field(
            "user_id",
            "cannot_delete_self",
            "you cannot delete your own user",
        )
        .into());
    }
    state
        .app
        .store
        .delete_user(
            auth.0.account_id(),
            user_id,
            Actor::User(auth.0.user_id()),
            tandem_app::now(),
        )
        .await?;
    tracing::info!(%user_id, by = %auth.0.user_id(), "user deleted");
    Ok(StatusCode::NO_CONTENT)
}
