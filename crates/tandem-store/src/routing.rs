//! Routing: the team a handover would go to, the routing pass that assigns queued
//! conversations to agents with room, agents' room, and the queue as customers and supervisors
//! see it. The decisions are `tandem-routing`'s; this module loads their inputs and applies
//! their outcome inside one transaction. Placing a conversation as it enters the queue is
//! `routing_follow_up.rs`, part of recording any event.

use std::collections::HashMap;

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime};
use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event};
use tandem_domain::id::{AccountId, ConversationId, InboxId, TeamId, UserId};
use tandem_domain::message::Message;
use tandem_routing::assign::{Agent, plan};
use tandem_routing::queue::{Priority, Waiting, estimated_wait, position, typical_handling_time};
use tandem_routing::team::{Need, OutOfHours, TeamRouting, choose_team};
use uuid::Uuid;

use crate::changes::Announcements;
use crate::conversation_rows::{find_conversation, update_conversation_row};
use crate::db::{Backend, Conn, args};
use crate::error::Conflict;
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::message_rows::insert_bot_message;
use crate::routing_follow_up::RoutingFacts;
use crate::team_routing::{team_routing, team_routings};
use crate::{Store, StoreError};

/// A conversation waiting in an account's queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    pub conversation_id: ConversationId,
    pub team_id: Option<TeamId>,
    pub priority: i32,
    pub queued_at: Timestamp,
    /// 1 for the first in its team's line.
    pub position: u32,
    /// The place the customer was last told, and when.
    pub notified: Option<(u32, Timestamp)>,
}

/// Where a queued conversation stands, as its customer is told.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueStatus {
    pub team_id: Option<TeamId>,
    pub position: u32,
    /// `None` while nobody who could take it is online.
    pub estimated_wait: Option<SignedDuration>,
    pub availability: Availability,
}

/// Whether the team is open, in its own time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    Open,
    /// Closed until `reopens_at` (local time); `today` is the local date now. `reopens_at` is
    /// `None` when the calendar has no opening hours at all.
    Closed {
        reopens_at: Option<DateTime>,
        today: Date,
    },
}

/// The team a conversation with these facts would go to, and whether it is open.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub team_id: Option<TeamId>,
    pub availability: Availability,
    pub out_of_hours: OutOfHours,
}

/// Waiting time assumed for a team with no recent conversations: 5 minutes.
pub const DEFAULT_HANDLING_TIME: SignedDuration = SignedDuration::from_mins(5);
/// How far back handling times count for the estimated wait: 7 days.
const HANDLING_TIME_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How many recent conversations the estimated wait looks at.
const HANDLING_TIME_SAMPLE: i64 = 50;

/// Serialises routing decisions of one account across nodes (PostgreSQL advisory lock held
/// until the transaction ends); SQLite's single writer already serialises them. Every
/// transaction that takes it takes it before locking any conversation row.
pub(crate) async fn lock_account_routing(
    conn: &mut Conn,
    account_id: AccountId,
) -> Result<(), StoreError> {
    if conn.backend() == Backend::Postgres {
        let (high, low) = account_id.0.as_u64_pair();
        let key = i64::from_ne_bytes((high ^ low).to_ne_bytes());
        conn.execute("SELECT pg_advisory_xact_lock($1)", args![key])
            .await?;
    }
    Ok(())
}

fn availability(team: Option<&TeamRouting>, now: Timestamp) -> Availability {
    match team {
        Some(team) if !team.calendar.is_open(now) => Availability::Closed {
            reopens_at: team
                .calendar
                .next_opening(now)
                .map(|at| team.calendar.local(at)),
            today: team.calendar.today(now),
        },
        _ => Availability::Open,
    }
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: Uuid,
    team_id: Option<Uuid>,
    priority: i64,
    queued_at: Option<i64>,
    not_to_agent_id: Option<Uuid>,
    last_activity_at: i64,
    queue_notice_position: Option<i64>,
    queue_notice_at: Option<i64>,
}

impl WaitingRow {
    fn notified(&self) -> Option<(u32, Timestamp)> {
        notified(self.queue_notice_position, self.queue_notice_at)
    }
}

/// The last queue notice stored on a conversation: the place told and when.
fn notified(position: Option<i64>, at: Option<i64>) -> Option<(u32, Timestamp)> {
    let position = u32::try_from(position?).ok()?;
    let at = Timestamp::from_millisecond(at?).ok()?;
    Some((position, at))
}

