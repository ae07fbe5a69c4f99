//! Hand-computed occupancy over a São Paulo day (03:00 UTC to 03:00 UTC the next day), with
//! periods across the range's edges, local midnight and UTC midnight.

use tandem_domain::event::Actor;
use tandem_domain::id::{AccountId, ConversationId, EventId};

use super::*;

fn at(rfc: &str) -> Timestamp {
    rfc.parse().unwrap()
}

fn span(start: &str, end: &str) -> Span {
    Span {
        start: at(start),
        end: at(end),
    }
}

/// 2026-11-02 in America/Sao_Paulo (UTC-3, no DST).
fn day() -> Span {
    span("2026-11-02T03:00:00Z", "2026-11-03T03:00:00Z")
}

const HOUR: i64 = 60 * 60 * 1000;

#[test]
fn busy_time_is_holding_time_inside_online_time_inside_the_range() {
    let online = [
        // From before the range: 03:00 to 05:00 counts, 2 h.
        span("2026-11-02T01:00:00Z", "2026-11-02T05:00:00Z"),
        span("2026-11-02T12:00:00Z", "2026-11-02T14:00:00Z"),
        // Across local midnight (the range's end): 02:00 to 03:00 counts, 1 h.
        span("2026-11-03T02:00:00Z", "2026-11-03T04:00:00Z"),
    ];
    let holding = [
        // Held from before the range: 03:00 to 04:00, 1 h.
        span("2026-11-02T02:00:00Z", "2026-11-02T04:00:00Z"),
        // Two at once count once: 04:30 to 05:00 while online, 30 min.
        span("2026-11-02T04:30:00Z", "2026-11-02T06:00:00Z"),
        span("2026-11-02T05:30:00Z", "2026-11-02T07:00:00Z"),
        // Across UTC midnight and a time offline: 13:00 to 14:00 and 02:00 to 02:30, 1.5 h.
        span("2026-11-02T13:00:00Z", "2026-11-03T02:30:00Z"),
    ];
    let occupancy = occupancy(&online, &holding, day());
    assert_eq!(occupancy.online_ms, 5 * HOUR);
    assert_eq!(occupancy.busy_ms, 3 * HOUR);
    assert_eq!(occupancy.rate(), Some(0.6));
}

#[test]
fn an_agent_never_online_in_the_range_has_no_occupancy() {
    let agent = UserId::generate();
    let other = UserId::generate();
    let found = by_agent(
        &[(other, span("2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z"))],
        &[
            (agent, span("2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z")),
            (other, span("2026-11-02T10:15:00Z", "2026-11-02T10:30:00Z")),
        ],
        day(),
    );
    assert_eq!(found[&agent].rate(), None);
    assert_eq!(found[&other].rate(), Some(0.25));
}

fn event(when: &str, kind: EventKind) -> Event {
    Event {
        id: EventId::generate(),
        account_id: AccountId::generate(),
        conversation_id: ConversationId::generate(),
        actor: Actor::System,
        kind,
        created_at: at(when),
    }
}

#[test]
fn a_conversation_is_held_from_assignment_to_release_and_an_open_hold_lasts_until_now() {
    let (first, second) = (UserId::generate(), UserId::generate());
    let events = [
        event("2026-11-02T10:00:00Z", EventKind::Queued),
        event(
            "2026-11-02T10:01:00Z",
            EventKind::Assigned { agent_id: first },
        ),
        event(
            "2026-11-02T10:05:00Z",
            EventKind::Transferred {
                from_agent_id: first,
                to_agent_id: second,
            },
        ),
        event("2026-11-02T10:09:00Z", EventKind::Resolved),
        event(
            "2026-11-02T11:00:00Z",
            EventKind::Reopened {
                status: tandem_domain::conversation::ConversationStatus::Queued,
            },
        ),
        event(
            "2026-11-02T11:02:00Z",
            EventKind::Assigned { agent_id: first },
        ),
    ];
    assert_eq!(
        holding_spans(&events, at("2026-11-02T11:30:00Z")),
        [
            (first, span("2026-11-02T10:01:00Z", "2026-11-02T10:05:00Z")),
            (second, span("2026-11-02T10:05:00Z", "2026-11-02T10:09:00Z")),
            (first, span("2026-11-02T11:02:00Z", "2026-11-02T11:30:00Z")),
        ]
    );
}
