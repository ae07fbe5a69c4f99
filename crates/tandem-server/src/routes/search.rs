//! Search over the account's messages and contacts: conversations whose messages match (with
//! the conversation list's filters), each with snippets of the matching messages, and contacts.
//! Admins may have this node's index rebuilt from the database.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use tandem_domain::user::Role;

use super::conversations::{list_filter, with_labels};
use super::page_limit;
use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use crate::wire::{SearchConversationResponse, SearchHitResponse, SearchResponse};

pub async fn search(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SearchResponse>, ApiError> {
    let text = query
        .get("q")
        .ok_or_else(|| ApiError::invalid_field("q", "required", "give the words to search for"))?;
    let filter = list_filter(&state, &principal, &query).await?;
    let limit = page_limit(query.get("limit").map(String::as_str))?;
    let found = state.app.search(&principal, text, &filter, limit).await?;
    let (conversations, hits): (Vec<_>, Vec<_>) = found.conversations.into_iter().unzip();
    let conversations = with_labels(&state, &principal, conversations, found.summaries).await?;
    Ok(Json(SearchResponse {
        conversations: conversations
            .into_iter()
            .zip(hits)
            .map(|(conversation, hits)| SearchConversationResponse {
                conversation,
                hits: hits.into_iter().map(SearchHitResponse::from).collect(),
            })
            .collect(),
        contacts: found.contacts.into_iter().map(Into::into).collect(),
    }))
}

/// Drops this node's index of the account; the next search builds it from the database.
pub async fn rebuild(State(state): State<AppState>, auth: Auth) -> Result<StatusCode, ApiError> {
    auth.require(Role::can_manage_account)?;
    state.app.rebuild_search_index(auth.0.account_id());
    Ok(StatusCode::ACCEPTED)
}
