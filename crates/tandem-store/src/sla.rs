//! SLA clocks: started when a conversation is queued for a team with SLA targets, stopped by
//! the first agent reply or resolution, and advanced by the routing worker, which records
//! near-breaches and breaches as events and escalates the conversation's priority.

use sqlx::FromRow;
use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::id::{AccountId, ConversationId};
use tandem_routing::queue::Priority;
use tandem_routing::sla::{SlaStage, SlaTarget, due_at, near_breach_at, stage};
use tandem_routing::team::TeamRouting;
use uuid::Uuid;

use crate::conversations::{find_conversation, inbox_rules, insert_events};
use crate::db::{Conn, args};
use crate::records::timestamp;
use crate::{Store, StoreError};

/// One SLA clock of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaClock {
    pub target: SlaTarget,
    pub started_at: Timestamp,
    pub near_breach_at: Timestamp,
    pub due_at: Timestamp,
    pub stage: SlaStage,
    /// When the target was met (or the conversation left people); `None` while running.
    pub stopped_at: Option<Timestamp>,
}

#[derive(FromRow)]
struct ClockRow {
    account_id: Uuid,
    conversation_id: Uuid,
    target: String,
    started_at: i64,
    near_breach_at: i64,
    due_at: i64,
    stage: String,
    stopped_at: Option<i64>,
}

const CLOCK_COLUMNS: &str =
    "account_id, conversation_id, target, started_at, near_breach_at, due_at, stage, stopped_at";

impl TryFrom<ClockRow> for SlaClock {
    type Error = StoreError;
    fn try_from(row: ClockRow) -> Result<Self, StoreError> {
        Ok(SlaClock {
            target: SlaTarget::from_name(&row.target).ok_or_else(|| {
                StoreError::corrupt(format!("sla_clocks.target = {:?}", row.target))
            })?,
            started_at: timestamp(row.started_at)?,
            near_breach_at: timestamp(row.near_breach_at)?,
            due_at: timestamp(row.due_at)?,
            stage: SlaStage::from_name(&row.stage).ok_or_else(|| {
                StoreError::corrupt(format!("sla_clocks.stage = {:?}", row.stage))
            })?,
            stopped_at: row.stopped_at.map(timestamp).transpose()?,
        })
    }
}

/// Starts the team's SLA clocks a conversation does not have yet (a requeued conversation
/// keeps the clocks it started with; its first response is not due again once given).
pub(crate) async fn start_clocks(
    conn: &mut Conn,
    conversation: &Conversation,
    team: &TeamRouting,
    now: Timestamp,
) -> Result<(), StoreError> {
    let targets = [
        (
            SlaTarget::FirstResponse,
            team.first_response_sla
                .filter(|_| conversation.first_agent_reply_at.is_none()),
        ),
        (SlaTarget::Resolution, team.resolution_sla),
    ];
    for (target, allowed) in targets {
        let Some(allowed) = allowed else { continue };
        let (Some(due), Some(near)) = (
            due_at(&team.calendar, now, allowed),
            near_breach_at(&team.calendar, now, allowed),
        ) else {
            continue;
        };
        conn.execute(
            "INSERT INTO sla_clocks (conversation_id, account_id, target, started_at, near_breach_at, due_at, stage) \
             VALUES ($1, $2, $3, $4, $5, $6, 'on_track') ON CONFLICT (conversation_id, target) DO NOTHING",
            args![conversation.id, conversation.account_id, target.as_str(), now, near, due],
        )
        .await?;
    }
    Ok(())
}

/// Stops a conversation's running clocks: one target, or all of them.
pub(crate) async fn stop_clocks(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
    target: Option<SlaTarget>,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sla_clocks SET stopped_at = $1 WHERE account_id = $2 AND conversation_id = $3 \
         AND stopped_at IS NULL AND ($4 IS NULL OR target = $4)",
        args![
            now,
            account_id,
            conversation_id,
            target.map(SlaTarget::as_str)
        ],
    )
    .await?;
    Ok(())
}

