//! The browser side, embedded in the binary: the workspace (`/app/`), the chat widget
//! (`/widget.js`) and the demo site that embeds it (`/demo`). Release builds carry the files;
//! debug builds read them from `assets/` at request time. Pages go out with a strict
//! Content-Security-Policy: scripts, styles and connections only from this server (the headers
//! every response carries are `security_headers.rs`'s).

use axum::extract::{Path, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// The policy for the workspace and the demo site.
const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Where the demo page names its widget's inbox.
const INBOX_PLACEHOLDER: &str = "{{INBOX_ID}}";

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// An embedded file with the headers every asset gets.
fn file(path: &str) -> Result<Response, ApiError> {
    let asset = Assets::get(path).ok_or(ApiError::RouteNotFound)?;
    Ok(with_headers(path, asset.data.into_owned()))
}

fn with_headers(path: &str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if path.ends_with(".html") {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
        );
    }
    response
}

/// `/`: the workspace.
pub async fn root() -> Response {
    (StatusCode::FOUND, [(LOCATION, "/app/")]).into_response()
}

/// `/app/`: the workspace's page.
pub async fn workspace_index() -> Result<Response, ApiError> {
    file("workspace/index.html")
}

/// `/app/{path}`: the workspace's scripts and styles.
pub async fn workspace_file(Path(path): Path<String>) -> Result<Response, ApiError> {
    if path.split('/').any(|part| part.is_empty() || part == "..") {
        return Err(ApiError::RouteNotFound);
    }
    file(&format!("workspace/{path}"))
}

/// `/widget.js`: the chat widget, loadable from any site.
pub async fn widget() -> Result<Response, ApiError> {
    let mut response = file("widget/widget.js")?;
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(response)
}

/// `/demo`: the demo company's site with the widget of the installation's first web inbox.
pub async fn demo(State(state): State<AppState>) -> Result<Response, ApiError> {
    let inbox = state.app.demo_inbox().await?;
    let page = Assets::get("demo/index.html").ok_or(ApiError::RouteNotFound)?;
    let page =
        String::from_utf8_lossy(&page.data).replace(INBOX_PLACEHOLDER, &inbox.id.to_string());
    Ok(with_headers("demo/index.html", page.into_bytes()))
}

/// `/demo/{file}`: the demo site's stylesheet and images.
pub async fn demo_file(Path(name): Path<String>) -> Result<Response, ApiError> {
    if name.contains('/') || name.starts_with('.') || name == "index.html" {
        return Err(ApiError::RouteNotFound);
    }
    file(&format!("demo/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_has_a_known_type() {
        let names: Vec<_> = Assets::iter().collect();
        assert!(
            names.iter().any(|name| name == "workspace/index.html"),
            "{names:?}"
        );
        assert!(
            names.iter().any(|name| name == "widget/widget.js"),
            "{names:?}"
        );
        for name in names {
            assert_ne!(content_type(&name), "application/octet-stream", "{name}");
        }
    }
}
