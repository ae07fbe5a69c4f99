//! Occupancy: of the time an agent was online within a report's range, the share they held at
//! least one assigned conversation. Holding spans come from each conversation's events (the
//! same rules as handle time), online time from the presence history; both are clipped to the
//! range, so a span across the range's edge or midnight counts only its part inside.

use std::collections::HashMap;

use tandem_domain::Timestamp;
use tandem_domain::event::{Event, EventKind};
use tandem_domain::id::UserId;

/// A span of time, `start` inclusive, `end` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Online and busy time of one agent, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Time online within the range.
    pub online_ms: i64,
    /// Of that, time holding at least one conversation.
    pub busy_ms: i64,
}

impl Occupancy {
    /// Busy time over online time, from 0 to 1; `None` for an agent never online in the range.
    pub fn rate(&self) -> Option<f64> {
        (self.online_ms > 0).then(|| self.busy_ms as f64 / self.online_ms as f64)
    }
}

/// Who held one conversation when: each `assigned` (or `transferred` to someone) until
/// `unassigned`, `transferred` away, `answer_timed_out`, `handed_back_to_bot` or `resolved`; a
/// hold still open at the last event lasts until `now`. `events` are one conversation's, oldest
/// first.
pub fn holding_spans(events: &[Event], now: Timestamp) -> Vec<(UserId, Span)> {
    let mut spans = Vec::new();
    let mut held: Option<(UserId, Timestamp)> = None;
    for event in events {
        let at = event.created_at;
        let next = match &event.kind {
            EventKind::Assigned { agent_id } => Some(Some(*agent_id)),
            EventKind::Transferred { to_agent_id, .. } => Some(Some(*to_agent_id)),
            EventKind::Unassigned { .. }
            | EventKind::AnswerTimedOut { .. }
            | EventKind::HandedBackToBot
            | EventKind::Resolved => Some(None),
            _ => None,
        };
        let Some(next) = next else { continue };
        if let Some((agent, since)) = held.take() {
            spans.push((
                agent,
                Span {
                    start: since,
                    end: at,
                },
            ));
        }
        held = next.map(|agent| (agent, at));
    }
    if let Some((agent, since)) = held {
        spans.push((
            agent,
            Span {
                start: since,
                end: now,
            },
        ));
    }
    spans
}

fn clip(span: Span, within: Span) -> Option<Span> {
    let start = span.start.max(within.start);
    let end = span.end.min(within.end);
    (start < end).then_some(Span { start, end })
}

fn millis(span: Span) -> i64 {
    span.end.as_millisecond() - span.start.as_millisecond()
}

/// Spans merged where they overlap or touch, in order.
fn union(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|span| span.start);
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// One agent's occupancy within `range`: `online` are their online periods (an open one
/// already ended at "now" by the caller), `holding` the spans they held conversations.
pub fn occupancy(online: &[Span], holding: &[Span], range: Span) -> Occupancy {
    let online = union(
        online
            .iter()
            .filter_map(|&span| clip(span, range))
            .collect(),
    );
    let holding = union(
        holding
            .iter()
            .filter_map(|&span| clip(span, range))
            .collect(),
    );
    let mut result = Occupancy::default();
    for period in &online {
        result.online_ms += millis(*period);
        result.busy_ms += holding
            .iter()
            .filter_map(|&span| clip(span, *period))
            .map(millis)
            .sum::<i64>();
    }
    result
}

/// Occupancy of every agent with online time or holding spans in `range`.
pub fn by_agent(
    online: &[(UserId, Span)],
    holding: &[(UserId, Span)],
    range: Span,
) -> HashMap<UserId, Occupancy> {
    let mut spans: HashMap<UserId, (Vec<Span>, Vec<Span>)> = HashMap::new();
    for (agent, span) in online {
        spans.entry(*agent).or_default().0.push(*span);
    }
    for (agent, span) in holding {
        spans.entry(*agent).or_default().1.push(*span);
    }
    spans
        .into_iter()
        .map(|(agent, (online, holding))| (agent, occupancy(&online, &holding, range)))
        .collect()
}

#[cfg(test)]
mod tests;
