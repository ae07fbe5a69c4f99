//! The widget's REST calls, under `/api/v1/widget/{inbox_id}`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::visitor::identified_user;
use tandem_domain::id::FileId;
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{MAX_EXTERNAL_ID_CHARS, validate_text};
use tandem_domain::validation::Validator;

use super::{
    Names, WidgetConversation, WidgetMessage, WidgetVisitor, conversation_view, message_view,
    web_inbox,
};
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientIp, parse_id};
use crate::rate_limit::client_key;
use crate::served_files::{OpenQuery, UploadQuery, file_response, upload_body};
use crate::state::AppState;
use crate::wire::FileResponse;

/// The most history the widget restores.
const MAX_HISTORY: usize = 500;
/// The longest rating comment.
const MAX_COMMENT_CHARS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartVisitorRequest {
    /// The token the widget kept from an earlier visit, if any.
    pub token: Option<String>,
    /// The signed-in customer the host site vouches for, if any.
    pub identity: Option<VisitorIdentity>,
}

/// A host site's signed-in customer: their id in its systems and the HMAC-SHA256 of that id
/// under the inbox's secret (hex), computed on the host's server.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorIdentity {
    pub user_id: String,
    pub user_hash: String,
    /// Their name, shown to agents when the contact has none.
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct VisitorResponse {
    pub token: String,
    pub inbox: WidgetInbox,
}

#[derive(Debug, Serialize)]
pub struct WidgetInbox {
    pub name: String,
    /// The bot's default language (`pt`, `es`, `en`).
    pub language: &'static str,
}

#[derive(Debug, Serialize)]
pub struct WidgetState {
    pub conversation: Option<WidgetConversation>,
    pub messages: Vec<WidgetMessage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetMessageRequest {
    /// May be empty when the message carries a file.
    #[serde(default)]
    pub text: String,
    /// A file the visitor uploaded (`POST /files`), sent with the text.
    pub file_id: Option<Uuid>,
    /// The widget's id for this message; sending it again is one message.
    pub client_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    pub score: i64,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConversationBody {
    pub conversation: WidgetConversation,
}

/// `POST /visitors`: the same visitor again when its token is good, else a new one (new
/// visitors are rate-limited per client address).
pub async fn start_visitor(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(inbox_id): Path<String>,
    ApiJson(request): ApiJson<StartVisitorRequest>,
) -> Result<Json<VisitorResponse>, ApiError> {
    let inbox = web_inbox(&state, &inbox_id).await?;
    if let Some(identity) = &request.identity {
        let visitor = state
            .app
            .identify_visitor(
                &inbox,
                &identity.user_id,
                &identity.user_hash,
                identity.name.as_deref(),
            )
            .await?;
        let token = state.visitors.token(inbox.id, &visitor);
        return visitor_response(&state, inbox, token).await;
    }
    // A verified customer's token is kept only with their identity.
    let kept = request.token.filter(|token| {
        state
            .visitors
            .verify(inbox.id, token)
            .is_some_and(|visitor| identified_user(&visitor).is_none())
    });
    let token = match kept {
        Some(token) => token,
        None => {
            state
                .widget_limits
                .new_visitors
                .check(
                    client_key(client.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))),
                    Instant::now(),
                )
                .map_err(|limited| {
                    tracing::warn!(inbox_id = %inbox.id, "new widget visitors rate-limited");
                    ApiError::RateLimited {
                        retry_after_seconds: limited.retry_after_seconds(),
                    }
                })?;
            state.visitors.issue(inbox.id).1
        }
    };
    visitor_response(&state, inbox, token).await
}

async fn visitor_response(
    state: &AppState,
    inbox: Inbox,
    token: String,
) -> Result<Json<VisitorResponse>, ApiError> {
    let language = state.app.inbox_language(inbox.account_id, inbox.id).await?;
    Ok(Json(VisitorResponse {
        token,
        inbox: WidgetInbox {
            name: inbox.name,
            language: language.code(),
        },
    }))
}

/// `GET /conversation`: the visitor's latest conversation and its public messages.
pub async fn conversation(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
) -> Result<Json<WidgetState>, ApiError> {
    let Some(conversation) = state
        .app
        .visitor_conversation(&visitor.inbox, &visitor.id)
        .await?
    else {
        return Ok(Json(WidgetState {
            conversation: None,
            messages: Vec::new(),
        }));
    };
    let mut names = Names::default();
    let mut messages = Vec::new();
    let mut after = None;
    loop {
        let page = state
            .app
            .messages(conversation.account_id, conversation.id, after, 100)
            .await?;
        for message in &page.messages {
            if let Some(view) = message_view(&state, &conversation, message, &mut names).await {
                messages.push(view);
            }
        }
        after = page.next;
        if after.is_none() || messages.len() >= MAX_HISTORY {
            break;
        }
    }
    Ok(Json(WidgetState {
        conversation: Some(conversation_view(&state, &conversation, &mut names).await?),
        messages,
    }))
}

