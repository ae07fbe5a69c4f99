//! The chat widget's WebSocket as a visitor's browser holds it: connected once per visitor,
//! read for the bot's and agents' messages and the conversation's status, reconnected when it
//! drops. Buffers are small because `idle-widgets` holds thousands of them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::api::{Api, ApiError};
use crate::board::Awaited;
use crate::failure::{Failure, FailureKind, Operation};
use crate::world::{World, websocket_url};

/// A client WebSocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Pause before reconnecting a dropped socket.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Opens a WebSocket with small buffers (4 KiB to read, writes sent at once).
pub async fn connect(url: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    Ok(socket)
}

/// Why a new visitor could not get a socket.
#[derive(Debug, thiserror::Error)]
pub enum VisitorError {
    #[error("starting the visitor: {0}")]
    Start(#[from] ApiError),
    #[error("opening its socket: {0}")]
    Connect(#[from] tokio_tungstenite::tungstenite::Error),
}

impl VisitorError {
    /// The report's entry for this error.
    pub fn failure(&self) -> Failure {
        match self {
            VisitorError::Start(error) => Failure {
                operation: Operation::WidgetVisitor,
                kind: error.kind(),
            },
            VisitorError::Connect(_) => Failure {
                operation: Operation::WidgetSocket,
                kind: FailureKind::Connect,
            },
        }
    }
}

/// A new visitor of web inbox `inbox_id` on `base`: its token and its open socket.
pub async fn open_visitor(
    api: &Api,
    base: &str,
    inbox_id: &str,
) -> Result<(String, Socket), VisitorError> {
    let token = api.start_visitor(base, inbox_id).await?;
    let socket = connect(&socket_url(base, inbox_id, &token)).await?;
    Ok((token, socket))
}

/// The widget socket URL of a visitor.
pub fn socket_url(base: &str, inbox_id: &str, visitor_token: &str) -> String {
    websocket_url(
        base,
        &format!("/api/v1/widget/{inbox_id}/ws?token={visitor_token}"),
    )
}

/// A frame the widget receives; only what tells a customer that something became visible.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WidgetFrame {
    Message {
        message: FrameMessage,
    },
    Conversation {
        conversation: FrameConversation,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct FrameMessage {
    author: String,
}

#[derive(Debug, Deserialize)]
struct FrameConversation {
    status: String,
}

/// What a widget frame shows the customer, if anything it may wait for.
fn visible(frame: &str) -> Option<Awaited> {
    match serde_json::from_str::<WidgetFrame>(frame).ok()? {
        WidgetFrame::Message { message } => match message.author.as_str() {
            "bot" => Some(Awaited::BotReply),
            "agent" => Some(Awaited::AgentReply),
            _ => None,
        },
        WidgetFrame::Conversation { conversation } if conversation.status == "resolved" => {
            Some(Awaited::Resolution)
        }
        WidgetFrame::Conversation { .. } | WidgetFrame::Other => None,
    }
}

/// Reads customer `customer`'s widget socket for the rest of the run, reconnecting to `url`
/// when it drops.
pub async fn follow(world: Arc<World>, customer: usize, url: String, mut socket: Socket) {
    loop {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(Message::Text(text)) => {
                    if let Some(awaited) = visible(&text) {
                        world.board.deliver(customer, awaited, Instant::now());
                    }
                }
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let closed = Failure {
            operation: Operation::WidgetSocket,
            kind: FailureKind::SocketClosed,
        };
        world.recorder.failure(Instant::now(), closed);
        socket = loop {
            tokio::time::sleep(RECONNECT_AFTER).await;
            match connect(&url).await {
                Ok(socket) => break socket,
                Err(_) => {
                    let failed = Failure {
                        operation: Operation::WidgetSocket,
                        kind: FailureKind::Connect,
                    };
                    world.recorder.failure(Instant::now(), failed);
                }
            }
        };
    }
}

/// Holds an idle socket open, answering nothing, until the server closes it.
pub async fn hold_idle(mut socket: Socket) {
    while let Some(frame) = socket.next().await {
        if matches!(frame, Ok(Message::Close(_)) | Err(_)) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_show_bot_and_agent_messages_and_resolution() {
        let message = |author: &str| {
            format!(
                r#"{{"type":"message","message":{{"id":"1","direction":"outbound","author":"{author}","author_name":null,"text":"Olá","created_at":"2026-01-01T00:00:00Z","choices":[]}}}}"#
            )
        };
        assert_eq!(visible(&message("bot")), Some(Awaited::BotReply));
        assert_eq!(visible(&message("agent")), Some(Awaited::AgentReply));
        assert_eq!(visible(&message("customer")), None);
        let status = |status: &str| {
            format!(
                r#"{{"type":"conversation","conversation":{{"id":"1","status":"{status}","agent_name":"Ana","queue_position":null,"rating":null}}}}"#
            )
        };
        assert_eq!(visible(&status("resolved")), Some(Awaited::Resolution));
        assert_eq!(visible(&status("assigned")), None);
        assert_eq!(
            visible(r#"{"type":"typing","author":"agent","author_name":"Ana"}"#),
            None
        );
        assert_eq!(visible(r#"{"type":"pong"}"#), None);
        assert_eq!(visible("not json"), None);
    }

    #[test]
    fn socket_urls_carry_the_visitor_token() {
        assert_eq!(
            socket_url("http://127.0.0.1:8080", "inbox-1", "tdm_v_ab.cd"),
            "ws://127.0.0.1:8080/api/v1/widget/inbox-1/ws?token=tdm_v_ab.cd"
        );
    }
}
