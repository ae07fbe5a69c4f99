//! The real-time WebSocket for logged-in users: after a `hello`, it streams their account's
//! notifications (`message.created`, `message.updated`, `conversation.updated`, `resync`) as JSON
//! text frames. Browsers cannot set headers on a WebSocket, so the token may also come as the
//! `access_token` query parameter. The session is re-checked every minute and closed when the
//! token is revoked or expires, and closed with 1001 when the server shuts down.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::Instrument;

use tandem_app::{Delivery, Notification, Principal};
use tandem_domain::id::ConversationId;

use crate::error::{ApiError, BadRequestKind};
use crate::extract::bearer_token;
use crate::session::{same_origin, session_cookie};
use crate::state::AppState;
use crate::wire::{ConversationResponse, MessageResponse, UserResponse};

/// How often a session's token is checked again.
const REAUTHENTICATE_EVERY: Duration = Duration::from_secs(60);

/// A frame the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum ServerEvent<'a> {
    #[serde(rename = "hello")]
    Hello { user: UserResponse },
    #[serde(rename = "message.created")]
    MessageCreated {
        conversation: ConversationResponse,
        message: MessageResponse,
        events: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        handover_context: Option<&'a serde_json::Value>,
    },
    #[serde(rename = "message.updated")]
    MessageUpdated {
        conversation: ConversationResponse,
        message: MessageResponse,
    },
    #[serde(rename = "conversation.updated")]
    ConversationUpdated {
        conversation: ConversationResponse,
        events: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        handover_context: Option<&'a serde_json::Value>,
    },
    /// Notifications may have been missed: reload what is on screen.
    #[serde(rename = "resync")]
    Resync,
    #[serde(rename = "pong")]
    Pong,
    #[serde(rename = "error")]
    Error {
        code: &'static str,
        message: &'static str,
    },
}

impl<'a> ServerEvent<'a> {
    fn from_notification(notification: &'a Notification) -> Self {
        match notification {
            Notification::Message {
                conversation,
                message,
                events,
                is_update: false,
                handover_context,
                ..
            } => ServerEvent::MessageCreated {
                conversation: conversation.clone().into(),
                message: message.as_ref().clone().into(),
                events,
                handover_context: handover_context.as_ref(),
            },
            Notification::Message {
                conversation,
                message,
                is_update: true,
                ..
            } => ServerEvent::MessageUpdated {
                conversation: conversation.clone().into(),
                message: message.as_ref().clone().into(),
            },
            Notification::Conversation {
                conversation,
                events,
                handover_context,
                ..
            } => ServerEvent::ConversationUpdated {
                conversation: conversation.clone().into(),
                events,
                handover_context: handover_context.as_ref(),
            },
            Notification::Resync => ServerEvent::Resync,
        }
    }

    fn frame(&self) -> Frame {
        // These types serialise infallibly (no maps with non-string keys, no custom errors).
        Frame::Text(serde_json::to_string(self).unwrap_or_default().into())
    }
}

/// The token of the socket: a bearer header, the `access_token` parameter, or the workspace's
/// session cookie when the page asking is one of this server's own.
fn token<'a>(headers: &'a HeaderMap, query: &'a HashMap<String, String>) -> Option<&'a str> {
    bearer_token(headers)
        .or_else(|| query.get("access_token").map(String::as_str))
        .or_else(|| session_cookie(headers).filter(|_| same_origin(headers)))
}

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Some(token) = token(&headers, &query) else {
        return ApiError::Unauthenticated.into_response();
    };
    let principal = match state.app.authenticate(token, state.app.now()).await {
        Ok(principal) if principal.must_enrol_two_factor => {
            return ApiError::TwoFactorEnrolmentRequired.into_response();
        }
        Ok(principal) => principal,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return not_a_websocket(&rejection).into_response(),
    };
    let token = token.to_owned();
    let span = tracing::info_span!("websocket", user_id = %principal.user_id(), account_id = %principal.account_id());
    small_buffers(upgrade)
        .on_upgrade(move |socket| session(state, principal, token, socket).instrument(span))
}

