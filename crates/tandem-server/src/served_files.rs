//! How file content crosses HTTP, for the workspace's routes and the widget's alike: an
//! upload's body read up to the largest file kept, and content served with its own type, shown
//! in the page only when it is a picture, sound or video, never sniffed, never able to run
//! script (`sandbox`).

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use tandem_app::file_types::{FileRefused, shown_inline};
use tandem_app::model::StoredFile;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, shown to whoever receives it.
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenQuery {
    /// Always download, even a picture.
    #[serde(default)]
    pub download: bool,
}

/// The whole body of an upload, refused beyond the largest file kept.
pub async fn upload_body(state: &AppState, body: Body) -> Result<Vec<u8>, ApiError> {
    let max_bytes = state.app.max_file_bytes();
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    axum::body::to_bytes(body, limit)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|_| ApiError::FileRefused(FileRefused::TooLarge { max_bytes }))
}

/// A file's content as served: its own type, shown in the page only when it is a picture,
/// sound or video, never sniffed, never able to run script.
pub fn file_response(file: &StoredFile, content: Vec<u8>, download: bool) -> Response {
    let content_type = match file.mime_type.as_str() {
        "text/plain" => "text/plain; charset=utf-8".to_owned(),
        other => other.to_owned(),
    };
    let disposition = if shown_inline(&file.mime_type) && !download {
        "inline"
    } else {
        "attachment"
    };
    let name = file
        .file_name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", file.kind.as_str(), file.id));
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = content.into_response();
    let headers = response.headers_mut();
    let values = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; media-src 'self'; img-src 'self'; sandbox".to_owned(),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
