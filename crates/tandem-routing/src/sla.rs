//! SLA clocks: when a target falls due on the team's calendar, and whether a running clock is
//! fine, nearly breached or breached.

use jiff::SignedDuration;
use tandem_domain::Timestamp;
pub use tandem_domain::sla::{SlaStage, SlaTarget};

use crate::calendar::Calendar;

/// The share of the allowed time after which a clock is nearly breached: 80%.
pub const NEAR_BREACH_SHARE: (i32, i32) = (4, 5);

/// The deadline of a target of `allowed` open time started at `start`; `None` when the
/// calendar never opens.
pub fn due_at(calendar: &Calendar, start: Timestamp, allowed: SignedDuration) -> Option<Timestamp> {
    calendar.add_open_time(start, allowed)
}

/// The instant a target started at `start` becomes nearly breached.
pub fn near_breach_at(
    calendar: &Calendar,
    start: Timestamp,
    allowed: SignedDuration,
) -> Option<Timestamp> {
    let (numerator, denominator) = NEAR_BREACH_SHARE;
    let share = allowed.checked_mul(numerator)? / denominator;
    calendar.add_open_time(start, share)
}

/// Where a clock stands at `now`, from its precomputed near-breach and due instants.
pub fn stage(near_breach_at: Timestamp, due_at: Timestamp, now: Timestamp) -> SlaStage {
    if now >= due_at {
        SlaStage::Breached
    } else if now >= near_breach_at {
        SlaStage::NearBreach
    } else {
        SlaStage::OnTrack
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_always_open_team_counts_wall_clock_time() {
        let calendar = Calendar::always_open();
        let start = Timestamp::from_second(1_800_000_000).expect("in range");
        let allowed = SignedDuration::from_mins(10);
        let due = due_at(&calendar, start, allowed).expect("due");
        let near = near_breach_at(&calendar, start, allowed).expect("near");
        assert_eq!(due, start + allowed);
        assert_eq!(near, start + SignedDuration::from_mins(8));
        assert_eq!(stage(near, due, start), SlaStage::OnTrack);
        assert_eq!(
            stage(near, due, start + SignedDuration::from_mins(9)),
            SlaStage::NearBreach
        );
        assert_eq!(stage(near, due, due), SlaStage::Breached);
    }
}
