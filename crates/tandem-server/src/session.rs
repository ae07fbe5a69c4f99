//! Browser sessions for the workspace: the login token travels in an HttpOnly, SameSite=Strict
//! cookie that scripts cannot read, and every state-changing request authenticated by it must
//! also send the session's CSRF token (derived from the session token, so it needs no storage
//! and dies with the session) in `X-CSRF-Token`.

use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, Method};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tandem_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session.
pub fn csrf_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("tandem csrf v1:{session_token}"));
    hex::encode(&digest[..16])
}

/// The session token from the request's cookies, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether a cookie-authenticated request may go ahead: safe methods always; others only with
/// the session's CSRF token, compared in constant time.
pub fn csrf_allows(method: &Method, headers: &HeaderMap, session_token: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(csrf_token(session_token).as_bytes()))
}

/// Whether a browser request comes from this server's own pages: its `Origin`, when sent, names
/// the same host as `Host` (a WebSocket carries the cookie cross-site otherwise).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|value| value.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map_or("", |(_, rest)| rest.trim_end_matches('/'));
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// The `Set-Cookie` value that stores a session for `max_age_seconds`.
pub fn set_cookie(token: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    cookie(token, max_age_seconds.max(0), secure)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    cookie("", 0, secure)
}

fn cookie(value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    );
    // Tokens are URL-safe ASCII, so the value is always a valid header.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let with = headers(&[("cookie", "theme=dark; tandem_session=tdm_s_abc ; lang=pt")]);
        assert_eq!(session_cookie(&with), Some("tdm_s_abc"));
        assert_eq!(
            session_cookie(&headers(&[("cookie", "tandem_session=")])),
            None
        );
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn unsafe_methods_need_the_sessions_own_csrf_token() {
        let token = "tdm_s_secret";
        let right = headers(&[("x-csrf-token", &csrf_token(token))]);
        let wrong = headers(&[("x-csrf-token", &csrf_token("another session"))]);
        assert!(csrf_allows(&Method::GET, &HeaderMap::new(), token));
        assert!(csrf_allows(&Method::POST, &right, token));
        assert!(!csrf_allows(&Method::POST, &wrong, token));
        assert!(!csrf_allows(&Method::DELETE, &HeaderMap::new(), token));
    }

    #[test]
    fn only_pages_of_this_host_are_same_origin() {
        let host = ("host", "127.0.0.1:8080");
        assert!(same_origin(&headers(&[host])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:8080"
        )])));
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let cookie = set_cookie("tdm_s_x", 3600, true);
        let cookie = cookie.to_str().unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Max-Age=3600",
            "Secure",
            "Path=/",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(clear_cookie(false).to_str().unwrap().contains("Max-Age=0"));
    }
}
