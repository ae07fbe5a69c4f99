//! The headers every response carries, pages, API answers, errors and 404s alike: no MIME
//! sniffing, no `Referer` leaving the server, no framing (the widget runs in the host page's
//! shadow DOM, never in a frame), and HSTS when the server is reached over HTTPS. The pages'
//! Content-Security-Policy is set by `assets.rs`.

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{
    REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::response::Response;

/// HSTS for a year once a browser has seen the server over HTTPS.
const HSTS_VALUE: &str = "max-age=31536000";

/// What the headers depend on: whether the public URL is HTTPS.
#[derive(Clone, Copy, Debug)]
pub struct SecurityHeaders {
    is_https: bool,
}

impl SecurityHeaders {
    /// The headers for a server whose public URL is `public_url`.
    pub fn for_public_url(public_url: &str) -> Self {
        let scheme = public_url.split_once("://").map(|(scheme, _)| scheme);
        Self {
            is_https: scheme.is_some_and(|scheme| scheme.eq_ignore_ascii_case("https")),
        }
    }
}

/// Adds the headers to a response (a `map_response_with_state` middleware).
pub async fn add(State(policy): State<SecurityHeaders>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if policy.is_https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS_VALUE),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_https_public_url_gets_hsts() {
        assert!(SecurityHeaders::for_public_url("https://chat.example.com").is_https);
        assert!(SecurityHeaders::for_public_url("HTTPS://chat.example.com/").is_https);
        assert!(!SecurityHeaders::for_public_url("http://127.0.0.1:8080").is_https);
        assert!(!SecurityHeaders::for_public_url("chat.example.com").is_https);
    }
}
