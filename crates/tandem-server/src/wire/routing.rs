//! Routing: presence, capacity, the account's default capacity, the queue, and a conversation's
//! place in it with its SLA clocks.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::model::{AgentStatus, Availability, QueueEntry, QueueStatus, SlaClock};
use tandem_domain::Timestamp;
use tandem_domain::sla::{SlaStage, SlaTarget};
use tandem_domain::user::Presence;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    pub presence: Presence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityRequest {
    /// The agent's own limit; `null` uses the account's default.
    pub capacity: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Capacity of agents who have none of their own.
    pub default_capacity: u32,
}

#[derive(Debug, Serialize)]
pub struct AgentStatusResponse {
    pub user_id: Uuid,
    pub presence: Presence,
    pub presence_changed_at: Option<Timestamp>,
    pub capacity: Option<u32>,
    pub effective_capacity: u32,
    pub load: u32,
}

impl From<AgentStatus> for AgentStatusResponse {
    fn from(status: AgentStatus) -> Self {
        Self {
            user_id: status.user_id.0,
            presence: status.presence,
            presence_changed_at: status.presence_changed_at,
            capacity: status.capacity,
            effective_capacity: status.effective_capacity,
            load: status.load,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct QueueEntryResponse {
    pub conversation_id: Uuid,
    pub team_id: Option<Uuid>,
    pub priority: i32,
    pub queued_at: Timestamp,
    /// 1 for the first in its team's line.
    pub position: u32,
}

impl From<QueueEntry> for QueueEntryResponse {
    fn from(entry: QueueEntry) -> Self {
        Self {
            conversation_id: entry.conversation_id.0,
            team_id: entry.team_id.map(|id| id.0),
            priority: entry.priority,
            queued_at: entry.queued_at,
            position: entry.position,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct QueueStatusResponse {
    pub position: u32,
    /// `null` while nobody who could take it is online.
    pub estimated_wait_seconds: Option<i64>,
    pub team_open: bool,
    /// When a closed team opens again, in its local time (`2026-11-23T08:00:00`).
    pub reopens_at_local: Option<String>,
}

impl From<QueueStatus> for QueueStatusResponse {
    fn from(status: QueueStatus) -> Self {
        let (team_open, reopens_at_local) = match status.availability {
            Availability::Open => (true, None),
            Availability::Closed { reopens_at, .. } => (false, reopens_at.map(|at| at.to_string())),
        };
        Self {
            position: status.position,
            estimated_wait_seconds: status.estimated_wait.map(|wait| wait.as_secs()),
            team_open,
            reopens_at_local,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SlaClockResponse {
    pub target: SlaTarget,
    pub stage: SlaStage,
    pub started_at: Timestamp,
    pub near_breach_at: Timestamp,
    pub due_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
}

impl From<SlaClock> for SlaClockResponse {
    fn from(clock: SlaClock) -> Self {
        Self {
            target: clock.target,
            stage: clock.stage,
            started_at: clock.started_at,
            near_breach_at: clock.near_breach_at,
            due_at: clock.due_at,
            stopped_at: clock.stopped_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ConversationRoutingResponse {
    pub team_id: Option<Uuid>,
    /// Present while the conversation waits in the queue.
    pub queue: Option<QueueStatusResponse>,
    pub sla: Vec<SlaClockResponse>,
}
