//! Files: people upload to a conversation and open any file of their account; providers
//! download what is sent to them by a link that works for a day. Content is served with its
//! type as read from its bytes; only pictures, sound and video show in the page, the rest is
//! always downloaded, and nothing served may run script (`sandbox`).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use tandem_app::files::{FileRefused, shown_inline};
use tandem_domain::id::{ConversationId, FileId};
use tandem_store::StoredFile;

use crate::error::ApiError;
use crate::extract::{Auth, parse_id};
use crate::state::AppState;
use crate::wire::FileResponse;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    pub token: String,
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

/// `POST /conversations/{id}/files?name=`: the raw file as the body; sent by a message that
/// names its id.
pub async fn upload(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Result<(StatusCode, Json<FileResponse>), ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let content = upload_body(&state, body).await?;
    let file = state
        .app
        .upload_file(&principal, conversation_id, query.name.as_deref(), &content)
        .await?;
    Ok((StatusCode::CREATED, Json(file.into())))
}

/// `GET /files/{id}`: a file of the caller's account.
pub async fn open(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(file_id): Path<String>,
    Query(query): Query<OpenQuery>,
) -> Result<Response, ApiError> {
    let file_id: FileId = parse_id(&file_id, "file")?;
    let (file, content) = state
        .app
        .file_content(principal.account_id(), file_id)
        .await?;
    Ok(file_response(&file, content, query.download))
}

/// `GET /file_links/{id}?token=`: a file sent to a provider, while its link works.
pub async fn linked(
    State(state): State<AppState>,
    Path(file_id): Path<String>,
    Query(query): Query<LinkQuery>,
) -> Result<Response, ApiError> {
    let file_id: FileId = parse_id(&file_id, "file")?;
    let (file, content) = state.app.linked_file(file_id, &query.token).await?;
    Ok(file_response(&file, content, false))
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
