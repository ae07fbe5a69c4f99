//! Request extractors that answer bad input with [`ApiError`]s: JSON bodies whose errors name
//! the offending field, ids from the path, the authenticated principal, the client's address,
//! and where a request came from (for the audit trail).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use tandem_app::Principal;
use tandem_app::audit::{Actor, Origin};
use tandem_domain::user::Role;

use crate::error::{ApiError, BadRequestKind};
use crate::session::{csrf_allows, session_cookie};
use crate::state::AppState;

/// A JSON body; syntax and shape errors become 400/422 naming the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest {
                        kind: BadRequestKind::UnreadableBody,
                        message: rejection.body_text(),
                    }
                }
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body, naming the offending field when its shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Err(ApiError::BadRequest {
                    kind: BadRequestKind::MalformedJson,
                    message: format!("the body is not valid JSON: {inner}"),
                })
            } else {
                let message = strip_position(&inner.to_string());
                let (field, code) = match missing_field(&message) {
                    Some(missing) if path == "." => (missing.to_owned(), "required"),
                    Some(missing) => (format!("{path}.{missing}"), "required"),
                    None if path == "." => ("body".to_owned(), "invalid_value"),
                    None => (path, "invalid_value"),
                };
                Err(ApiError::invalid_field(&field, code, message))
            }
        }
    }
}

/// The field named by serde's "missing field `name`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json appends " at line L column C"; the field name already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Parses an id taken from the path; a malformed one is a 404, like an unknown one, because to
/// the client both mean "there is nothing there".
pub fn parse_id<T: FromStr>(raw: &str, entity: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(entity))
}

/// The authenticated user behind the request's bearer token.
#[derive(Clone, Debug)]
pub struct Auth(pub Principal);

impl Auth {
    /// Refuses the request unless the user's role allows it.
    pub fn require(&self, allowed: impl FnOnce(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.0.role()) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The principal acting from `origin`, for the audit trail.
    pub fn actor(&self, ClientOrigin(origin): ClientOrigin) -> Actor {
        Actor::user(&self.0.user, origin)
    }
}

/// Where a request came from: the client's address (the connection's peer, or what a trusted
/// proxy's `X-Forwarded-For` names, as [`ClientIp`]) and the `User-Agent` header.
#[derive(Clone, Debug, Default)]
pub struct ClientOrigin(pub Origin);

impl FromRequestParts<AppState> for ClientOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(ClientOrigin(Origin { ip, user_agent }))
    }
}

/// The bearer token of a request, from `Authorization: Bearer ...`.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Whether the request carries `expected` as its bearer token, compared in constant time (for
/// shared secrets that are not looked up, unlike user and inbox tokens).
pub fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let given = bearer_token(headers).unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// The principal behind a bearer token, or the workspace's session cookie with its CSRF token
/// on state-changing requests.
async fn principal(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let token = match bearer_token(&parts.headers) {
        Some(token) => token,
        None => {
            let token = session_cookie(&parts.headers).ok_or(ApiError::Unauthenticated)?;
            if !csrf_allows(&parts.method, &parts.headers, token) {
                return Err(ApiError::CsrfRejected);
            }
            token
        }
    };
    let principal = state.app.authenticate(token, state.app.now()).await?;
    tracing::Span::current().record("user_id", tracing::field::display(principal.user_id()));
    Ok(principal)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    /// A principal who may work: one whose account requires two-factor authentication must
    /// have enabled it.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = principal(parts, state).await?;
        if principal.must_enrol_two_factor {
            return Err(ApiError::TwoFactorEnrolmentRequired);
        }
        Ok(Auth(principal))
    }
}

/// Any authenticated principal, including one who must still enrol a second factor: for the
/// routes that enrol, read the session and log out.
#[derive(Clone, Debug)]
pub struct Enrolling(pub Principal);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        principal(parts, state).await.map(Enrolling)
    }
}

/// The request's client address; `None` when the server was not given the peer's.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        Ok(ClientIp(peer.map(|peer| {
            state.trusted_proxies.client(peer, &parts.headers)
        })))
    }
}
