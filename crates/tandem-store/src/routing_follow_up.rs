//! Routing's part in every recorded write: the events a conversation just got move its routing
//! columns along (a queued conversation is placed: team, priority, arrival and SLA clocks, with
//! a `routed` event; an assignment starts the answer timer; leaving the queue for good stops
//! the clocks).

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::EventKind;
use tandem_routing::queue::{Priority, PriorityFacts};
use tandem_routing::team::{Need, choose_team};

use crate::StoreError;
use crate::db::{Conn, args};
use crate::sla::{start_clocks, stop_clocks};
use crate::team_routing::{team_routing, team_routings};

/// What routing knows of a conversation when it is queued: what the bot understood, if it
/// was the bot that handed it over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoutingFacts {
    /// The intent the bot recognised.
    pub intent: Option<String>,
    /// The customer's language (`pt`, `es`, `en`).
    pub language: Option<String>,
    pub high_value: bool,
    pub negative_sentiment: bool,
}

/// Keeps a conversation's routing columns in step with the events just recorded for it:
/// queued conversations are placed (team, priority, arrival, SLA clocks) and get a `routed`
/// event, assignments start the answer timer, and leaving the queue for good stops the clocks.
/// Returns the extra events to record.
pub(crate) async fn follow_events(
    conn: &mut Conn,
    conversation: &mut Conversation,
    kinds: &[EventKind],
    facts: &RoutingFacts,
    now: Timestamp,
) -> Result<Vec<EventKind>, StoreError> {
    let account_id = conversation.account_id;
    let mut extra = Vec::new();
    for kind in kinds {
        match kind {
            EventKind::Queued => extra.push(place(conn, conversation, facts, now).await?),
            EventKind::Assigned { agent_id }
            | EventKind::Transferred {
                to_agent_id: agent_id,
                ..
            } => {
                // The answer timer runs only where the team has an answer timeout, so the
                // worker's sweep never wades through conversations that cannot time out.
                let times_out = team_routing(conn, account_id, conversation.team_id)
                    .await?
                    .is_some_and(|team| team.answer_timeout.is_some());
                conn.execute(
                    "UPDATE conversations SET assigned_at = $1, awaiting_answer_since = $2, not_to_agent_id = NULL \
                     WHERE account_id = $3 AND id = $4",
                    args![now, times_out.then_some(now), account_id, conversation.id],
                )
                .await?;
                conn.execute(
                    "UPDATE users SET last_assigned_at = $1 WHERE account_id = $2 AND id = $3",
                    args![now, account_id, *agent_id],
                )
                .await?;
            }
            EventKind::HandedBackToBot | EventKind::Resolved => {
                conn.execute(
                    "UPDATE conversations SET queued_at = NULL, priority = 0, escalations = 0, \
                     awaiting_answer_since = NULL, not_to_agent_id = NULL, queue_notice_position = NULL, \
                     queue_notice_at = NULL WHERE account_id = $1 AND id = $2",
                    args![account_id, conversation.id],
                )
                .await?;
                stop_clocks(conn, account_id, conversation.id, None, now).await?;
            }
            EventKind::FirstAgentReply { .. } => {
                stop_clocks(
                    conn,
                    account_id,
                    conversation.id,
                    Some(tandem_routing::sla::SlaTarget::FirstResponse),
                    now,
                )
                .await?;
            }
            _ => {}
        }
    }
    Ok(extra)
}

/// Places a conversation that just entered the queue: its team (kept if it has one, else
/// chosen from the facts), its priority (never lowered by a requeue), its arrival (kept, so a
/// returned conversation goes ahead of newer ones) and its SLA clocks.
async fn place(
    conn: &mut Conn,
    conversation: &mut Conversation,
    facts: &RoutingFacts,
    now: Timestamp,
) -> Result<EventKind, StoreError> {
    let account_id = conversation.account_id;
    let teams = team_routings(conn, account_id).await?;
    let kept = conversation
        .team_id
        .and_then(|id| teams.iter().find(|team| team.team_id == id));
    let team = match kept {
        Some(team) => Some(team),
        None => choose_team(
            &teams,
            &Need {
                intent: facts.intent.as_deref(),
                language: facts.language.as_deref(),
                inbox_id: Some(conversation.inbox_id),
            },
        ),
    };
    let team_id = team.map(|team| team.team_id);
    conversation.team_id = team_id;
    let entering = Priority::of(PriorityFacts {
        high_value: facts.high_value,
        negative_sentiment: facts.negative_sentiment,
    });
    // The priority is never lowered by a requeue.
    let (priority,): (i64,) = conn
        .fetch_one(
            "UPDATE conversations SET team_id = $1, \
             priority = CASE WHEN priority > $2 THEN priority ELSE $2 END, \
             queued_at = COALESCE(queued_at, $3), assigned_at = NULL, awaiting_answer_since = NULL \
             WHERE account_id = $4 AND id = $5 RETURNING priority",
            args![
                team_id,
                i64::from(entering.0),
                now,
                account_id,
                conversation.id
            ],
        )
        .await?;
    if let Some(team) = team {
        start_clocks(conn, conversation, team, now).await?;
    }
    Ok(EventKind::Routed {
        team_id,
        priority: i32::try_from(priority).unwrap_or(i32::MAX),
    })
}
