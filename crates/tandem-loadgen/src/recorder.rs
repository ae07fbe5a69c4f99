//! What a run counts while it goes: accepted messages, latencies in HDR histograms, failures by
//! kind, the scheduler's lateness. Only what happens inside the measured window counts, judged
//! by when the customer message was sent, so warm-up and the drain at the end leave no trace.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::failure::Failure;
use crate::report::{ArrivalCounts, Latencies, LatencySummary, MessageCounts, round_micros};
use crate::scenario::Channel;
use crate::schedule::LATE_AFTER;

/// Longest latency a histogram holds (longer ones are clamped to it).
const HIGHEST_MICROS: u64 = 600_000_000;

/// The measured part of a run.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    /// Whether something sent at `at` counts.
    pub fn contains(&self, at: Instant) -> bool {
        self.start <= at && at < self.end
    }

    /// The window's length.
    pub fn length(&self) -> Duration {
        self.end - self.start
    }
}

/// The counts themselves, without the window: pure bookkeeping.
#[derive(Debug)]
pub struct Tallies {
    attempted: u64,
    accepted: BTreeMap<Channel, u64>,
    handovers: u64,
    bot_reply: Histogram<u64>,
    bot_reply_by_channel: BTreeMap<Channel, Histogram<u64>>,
    agent_notified: Histogram<u64>,
    agent_reply: Histogram<u64>,
    failures: BTreeMap<Failure, u64>,
    scheduled: u64,
    late: u64,
    max_lateness: Duration,
    dropped: u64,
}

fn new_histogram() -> Histogram<u64> {
    // Three significant digits between 1 µs and ten minutes: constant, valid bounds.
    match Histogram::new_with_bounds(1, HIGHEST_MICROS, 3) {
        Ok(histogram) => histogram,
        Err(error) => unreachable!("constant histogram bounds are valid: {error}"),
    }
}

fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    histogram.saturating_record(micros.clamp(1, HIGHEST_MICROS));
}

impl Default for Tallies {
    fn default() -> Self {
        Self {
            attempted: 0,
            accepted: BTreeMap::new(),
            handovers: 0,
            bot_reply: new_histogram(),
            bot_reply_by_channel: BTreeMap::new(),
            agent_notified: new_histogram(),
            agent_reply: new_histogram(),
            failures: BTreeMap::new(),
            scheduled: 0,
            late: 0,
            max_lateness: Duration::ZERO,
            dropped: 0,
        }
    }
}

impl Tallies {
    pub fn attempted(&mut self) {
        self.attempted += 1;
    }

    pub fn accepted(&mut self, channel: Channel, is_handover: bool) {
        *self.accepted.entry(channel).or_default() += 1;
        self.handovers += u64::from(is_handover);
    }

    pub fn bot_reply(&mut self, channel: Channel, latency: Duration) {
        record(&mut self.bot_reply, latency);
        let by_channel = self
            .bot_reply_by_channel
            .entry(channel)
            .or_insert_with(new_histogram);
        record(by_channel, latency);
    }

    pub fn agent_notified(&mut self, latency: Duration) {
        record(&mut self.agent_notified, latency);
    }

    pub fn agent_reply(&mut self, latency: Duration) {
        record(&mut self.agent_reply, latency);
    }

    pub fn failure(&mut self, failure: Failure) {
        *self.failures.entry(failure).or_default() += 1;
    }

    /// An open-loop arrival fired `lateness` after its deadline; `dropped` when no customer
    /// was free to send it.
    pub fn arrival(&mut self, lateness: Duration, dropped: bool) {
        self.scheduled += 1;
        if lateness > LATE_AFTER {
            self.late += 1;
        }
        self.max_lateness = self.max_lateness.max(lateness);
        self.dropped += u64::from(dropped);
    }

    /// The message counts over a window of `length`.
    pub fn messages(&self, length: Duration) -> MessageCounts {
        let accepted: u64 = self.accepted.values().sum();
        MessageCounts {
            attempted: self.attempted,
            accepted,
            accepted_per_second: accepted as f64 / length.as_secs_f64().max(f64::EPSILON),
            accepted_by_channel: self.accepted.clone(),
            handovers: self.handovers,
        }
    }

    pub fn latencies(&self) -> Latencies {
        Latencies {
            bot_reply: LatencySummary::of_micros(&self.bot_reply),
            bot_reply_by_channel: self
                .bot_reply_by_channel
                .iter()
                .filter_map(|(channel, h)| Some((*channel, LatencySummary::of_micros(h)?)))
                .collect(),
            handover_to_agent_notified: LatencySummary::of_micros(&self.agent_notified),
            handover_to_agent_reply: LatencySummary::of_micros(&self.agent_reply),
        }
    }

