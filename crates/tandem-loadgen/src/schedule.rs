//! The open-loop arrival schedule: message `k` is due at `start + k / rate`, whatever happened
//! to earlier ones, so a slow server faces the same offered load instead of a politely smaller
//! one. Deadlines are computed from the start, never from the previous send, so they never drift.

use std::time::{Duration, Instant};

/// An arrival later than this after its deadline counts as late: the generator fell behind.
pub const LATE_AFTER: Duration = Duration::from_millis(20);

/// Fixed-rate arrivals.
#[derive(Debug, Clone, Copy)]
pub struct ArrivalSchedule {
    start: Instant,
    rate_per_second: f64,
}

impl ArrivalSchedule {
    /// Arrivals at `rate_per_second` (must be positive) from `start`.
    pub fn new(start: Instant, rate_per_second: f64) -> Self {
        Self {
            start,
            rate_per_second,
        }
    }

    /// When arrival `k` (from zero) is due.
    pub fn deadline(&self, k: u64) -> Instant {
        self.start + Duration::from_secs_f64(k as f64 / self.rate_per_second)
    }
}

/// How late an arrival fired after its deadline (zero when on time or early).
pub fn lateness(deadline: Instant, fired: Instant) -> Duration {
    fired.saturating_duration_since(deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_evenly_spaced_from_the_start() {
        let start = Instant::now();
        let schedule = ArrivalSchedule::new(start, 50.0);
        assert_eq!(schedule.deadline(0), start);
        assert_eq!(schedule.deadline(1) - start, Duration::from_millis(20));
        assert_eq!(schedule.deadline(50) - start, Duration::from_secs(1));
        assert_eq!(
            schedule.deadline(1_000_000) - start,
            Duration::from_secs(20_000)
        );
    }

    #[test]
    fn fractional_rates_are_kept() {
        let start = Instant::now();
        let schedule = ArrivalSchedule::new(start, 0.5);
        assert_eq!(schedule.deadline(3) - start, Duration::from_secs(6));
    }

    #[test]
    fn lateness_is_never_negative() {
        let deadline = Instant::now();
        assert_eq!(lateness(deadline, deadline), Duration::ZERO);
        assert_eq!(
            lateness(deadline + Duration::from_millis(5), deadline),
            Duration::ZERO
        );
        assert_eq!(
            lateness(deadline, deadline + Duration::from_millis(30)),
            Duration::from_millis(30)
        );
    }
}
