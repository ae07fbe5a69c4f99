//! What playing one conversation produced: the bot's outcome against the expected one, the
//! findings (misses and violations), the checks met, the latencies and the transcript.

use std::fmt;
use std::time::Duration;

use serde_json::Value;
use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use super::script::{ExpectedOutcome, Label};

/// What the bot did with a conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum ActualOutcome {
    /// No handover on any turn.
    Contained,
    /// Handed over on `turn`.
    Handover {
        /// The reason code.
        reason: HandoverReason,
        /// The turn, from 1.
        turn: usize,
        /// The evidence as stored on the `handover_requested` event.
        evidence: Value,
    },
}

impl ActualOutcome {
    /// The label, without the turn.
    pub fn label(&self) -> Label {
        match self {
            ActualOutcome::Contained => Label::Contained,
            ActualOutcome::Handover { reason, .. } => Label::Handover(*reason),
        }
    }

    /// The turn of the handover, if any.
    pub(super) fn turn(&self) -> Option<usize> {
        match self {
            ActualOutcome::Contained => None,
            ActualOutcome::Handover { turn, .. } => Some(*turn),
        }
    }
}

impl fmt::Display for ActualOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActualOutcome::Contained => f.write_str("contained"),
            ActualOutcome::Handover {
                reason,
                turn,
                evidence,
            } => {
                let trigger = evidence
                    .get("trigger")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                write!(f, "{reason} @{turn} ({trigger})")
            }
        }
    }
}

/// Something that went differently than scripted, on a turn (0: the conversation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The turn, from 1; 0 for the conversation as a whole.
    pub turn: usize,
    /// What happened.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.turn == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "turn {}: {}", self.turn, self.message)
        }
    }
}

/// The result of playing one conversation.
#[derive(Debug, Clone)]
pub struct ConversationRun {
    /// The conversation's id.
    pub id: String,
    /// The customer's language.
    pub language: Language,
    /// What should have happened.
    pub expected: ExpectedOutcome,
    /// What happened.
    pub actual: ActualOutcome,
    /// Expectations the bot did not meet (soft: measured by the floors).
    pub misses: Vec<Finding>,
    /// Structural promises the bot broke (hard: each one is a bug).
    pub violations: Vec<Finding>,
    /// How many per-turn checks were made, and how many passed.
    pub checks: usize,
    /// See `checks`.
    pub checks_met: usize,
    /// Bot time per turn: analysis + dialogue (+ turning an action's JSON into the reply),
    /// never the simulated HTTP call.
    pub latencies: Vec<Duration>,
    /// A readable transcript with the engine's view of each message, for `--trace`.
    pub transcript: Vec<String>,
}

impl ConversationRun {
    /// The outcome is the expected one: same label and, for a handover, same turn.
    pub fn outcome_matches(&self) -> bool {
        match (&self.expected, &self.actual) {
            (ExpectedOutcome::Contained, ActualOutcome::Contained) => true,
            (
                ExpectedOutcome::Handover { reason, turn, .. },
                ActualOutcome::Handover {
                    reason: actual_reason,
                    turn: actual_turn,
                    ..
                },
            ) => reason == actual_reason && turn == actual_turn,
            _ => false,
        }
    }

    /// Why the outcome differs, in one line, if it does.
    pub fn outcome_problem(&self) -> Option<String> {
        (!self.outcome_matches()).then(|| {
            let mut problem = format!("expected {}, got {}", self.expected, self.actual);
            if self.expected.label() == self.actual.label() {
                problem.push_str(" (right reason, wrong turn)");
            }
            problem
        })
    }
}
