//! Agents' presence and capacity: set by the agent, kept alive by their WebSocket connections
//! (recorded per node and refreshed by heartbeats, so a crashed node's connections expire),
//! and the conversations that go back to the queue when an agent goes offline or does not
//! answer in time.

use jiff::SignedDuration;
use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::id::{AccountId, ConversationId, TeamId, UserId};
use tandem_domain::user::{Presence, validate_capacity};
use uuid::Uuid;

use crate::changes::Announcements;
use crate::conversation_rows::{load_conversation_for_update, update_conversation_row};
use crate::db::{Conn, args};
use crate::events::{Written, record};
use crate::records::timestamp;
use crate::routing::lock_account_routing;
use crate::team_routing::team_routing;
use crate::users::find_user;
use crate::{Store, StoreError};

/// An agent's availability for routing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentStatus {
    pub user_id: UserId,
    pub presence: Presence,
    pub presence_changed_at: Option<Timestamp>,
    /// The agent's own limit; `None` uses the account's default.
    pub capacity: Option<u32>,
    /// The limit in force.
    pub effective_capacity: u32,
    /// Open conversations the agent holds now.
    pub load: u32,
}

#[derive(sqlx::FromRow)]
struct AgentStatusRow {
    id: Uuid,
    presence: String,
    presence_changed_at: Option<i64>,
    capacity: Option<i64>,
    effective_capacity: i64,
    load: i64,
}

/// A span of time an agent held one presence; `ended_at` is `None` while it lasts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresencePeriod {
    pub user_id: UserId,
    pub presence: Presence,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct PresencePeriodRow {
    user_id: Uuid,
    presence: String,
    started_at: i64,
    ended_at: Option<i64>,
}

/// Conversations routing changed, with their new events.
pub type Requeued = Vec<(Conversation, Vec<Event>)>;

/// Returns an agent's assigned conversations to the queue, adding what each change announces
/// to `announcements`.
async fn requeue_assigned(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_ids: &[ConversationId],
    actor: Actor,
    now: Timestamp,
    announcements: &mut Announcements,
) -> Result<Requeued, StoreError> {
    let mut requeued = Vec::with_capacity(conversation_ids.len());
    for conversation_id in conversation_ids {
        let (mut conversation, has_webhook) =
            load_conversation_for_update(conn, account_id, *conversation_id).await?;
        let Ok(kinds) = conversation.unassign(now) else {
            continue;
        };
        update_conversation_row(conn, &conversation).await?;
        let events = record(
            conn,
            &mut conversation,
            has_webhook,
            Written::by(actor, kinds),
            now,
            announcements,
        )
        .await?;
        requeued.push((conversation, events));
    }
    Ok(requeued)
}

async fn assigned_to(
    conn: &mut Conn,
    account_id: AccountId,
    user_id: UserId,
) -> Result<Vec<ConversationId>, StoreError> {
    let rows: Vec<(Uuid,)> = conn
        .fetch_all(
            "SELECT id FROM conversations WHERE account_id = $1 AND assignee_id = $2 AND status = 'assigned' \
             ORDER BY id",
            args![account_id, user_id],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| ConversationId(id)).collect())
}

/// Sets the presence and, when it changed, closes the agent's open presence period and opens
/// the new one (the history occupancy is measured from), in the caller's transaction.
async fn write_presence(
    conn: &mut Conn,
    account_id: AccountId,
    user_id: UserId,
    presence: Presence,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = conn
        .execute(
            "UPDATE users SET presence = $1, presence_changed_at = $2 WHERE account_id = $3 AND id = $4 \
             AND presence <> $1",
            args![presence.as_str(), now, account_id, user_id],
        )
        .await?;
    if changed == 0 {
        return Ok(false);
    }
    conn.execute(
        "UPDATE presence_periods SET ended_at = $1 WHERE account_id = $2 AND user_id = $3 AND ended_at IS NULL",
        args![now, account_id, user_id],
    )
    .await?;
    conn.execute(
        "INSERT INTO presence_periods (id, account_id, user_id, presence, started_at) VALUES ($1, $2, $3, $4, $5)",
        args![Uuid::now_v7(), account_id, user_id, presence.as_str(), now],
    )
    .await?;
    Ok(true)
}

