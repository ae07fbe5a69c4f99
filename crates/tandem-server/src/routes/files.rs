//! Files: people upload to a conversation and open any file of their account; providers
//! download what is sent to them by a link that works for a day. How content is read and served
//! is `served_files`'.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use tandem_domain::id::{ConversationId, FileId};

use crate::error::ApiError;
use crate::extract::{Auth, parse_id};
use crate::served_files::{OpenQuery, UploadQuery, file_response, upload_body};
use crate::state::AppState;
use crate::wire::FileResponse;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    pub token: String,
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
