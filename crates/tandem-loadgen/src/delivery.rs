//! The rules of webhook delivery as a provider plays them (`provider` applies them): a delivery
//! that is not acknowledged (no 2xx) is delivered again with growing pauses until it is; a
//! target that stops answering is dropped for a while and its deliveries go to the other
//! targets; and some deliveries are made twice on purpose (`--duplicate-percent`), as Meta does.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::rng::SeededRng;

/// Pause before the first re-delivery.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// Longest pause between re-deliveries.
const LONGEST_PAUSE: Duration = Duration::from_secs(2);
/// How long a dropped target is left alone before it is tried again.
const DROPPED_FOR: Duration = Duration::from_secs(5);
/// Random stream of the duplicate choices (apart from every customer's and agent's).
const DUPLICATE_STREAM: u64 = u64::MAX / 2;

/// The pause before re-delivery number `attempt` (0 for the first): doubling from 100 ms,
/// at most 2 s.
pub fn backoff(attempt: u32) -> Duration {
    FIRST_PAUSE
        .saturating_mul(2u32.saturating_pow(attempt))
        .min(LONGEST_PAUSE)
}

/// Whether customer message `sequence` is delivered twice, for `percent` of them (the same
/// choice for the same seed).
pub fn is_duplicated(seed: u64, sequence: u64, percent: u32) -> bool {
    SeededRng::derive(seed ^ DUPLICATE_STREAM, sequence).percent_chance(percent)
}

/// How webhooks are delivered in a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryPolicy {
    /// Deliver again, with `backoff`, until acknowledged (at most for `give_up_after`).
    pub redeliver: bool,
    pub give_up_after: Duration,
    /// Percent of customer messages delivered twice.
    pub duplicate_percent: u32,
    pub seed: u64,
}

impl DeliveryPolicy {
    /// Whether the run keeps a delivery ledger (only fault runs need one).
    pub fn keeps_ledger(&self) -> bool {
        self.redeliver || self.duplicate_percent > 0
    }
}

/// A target dropped because it stopped answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDrop {
    pub target: usize,
    pub at: Instant,
}

/// The targets and which of them answer.
#[derive(Debug)]
pub struct TargetPool {
    count: usize,
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    /// When each dropped target was dropped.
    dropped_at: Vec<Option<Instant>>,
    drops: Vec<TargetDrop>,
}

impl TargetPool {
    /// A pool of `count` targets, all answering.
    pub fn new(count: usize) -> Self {
        Self {
            count,
            state: Mutex::new(PoolState {
                dropped_at: vec![None; count],
                drops: Vec::new(),
            }),
        }
    }

    /// The target for a delivery that prefers `preferred` at `now`: it, when it answers; else
    /// the next one that does; else (every target dropped) `preferred` all the same.
    pub fn pick(&self, preferred: usize, now: Instant) -> usize {
        let state = self.lock();
        (0..self.count)
            .map(|step| (preferred + step) % self.count)
            .find(|&target| {
                state.dropped_at[target].is_none_or(|dropped| now >= dropped + DROPPED_FOR)
            })
            .unwrap_or(preferred % self.count)
    }

    /// `target` did not answer at `now`: drop it (again). One outage, however many failures
    /// it takes until the target answers again, is one drop.
    pub fn stopped_answering(&self, target: usize, now: Instant) {
        let mut state = self.lock();
        let was_answering = state.dropped_at[target].replace(now).is_none();
        if was_answering {
            state.drops.push(TargetDrop { target, at: now });
        }
    }

    /// `target` answered: it is back.
    pub fn answered(&self, target: usize) {
        self.lock().dropped_at[target] = None;
    }

    /// Every drop so far, in order.
    pub fn drops(&self) -> Vec<TargetDrop> {
        self.lock().drops.clone()
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_two_seconds() {
        let pauses: Vec<u64> = (0..7).map(|a| backoff(a).as_millis() as u64).collect();
        assert_eq!(pauses, vec![100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(backoff(u32::MAX), LONGEST_PAUSE);
    }

    #[test]
    fn duplicates_are_a_seeded_share() {
        let duplicated = (0..10_000).filter(|&s| is_duplicated(42, s, 10)).count();
        assert!((900..=1100).contains(&duplicated), "{duplicated}");
        let again = (0..10_000).filter(|&s| is_duplicated(42, s, 10)).count();
        assert_eq!(duplicated, again, "the same seed makes the same choices");
        assert!((0..1000).all(|s| !is_duplicated(42, s, 0)));
        assert!((0..1000).all(|s| is_duplicated(42, s, 100)));
    }

    #[test]
    fn a_dropped_target_hands_its_deliveries_to_the_next() {
        let pool = TargetPool::new(2);
        let now = Instant::now();
        assert_eq!(pool.pick(1, now), 1);
        pool.stopped_answering(1, now);
        pool.stopped_answering(1, now + Duration::from_millis(10));
        assert_eq!(pool.pick(1, now), 0);
        assert_eq!(pool.pick(3, now), 0, "preferences wrap around the targets");
        assert_eq!(
            pool.drops(),
            vec![TargetDrop { target: 1, at: now }],
            "one drop"
        );
        let later = now + DROPPED_FOR * 2;
        assert_eq!(pool.pick(1, later), 1, "tried again later");
        pool.stopped_answering(1, later);
        assert_eq!(pool.drops().len(), 1, "still the same outage");
        assert_eq!(pool.pick(1, later), 0);
        pool.answered(1);
        assert_eq!(pool.pick(1, later), 1);
        pool.stopped_answering(1, later);
        assert_eq!(pool.drops().len(), 2, "a new outage");
    }

    #[test]
    fn with_every_target_dropped_the_preferred_one_is_retried() {
        let pool = TargetPool::new(1);
        let now = Instant::now();
        pool.stopped_answering(0, now);
        assert_eq!(pool.pick(0, now), 0);
    }
}
