//! The aggregate figures of a set of runs (issue 4): containment and resolution of routine
//! conversations, handover precision and recall per reason, accuracies, checks met and the
//! turn latencies' percentiles.

use std::time::Duration;

use tandem_domain::event::HandoverReason;

use super::run::{ActualOutcome, ConversationRun};
use super::script::{ExpectedOutcome, Label};

/// Precision and recall of one handover reason over the whole set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReasonFigures {
    /// The reason.
    pub reason: HandoverReason,
    /// Conversations that should hand over for it.
    pub expected: usize,
    /// Conversations the bot handed over for it.
    pub predicted: usize,
    /// Both.
    pub correct: usize,
}

impl ReasonFigures {
    /// Of the bot's handovers for this reason, the share that were right; `None` when the
    /// bot never gave it.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.correct, self.predicted)
    }

    /// Of the conversations that should hand over for this reason, the share the bot did;
    /// `None` when the script has none.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.correct, self.expected)
    }
}

/// The aggregate figures of a set of runs.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Conversations played.
    pub conversations: usize,
    /// Routine conversations (expected contained).
    pub routine: usize,
    /// Routine conversations the bot kept to the end.
    pub routine_contained: usize,
    /// Routine conversations kept and with every per-turn expectation met.
    pub routine_resolved: usize,
    /// Conversations that need a person.
    pub needing_person: usize,
    /// Of those, the ones the bot handed over at all (any reason, any turn).
    pub needing_person_handed_over: usize,
    /// Per reason, in `HandoverReason::ALL` order.
    pub reasons: Vec<ReasonFigures>,
    /// Conversations whose label (contained or reason) is right.
    pub label_matches: usize,
    /// Conversations whose label and handover turn are right.
    pub outcome_matches: usize,
    /// Conversations where the handover-or-not decision is right.
    pub decision_matches: usize,
    /// Per-turn checks made and met.
    pub checks: usize,
    /// See `checks`.
    pub checks_met: usize,
    /// Every turn's latency, sorted.
    pub latencies: Vec<Duration>,
}

impl Figures {
    /// Computes the figures of `runs`.
    pub fn of(runs: &[ConversationRun]) -> Figures {
        let routine: Vec<&ConversationRun> = runs
            .iter()
            .filter(|run| run.expected == ExpectedOutcome::Contained)
            .collect();
        let reasons = HandoverReason::ALL
            .iter()
            .map(|reason| {
                let label = Label::Handover(*reason);
                ReasonFigures {
                    reason: *reason,
                    expected: runs
                        .iter()
                        .filter(|run| run.expected.label() == label)
                        .count(),
                    predicted: runs
                        .iter()
                        .filter(|run| run.actual.label() == label)
                        .count(),
                    correct: runs
                        .iter()
                        .filter(|run| run.expected.label() == label && run.actual.label() == label)
                        .count(),
                }
            })
            .collect();
        let mut latencies: Vec<Duration> = runs
            .iter()
            .flat_map(|run| run.latencies.iter().copied())
            .collect();
        latencies.sort_unstable();
        let needing: Vec<&ConversationRun> = runs
            .iter()
            .filter(|run| run.expected != ExpectedOutcome::Contained)
            .collect();
        Figures {
            conversations: runs.len(),
            routine: routine.len(),
            routine_contained: routine
                .iter()
                .filter(|run| run.actual == ActualOutcome::Contained)
                .count(),
            routine_resolved: routine
                .iter()
                .filter(|run| run.actual == ActualOutcome::Contained && run.misses.is_empty())
                .count(),
            needing_person: needing.len(),
            needing_person_handed_over: needing
                .iter()
                .filter(|run| run.actual != ActualOutcome::Contained)
                .count(),
            reasons,
            label_matches: runs
                .iter()
                .filter(|run| run.expected.label() == run.actual.label())
                .count(),
            outcome_matches: runs.iter().filter(|run| run.outcome_matches()).count(),
            decision_matches: runs
                .iter()
                .filter(|run| {
                    (run.expected == ExpectedOutcome::Contained)
                        == (run.actual == ActualOutcome::Contained)
                })
                .count(),
            checks: runs.iter().map(|run| run.checks).sum(),
            checks_met: runs.iter().map(|run| run.checks_met).sum(),
            latencies,
        }
    }

    /// Share of routine conversations the bot kept.
    pub fn containment(&self) -> f64 {
        ratio(self.routine_contained, self.routine).unwrap_or(0.0)
    }

    /// Share of routine conversations kept with every expectation met.
    pub fn resolution(&self) -> f64 {
        ratio(self.routine_resolved, self.routine).unwrap_or(0.0)
    }

    /// Share of conversations needing a person that the bot handed over (any reason).
    pub fn handover_recall(&self) -> f64 {
        ratio(self.needing_person_handed_over, self.needing_person).unwrap_or(0.0)
    }

    /// Share of conversations with the right label (contained, or the right reason).
    pub fn label_accuracy(&self) -> f64 {
        ratio(self.label_matches, self.conversations).unwrap_or(0.0)
    }

    /// Share of conversations with the right label and, for handovers, the right turn.
    pub fn outcome_accuracy(&self) -> f64 {
        ratio(self.outcome_matches, self.conversations).unwrap_or(0.0)
    }

    /// Share of conversations where handing over or not was the right call.
    pub fn decision_accuracy(&self) -> f64 {
        ratio(self.decision_matches, self.conversations).unwrap_or(0.0)
    }

    /// Share of per-turn checks met.
    pub fn check_rate(&self) -> f64 {
        ratio(self.checks_met, self.checks).unwrap_or(0.0)
    }

    /// The figures of one reason.
    pub fn reason(&self, reason: HandoverReason) -> ReasonFigures {
        self.reasons
            .iter()
            .copied()
            .find(|figures| figures.reason == reason)
            .unwrap_or(ReasonFigures {
                reason,
                expected: 0,
                predicted: 0,
                correct: 0,
            })
    }

    /// The `percent`-th percentile of the turn latencies (nearest rank).
    pub fn latency_percentile(&self, percent: f64) -> Duration {
        percentile(&self.latencies, percent)
    }
}

/// The nearest-rank percentile of sorted `values`.
pub fn percentile(sorted: &[Duration], percent: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // The rank is at most the length, so the cast cannot truncate anything that matters.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[allow(clippy::cast_precision_loss)] // counts of conversations, far below 2^52
fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
