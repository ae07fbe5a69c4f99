//! The account's bot profile: anyone may read it; admins replace it. A profile is saved only
//! when it validates and its understanding engine trains, so a bad profile never replaces a
//! good one.

use axum::Json;
use axum::extract::State;

use tandem_bot::BotProfile;
use tandem_domain::user::Role;
use tandem_domain::validation::{FieldError, ValidationError};
use tandem_nlu::Engine;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use crate::wire::{BotProfileResponse, SaveBotProfileRequest};

/// The largest profile accepted, in bytes of YAML.
const MAX_PROFILE_BYTES: usize = 512 * 1024;

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<BotProfileResponse>, ApiError> {
    let stored = state
        .app
        .store
        .bot_profile(principal.account_id())
        .await?
        .ok_or(ApiError::NotFound("bot profile"))?;
    let profile = BotProfile::from_yaml(&stored.source).map_err(|errors| {
        ApiError::Internal(format!(
            "a stored bot profile no longer validates: {errors}"
        ))
    })?;
    Ok(Json(BotProfileResponse::new(&stored, &profile)))
}

pub async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<SaveBotProfileRequest>,
) -> Result<Json<BotProfileResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    if request.source.len() > MAX_PROFILE_BYTES {
        return Err(ApiError::invalid_field(
            "source",
            "too_long",
            format!("must be at most {MAX_PROFILE_BYTES} bytes"),
        ));
    }
    let source = request.source;
    // Parsing, validating and training take CPU time: off the async workers.
    let (source, profile) = tokio::task::spawn_blocking(move || {
        let profile = check_profile(&source)?;
        Ok::<_, ApiError>((source, profile))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    let stored = state
        .app
        .store
        .save_bot_profile(
            auth.0.account_id(),
            &source,
            Some(auth.0.user_id()),
            tandem_app::now(),
        )
        .await?;
    tracing::info!(by = %auth.0.user_id(), "bot profile replaced");
    Ok(Json(BotProfileResponse::new(&stored, &profile)))
}

/// Validates a profile and trains its engine; every problem names its place in the YAML as
/// `source.<path>`.
fn check_profile(source: &str) -> Result<BotProfile, ApiError> {
    let profile = BotProfile::from_yaml(source).map_err(|errors| {
        ApiError::Validation(ValidationError(
            errors
                .errors()
                .iter()
                .map(|error| FieldError {
                    field: if error.path.is_empty() {
                        "source".to_owned()
                    } else {
                        format!("source.{}", error.path)
                    },
                    code: "invalid_profile",
                    message: error.kind.to_string(),
                })
                .collect(),
        ))
    })?;
    Engine::new(&profile.engine_config()).map_err(|error| {
        let mut message = format!("the understanding engine cannot be built: {error}");
        let mut cause = std::error::Error::source(&error);
        while let Some(inner) = cause {
            message.push_str(&format!(": {inner}"));
            cause = inner.source();
        }
        ApiError::invalid_field("source", "untrainable_profile", message)
    })?;
    Ok(profile)
}