/// `POST /messages`: a customer message, stored before the answer (rate-limited per visitor).
pub async fn send_message(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiJson(request): ApiJson<WidgetMessageRequest>,
) -> Result<(StatusCode, Json<WidgetMessage>), ApiError> {
    state
        .widget_limits
        .messages
        .check(visitor.id.clone(), Instant::now())
        .map_err(|limited| {
            tracing::warn!(inbox_id = %visitor.inbox.id, "widget visitor's messages rate-limited");
            ApiError::RateLimited {
                retry_after_seconds: limited.retry_after_seconds(),
            }
        })?;
    let mut validator = Validator::new();
    if request.file_id.is_none() || !request.text.trim().is_empty() {
        validate_text(&mut validator, "text", &request.text);
    }
    validator.optional_text(
        "client_id",
        request.client_id.as_deref(),
        MAX_EXTERNAL_ID_CHARS / 2,
    );
    validator.finish()?;
    let (conversation, message) = state
        .app
        .visitor_wrote(
            &visitor.inbox,
            &visitor.id,
            request.text.trim(),
            request.client_id,
            request.file_id.map(FileId),
        )
        .await?;
    let view = message_view(&state, &conversation, &message, &mut Names::default())
        .await
        .ok_or_else(|| {
            ApiError::Internal("a customer message was stored as a private note".into())
        })?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `POST /files?name=`: a file the visitor sends next, as the raw body (rate-limited with
/// the visitor's messages).
pub async fn upload_file(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Result<(StatusCode, Json<FileResponse>), ApiError> {
    state
        .widget_limits
        .messages
        .check(visitor.id.clone(), Instant::now())
        .map_err(|limited| ApiError::RateLimited {
            retry_after_seconds: limited.retry_after_seconds(),
        })?;
    let content = upload_body(&state, body).await?;
    let file = state
        .app
        .visitor_upload(&visitor.inbox, &visitor.id, query.name.as_deref(), &content)
        .await?;
    Ok((StatusCode::CREATED, Json(file.into())))
}

/// `GET /files/{id}`: a file of the visitor's conversation (sent to them or by them).
pub async fn open_file(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    Path((_, file_id)): Path<(String, String)>,
    Query(query): Query<OpenQuery>,
) -> Result<Response, ApiError> {
    let file_id: FileId = parse_id(&file_id, "file")?;
    let (file, content) = state
        .app
        .visitor_file(&visitor.inbox, &visitor.id, file_id)
        .await?;
    Ok(file_response(&file, content, query.download))
}

/// `POST /handover`: the customer asks for a person. The request goes in as the customer's own
/// words, the same as the "talk to a person" button on other channels, so the transcript shows
/// it and the bot hands over with the reason `customer_request`. A conversation already with
/// people (queued or assigned) stays as it is.
pub async fn ask_for_person(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
) -> Result<Json<ConversationBody>, ApiError> {
    let conversation = state
        .app
        .visitor_asks_for_person(&visitor.inbox, &visitor.id)
        .await?;
    let view = conversation_view(&state, &conversation, &mut Names::default()).await?;
    Ok(Json(ConversationBody { conversation: view }))
}

/// `POST /rating`: the customer's CSAT (1–5) for its resolved conversation; the last one counts.
pub async fn rate(
    State(state): State<AppState>,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiJson(request): ApiJson<RatingRequest>,
) -> Result<Json<ConversationBody>, ApiError> {
    let mut validator = Validator::new();
    if !(1..=5).contains(&request.score) {
        validator.reject(
            "score",
            "out_of_range",
            "must be a whole number from 1 to 5",
        );
    }
    let comment = request
        .comment
        .map(|comment| comment.trim().to_owned())
        .filter(|comment| !comment.is_empty());
    validator.optional_text("comment", comment.as_deref(), MAX_COMMENT_CHARS);
    validator.finish()?;
    let score = u8::try_from(request.score).unwrap_or(5);
    let conversation = state
        .app
        .visitor_rates(&visitor.inbox, &visitor.id, score, comment)
        .await?;
    let view = conversation_view(&state, &conversation, &mut Names::default()).await?;
    Ok(Json(ConversationBody { conversation: view }))
}
