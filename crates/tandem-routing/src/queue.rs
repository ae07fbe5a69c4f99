//! The order of a queue (priority, then arrival), a conversation's place in it, and the
//! estimated wait from recent handling times.

use std::cmp::Ordering;

use jiff::SignedDuration;
use tandem_domain::Timestamp;
use tandem_domain::id::{ConversationId, TeamId, UserId};

/// How urgent a waiting conversation is; higher goes first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(pub i32);

/// What raises a conversation's priority when it is queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriorityFacts {
    /// The contact is marked high-value, or the handover was for a high-value request.
    pub high_value: bool,
    /// The customer's sentiment turned negative.
    pub negative_sentiment: bool,
}

impl Priority {
    /// Added for a high-value contact.
    pub const HIGH_VALUE: i32 = 20;
    /// Added for negative sentiment.
    pub const NEGATIVE_SENTIMENT: i32 = 10;
    /// Added by each SLA escalation.
    pub const ESCALATION: i32 = 5;
    /// The most escalations that raise priority; beyond it breaches no longer reorder.
    pub const MAX_ESCALATIONS: i32 = 2;

    /// The priority a conversation enters the queue with.
    pub fn of(facts: PriorityFacts) -> Self {
        let mut priority = 0;
        if facts.high_value {
            priority += Self::HIGH_VALUE;
        }
        if facts.negative_sentiment {
            priority += Self::NEGATIVE_SENTIMENT;
        }
        Priority(priority)
    }

    /// The priority after an SLA near-breach or breach, given how many escalations came before.
    pub fn escalated(self, escalations_so_far: i32) -> Self {
        if escalations_so_far >= Self::MAX_ESCALATIONS {
            self
        } else {
            Priority(self.0 + Self::ESCALATION)
        }
    }
}

/// A conversation waiting for an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub conversation_id: ConversationId,
    /// The team whose agents may take it; `None` for anyone in the account.
    pub team_id: Option<TeamId>,
    pub priority: Priority,
    /// When it first entered the queue; kept when an agent's conversation is returned to the
    /// queue, so it goes ahead of newer ones.
    pub queued_at: Timestamp,
    /// An agent it must not go to again (who let it time out).
    pub not_to: Option<UserId>,
}

/// Queue order: higher priority first, then earlier arrival, then id (total and stable).
pub fn queue_order(a: &Waiting, b: &Waiting) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then(a.queued_at.cmp(&b.queued_at))
        .then(a.conversation_id.cmp(&b.conversation_id))
}

/// The 1-based place of `conversation_id` among the conversations waiting for the same team,
/// in queue order; `None` when it is not waiting.
pub fn position(waiting: &[Waiting], conversation_id: ConversationId) -> Option<u32> {
    let me = waiting
        .iter()
        .find(|w| w.conversation_id == conversation_id)?;
    let ahead = waiting
        .iter()
        .filter(|other| other.team_id == me.team_id && queue_order(other, me) == Ordering::Less)
        .count();
    Some(u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1))
}

/// How long the conversation at `position` should wait: the conversations ahead of it are
/// taken as places free up, and `capacity` places (the online agents' capacity) free up once
/// per `handling_time` on average. `None` when nobody is online to take it.
pub fn estimated_wait(
    position: u32,
    capacity: u32,
    handling_time: SignedDuration,
) -> Option<SignedDuration> {
    if capacity == 0 {
        return None;
    }
    let handling_secs = handling_time.as_secs().max(1);
    let ahead = i64::from(position.saturating_sub(1));
    let rounds = ahead / i64::from(capacity) + 1;
    Some(SignedDuration::from_secs(rounds * handling_secs))
}

/// The typical handling time from recent ones: their median, or `default` without history.
pub fn typical_handling_time(
    mut recent: Vec<SignedDuration>,
    default: SignedDuration,
) -> SignedDuration {
    if recent.is_empty() {
        return default;
    }
    recent.sort();
    recent[recent.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).expect("in range")
    }

    fn waiting(n: u128, team: Option<u128>, priority: i32, queued: i64) -> Waiting {
        Waiting {
            conversation_id: ConversationId(Uuid::from_u128(n)),
            team_id: team.map(|t| TeamId(Uuid::from_u128(t))),
            priority: Priority(priority),
            queued_at: at(queued),
            not_to: None,
        }
    }

    #[test]
    fn priority_comes_from_value_then_sentiment() {
        let of = |high_value, negative_sentiment| {
            Priority::of(PriorityFacts {
                high_value,
                negative_sentiment,
            })
        };
        assert!(of(true, false) > of(false, true));
        assert!(of(false, true) > of(false, false));
        assert!(of(true, true) > of(true, false));
    }

    #[test]
    fn escalation_raises_priority_a_bounded_number_of_times() {
        let start = Priority(0);
        let once = start.escalated(0);
        let twice = once.escalated(1);
        assert!(once > start && twice > once);
        assert_eq!(twice.escalated(2), twice);
    }

    #[test]
    fn the_queue_is_ordered_by_priority_then_arrival() {
        let mut queue = [
            waiting(1, None, 0, 10),
            waiting(2, None, 10, 30),
            waiting(3, None, 0, 5),
            waiting(4, None, 10, 20),
            waiting(5, None, 0, 5),
        ];
        queue.sort_by(queue_order);
        let order: Vec<u128> = queue
            .iter()
            .map(|w| w.conversation_id.0.as_u128())
            .collect();
        assert_eq!(order, [4, 2, 3, 5, 1]);
    }

    #[test]
    fn positions_count_only_the_same_teams_queue() {
        let queue = [
            waiting(1, Some(1), 0, 10),
            waiting(2, Some(2), 0, 1),
            waiting(3, Some(1), 20, 30),
            waiting(4, Some(1), 0, 40),
            waiting(5, None, 0, 0),
        ];
        let place = |n| position(&queue, ConversationId(Uuid::from_u128(n)));
        assert_eq!(place(3), Some(1));
        assert_eq!(place(1), Some(2));
        assert_eq!(place(4), Some(3));
        assert_eq!(place(2), Some(1));
        assert_eq!(place(5), Some(1));
        assert_eq!(place(9), None);
    }

    #[test]
    fn the_wait_grows_with_the_line_and_shrinks_with_capacity() {
        let five_minutes = SignedDuration::from_mins(5);
        assert_eq!(estimated_wait(1, 3, five_minutes), Some(five_minutes));
        assert_eq!(estimated_wait(3, 3, five_minutes), Some(five_minutes));
        assert_eq!(
            estimated_wait(4, 3, five_minutes),
            Some(SignedDuration::from_mins(10))
        );
        assert_eq!(
            estimated_wait(7, 1, five_minutes),
            Some(SignedDuration::from_mins(35))
        );
        assert_eq!(estimated_wait(1, 0, five_minutes), None);
    }

    #[test]
    fn handling_time_is_the_median_of_recent_ones() {
        let default = SignedDuration::from_mins(5);
        assert_eq!(typical_handling_time(vec![], default), default);
        let recent = [9, 1, 3, 120, 4].map(SignedDuration::from_mins).to_vec();
        assert_eq!(
            typical_handling_time(recent, default),
            SignedDuration::from_mins(4)
        );
    }
}