    pub fn arrivals(&self) -> ArrivalCounts {
        ArrivalCounts {
            scheduled: self.scheduled,
            late: self.late,
            max_lateness_ms: round_micros(self.max_lateness.as_secs_f64() * 1000.0),
            dropped_no_idle_customer: self.dropped,
        }
    }

    pub fn failures(&self) -> BTreeMap<String, u64> {
        self.failures
            .iter()
            .map(|(failure, count)| (failure.to_string(), *count))
            .collect()
    }

    /// Failures so far, for progress lines.
    pub fn failure_count(&self) -> u64 {
        self.failures.values().sum()
    }
}

/// Thread-safe tallies that keep only what falls in the window, once the window is set.
#[derive(Debug, Default)]
pub struct Recorder {
    window: OnceLock<Window>,
    tallies: Mutex<Tallies>,
}

impl Recorder {
    /// Fixes the measured window (the first call wins); nothing counts before.
    pub fn start_window(&self, window: Window) {
        let _ = self.window.set(window);
    }

    /// Applies `change` when `at` (the customer message's send time) is in the window.
    pub fn at(&self, at: Instant, change: impl FnOnce(&mut Tallies)) {
        if self.window.get().is_some_and(|window| window.contains(at)) {
            change(&mut self.lock());
        }
    }

    /// A failure that happened at `at` (for waits: when the awaited message was sent).
    pub fn failure(&self, at: Instant, failure: Failure) {
        self.at(at, |tallies| tallies.failure(failure));
    }

    /// Reads the tallies.
    pub fn read<T>(&self, read: impl FnOnce(&Tallies) -> T) -> T {
        read(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Tallies> {
        // A panic while holding the lock leaves plain counters behind: keep counting.
        self.tallies.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::{FailureKind, Operation};

    #[test]
    fn only_the_window_counts() {
        let start = Instant::now();
        let window = Window {
            start: start + Duration::from_secs(10),
            end: start + Duration::from_secs(30),
        };
        let recorder = Recorder::default();
        recorder.at(start + Duration::from_secs(15), |t| t.attempted());
        recorder.start_window(window);
        for offset in [5, 10, 29, 30] {
            recorder.at(start + Duration::from_secs(offset), |t| {
                t.accepted(Channel::Api, false);
            });
        }
        let messages = recorder.read(|t| t.messages(window.length()));
        assert_eq!(messages.accepted, 2);
        assert_eq!(
            messages.attempted, 0,
            "nothing counts before the window is set"
        );
        assert!((messages.accepted_per_second - 0.1).abs() < 1e-9);
    }

    #[test]
    fn latencies_aggregate_overall_and_per_channel() {
        let mut tallies = Tallies::default();
        for ms in [100, 200, 300] {
            tallies.bot_reply(Channel::Api, Duration::from_millis(ms));
        }
        tallies.bot_reply(Channel::Widget, Duration::from_millis(1000));
        tallies.agent_notified(Duration::from_millis(50));
        let latencies = tallies.latencies();
        let overall = latencies.bot_reply.unwrap();
        assert_eq!(overall.count, 4);
        assert!((overall.max_ms - 1000.0).abs() <= 1.0);
        assert_eq!(latencies.bot_reply_by_channel[&Channel::Api].count, 3);
        assert!(
            !latencies
                .bot_reply_by_channel
                .contains_key(&Channel::Whatsapp)
        );
        assert_eq!(latencies.handover_to_agent_notified.unwrap().count, 1);
        assert!(latencies.handover_to_agent_reply.is_none());
    }

    #[test]
    fn huge_latencies_are_clamped_not_lost() {
        let mut tallies = Tallies::default();
        tallies.agent_reply(Duration::from_secs(3600));
        let summary = tallies.latencies().handover_to_agent_reply.unwrap();
        assert_eq!(summary.count, 1);
        assert!(summary.max_ms >= 599_000.0);
    }

    #[test]
    fn failures_and_arrivals_are_counted_by_kind() {
        let mut tallies = Tallies::default();
        let timeout = Failure {
            operation: Operation::BotReply,
            kind: FailureKind::NotSeenInTime,
        };
        tallies.failure(timeout);
        tallies.failure(timeout);
        tallies.arrival(Duration::from_millis(1), false);
        tallies.arrival(Duration::from_millis(45), true);
        assert_eq!(tallies.failures()["bot_reply: not_seen_in_time"], 2);
        assert_eq!(tallies.failure_count(), 2);
        let arrivals = tallies.arrivals();
        assert_eq!(
            (
                arrivals.scheduled,
                arrivals.late,
                arrivals.dropped_no_idle_customer
            ),
            (2, 1, 1)
        );
        assert!((arrivals.max_lateness_ms - 45.0).abs() < 1e-9);
    }
}
