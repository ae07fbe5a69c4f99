//! The web-chat widget's side of the server: a visitor of a web inbox proves who it is with a
//! visitor token (`tandem_app::visitor`), reads its latest conversation, writes, asks for a
//! person and rates the conversation (`api.rs`), and hears replies, status changes and the
//! agent's typing over its own WebSocket (`socket.rs`). A visitor only ever sees its own
//! conversations, and never a private note.

mod api;
mod socket;

pub use api::{
    ask_for_person, conversation, open_file, rate, send_message, start_visitor, upload_file,
};
pub use socket::upgrade;

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::Serialize;
use tandem_nlu::Language;
use uuid::Uuid;

use tandem_app::AppError;
use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::Actor;
use tandem_domain::id::{InboxId, UserId};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::Message;

use crate::error::ApiError;
use crate::extract::{bearer_token, parse_id};
use crate::state::AppState;

/// A widget visitor, authenticated for one web inbox.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub inbox: Inbox,
    /// The visitor's id: the value of its `web_visitor` identity.
    pub id: String,
}

/// The web inbox named in the path; unknown ids and other kinds of inbox are both 404.
async fn web_inbox(state: &AppState, raw_id: &str) -> Result<Inbox, ApiError> {
    let inbox_id: InboxId = parse_id(raw_id, "inbox")?;
    state
        .app
        .web_inbox(inbox_id)
        .await?
        .ok_or(ApiError::NotFound("inbox"))
}

/// The visitor a token proves for the inbox in the path; without a token nothing is looked up.
async fn visitor(state: &AppState, raw_id: &str, token: Option<&str>) -> Result<Visitor, ApiError> {
    let token = token.ok_or(ApiError::Unauthenticated)?;
    let inbox = web_inbox(state, raw_id).await?;
    let id = state
        .visitors
        .verify(inbox.id, token)
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Visitor { inbox, id })
}

/// The visitor of a request's bearer token, for the inbox in its path; checked before the body
/// is read.
#[derive(Debug)]
pub struct WidgetVisitor(pub Visitor);

impl FromRequestParts<AppState> for WidgetVisitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers)
            .ok_or(ApiError::Unauthenticated)?
            .to_owned();
        let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("inbox"))?;
        let inbox_id = params
            .remove("inbox_id")
            .ok_or(ApiError::NotFound("inbox"))?;
        visitor(state, &inbox_id, Some(&token))
            .await
            .map(WidgetVisitor)
    }
}

/// A conversation as its customer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetConversation {
    pub id: Uuid,
    pub status: &'static str,
    /// The person who has it, once one does.
    pub agent_name: Option<String>,
    /// The customer's place in line while queued (1 is next).
    pub queue_position: Option<u32>,
    /// The customer's rating (1–5), once given.
    pub rating: Option<u8>,
    /// The conversation's language (`pt`, `es`, `en`) once the bot has detected it.
    pub language: Option<&'static str>,
}

/// A message as its customer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetMessage {
    pub id: Uuid,
    pub direction: &'static str,
    /// `customer`, `bot`, `agent` or `system`.
    pub author: &'static str,
    pub author_name: Option<String>,
    pub text: String,
    pub created_at: Timestamp,
    /// The answers the bot offered, to show as buttons.
    pub choices: Vec<String>,
    /// The stored files it carries, served at `/files/{id}` to this visitor.
    pub files: Vec<WidgetFile>,
}

/// A file of a message, as the widget shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetFile {
    pub id: Uuid,
    pub kind: &'static str,
    pub mime_type: Option<String>,
    pub file_name: Option<String>,
    pub size_bytes: Option<u64>,
}

/// Agents' names, read once per user.
#[derive(Debug, Default)]
struct Names(HashMap<UserId, Option<String>>);

impl Names {
    async fn of(
        &mut self,
        state: &AppState,
        conversation: &Conversation,
        user: UserId,
    ) -> Option<String> {
        if let Some(name) = self.0.get(&user) {
            return name.clone();
        }
        let name = match state.app.agent_name(conversation.account_id, user).await {
            Ok(name) => name,
            Err(error) => {
                tracing::warn!(%error, "reading an agent's name failed");
                None
            }
        };
        self.0.insert(user, name.clone());
        name
    }
}

/// How the customer sees a conversation: who has it, its place in line, the rating.
async fn conversation_view(
    state: &AppState,
    conversation: &Conversation,
    names: &mut Names,
) -> Result<WidgetConversation, AppError> {
    let agent_name = match conversation.assignee_id {
        Some(user) => names.of(state, conversation, user).await,
        None => None,
    };
    let view = state.app.visitor_view(conversation).await?;
    Ok(WidgetConversation {
        id: conversation.id.0,
        status: conversation.status.as_str(),
        agent_name,
        queue_position: view.queue_position,
        rating: view.rating,
        language: view.language.map(Language::code),
    })
}

/// How the customer sees a message; `None` for private notes.
async fn message_view(
    state: &AppState,
    conversation: &Conversation,
    message: &Message,
    names: &mut Names,
) -> Option<WidgetMessage> {
    if message.is_private {
        return None;
    }
    let (author, author_name) = match message.sender {
        Actor::Contact(_) => ("customer", None),
        Actor::Bot => ("bot", None),
        Actor::User(user) => ("agent", names.of(state, conversation, user).await),
        Actor::System => ("system", None),
    };
    let choices = message
        .channel_data
        .as_ref()
        .and_then(|data| data.get("quick_replies"))
        .and_then(|replies| replies.as_array())
        .map(|replies| {
            replies
                .iter()
                .filter_map(|reply| reply.get("title")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(WidgetMessage {
        id: message.id.0,
        direction: message.direction.as_str(),
        author,
        author_name,
        text: message.text.clone(),
        created_at: message.created_at,
        choices,
        files: message
            .attachments
            .iter()
            .filter_map(|attachment| {
                Some(WidgetFile {
                    id: attachment.file_id?.0,
                    kind: attachment.kind.as_str(),
                    mime_type: attachment.mime_type.clone(),
                    file_name: attachment.file_name.clone(),
                    size_bytes: attachment.size_bytes,
                })
            })
            .collect(),
    })
}
