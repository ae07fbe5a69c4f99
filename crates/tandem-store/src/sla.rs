//! SLA clocks: started when a conversation is queued for a team with SLA targets, stopped by
//! the first agent reply or resolution, and read back; the routing worker's sweep that moves
//! them to their stage is `sla_escalation.rs`.

use sqlx::FromRow;
use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::id::{AccountId, ConversationId};
use tandem_routing::sla::{SlaStage, SlaTarget, due_at, near_breach_at};
use tandem_routing::team::TeamRouting;
use uuid::Uuid;

use crate::conversation_rows::find_conversation;
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

/// Running clocks whose stage changes by `now`, at most `limit`, in every account.
pub(crate) async fn due_clocks(
    conn: &mut Conn,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<(AccountId, ConversationId, SlaClock)>, StoreError> {
    let rows: Vec<ClockRow> = conn
        .fetch_all(
            &format!(
                "SELECT {CLOCK_COLUMNS} FROM sla_clocks WHERE stopped_at IS NULL \
                 AND ((stage = 'on_track' AND near_breach_at <= $1) \
                 OR (stage <> 'breached' AND due_at <= $1)) ORDER BY near_breach_at LIMIT $2"
            ),
            args![now, limit],
        )
        .await?;
    rows.into_iter()
        .map(|row| {
            let account_id = AccountId(row.account_id);
            let conversation_id = ConversationId(row.conversation_id);
            Ok((account_id, conversation_id, SlaClock::try_from(row)?))
        })
        .collect()
}

/// Moves one clock of a conversation to `stage`.
pub(crate) async fn set_clock_stage(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
    target: SlaTarget,
    stage: SlaStage,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sla_clocks SET stage = $1 WHERE account_id = $2 AND conversation_id = $3 AND target = $4",
        args![stage.as_str(), account_id, conversation_id, target.as_str()],
    )
    .await?;
    Ok(())
}

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
}
