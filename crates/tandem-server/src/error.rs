//! The one place errors become HTTP: a status, a stable snake_case `code`, a human `message`
//! and, for bad input, `details` naming each field. 5xx bodies never show internals; their
//! cause is logged once, here.

use axum::Json;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use tandem_app::error::ConflictKind;
use tandem_app::file_types::FileRefused;
use tandem_app::{AppError, AuthError};
use tandem_domain::conversation::TransitionError;
use tandem_domain::validation::{FieldError, ValidationError};

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong e-mail address or password")]
    InvalidCredentials,
    /// The e-mail and password match users of several accounts; the body lists them.
    #[error(
        "this e-mail address and password belong to several accounts; log in again with an account_id"
    )]
    AccountRequired(Vec<AccountChoice>),
    #[error("your role may not do this")]
    Forbidden,
    #[error("a request authenticated by the session cookie must carry its X-CSRF-Token header")]
    CsrfRejected,
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    TooManyAttempts { retry_after_seconds: u64 },
    #[error("wrong, expired or already used two-factor code")]
    InvalidTwoFactorCode,
    #[error("this change needs your current password: send it as current_password")]
    ReauthenticationRequired,
    #[error(
        "your account requires two-factor authentication: enable it first (POST /api/v1/auth/2fa/setup)"
    )]
    TwoFactorEnrolmentRequired,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no such route")]
    RouteNotFound,
    #[error("{0}")]
    Validation(ValidationError),
    #[error("{message}")]
    Conflict {
        kind: ConflictKind,
        field: Option<&'static str>,
        message: String,
    },
    #[error("{0}")]
    Transition(TransitionError),
    #[error("{message}")]
    BadRequest {
        kind: BadRequestKind,
        message: String,
    },
    #[error("the body is larger than the server accepts")]
    PayloadTooLarge,
    /// A file refused for its content (too large: 413; a type not kept: 415; empty: 422).
    #[error("{0}")]
    FileRefused(FileRefused),
    /// Too many requests from one address or visitor; try again after the given seconds.
    #[error("too many requests; try again in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    #[error("internal error")]
    Internal(String),
    #[error("service unavailable")]
    Unavailable,
    /// The account's language model could not be used (`code`: what failed).
    #[error("the AI provider could not answer ({code}): {message}")]
    AiUnavailable { code: &'static str, message: String },
}

/// Why a request could not be read at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadRequestKind {
    UnreadableBody,
    MalformedJson,
    MalformedWebhook,
    WebsocketRequired,
}

impl BadRequestKind {
    /// Every kind, for the table of error codes.
    #[cfg(test)]
    const ALL: [BadRequestKind; 4] = [
        BadRequestKind::UnreadableBody,
        BadRequestKind::MalformedJson,
        BadRequestKind::MalformedWebhook,
        BadRequestKind::WebsocketRequired,
    ];

    fn code(self) -> &'static str {
        match self {
            BadRequestKind::UnreadableBody => "unreadable_body",
            BadRequestKind::MalformedJson => "malformed_json",
            BadRequestKind::MalformedWebhook => "malformed_webhook",
            BadRequestKind::WebsocketRequired => "websocket_required",
        }
    }
}

/// An account the client may choose to log in to.
#[derive(Clone, Debug, Serialize)]
pub struct AccountChoice {
    pub id: uuid::Uuid,
    pub name: String,
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
    /// With `account_required`: the accounts the credentials matched.
    #[serde(skip_serializing_if = "<[AccountChoice]>::is_empty")]
    accounts: &'a [AccountChoice],
    /// Seconds to wait before trying again (with `too_many_attempts`, also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
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
            ApiError::AccountRequired(_) => (StatusCode::CONFLICT, "account_required"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::CsrfRejected => (StatusCode::FORBIDDEN, "csrf_token_invalid"),
            ApiError::TooManyAttempts { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
            }
            ApiError::InvalidTwoFactorCode => (StatusCode::UNAUTHORIZED, "invalid_two_factor_code"),
            ApiError::ReauthenticationRequired => {
                (StatusCode::FORBIDDEN, "reauthentication_required")
            }
            ApiError::TwoFactorEnrolmentRequired => {
                (StatusCode::FORBIDDEN, "two_factor_enrolment_required")
            }
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "route_not_found"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::Conflict { kind, .. } => (StatusCode::CONFLICT, kind.code()),
            ApiError::Transition(TransitionError::IllegalTransition { .. }) => {
                (StatusCode::CONFLICT, "illegal_transition")
            }
            ApiError::Transition(TransitionError::AssignedToAnotherAgent { .. }) => {
                (StatusCode::CONFLICT, "assigned_to_another_agent")
            }
            ApiError::BadRequest { kind, .. } => (StatusCode::BAD_REQUEST, kind.code()),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::FileRefused(FileRefused::TooLarge { .. }) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large")
            }
            ApiError::FileRefused(FileRefused::TypeNotAllowed { .. }) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type_not_allowed")
            }
            ApiError::FileRefused(FileRefused::Empty) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "file_empty")
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::AiUnavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "ai_unavailable"),
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
                kind,
                field: Some(field),
                message,
            } => {
                conflict_detail = [FieldError {
                    field: (*field).to_owned(),
                    code: kind.code(),
                    message: message.clone(),
                }];
                &conflict_detail
            }
            _ => &[],
        };
        let accounts: &[AccountChoice] = match &self {
            ApiError::AccountRequired(accounts) => accounts,
            _ => &[],
        };
        let retry_after_seconds = match &self {
            ApiError::TooManyAttempts {
                retry_after_seconds,
            }
            | ApiError::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorPayload {
                code,
                message: self.to_string(),
                details,
                accounts,
                retry_after_seconds,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after_seconds {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        ApiError::Validation(error)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound { entity } => ApiError::NotFound(entity),
            AppError::Conflict {
                kind,
                field,
                message,
            } => ApiError::Conflict {
                kind,
                field,
                message,
            },
            AppError::Transition(error) => ApiError::Transition(error),
            AppError::Invalid(error) => ApiError::Validation(error),
            AppError::Forbidden => ApiError::Forbidden,
            AppError::FileRefused(refused) => ApiError::FileRefused(refused),
            AppError::Unavailable => ApiError::Unavailable,
            AppError::AiUnavailable { code, message } => ApiError::AiUnavailable { code, message },
            AppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::InvalidCredentials => ApiError::InvalidCredentials,
            AuthError::InvalidToken => ApiError::Unauthenticated,
            AuthError::AccountRequired(accounts) => ApiError::AccountRequired(
                accounts
                    .into_iter()
                    .map(|account| AccountChoice {
                        id: account.id.0,
                        name: account.name,
                    })
                    .collect(),
            ),
            AuthError::TooManyAttempts {
                retry_after_seconds,
            } => ApiError::TooManyAttempts {
                retry_after_seconds,
            },
            AuthError::InvalidTwoFactorCode => ApiError::InvalidTwoFactorCode,
            AuthError::ReauthenticationRequired => ApiError::ReauthenticationRequired,
            AuthError::TwoFactorEnrolmentRequired => ApiError::TwoFactorEnrolmentRequired,
            AuthError::Store(error) => AppError::from(error).into(),
        }
    }
}