impl Store {
    /// Sets an agent's presence. Going offline returns the agent's open conversations to the
    /// queue (they keep their place, ahead of newer ones); returns those conversations.
    pub async fn set_presence(
        &self,
        account_id: AccountId,
        user_id: UserId,
        presence: Presence,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Requeued, StoreError> {
        let mut conn = self.write().await?;
        lock_account_routing(&mut conn, account_id).await?;
        find_user(&mut conn, account_id, user_id)
            .await?
            .ok_or(StoreError::not_found("user"))?;
        let changed = write_presence(&mut conn, account_id, user_id, presence, now).await?;
        let mut announcements = Announcements::default();
        let requeued = if changed && presence == Presence::Offline {
            let assigned = assigned_to(&mut conn, account_id, user_id).await?;
            requeue_assigned(
                &mut conn,
                account_id,
                &assigned,
                actor,
                now,
                &mut announcements,
            )
            .await?
        } else {
            Vec::new()
        };
        self.changes.commit_with(conn, announcements).await?;
        Ok(requeued)
    }

    /// The account's presence periods that overlap `start..end`, by agent and start.
    pub async fn presence_periods(
        &self,
        account_id: AccountId,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<PresencePeriod>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<PresencePeriodRow> = conn
            .fetch_all(
                "SELECT user_id, presence, started_at, ended_at FROM presence_periods \
                 WHERE account_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2) \
                 ORDER BY user_id, started_at, id",
                args![account_id, start, end],
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(PresencePeriod {
                    user_id: UserId(row.user_id),
                    presence: row.presence.parse().map_err(|_| {
                        StoreError::corrupt(format!(
                            "presence_periods.presence = {:?}",
                            row.presence
                        ))
                    })?,
                    started_at: timestamp(row.started_at)?,
                    ended_at: row.ended_at.map(timestamp).transpose()?,
                })
            })
            .collect()
    }

    /// Sets an agent's own capacity; `None` falls back to the account's default.
    pub async fn set_capacity(
        &self,
        account_id: AccountId,
        user_id: UserId,
        capacity: Option<u32>,
    ) -> Result<(), StoreError> {
        if let Some(capacity) = capacity {
            validate_capacity("capacity", capacity)?;
        }
        let mut conn = self.write().await?;
        let updated = conn
            .execute(
                "UPDATE users SET capacity = $1 WHERE account_id = $2 AND id = $3",
                args![capacity.map(i64::from), account_id, user_id],
            )
            .await?;
        if updated == 0 {
            return Err(StoreError::not_found("user"));
        }
        conn.commit().await?;
        Ok(())
    }

    /// The capacity of agents who have none of their own.
    pub async fn default_capacity(&self, account_id: AccountId) -> Result<u32, StoreError> {
        let mut conn = self.read().await?;
        let (capacity,): (i64,) = conn
            .fetch_optional(
                "SELECT default_capacity FROM accounts WHERE id = $1",
                args![account_id],
            )
            .await?
            .ok_or(StoreError::not_found("account"))?;
        Ok(u32::try_from(capacity).unwrap_or(0))
    }

