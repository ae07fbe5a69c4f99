//! The demo API's one credential: every request carries `Authorization: Bearer <key>`, the key
//! the router was built with, or is answered 401 `unauthenticated` before any route runs.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::DemoBankError;

/// Lets a request through only with the router's key as its bearer token.
pub(crate) async fn require_key(
    State(key): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match presented {
        Some(presented) if same_key(presented.as_bytes(), key.as_bytes()) => {
            next.run(request).await
        }
        _ => DemoBankError::Unauthenticated.into_response(),
    }
}

/// Compares keys without stopping at the first differing byte, so the time taken does not
/// tell how much of a guess was right.
fn same_key(presented: &[u8], key: &[u8]) -> bool {
    presented.len() == key.len()
        && presented
            .iter()
            .zip(key)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::same_key;

    #[test]
    fn only_the_exact_key_matches() {
        assert!(same_key(b"s3cret-key", b"s3cret-key"));
        assert!(!same_key(b"s3cret-kez", b"s3cret-key"));
        assert!(!same_key(b"s3cret", b"s3cret-key"));
        assert!(!same_key(b"", b"s3cret-key"));
    }
}