impl WaitingRow {
    fn into_waiting(self) -> Waiting {
        let queued_at = self.queued_at.unwrap_or(self.last_activity_at);
        Waiting {
            conversation_id: ConversationId(self.id),
            team_id: self.team_id.map(TeamId),
            priority: Priority(i32::try_from(self.priority).unwrap_or(i32::MAX)),
            queued_at: Timestamp::from_millisecond(queued_at).unwrap_or(Timestamp::UNIX_EPOCH),
            not_to: self.not_to_agent_id.map(UserId),
        }
    }
}

async fn waiting_rows(
    conn: &mut Conn,
    account_id: AccountId,
) -> Result<Vec<WaitingRow>, StoreError> {
    Ok(conn
        .fetch_all(
            "SELECT id, team_id, priority, queued_at, not_to_agent_id, last_activity_at, \
             queue_notice_position, queue_notice_at FROM conversations \
             WHERE account_id = $1 AND status = 'queued'",
            args![account_id],
        )
        .await?)
}

async fn waiting(conn: &mut Conn, account_id: AccountId) -> Result<Vec<Waiting>, StoreError> {
    let rows = waiting_rows(conn, account_id).await?;
    Ok(rows.into_iter().map(WaitingRow::into_waiting).collect())
}

#[derive(sqlx::FromRow)]
struct AgentRow {
    id: Uuid,
    capacity: i64,
    load: i64,
    last_assigned_at: Option<i64>,
}

/// The online agents of an account with their load and capacity.
async fn online_agents(conn: &mut Conn, account_id: AccountId) -> Result<Vec<Agent>, StoreError> {
    let rows: Vec<AgentRow> = conn
        .fetch_all(
            "SELECT u.id, COALESCE(u.capacity, a.default_capacity) AS capacity, \
             (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status = 'assigned') AS load, \
             u.last_assigned_at FROM users u JOIN accounts a ON a.id = u.account_id \
             WHERE u.account_id = $1 AND u.presence = 'online'",
            args![account_id],
        )
        .await?;
    let memberships: Vec<(Uuid, Uuid)> = conn
        .fetch_all(
            "SELECT user_id, team_id FROM team_members WHERE account_id = $1",
            args![account_id],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| Agent {
            user_id: UserId(row.id),
            teams: memberships
                .iter()
                .filter(|(user, _)| *user == row.id)
                .map(|(_, team)| TeamId(*team))
                .collect(),
            load: u32::try_from(row.load).unwrap_or(u32::MAX),
            capacity: u32::try_from(row.capacity).unwrap_or(0),
            last_assigned_at: row
                .last_assigned_at
                .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        })
        .collect())
}

/// The open conversations `agent_id` holds and may hold at once.
pub(crate) async fn agent_load(
    conn: &mut Conn,
    account_id: AccountId,
    agent_id: UserId,
) -> Result<(u32, u32), StoreError> {
    let (load, capacity): (i64, i64) = conn
        .fetch_optional(
            "SELECT (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status = 'assigned'), \
             COALESCE(u.capacity, a.default_capacity) FROM users u JOIN accounts a ON a.id = u.account_id \
             WHERE u.account_id = $1 AND u.id = $2",
            args![account_id, agent_id],
        )
        .await?
        .ok_or(StoreError::InvalidReference {
            field: "agent_id",
            message: "no such user in this account".into(),
        })?;
    Ok((
        u32::try_from(load).unwrap_or(u32::MAX),
        u32::try_from(capacity).unwrap_or(0),
    ))
}

/// Fails with `agent_at_capacity` when `agent_id` holds as many conversations as allowed.
pub(crate) async fn check_room(
    conn: &mut Conn,
    account_id: AccountId,
    agent_id: UserId,
) -> Result<(), StoreError> {
    let (load, capacity) = agent_load(conn, account_id, agent_id).await?;
    if load >= capacity {
        return Err(StoreError::Conflict {
            kind: Conflict::AgentAtCapacity,
            field: "agent_id",
            message: format!(
                "the agent already holds {load} of {capacity} conversations; a supervisor may override"
            ),
        });
    }
    Ok(())
}

