//! The learning loop's API (`tandem_app::learning`). Admins see the unanswered questions
//! grouped and ranked, refresh the suggestions made from the groups people answered, edit a
//! suggestion's proposal, preview its impact on past questions, and approve it or dismiss it.
//! Any user may "teach the bot" from one of their public replies.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use tandem_app::model::SuggestionStatus;
use tandem_domain::id::{ConversationId, LearningSuggestionId, MessageId};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id, parse_json};
use crate::state::AppState;
use crate::wire::{
    ApproveSuggestionRequest, EditSuggestionRequest, LearningApprovalResponse,
    LearningGroupResponse, LearningPreviewResponse, LearningSuggestionResponse, List,
};

/// `GET /learning/groups`: every group of unanswered questions, most frequent first.
pub async fn groups(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<List<LearningGroupResponse>>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let groups = state.app.learning_groups(auth.0.account_id()).await?;
    let data = groups
        .into_iter()
        .map(|group| LearningGroupResponse {
            language: group.language.code().to_owned(),
            count: group.count,
            answered: group.answered,
            samples: group.samples,
            suggestion_id: group.suggestion.map(|(id, _)| id.0),
            suggestion_status: group.suggestion.map(|(_, status)| status.as_str()),
            key: group.key,
        })
        .collect();
    Ok(Json(List { data }))
}

/// `GET /learning/suggestions?status=pending|approved|dismissed`: suggestions, most asked
/// first (every status when none is given).
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<LearningSuggestionResponse>>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let status = match query.get("status") {
        None => None,
        Some(raw) => Some(SuggestionStatus::parse(raw).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                "unknown_status",
                "must be pending, approved or dismissed",
            )
        })?),
    };
    let suggestions = state
        .app
        .learning_suggestions(auth.0.account_id(), status)
        .await?;
    Ok(Json(List {
        data: suggestions.into_iter().map(Into::into).collect(),
    }))
}

/// `POST /learning/suggestions/refresh`: makes a suggestion from every group of unanswered
/// questions a person answered (refreshing pending ones), and lists the pending suggestions.
pub async fn refresh(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<List<LearningSuggestionResponse>>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let pending = state
        .app
        .refresh_learning_suggestions(auth.0.account_id())
        .await?;
    Ok(Json(List {
        data: pending.into_iter().map(Into::into).collect(),
    }))
}

/// `GET /learning/suggestions/{id}`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<LearningSuggestionResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let id: LearningSuggestionId = parse_id(&id, "learning suggestion")?;
    let suggestion = state
        .app
        .learning_suggestion(auth.0.account_id(), id)
        .await?;
    Ok(Json(suggestion.into()))
}

/// `PATCH /learning/suggestions/{id}`: replaces the proposal of a pending suggestion; it must
/// apply to the current profile.
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<EditSuggestionRequest>,
) -> Result<Json<LearningSuggestionResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let id: LearningSuggestionId = parse_id(&id, "learning suggestion")?;
    let suggestion = state
        .app
        .edit_learning_suggestion(auth.0.account_id(), id, request.proposal)
        .await?;
    Ok(Json(suggestion.into()))
}

/// `POST /learning/suggestions/{id}/preview`: what approving the suggestion would change on
/// the account's recent customer questions.
pub async fn preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<LearningPreviewResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let id: LearningSuggestionId = parse_id(&id, "learning suggestion")?;
    let (suggestion, impact) = state
        .app
        .preview_learning_suggestion(auth.0.account_id(), id)
        .await?;
    Ok(Json(LearningPreviewResponse {
        suggestion_id: suggestion.id.0,
        impact,
    }))
}

/// `POST /learning/suggestions/{id}/approve`: applies the proposal to the account's profile and
/// saves the new version with the approval, in one transaction. Refused (409 `stops_handovers`)
/// when recent customers a rule sent to a person would stay with the bot, unless the body says
/// `{"override_handover_guard": true}`.
pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<LearningApprovalResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let id: LearningSuggestionId = parse_id(&id, "learning suggestion")?;
    let request: ApproveSuggestionRequest = if body.is_empty() {
        ApproveSuggestionRequest::default()
    } else {
        parse_json(&body)?
    };
    let override_handover_guard = request.override_handover_guard;
    let (suggestion, profile_updated_at) = state
        .app
        .approve_learning_suggestion(&auth.0, &origin.0, id, override_handover_guard)
        .await?;
    Ok(Json(LearningApprovalResponse {
        suggestion: suggestion.into(),
        profile_updated_at,
    }))
}

/// `POST /learning/suggestions/{id}/dismiss`: the bot does not learn it, and the group is not
/// suggested again.
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(id): Path<String>,
) -> Result<Json<LearningSuggestionResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let id: LearningSuggestionId = parse_id(&id, "learning suggestion")?;
    let suggestion = state
        .app
        .dismiss_learning_suggestion(&auth.0, &origin.0, id)
        .await?;
    Ok(Json(suggestion.into()))
}

/// `POST /conversations/{cid}/messages/{mid}/teach`: "teach the bot" this reply to the
/// customer message before it; makes (or returns) a pending suggestion for an admin.
pub async fn teach(
    State(state): State<AppState>,
    auth: Auth,
    Path((conversation_id, message_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<LearningSuggestionResponse>), ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let message_id: MessageId = parse_id(&message_id, "message")?;
    let suggestion = state
        .app
        .teach_bot(&auth.0, conversation_id, message_id)
        .await?;
    Ok((StatusCode::CREATED, Json(suggestion.into())))
}
