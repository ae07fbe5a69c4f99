//! A simulated agent: holds the workspace WebSocket, goes online, and for every conversation
//! routing assigns to it, replies after a think time and resolves it. When its node stops
//! answering it reconnects to another. Its socket also serves
//! the handover timing (`HandoverTracker`): it sees customer messages arrive and assignments.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

use crate::failure::{Failure, FailureKind, Operation};
use crate::phrases::AGENT_REPLY;
use crate::rng::{MillisRange, SeededRng};
use crate::setup::AgentAccount;
use crate::widget::{Socket, connect};
use crate::world::{World, websocket_url};

/// Pause between an agent's reply and resolving the conversation.
const RESOLVE_AFTER_REPLY: Duration = Duration::from_secs(1);
/// Pause before reconnecting a dropped socket.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A frame of `/api/v1/ws`; only the fields the agent acts on.
#[derive(Debug, Deserialize)]
struct AgentFrame {
    #[serde(rename = "type")]
    kind: String,
    conversation: Option<FrameConversation>,
    message: Option<FrameMessage>,
    #[serde(default)]
    events: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct FrameConversation {
    id: String,
    status: String,
    assignee_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FrameMessage {
    direction: String,
    external_id: Option<String>,
}

/// What a frame means to agent `user_id`.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// A customer message arrived in a conversation.
    CustomerMessage {
        external_id: String,
        conversation_id: String,
    },
    /// Routing just assigned a conversation to this agent.
    AssignedToMe {
        conversation_id: String,
    },
    Nothing,
}

fn read_frame(text: &str, user_id: &str) -> Seen {
    let Ok(frame) = serde_json::from_str::<AgentFrame>(text) else {
        return Seen::Nothing;
    };
    let Some(conversation) = frame.conversation else {
        return Seen::Nothing;
    };
    let is_mine = conversation.assignee_id.as_deref() == Some(user_id)
        && conversation.status == "assigned"
        && frame.events.iter().any(|event| event == "assigned");
    if is_mine {
        return Seen::AssignedToMe {
            conversation_id: conversation.id,
        };
    }
    match frame.message {
        Some(FrameMessage {
            direction,
            external_id: Some(external_id),
        }) if frame.kind == "message.created" && direction == "inbound" => Seen::CustomerMessage {
            external_id,
            conversation_id: conversation.id,
        },
        _ => Seen::Nothing,
    }
}

/// One agent at work.
#[derive(Debug)]
pub struct Agent {
    pub account: AgentAccount,
    /// Its index among the agents (its server and random stream follow from it).
    pub index: usize,
    pub think: MillisRange,
    pub seed: u64,
}

impl Agent {
    /// Works for the rest of the run; `online` is told once the agent first takes work.
    pub async fn work(self, world: Arc<World>, online: oneshot::Sender<()>) {
        let handling = Arc::new(Mutex::new(HashSet::new()));
        let mut rng = SeededRng::derive(self.seed, u64::MAX - 1 - self.index as u64);
        let mut online = Some(online);
        loop {
            // A node that stopped answering is left for another (see `TargetPool`).
            let (target, base) = world.answering_target(self.index);
            let base = base.to_owned();
            let url = websocket_url(
                &base,
                &format!("/api/v1/ws?access_token={}", self.account.token),
            );
            match self.go_online(&world, &base, &url).await {
                Some(socket) => {
                    if let Some(online) = online.take() {
                        let _ = online.send(());
                    }
                    self.listen(&world, &base, socket, &handling, &mut rng)
                        .await;
                    self.fail(&world, Operation::AgentSocket, FailureKind::SocketClosed);
                }
                None => {
                    world.pool.stopped_answering(target, Instant::now());
                    tokio::time::sleep(RECONNECT_AFTER).await;
                }
            }
        }
    }

    /// Connects and sets presence online (after connecting, so the server counts the socket).
    async fn go_online(&self, world: &World, base: &str, url: &str) -> Option<Socket> {
        let socket = match connect(url).await {
            Ok(socket) => socket,
            Err(_) => {
                self.fail(world, Operation::AgentSocket, FailureKind::Connect);
                return None;
            }
        };
        match world
            .api
            .set_presence(base, &self.account.token, "online")
            .await
        {
            Ok(()) => Some(socket),
            Err(error) => {
                self.fail(world, Operation::AgentSocket, error.kind());
                None
            }
        }
    }

