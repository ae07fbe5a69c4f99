//! The one place errors become HTTP: a status, a stable snake_case `code`, a human `message`
//! and, for bad input, `details` naming each field. 5xx bodies never show internals; their
//! cause is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use tandem_app::AuthError;
use tandem_domain::conversation::TransitionError;
use tandem_domain::validation::{FieldError, ValidationError};
use tandem_store::StoreError;

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong e-mail address or password")]
    InvalidCredentials,
    #[error("your role may not do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no such route")]
    RouteNotFound,
    #[error("{0}")]
    Validation(ValidationError),
    #[error("{message}")]
    Conflict {
        code: &'static str,
        field: Option<&'static str>,
        message: String,
    },
    #[error("{0}")]
    Transition(TransitionError),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("internal error")]
    Internal(String),
    #[error("service unavailable")]
    Unavailable,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorPayload<'a>,
}

#[derive(Serialize)]
struct ErrorPayload<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    details: &'a [FieldError],
}

impl ApiError {
    /// A 400 for a bad path or query parameter.
    pub fn invalid_field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Validation(ValidationError::field(field, code, message))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "route_not_found"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::Transition(TransitionError::IllegalTransition { .. }) => {
                (StatusCode::CONFLICT, "illegal_transition")
            }
            ApiError::Transition(TransitionError::AssignedToAnotherAgent { .. }) => {
                (StatusCode::CONFLICT, "assigned_to_another_agent")
            }
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(cause = %cause, "request failed");
        }
        let conflict_detail;
        let details: &[FieldError] = match &self {
            ApiError::Validation(error) => &error.0,
            ApiError::Conflict {
                code,
                field: Some(field),
                message,
            } => {
                conflict_detail = [FieldError {
                    field: (*field).to_owned(),
                    code,
                    message: message.clone(),
                }];
                &conflict_detail
            }
            _ => &[],
        };
        let body = ErrorBody {
            error: ErrorPayload {
                code,
                message: self.to_string(),
                details,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        ApiError::Validation(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => ApiError::NotFound(entity),
            StoreError::Conflict {
                code,
                field,
                message,
            } => ApiError::Conflict {
                code,
                field: Some(field),
                message,
            },
            StoreError::Transition(error) => ApiError::Transition(error),
            StoreError::InvalidReference { field, message } => {
                ApiError::Validation(ValidationError::field(field, "unknown_reference", message))
            }
            StoreError::Unavailable => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::InvalidCredentials => ApiError::InvalidCredentials,
            AuthError::InvalidToken => ApiError::Unauthenticated,
            AuthError::Store(error) => error.into(),
        }
    }
}