/// The code of an error the HTTP layer answered by itself with `status`.
fn http_layer_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ if status.is_server_error() => "internal_error",
        _ => "http_error",
    }
}

/// Gives the errors axum and tower answer by themselves (an unknown method, a body over the
/// limit, a timeout, a path or query that cannot be read) the same JSON shape as ours.
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let code = http_layer_code(status);
    let message = if text.is_empty() || status.is_server_error() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase()
    } else {
        text
    };
    let body = ErrorBody {
        error: ErrorPayload {
            code,
            message,
            details: &[],
            accounts: &[],
            retry_after_seconds: None,
        },
    };
    parts.headers.remove(CONTENT_LENGTH);
    let mut json = (status, Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

#[cfg(test)]
mod tests {
    use tandem_app::error::Conflict;
    use tandem_domain::conversation::{ConversationAction, ConversationStatus};
    use tandem_domain::id::UserId;

    use super::*;

    /// One error of every kind the server answers, with every conflict and bad-request kind.
    fn every_error() -> Vec<ApiError> {
        let mut errors = vec![
            ApiError::Unauthenticated,
            ApiError::InvalidCredentials,
            ApiError::AccountRequired(Vec::new()),
            ApiError::Forbidden,
            ApiError::CsrfRejected,
            ApiError::TooManyAttempts {
                retry_after_seconds: 60,
            },
            ApiError::InvalidTwoFactorCode,
            ApiError::ReauthenticationRequired,
            ApiError::TwoFactorEnrolmentRequired,
            ApiError::NotFound("thing"),
            ApiError::RouteNotFound,
            ApiError::invalid_field("name", "required", "give a name"),
            ApiError::Transition(TransitionError::IllegalTransition {
                action: ConversationAction::Resolve,
                from: ConversationStatus::Resolved,
            }),
            ApiError::Transition(TransitionError::AssignedToAnotherAgent {
                assignee_id: UserId::generate(),
            }),
            ApiError::PayloadTooLarge,
            ApiError::RateLimited {
                retry_after_seconds: 1,
            },
            ApiError::Internal("cause".into()),
            ApiError::Unavailable,
            ApiError::AiUnavailable {
                code: "timeout",
                message: String::new(),
            },
        ];
        let conflicts = Conflict::ALL
            .into_iter()
            .map(ConflictKind::Store)
            .chain(ConflictKind::OWN);
        errors.extend(conflicts.map(|kind| ApiError::Conflict {
            kind,
            field: None,
            message: String::new(),
        }));
        errors.extend(BadRequestKind::ALL.map(|kind| ApiError::BadRequest {
            kind,
            message: String::new(),
        }));
        errors
    }

    #[test]
    fn every_error_code_is_in_the_table() {
        let table = include_str!("../../../docs/errors.md");
        let row = |code: &str, status: StatusCode| {
            table.contains(&format!("| `{code}` | {} |", status.as_u16()))
        };
        let missing: Vec<String> = every_error()
            .iter()
            .map(ApiError::status_and_code)
            .filter(|(status, code)| !row(code, *status))
            .map(|(status, code)| format!("{code} ({status})"))
            .collect();
        assert!(missing.is_empty(), "docs/errors.md lacks: {missing:?}");
        for status in [400, 404, 405, 408, 413, 415, 500] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(row(http_layer_code(status), status), "{status}");
        }
        assert!(table.contains("| `http_error` | 4xx |"));
    }
}