/// The typical time an agent of `team_id` takes from assignment to resolution lately.
async fn handling_time(
    conn: &mut Conn,
    account_id: AccountId,
    team_id: Option<TeamId>,
    now: Timestamp,
) -> Result<SignedDuration, StoreError> {
    let since = now - HANDLING_TIME_WINDOW;
    let rows: Vec<(i64,)> = conn
        .fetch_all(
            "SELECT resolved_at - assigned_at FROM conversations WHERE account_id = $1 \
             AND status = 'resolved' AND assigned_at IS NOT NULL AND resolved_at >= $2 \
             AND (team_id = $3 OR ($3 IS NULL AND team_id IS NULL)) ORDER BY resolved_at DESC LIMIT $4",
            args![account_id, since, team_id, HANDLING_TIME_SAMPLE],
        )
        .await?;
    let recent = rows
        .into_iter()
        .map(|(ms,)| SignedDuration::from_millis(ms.max(0)))
        .collect();
    Ok(typical_handling_time(recent, DEFAULT_HANDLING_TIME))
}

impl Store {
    /// The team a conversation with `facts` arriving on `inbox_id` would be queued for, and
    /// whether that team is open at `now`.
    pub async fn placement(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        facts: &RoutingFacts,
        now: Timestamp,
    ) -> Result<Placement, StoreError> {
        let mut conn = self.read().await?;
        let teams = team_routings(&mut conn, account_id).await?;
        let team = choose_team(
            &teams,
            &Need {
                intent: facts.intent.as_deref(),
                language: facts.language.as_deref(),
                inbox_id: Some(inbox_id),
            },
        );
        Ok(Placement {
            team_id: team.map(|team| team.team_id),
            availability: availability(team, now),
            out_of_hours: team.map(|team| team.out_of_hours).unwrap_or_default(),
        })
    }

    /// Assigns every queued conversation of the account that an online agent has room for,
    /// in queue order, by each team's strategy. Safe to run on any number of nodes at once: a
    /// conversation is assigned once and no agent goes above capacity.
    pub async fn route(
        &self,
        account_id: AccountId,
        now: Timestamp,
    ) -> Result<Vec<(Conversation, Vec<Event>)>, StoreError> {
        let mut conn = self.write().await?;
        lock_account_routing(&mut conn, account_id).await?;
        let waiting = waiting(&mut conn, account_id).await?;
        if waiting.is_empty() {
            return Ok(Vec::new());
        }
        let agents = online_agents(&mut conn, account_id).await?;
        if agents.iter().all(|agent| !agent.has_room()) {
            return Ok(Vec::new());
        }
        let strategies: HashMap<TeamId, _> = team_routings(&mut conn, account_id)
            .await?
            .into_iter()
            .map(|team| (team.team_id, team.strategy))
            .collect();
        let mut assigned = Vec::new();
        let mut announcements = Announcements::default();
        for assignment in plan(&waiting, &agents, &strategies, now) {
            let mut conversation =
                find_conversation(&mut conn, account_id, assignment.conversation_id, true).await?;
            if conversation.status != ConversationStatus::Queued {
                continue;
            }
            let rules = inbox_rules(&mut conn, account_id, conversation.inbox_id).await?;
            let kinds = conversation.assign(assignment.agent_id, now)?;
            update_conversation_row(&mut conn, &conversation).await?;
            let events = record(
                &mut conn,
                &mut conversation,
                rules.has_webhook,
                Written::by(Actor::System, kinds),
                now,
                &mut announcements,
            )
            .await?;
            assigned.push((conversation, events));
        }
        self.changes.commit_with(conn, announcements).await?;
        Ok(assigned)
    }

