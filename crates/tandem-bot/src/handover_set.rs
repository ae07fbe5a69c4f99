//! The labelled handover sets shipped with the crate (`eval/handover.jsonl` to tune and train,
//! `eval/handover_final.jsonl` kept apart): customer messages in pt, es and en, each labelled as
//! asking for a person, upset, or routine.

use serde::Deserialize;
use tandem_nlu::Language;

/// The labelled set the rules were tuned and the model trained on.
pub const HANDOVER_SET: &str = include_str!("../eval/handover.jsonl");

/// The labelled set kept out of tuning and training.
pub const HANDOVER_FINAL_SET: &str = include_str!("../eval/handover_final.jsonl");

/// What a labelled message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Asks for a person.
    Person,
    /// Angry, desperate or urgent.
    Upset,
    /// A routine question the bot should answer.
    Benign,
}

impl Label {
    /// Whether the message must be handed over.
    pub fn needs_person(self) -> bool {
        self != Label::Benign
    }
}

/// Which half of the set a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Rules are tuned on it.
    Dev,
    /// Tuned on after one blind measurement.
    HeldOut,
    /// Written apart, tuned on after one blind measurement.
    Test,
    /// Never looked at while tuning, never trained on.
    Final,
}

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// What the customer wrote.
    pub text: String,
    /// Its language.
    pub language: Language,
    /// What it is.
    pub label: Label,
    /// Its half.
    pub split: Split,
}

/// A line of the set that is not a case.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SetError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a set in the format of [`HANDOVER_SET`], one JSON case per line.
pub fn parse_set(text: &str) -> Result<Vec<Case>, SetError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|error| SetError {
                line: index + 1,
                message: error.to_string(),
            })
        })
        .collect()
}
