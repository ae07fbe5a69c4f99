//! Agents' occupancy over a report range: the online periods of the presence history and the
//! spans agents held conversations (from the events that give and take them), clipped to the
//! range by `tandem_reports::occupancy`.

use std::collections::HashMap;

use tandem_domain::Timestamp;
use tandem_domain::event::Event;
use tandem_domain::id::{AccountId, UserId};
use tandem_domain::user::Presence;
use tandem_reports::occupancy::{Occupancy, Span, by_agent, holding_spans};

use crate::db::args;
use crate::records::{EVENT_COLUMNS, EventRow, convert_all};
use crate::{Store, StoreError};

/// The events that give a conversation to an agent or take it away.
const HOLDING_KINDS: &str = "('assigned', 'transferred', 'unassigned', 'answer_timed_out', \
    'handed_back_to_bot', 'resolved')";

impl Store {
    /// Occupancy of every agent online or holding a conversation within `start..end`, as of
    /// `now` (an open presence period or hold lasts until `now`).
    pub async fn report_occupancy(
        &self,
        account_id: AccountId,
        start: Timestamp,
        end: Timestamp,
        now: Timestamp,
    ) -> Result<HashMap<UserId, Occupancy>, StoreError> {
        let range = Span {
            start,
            end: end.min(now),
        };
        let online: Vec<(UserId, Span)> = self
            .presence_periods(account_id, start, end)
            .await?
            .into_iter()
            .filter(|period| period.presence == Presence::Online)
            .map(|period| {
                let span = Span {
                    start: period.started_at,
                    end: period.ended_at.unwrap_or(now),
                };
                (period.user_id, span)
            })
            .collect();
        // Conversations whose holds may overlap the range: given or taken within it, or held
        // now; each one's holding events from its beginning to the range's end.
        let mut conn = self.read().await?;
        let events: Vec<Event> = convert_all(
            conn.fetch_all::<EventRow>(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND created_at < $3 \
                     AND kind IN {HOLDING_KINDS} AND conversation_id IN (\
                         SELECT conversation_id FROM events WHERE account_id = $1 AND kind IN {HOLDING_KINDS} \
                         AND created_at >= $2 AND created_at < $3 \
                         UNION SELECT id FROM conversations WHERE account_id = $1 AND status = 'assigned') \
                     ORDER BY conversation_id, created_at, id"
                ),
                args![account_id, start, end],
            )
            .await?,
        )?;
        let mut holding = Vec::new();
        for conversation in events.chunk_by(|a, b| a.conversation_id == b.conversation_id) {
            holding.extend(holding_spans(conversation, range.end));
        }
        Ok(by_agent(&online, &holding, range))
    }
}
