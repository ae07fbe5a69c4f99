//! The routing worker's SLA sweep: running clocks move to their stage, each near-breach or
//! breach is recorded as an event, and a conversation still waiting in the queue has its
//! priority raised.

use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_routing::queue::Priority;
use tandem_routing::sla::{SlaStage, stage};

use crate::changes::Announcements;
use crate::conversation_rows::find_conversation;
use crate::db::args;
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::sla::{due_clocks, set_clock_stage};
use crate::{Store, StoreError};

impl Store {
    /// Moves every running clock to its stage at `now` (all accounts; the routing worker calls
    /// it): each near-breach or breach is recorded as an event and raises the conversation's
    /// priority while it waits in the queue. Returns the conversations and their new events.
    pub async fn advance_sla_clocks(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<(Conversation, Vec<Event>)>, StoreError> {
        let mut conn = self.write().await?;
        let clocks = due_clocks(&mut conn, now, limit).await?;
        let mut escalated = Vec::new();
        let mut announcements = Announcements::default();
        for (account_id, conversation_id, clock) in clocks {
            let reached = stage(clock.near_breach_at, clock.due_at, now);
            if reached <= clock.stage {
                continue;
            }
            set_clock_stage(
                &mut conn,
                account_id,
                conversation_id,
                clock.target,
                reached,
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
            let events = record(
                &mut conn,
                &mut conversation,
                rules.has_webhook,
                Written::by(Actor::System, kinds),
                now,
                &mut announcements,
            )
            .await?;
            escalated.push((conversation, events));
        }
        self.changes.commit_with(conn, announcements).await?;
        Ok(escalated)
    }
}
