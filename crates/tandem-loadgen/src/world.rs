//! The state a run shares between its customers, agents and receiver.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::address::Addresses;
use crate::api::Api;
use crate::board::ReplyBoard;
use crate::handover::HandoverTracker;
use crate::recorder::Recorder;

/// How long waits may last.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For the bot's reply and for seeing a resolution.
    pub reply_timeout: Duration,
    /// For an agent's reply after a handover (queueing included).
    pub agent_timeout: Duration,
}

/// Shared by everything in a run.
#[derive(Debug)]
pub struct World {
    pub api: Api,
    /// The servers' base URLs (`http://host:port`).
    pub targets: Vec<String>,
    pub addresses: Addresses,
    pub board: ReplyBoard,
    pub handovers: HandoverTracker,
    pub recorder: Recorder,
    pub limits: Limits,
    sequence: AtomicU64,
}

impl World {
    pub fn new(api: Api, targets: Vec<String>, addresses: Addresses, limits: Limits) -> Self {
        Self {
            api,
            targets,
            addresses,
            board: ReplyBoard::default(),
            handovers: HandoverTracker::default(),
            recorder: Recorder::default(),
            limits,
            sequence: AtomicU64::new(0),
        }
    }

    /// The server of participant `index`: participants are spread round-robin over targets.
    pub fn target(&self, index: usize) -> &str {
        &self.targets[index % self.targets.len()]
    }

    /// A fresh message key (see `Addresses::message_key`).
    pub fn next_message_key(&self) -> String {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        self.addresses.message_key(sequence)
    }
}

/// The WebSocket URL of `path` on the server at `base` (`http` → `ws`, `https` → `wss`).
pub fn websocket_url(base: &str, path: &str) -> String {
    let rest = base
        .strip_prefix("https://")
        .map(|rest| format!("wss://{rest}"))
        .or_else(|| {
            base.strip_prefix("http://")
                .map(|rest| format!("ws://{rest}"))
        })
        .unwrap_or_else(|| base.to_owned());
    format!("{rest}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_follow_the_http_scheme() {
        assert_eq!(
            websocket_url("http://127.0.0.1:8080", "/api/v1/ws"),
            "ws://127.0.0.1:8080/api/v1/ws"
        );
        assert_eq!(
            websocket_url("https://tandem.example", "/x"),
            "wss://tandem.example/x"
        );
    }
}