/// Running clocks whose stage changes by `now`, at most `limit`.
const DUE_CLOCKS: &str = "SELECT account_id, conversation_id, target, started_at, near_breach_at, due_at, stage, stopped_at \
     FROM sla_clocks WHERE stopped_at IS NULL AND ((stage = 'on_track' AND near_breach_at <= $1) \
     OR (stage <> 'breached' AND due_at <= $1)) ORDER BY near_breach_at LIMIT $2";

impl Store {
    /// A conversation's SLA clocks, running and stopped.
    pub async fn sla_clocks(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Vec<SlaClock>, StoreError> {
        let mut conn = self.read().await?;
        find_conversation(&mut conn, account_id, conversation_id, false).await?;
        let rows: Vec<ClockRow> = conn
            .fetch_all(
                &format!("SELECT {CLOCK_COLUMNS} FROM sla_clocks WHERE account_id = $1 AND conversation_id = $2 ORDER BY target"),
                args![account_id, conversation_id],
            )
            .await?;
        rows.into_iter().map(SlaClock::try_from).collect()
    }

    /// Moves every running clock to its stage at `now` (all accounts; the routing worker calls
    /// it): each near-breach or breach is recorded as an event and raises the conversation's
    /// priority while it waits in the queue. Returns the conversations and their new events.
    pub async fn advance_sla_clocks(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<(Conversation, Vec<Event>)>, StoreError> {
        let mut conn = self.write().await?;
        let rows: Vec<ClockRow> = conn.fetch_all(DUE_CLOCKS, args![now, limit]).await?;
        let mut escalated = Vec::new();
        let mut changes = Vec::new();
        for row in rows {
            let account_id = AccountId(row.account_id);
            let conversation_id = ConversationId(row.conversation_id);
            let clock = SlaClock::try_from(row)?;
            let reached = stage(clock.near_breach_at, clock.due_at, now);
            if reached <= clock.stage {
                continue;
            }
            conn.execute(
                "UPDATE sla_clocks SET stage = $1 WHERE account_id = $2 AND conversation_id = $3 AND target = $4",
                args![reached.as_str(), account_id, conversation_id, clock.target.as_str()],
            )
            .await?;
            let mut conversation =
                find_conversation(&mut conn, account_id, conversation_id, true).await?;
            // Every stage passed is recorded, even when one tick passes both.
            let passed: Vec<SlaStage> = [SlaStage::NearBreach, SlaStage::Breached]
                .into_iter()
                .filter(|stage| *stage > clock.stage && *stage <= reached)
                .collect();
            let mut kinds: Vec<EventKind> = passed
                .iter()
                .map(|stage| match stage {
                    SlaStage::Breached => EventKind::SlaBreached {
                        target: clock.target,
                        due_at: clock.due_at,
                    },
                    _ => EventKind::SlaNearBreach {
                        target: clock.target,
                        due_at: clock.due_at,
                    },
                })
                .collect();
            if conversation.status == ConversationStatus::Queued {
                let (priority, escalations): (i64, i64) = conn
                    .fetch_one(
                        "SELECT priority, escalations FROM conversations WHERE account_id = $1 AND id = $2",
                        args![account_id, conversation_id],
                    )
                    .await?;
                let current = Priority(i32::try_from(priority).unwrap_or(i32::MAX));
                let mut raised = current;
                let mut count = i32::try_from(escalations).unwrap_or(i32::MAX);
                for _ in &passed {
                    let next = raised.escalated(count);
                    if next != raised {
                        count += 1;
                    }
                    raised = next;
                }
                if raised != current {
                    conn.execute(
                        "UPDATE conversations SET priority = $1, escalations = $2 \
                         WHERE account_id = $3 AND id = $4",
                        args![
                            i64::from(raised.0),
                            i64::from(count),
                            account_id,
                            conversation_id
                        ],
                    )
                    .await?;
                    kinds.push(EventKind::PriorityRaised { priority: raised.0 });
                }
            }
            let rules = inbox_rules(&mut conn, account_id, conversation.inbox_id).await?;
            let events = insert_events(
                &mut conn,
                &mut conversation,
                rules.has_webhook,
                Actor::System,
                kinds,
                now,
            )
            .await?;
            changes.push(crate::changes::Change::recorded(
                &conversation,
                None,
                &events,
            ));
            escalated.push((conversation, events));
        }
        self.changes.commit_with(conn, changes).await?;
        Ok(escalated)
    }
}