async fn session(state: AppState, principal: Principal, token: String, mut socket: WebSocket) {
    tracing::debug!("websocket session opened");
    let _open = state.metrics.websocket_opened();
    let connection = state.app.agent_connected(&principal).await;
    if let Err(error) = &connection {
        tracing::warn!(%error, "recording the agent's connection failed");
    }
    let mut feed = state.app.hub.follow_account(principal.account_id());
    let hello = ServerEvent::Hello {
        user: principal.user.clone().into(),
    };
    let greeted = socket.send(hello.frame()).await.is_ok();
    let mut reauthenticate = tokio::time::interval(REAUTHENTICATE_EVERY);
    reauthenticate.tick().await;
    let close = if !greeted {
        None
    } else {
        loop {
            tokio::select! {
                () = state.shutdown.cancelled() => break Some((close_code::AWAY, "server shutting down")),
                delivery = feed.recv() => {
                    let event = match &delivery {
                        Some(Delivery::Notification(notification)) => ServerEvent::from_notification(notification),
                        Some(Delivery::Lagged) => ServerEvent::Resync,
                        None => break Some((close_code::AWAY, "server shutting down")),
                    };
                    if socket.send(event.frame()).await.is_err() {
                        break None;
                    }
                },
                frame = socket.recv() => match frame {
                    None | Some(Err(_)) | Some(Ok(Frame::Close(_))) => break None,
                    Some(Ok(Frame::Text(text))) => {
                        let reply = match ClientFrame::parse(&text) {
                            Some(ClientFrame::Ping) => Some(ServerEvent::Pong),
                            Some(ClientFrame::Typing { conversation_id }) => {
                                announce_typing(&state, &principal, conversation_id).await;
                                None
                            }
                            None => Some(ServerEvent::Error {
                                code: "unsupported_message",
                                message: "this socket accepts {\"type\":\"ping\"} and {\"type\":\"typing\",\"conversation_id\":\"...\"}",
                            }),
                        };
                        if let Some(reply) = reply && socket.send(reply.frame()).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(_)) => {}
                },
                _ = reauthenticate.tick() => {
                    if state.app.authenticate(&token, state.app.now()).await.is_err() {
                        let expired = ServerEvent::Error { code: "session_expired", message: "log in again" };
                        let _ = socket.send(expired.frame()).await;
                        break Some((close_code::POLICY, "session expired"));
                    }
                }
            }
        }
    };
    if let Some((code, reason)) = close {
        send_close(&mut socket, code, reason).await;
    }
    if let Ok(connection) = connection
        && let Err(error) = state.app.agent_disconnected(connection).await
    {
        tracing::warn!(%error, "recording the end of the agent's connection failed");
    }
    tracing::debug!("websocket session closed");
}

/// A frame a client may send.
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientFrame {
    Ping,
    /// The agent is typing a reply in a conversation (sent at most every few seconds).
    Typing {
        conversation_id: uuid::Uuid,
    },
}

impl ClientFrame {
    fn parse(text: &str) -> Option<ClientFrame> {
        serde_json::from_str(text).ok()
    }
}

/// Passes an agent's typing notice on to the customer; a notice about a conversation the agent
/// does not have, or that fails to travel, is dropped (it is only a hint).
async fn announce_typing(state: &AppState, principal: &Principal, conversation_id: uuid::Uuid) {
    if let Err(error) = state
        .app
        .agent_typing(principal, ConversationId(conversation_id))
        .await
    {
        tracing::debug!(%error, "typing notice dropped");
    }
}

/// Frames here are small JSON notifications: 4 KiB buffers instead of tungstenite's 128 KiB
/// defaults make an idle socket cost about 3.5 KiB of server memory instead of about 136 KiB
/// (measured with `tandem-loadgen idle-widgets`); larger frames still pass.
pub fn small_buffers(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade.read_buffer_size(4096).write_buffer_size(4096)
}

/// Closes a socket with `code` and `reason`; a peer already gone is fine.
pub async fn send_close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Frame::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// The answer to a request on a socket route that is not a WebSocket handshake.
pub fn not_a_websocket(rejection: &WebSocketUpgradeRejection) -> ApiError {
    ApiError::BadRequest {
        kind: BadRequestKind::WebsocketRequired,
        message: rejection.body_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_are_pings_and_typing_notices() {
        assert_eq!(
            ClientFrame::parse(r#"{ "type" : "ping" }"#),
            Some(ClientFrame::Ping)
        );
        let id = uuid::Uuid::now_v7();
        assert_eq!(
            ClientFrame::parse(&format!(r#"{{"type":"typing","conversation_id":"{id}"}}"#)),
            Some(ClientFrame::Typing {
                conversation_id: id
            })
        );
        for other in [r#"{"type":"typing"}"#, r#"{"type":"hello"}"#, "ping", ""] {
            assert_eq!(ClientFrame::parse(other), None, "{other}");
        }
    }
}