    /// Accounts with conversations waiting in their queue (for the routing worker).
    pub async fn accounts_with_queue(&self) -> Result<Vec<AccountId>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<(Uuid,)> = conn
            .fetch_all(
                "SELECT DISTINCT account_id FROM conversations WHERE status = 'queued'",
                args![],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| AccountId(id)).collect())
    }

    /// The account's queue in order, each conversation with its place in its team's line.
    pub async fn queue(&self, account_id: AccountId) -> Result<Vec<QueueEntry>, StoreError> {
        let mut conn = self.read().await?;
        let rows = waiting_rows(&mut conn, account_id).await?;
        let notified: HashMap<Uuid, (u32, Timestamp)> = rows
            .iter()
            .filter_map(|row| row.notified().map(|notice| (row.id, notice)))
            .collect();
        let mut waiting: Vec<Waiting> = rows.into_iter().map(WaitingRow::into_waiting).collect();
        waiting.sort_by(tandem_routing::queue::queue_order);
        Ok(waiting
            .iter()
            .map(|entry| QueueEntry {
                conversation_id: entry.conversation_id,
                team_id: entry.team_id,
                priority: entry.priority.0,
                queued_at: entry.queued_at,
                position: position(&waiting, entry.conversation_id).unwrap_or(1),
                notified: notified.get(&entry.conversation_id.0).copied(),
            })
            .collect())
    }

    /// Where a queued conversation stands: its place, the estimated wait and whether its team
    /// is open; `None` when it is not in the queue.
    pub async fn queue_status(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        now: Timestamp,
    ) -> Result<Option<QueueStatus>, StoreError> {
        let mut conn = self.read().await?;
        let conversation = find_conversation(&mut conn, account_id, conversation_id, false).await?;
        if conversation.status != ConversationStatus::Queued {
            return Ok(None);
        }
        let waiting = waiting(&mut conn, account_id).await?;
        let Some(place) = position(&waiting, conversation_id) else {
            return Ok(None);
        };
        let team_id = conversation.team_id;
        let team = team_routing(&mut conn, account_id, team_id).await?;
        let free_capacity: u32 = online_agents(&mut conn, account_id)
            .await?
            .iter()
            .filter(|agent| team_id.is_none_or(|team| agent.teams.contains(&team)))
            .map(|agent| agent.capacity)
            .sum();
        let handling = handling_time(&mut conn, account_id, team_id, now).await?;
        Ok(Some(QueueStatus {
            team_id,
            position: place,
            estimated_wait: estimated_wait(place, free_capacity, handling),
            availability: availability(team.as_ref(), now),
        }))
    }

    /// Remembers that a queued customer knows their place (or when the team is back) without
    /// writing a message: something else already told them.
    pub async fn mark_queue_notice(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        position: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE conversations SET queue_notice_position = $1, queue_notice_at = $2 \
             WHERE account_id = $3 AND id = $4 AND status = 'queued'",
            args![i64::from(position), now, account_id, conversation_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Tells the customer something on the bot's behalf (a transfer, say): stores `text` as a bot
    /// message, delivered like any other; `None` when the conversation is resolved.
    pub async fn send_bot_notice(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        text: &str,
        now: Timestamp,
    ) -> Result<Option<Message>, StoreError> {
        let mut conn = self.write().await?;
        let mut conversation =
            find_conversation(&mut conn, account_id, conversation_id, true).await?;
        if conversation.status == ConversationStatus::Resolved {
            return Ok(None);
        }
        let (message, announcements) = say_as_bot(&mut conn, &mut conversation, text, now).await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok(Some(message))
    }

    /// Tells a queued customer their place: stores `text` as a bot message (queued for the
    /// inbox's webhook) and remembers `position`. `seen` is the last notice the caller decided
    /// from ([`QueueEntry::notified`]). Does nothing, returning `false`, when the conversation
    /// has left the queue or another notice was recorded since `seen` (another node's routing
    /// worker told the customer first), so a customer never hears the same place twice.
    pub async fn record_queue_notice(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        seen: Option<(u32, Timestamp)>,
        position: u32,
        text: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let mut conversation =
            find_conversation(&mut conn, account_id, conversation_id, true).await?;
        if conversation.status != ConversationStatus::Queued {
            return Ok(false);
        }
        let (position_told, told_at) = conn
            .fetch_one::<(Option<i64>, Option<i64>)>(
                "SELECT queue_notice_position, queue_notice_at FROM conversations \
                 WHERE account_id = $1 AND id = $2",
                args![account_id, conversation_id],
            )
            .await?;
        if notified(position_told, told_at) != seen {
            return Ok(false);
        }
        let (_, announcements) = say_as_bot(&mut conn, &mut conversation, text, now).await?;
        conn.execute(
            "UPDATE conversations SET queue_notice_position = $1, queue_notice_at = $2 \
             WHERE account_id = $3 AND id = $4",
            args![i64::from(position), now, account_id, conversation_id],
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok(true)
    }
}

/// Stores `text` as the bot's message to the customer of `conversation` (delivered like any
/// other), within the caller's transaction; returns it with what to announce on commit.
async fn say_as_bot(
    conn: &mut Conn,
    conversation: &mut Conversation,
    text: &str,
    now: Timestamp,
) -> Result<(Message, Announcements), StoreError> {
    let rules = inbox_rules(conn, conversation.account_id, conversation.inbox_id).await?;
    let message = insert_bot_message(conn, conversation, &rules, text, None, now).await?;
    conversation.last_activity_at = now;
    update_conversation_row(conn, conversation).await?;
    let mut announcements = Announcements::default();
    record(
        conn,
        conversation,
        rules.has_webhook,
        Written::by(Actor::Bot, Vec::new()).messages([message.clone()]),
        now,
        &mut announcements,
    )
    .await?;
    Ok((message, announcements))
}