    async fn listen(
        &self,
        world: &Arc<World>,
        base: &str,
        mut socket: Socket,
        handling: &Arc<Mutex<HashSet<String>>>,
        rng: &mut SeededRng,
    ) {
        while let Some(frame) = socket.next().await {
            let text = match frame {
                Ok(Message::Text(text)) => text,
                Ok(Message::Close(_)) | Err(_) => return,
                Ok(_) => continue,
            };
            match read_frame(&text, &self.account.user_id) {
                Seen::CustomerMessage {
                    external_id,
                    conversation_id,
                } => world.handovers.message_seen(&external_id, &conversation_id),
                Seen::AssignedToMe { conversation_id } => {
                    let now = Instant::now();
                    if let Some(sent_at) = world.handovers.assigned(&conversation_id) {
                        world
                            .recorder
                            .at(sent_at, |tallies| tallies.agent_notified(now - sent_at));
                    }
                    let is_new = handling
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(conversation_id.clone());
                    if is_new {
                        let job = Handling {
                            world: world.clone(),
                            base: base.to_owned(),
                            token: self.account.token.clone(),
                            conversation_id,
                            think: rng.duration_in(&self.think),
                            handling: handling.clone(),
                        };
                        tokio::spawn(job.run());
                    }
                }
                Seen::Nothing => {}
            }
        }
    }

    fn fail(&self, world: &World, operation: Operation, kind: FailureKind) {
        world
            .recorder
            .failure(Instant::now(), Failure { operation, kind });
    }
}

/// One assigned conversation: think, reply, resolve.
struct Handling {
    world: Arc<World>,
    base: String,
    token: String,
    conversation_id: String,
    think: Duration,
    handling: Arc<Mutex<HashSet<String>>>,
}

impl Handling {
    async fn run(self) {
        tokio::time::sleep(self.think).await;
        let api = &self.world.api;
        let replied = api
            .reply(&self.base, &self.token, &self.conversation_id, AGENT_REPLY)
            .await;
        let outcome = match replied {
            Ok(()) => {
                tokio::time::sleep(RESOLVE_AFTER_REPLY).await;
                api.resolve(&self.base, &self.token, &self.conversation_id)
                    .await
                    .map_err(|error| (Operation::AgentResolve, error.kind()))
            }
            Err(error) => Err((Operation::AgentReply, error.kind())),
        };
        if let Err((operation, kind)) = outcome {
            self.world
                .recorder
                .failure(Instant::now(), Failure { operation, kind });
        }
        self.handling
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.conversation_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "01a2014d-36ea-7096-8be4-622b78d6ec82";

    fn conversation_updated(assignee: &str, status: &str, events: &str) -> String {
        format!(
            r#"{{"type":"conversation.updated","conversation":{{"id":"c1","inbox_id":"i","contact_id":"k","status":"{status}","assignee_id":"{assignee}","team_id":null,"first_agent_reply_at":null,"last_activity_at":"2026-01-01T00:00:00Z","created_at":"2026-01-01T00:00:00Z","resolved_at":null}},"events":[{events}]}}"#
        )
    }

    #[test]
    fn an_assignment_to_this_agent_is_recognised() {
        assert_eq!(
            read_frame(&conversation_updated(ME, "assigned", r#""assigned""#), ME),
            Seen::AssignedToMe {
                conversation_id: "c1".into()
            }
        );
        assert_eq!(
            read_frame(
                &conversation_updated("someone-else", "assigned", r#""assigned""#),
                ME
            ),
            Seen::Nothing
        );
        assert_eq!(
            read_frame(&conversation_updated(ME, "resolved", r#""resolved""#), ME),
            Seen::Nothing,
            "a resolution keeps the assignee but is no new assignment"
        );
        assert_eq!(
            read_frame(
                &conversation_updated(ME, "assigned", r#""first_agent_reply""#),
                ME
            ),
            Seen::Nothing
        );
    }

    #[test]
    fn customer_messages_are_seen_with_their_external_id() {
        let frame = r#"{"type":"message.created","conversation":{"id":"c2","status":"bot","assignee_id":null},
            "message":{"id":"m","direction":"inbound","external_id":"wamid.lg000001m3","text":"oi"},
            "events":["opened"],"handover_context":{"summary":"..."}}"#;
        assert_eq!(
            read_frame(frame, ME),
            Seen::CustomerMessage {
                external_id: "wamid.lg000001m3".into(),
                conversation_id: "c2".into()
            }
        );
        let outbound = frame.replace("inbound", "outbound");
        assert_eq!(read_frame(&outbound, ME), Seen::Nothing);
        assert_eq!(
            read_frame(r#"{"type":"hello","user":{}}"#, ME),
            Seen::Nothing
        );
    }
}
