//! The widget's WebSocket, `/api/v1/widget/{inbox_id}/ws?token=...`: the visitor hears its own
//! conversations' public messages, their status (who has it, its place in line) and the agent's
//! typing, as JSON frames `message`, `conversation`, `typing` and `pong`. It closes with 1001
//! when the server shuts down; the widget reconnects and reloads what it shows.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::Instrument;

use tandem_app::{Delivery, Notification};
use tandem_domain::conversation::Conversation;
use tandem_domain::id::ContactId;

use super::{
    Names, Visitor, WidgetConversation, WidgetMessage, conversation_view, message_view, visitor,
};
use crate::state::AppState;
use crate::ws::{not_a_websocket, send_close, small_buffers};

/// A frame the widget receives.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WidgetEvent {
    Message {
        message: WidgetMessage,
    },
    Conversation {
        conversation: WidgetConversation,
    },
    Typing {
        author: &'static str,
        author_name: Option<String>,
    },
    Pong,
}

impl WidgetEvent {
    fn frame(&self) -> Frame {
        // Plain structs of strings and numbers: serialising cannot fail.
        Frame::Text(serde_json::to_string(self).unwrap_or_default().into())
    }
}

pub async fn upgrade(
    State(state): State<AppState>,
    Path(inbox_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let visitor = match visitor(&state, &inbox_id, query.get("token").map(String::as_str)).await {
        Ok(visitor) => visitor,
        Err(error) => return error.into_response(),
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return not_a_websocket(&rejection).into_response(),
    };
    let span = tracing::info_span!("widget_socket", inbox_id = %visitor.inbox.id);
    small_buffers(upgrade)
        .on_upgrade(move |socket| session(state, visitor, socket).instrument(span))
}

async fn session(state: AppState, visitor: Visitor, mut socket: WebSocket) {
    let _open = state.metrics.websocket_opened();
    let mut feed = state.app.hub.follow_visitor(visitor.inbox.id, &visitor.id);
    let mut contact = visitor_contact(&state, &visitor).await;
    feed.settle_visitor(visitor.inbox.id, contact);
    let close = loop {
        tokio::select! {
            () = state.shutdown.cancelled() => break Some((close_code::AWAY, "server shutting down")),
            delivery = feed.recv() => match delivery {
                Some(Delivery::Notification(notification)) => {
                    let events = events_for(&state, &visitor, &mut contact, &notification).await;
                    let mut failed = false;
                    for event in events {
                        if socket.send(event.frame()).await.is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if failed {
                        break None;
                    }
                }
                // Missed notifications: closing makes the widget reconnect and reload.
                Some(Delivery::Lagged) => break Some((close_code::AGAIN, "reload")),
                None => break Some((close_code::AWAY, "server shutting down")),
            },
            frame = socket.recv() => match frame {
                None | Some(Err(_)) | Some(Ok(Frame::Close(_))) => break None,
                Some(Ok(Frame::Text(_))) => {
                    if socket.send(WidgetEvent::Pong.frame()).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(_)) => {}
            },
        }
    };
    if let Some((code, reason)) = close {
        send_close(&mut socket, code, reason).await;
    }
}

/// The visitor's contact, once it has one (its first message creates it).
async fn visitor_contact(state: &AppState, visitor: &Visitor) -> Option<ContactId> {
    match state
        .app
        .visitor_conversation(&visitor.inbox, &visitor.id)
        .await
    {
        Ok(conversation) => conversation.map(|conversation| conversation.contact_id),
        Err(error) => {
            tracing::warn!(%error, "looking up the visitor failed");
            None
        }
    }
}

/// What a notification means to this visitor: nothing unless it is about one of its own
/// conversations in this inbox.
async fn events_for(
    state: &AppState,
    visitor: &Visitor,
    contact: &mut Option<ContactId>,
    notification: &Arc<Notification>,
) -> Vec<WidgetEvent> {
    let conversation = match notification.as_ref() {
        Notification::Message { conversation, .. }
        | Notification::Conversation { conversation, .. } => conversation,
        Notification::Resync => return Vec::new(),
    };
    if !is_visitors(visitor, contact, notification, conversation) {
        return Vec::new();
    }
    let mut names = Names::default();
    let mut events = Vec::new();
    match notification.as_ref() {
        Notification::Message {
            message,
            events: recorded,
            is_update: false,
            ..
        } => {
            if let Some(message) = message_view(state, conversation, message, &mut names).await {
                events.push(WidgetEvent::Message { message });
            }
            if !recorded.is_empty() {
                events.extend(status(state, conversation, &mut names).await);
            }
        }
        Notification::Message { .. } => {}
        Notification::Conversation { .. } if notification.is_typing() => {
            let author_name = match conversation.assignee_id {
                Some(user) => names.of(state, conversation, user).await,
                None => None,
            };
            events.push(WidgetEvent::Typing {
                author: "agent",
                author_name,
            });
        }
        Notification::Conversation { .. } => {
            events.extend(status(state, conversation, &mut names).await);
        }
        Notification::Resync => {}
    }
    events
}

/// Whether a notification's conversation is the visitor's. A contact is only ever created with
/// a conversation, and the hub names the widget visitor of every `opened` conversation, so a
/// visitor without a contact yet recognises its first conversation without reading anything.
fn is_visitors(
    visitor: &Visitor,
    contact: &mut Option<ContactId>,
    notification: &Notification,
    conversation: &Conversation,
) -> bool {
    if conversation.account_id != visitor.inbox.account_id
        || conversation.inbox_id != visitor.inbox.id
    {
        return false;
    }
    if contact.is_none() && notification.opened_by_visitor() == Some(visitor.id.as_str()) {
        *contact = Some(conversation.contact_id);
    }
    *contact == Some(conversation.contact_id)
}

async fn status(
    state: &AppState,
    conversation: &Conversation,
    names: &mut Names,
) -> Option<WidgetEvent> {
    match conversation_view(state, conversation, names).await {
        Ok(conversation) => Some(WidgetEvent::Conversation { conversation }),
        Err(error) => {
            tracing::warn!(%error, "reading the conversation's status for the widget failed");
            None
        }
    }
}
