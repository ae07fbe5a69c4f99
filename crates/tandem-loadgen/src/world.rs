//! The state a run shares between its customers, agents and receiver.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::address::Addresses;
use crate::api::Api;
use crate::board::ReplyBoard;
use crate::delivery::{DeliveryPolicy, TargetPool};
use crate::handover::HandoverTracker;
use crate::ledger::Ledger;
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
    pub delivery: DeliveryPolicy,
    /// Which targets answer (webhook deliveries and agents fail over to the others).
    pub pool: TargetPool,
    pub ledger: Ledger,
    /// Deliveries running apart from any customer's turn (duplicates).
    detached: Mutex<JoinSet<()>>,
    sequence: AtomicU64,
}

impl World {
    pub fn new(
        api: Api,
        targets: Vec<String>,
        addresses: Addresses,
        limits: Limits,
        delivery: DeliveryPolicy,
    ) -> Self {
        Self {
            pool: TargetPool::new(targets.len()),
            api,
            targets,
            addresses,
            board: ReplyBoard::default(),
            handovers: HandoverTracker::default(),
            recorder: Recorder::default(),
            limits,
            delivery,
            ledger: Ledger::default(),
            detached: Mutex::new(JoinSet::new()),
            sequence: AtomicU64::new(0),
        }
    }

    /// The server of participant `index`: participants are spread round-robin over targets.
    pub fn target(&self, index: usize) -> &str {
        &self.targets[index % self.targets.len()]
    }

    /// The server of participant `index` now: its own, or when that one stopped answering,
    /// another that answers.
    pub fn answering_target(&self, index: usize) -> (usize, &str) {
        let target = self.pool.pick(index % self.targets.len(), Instant::now());
        (target, &self.targets[target])
    }

    /// The next customer message's sequence number and key (see `Addresses::message_key`).
    pub fn next_message(&self) -> (u64, String) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        (sequence, self.addresses.message_key(sequence))
    }

    /// Runs `task` apart from any turn; `finish_detached` waits for it.
    pub fn detach(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.detached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .spawn(task);
    }

    /// Waits up to `limit` for the detached tasks, then stops the rest; returns how many were
    /// stopped.
    pub async fn finish_detached(&self, limit: Duration) -> usize {
        let mut tasks =
            std::mem::take(&mut *self.detached.lock().unwrap_or_else(PoisonError::into_inner));
        let _ =
            tokio::time::timeout(limit, async { while tasks.join_next().await.is_some() {} }).await;
        let stopped = tasks.len();
        tasks.abort_all();
        stopped
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