    /// Sets the capacity of agents who have none of their own.
    pub async fn set_default_capacity(
        &self,
        account_id: AccountId,
        capacity: u32,
    ) -> Result<(), StoreError> {
        validate_capacity("default_capacity", capacity)?;
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE accounts SET default_capacity = $1 WHERE id = $2",
            args![i64::from(capacity), account_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Every user's presence, capacity and load.
    pub async fn agent_statuses(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<AgentStatus>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<AgentStatusRow> = conn
            .fetch_all(
                "SELECT u.id, u.presence, u.presence_changed_at, u.capacity, \
                 COALESCE(u.capacity, a.default_capacity) AS effective_capacity, \
                 (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status = 'assigned') AS load \
                 FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.account_id = $1 \
                 ORDER BY u.created_at, u.id",
                args![account_id],
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(AgentStatus {
                    user_id: UserId(row.id),
                    presence: row.presence.parse().map_err(|_| {
                        StoreError::corrupt(format!("users.presence = {:?}", row.presence))
                    })?,
                    presence_changed_at: row.presence_changed_at.map(timestamp).transpose()?,
                    capacity: row.capacity.map(|c| u32::try_from(c).unwrap_or(0)),
                    effective_capacity: u32::try_from(row.effective_capacity).unwrap_or(0),
                    load: u32::try_from(row.load).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// The agents a handed-over call may ring: online, with a phone or SIP address, members of
    /// `team_id` when given; in the order they joined the account, at most `limit`.
    pub async fn call_agents(
        &self,
        account_id: AccountId,
        team_id: Option<TeamId>,
        limit: u32,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<(Uuid, String)> = conn
            .fetch_all(
                "SELECT u.id, u.phone FROM users u WHERE u.account_id = $1 \
                 AND u.presence = 'online' AND u.phone IS NOT NULL \
                 AND ($2 IS NULL OR EXISTS (SELECT 1 FROM team_members m \
                      WHERE m.account_id = u.account_id AND m.team_id = $2 AND m.user_id = u.id)) \
                 ORDER BY u.created_at, u.id LIMIT $3",
                args![account_id, team_id, i64::from(limit)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, phone)| (UserId(id), phone))
            .collect())
    }

    /// Records a new WebSocket connection of `user_id` on `node`; returns its id.
    pub async fn open_agent_connection(
        &self,
        account_id: AccountId,
        user_id: UserId,
        node: &str,
        now: Timestamp,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let mut conn = self.write().await?;
        conn.execute(
            "INSERT INTO agent_connections (id, account_id, user_id, node, opened_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
            args![id, account_id, user_id, node, now],
        )
        .await?;
        conn.commit().await?;
        Ok(id)
    }

    /// Marks a connection closed.
    pub async fn close_agent_connection(&self, id: Uuid, now: Timestamp) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE agent_connections SET closed_at = $1, last_seen_at = $1 WHERE id = $2",
            args![now, id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Refreshes every open connection of `node` (its heartbeat).
    pub async fn touch_agent_connections(
        &self,
        node: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE agent_connections SET last_seen_at = $1 WHERE node = $2 AND closed_at IS NULL",
            args![now, node],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Sets offline every online or away agent who has had connections but none alive for
    /// `grace` (a connection is alive while open and refreshed within `grace`, so a crashed
    /// node's connections expire too), and returns their conversations to the queue.
    pub async fn expire_presence(
        &self,
        now: Timestamp,
        grace: SignedDuration,
    ) -> Result<Requeued, StoreError> {
        let cutoff = now - grace;
        let gone: Vec<(Uuid, Uuid)> = {
            let mut conn = self.read().await?;
            conn.fetch_all(
                "SELECT u.account_id, u.id FROM users u WHERE u.presence <> 'offline' \
                 AND EXISTS (SELECT 1 FROM agent_connections c WHERE c.user_id = u.id) \
                 AND NOT EXISTS (SELECT 1 FROM agent_connections c WHERE c.user_id = u.id AND c.last_seen_at > $1)",
                args![cutoff],
            )
            .await?
        };
        let mut requeued = Vec::new();
        for (account_id, user_id) in gone {
            let (account_id, user_id) = (AccountId(account_id), UserId(user_id));
            let mut conn = self.write().await?;
            lock_account_routing(&mut conn, account_id).await?;
            let alive: Option<(Uuid,)> = conn
                .fetch_optional(
                    "SELECT id FROM agent_connections WHERE user_id = $1 AND last_seen_at > $2",
                    args![user_id, cutoff],
                )
                .await?;
            if alive.is_some()
                || !write_presence(&mut conn, account_id, user_id, Presence::Offline, now).await?
            {
                continue;
            }
            conn.execute(
                "DELETE FROM agent_connections WHERE user_id = $1",
                args![user_id],
            )
            .await?;
            let assigned = assigned_to(&mut conn, account_id, user_id).await?;
            let mut announcements = Announcements::default();
            requeued.extend(
                requeue_assigned(
                    &mut conn,
                    account_id,
                    &assigned,
                    Actor::System,
                    now,
                    &mut announcements,
                )
                .await?,
            );
            self.changes.commit_with(conn, announcements).await?;
        }
        Ok(requeued)
    }

    /// Takes conversations from agents who did not answer within their team's answer timeout
    /// and puts them back in the queue, not to be given to the same agent next.
    pub async fn expire_unanswered(&self, now: Timestamp) -> Result<Requeued, StoreError> {
        let candidates: Vec<(Uuid, Uuid, Option<Uuid>, Uuid, i64)> = {
            let mut conn = self.read().await?;
            conn.fetch_all(
                "SELECT account_id, id, team_id, assignee_id, awaiting_answer_since FROM conversations \
                 WHERE awaiting_answer_since IS NOT NULL AND status = 'assigned' AND team_id IS NOT NULL \
                 ORDER BY awaiting_answer_since LIMIT 500",
                args![],
            )
            .await?
        };
        let mut requeued = Vec::new();
        for (account_id, conversation_id, team_id, agent_id, since) in candidates {
            let account_id = AccountId(account_id);
            let mut conn = self.write().await?;
            let timeout = team_routing(&mut conn, account_id, team_id.map(TeamId))
                .await?
                .and_then(|team| team.answer_timeout);
            let Some(timeout) = timeout else { continue };
            if timestamp(since)? + timeout > now {
                continue;
            }
            lock_account_routing(&mut conn, account_id).await?;
            let (mut conversation, has_webhook) = load_conversation_for_update(
                &mut conn,
                account_id,
                ConversationId(conversation_id),
            )
            .await?;
            let agent_id = UserId(agent_id);
            if conversation.assignee_id != Some(agent_id) {
                continue;
            }
            let mut kinds = vec![EventKind::AnswerTimedOut { agent_id }];
            kinds.extend(conversation.unassign(now)?);
            update_conversation_row(&mut conn, &conversation).await?;
            let mut announcements = Announcements::default();
            let events = record(
                &mut conn,
                &mut conversation,
                has_webhook,
                Written::by(Actor::System, kinds),
                now,
                &mut announcements,
            )
            .await?;
            conn.execute(
                "UPDATE conversations SET not_to_agent_id = $1 WHERE account_id = $2 AND id = $3",
                args![agent_id, account_id, conversation.id],
            )
            .await?;
            self.changes.commit_with(conn, announcements).await?;
            requeued.push((conversation, events));
        }
        Ok(requeued)
    }
}
