//! The handover-detection evaluation: labelled customer messages in pt, es and en
//! (`eval/handover.jsonl`) that ask for a person, are angry or desperate, or are routine
//! questions, each played as the first message of a conversation with a profile. A request for a
//! person or an upset customer must be handed over; a routine question must not. The set is
//! split in two halves: rules are tuned on `dev` and `held_out` tells how they generalize.

use std::collections::BTreeMap;
use std::sync::Arc;

use tandem_domain::contact::Attributes;
use tandem_nlu::{Engine, Language};

use crate::dialogue::{Bot, BotState, CustomerTurn};
use crate::handover_model::HandoverModel;
use crate::handover_set::{Case, Label, Split};
use crate::messages::TeamAvailability;
use crate::profile::BotProfile;

/// What the bot did with one case.
#[derive(Debug, Clone)]
pub struct Outcome<'c> {
    /// The case.
    pub case: &'c Case,
    /// The handover reason, when the bot handed over.
    pub reason: Option<String>,
}

impl Outcome<'_> {
    /// The bot did what the label asks.
    pub fn is_right(&self) -> bool {
        self.reason.is_some() == self.case.label.needs_person()
    }
}

/// Plays every case as the first message of a new conversation with `profile`, its handover
/// rules taking `model`'s opinion (none: the word rules alone).
pub fn run<'c>(
    profile: &BotProfile,
    engine: &Engine,
    model: Option<Arc<HandoverModel>>,
    cases: &'c [Case],
) -> Vec<Outcome<'c>> {
    let bot = Bot::with_handover_model(profile, model);
    let attributes = Attributes::new();
    let state = BotState::new();
    let today = jiff::civil::date(2026, 12, 1);
    cases
        .iter()
        .map(|case| {
            let reason = engine
                .analyze(&case.text, &state.analysis_context(today))
                .ok()
                .and_then(|analysis| {
                    bot.turn(
                        &state,
                        &CustomerTurn {
                            text: &case.text,
                            analysis: &analysis,
                            attributes: &attributes,
                            requested_person: false,
                            availability: TeamAvailability::default(),
                        },
                    )
                    .handover
                })
                .map(|decision| decision.reason.as_str().to_owned());
            Outcome { case, reason }
        })
        .collect()
}

/// How many cases of a group the bot got right.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    /// Handled as the label asks.
    pub right: usize,
    /// In the group.
    pub total: usize,
}

impl Score {
    /// The share right, 0–1 (1 for an empty group).
    pub fn rate(self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

/// Scores per split, label and language.
pub type Scores = BTreeMap<(Split, Label, Language), Score>;

/// Groups outcomes by split, label and language.
pub fn score(outcomes: &[Outcome<'_>]) -> Scores {
    let mut scores = Scores::new();
    for outcome in outcomes {
        let case = outcome.case;
        let score = scores
            .entry((case.split, case.label, case.language))
            .or_default();
        score.total += 1;
        score.right += usize::from(outcome.is_right());
    }
    scores
}

/// The score of every language together for a split and label.
pub fn overall(scores: &Scores, split: Split, label: Label) -> Score {
    scores
        .iter()
        .filter(|((s, l, _), _)| *s == split && *l == label)
        .fold(Score::default(), |sum, (_, score)| Score {
            right: sum.right + score.right,
            total: sum.total + score.total,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handover_set::{HANDOVER_FINAL_SET, HANDOVER_SET, parse_set};
    use crate::testing::{ENGINE, PROFILE};

    /// What the final set measured when the rules were last changed (README), as floors.
    const FINAL_PERSON_FLOOR: f64 = 0.95;
    const FINAL_UPSET_FLOOR: f64 = 0.95;
    const FINAL_BENIGN_FLOOR: f64 = 0.95;

    #[test]
    fn the_shipped_set_parses_with_every_label_in_every_language() {
        let cases = parse_set(HANDOVER_SET).unwrap();
        assert_eq!(cases.len(), 840);
        assert_eq!(parse_set(HANDOVER_FINAL_SET).unwrap().len(), 330);
        for language in [Language::Portuguese, Language::Spanish, Language::English] {
            for label in [Label::Person, Label::Upset, Label::Benign] {
                assert!(
                    cases
                        .iter()
                        .any(|case| case.language == language && case.label == label),
                    "{language:?} {label:?}"
                );
            }
        }
        assert!(parse_set("{\"text\": 1}").is_err());
    }

    /// The figures on the final set, which neither the word rules nor the model saw: requests
    /// for a person and upset customers handed over, routine questions not.
    #[test]
    fn the_demo_bot_hands_over_the_final_set_as_labelled() {
        let model = HandoverModel::for_profile(&PROFILE).expect("the shipped set trains");
        let cases = parse_set(HANDOVER_FINAL_SET).unwrap();
        let outcomes = run(&PROFILE, &ENGINE, Some(model), &cases);
        let scores = score(&outcomes);
        let misses: Vec<String> = outcomes
            .iter()
            .filter(|outcome| !outcome.is_right())
            .map(|outcome| {
                format!(
                    "{:?} {:?}: {}",
                    outcome.case.label, outcome.reason, outcome.case.text
                )
            })
            .collect();
        for (label, floor) in [
            (Label::Person, FINAL_PERSON_FLOOR),
            (Label::Upset, FINAL_UPSET_FLOOR),
            (Label::Benign, FINAL_BENIGN_FLOOR),
        ] {
            let right = overall(&scores, Split::Final, label);
            assert!(
                right.rate() >= floor,
                "{label:?} {right:?}\n{}",
                misses.join("\n")
            );
        }
    }
}
