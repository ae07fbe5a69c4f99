//! Which turns left the customer's question unanswered: the bot did not understand it (out of
//! scope, or too unsure of the best intent, with no knowledge-base article either) and said
//! so or handed over because it keeps not understanding.

use serde::Serialize;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Analysis, Language};

use crate::dialogue::{BotTurn, TurnOutcome};
use crate::profile::BotProfile;

/// Why a question went unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnansweredReason {
    /// No intent fits the question.
    OutOfScope,
    /// The best intent's confidence is below the profile's `minimum_confidence`.
    LowConfidence,
}

impl UnansweredReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UnansweredReason::OutOfScope => "out_of_scope",
            UnansweredReason::LowConfidence => "low_confidence",
        }
    }
}

/// A question the bot could not answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Unanswered {
    pub reason: UnansweredReason,
    /// The best intent's confidence (0 when the profile has no intents).
    pub confidence: f32,
    /// The language the bot answered in.
    pub language: Language,
}

/// Whether `turn`, taken on a message the engine read as `analysis`, left it unanswered.
pub fn unanswered(profile: &BotProfile, analysis: &Analysis, turn: &BotTurn) -> Option<Unanswered> {
    let gave_up = match &turn.handover {
        Some(decision) => decision.reason == HandoverReason::BotFailure,
        None => turn.outcome == TurnOutcome::NotUnderstood,
    };
    if !gave_up || analysis.kb_hit.is_some() {
        return None;
    }
    let confidence = analysis.intents.first().map_or(0.0, |top| top.confidence);
    let reason = if analysis.out_of_scope {
        UnansweredReason::OutOfScope
    } else if confidence < profile.understanding.minimum_confidence {
        UnansweredReason::LowConfidence
    } else {
        return None;
    };
    Some(Unanswered {
        reason,
        confidence,
        language: turn.language,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::{Bot, BotState, CustomerTurn};
    use crate::messages::TeamAvailability;
    use crate::testing::{PROFILE, analyze};

    fn first_turn(text: &str) -> Option<Unanswered> {
        let analysis = analyze(text, None);
        let attributes = serde_json::Map::new();
        let turn = Bot::new(&PROFILE).turn(
            &BotState::new(),
            &CustomerTurn {
                text,
                analysis: &analysis,
                attributes: &attributes,
                requested_person: false,
                availability: TeamAvailability::default(),
            },
        );
        unanswered(&PROFILE, &analysis, &turn)
    }

    #[test]
    fn a_question_the_bot_did_not_understand_is_unanswered_and_an_answer_is_not() {
        for (text, language) in [
            ("vocês aceitam bitcoin?", Language::Portuguese),
            ("¿trabajan con bitcoin?", Language::Spanish),
            ("do you accept bitcoin?", Language::English),
        ] {
            let found = first_turn(text).expect(text);
            assert_eq!(found.reason, UnansweredReason::OutOfScope, "{text}");
            assert_eq!(found.language, language, "{text}");
        }
        let low = first_turn("vocês negociam criptomoedas?").expect("unanswered");
        assert_eq!(low.reason, UnansweredReason::LowConfidence);
        assert_eq!(
            first_turn("qual o limite do pix à noite?"),
            None,
            "an article answers"
        );
        assert_eq!(
            first_turn("quero falar com um atendente"),
            None,
            "a customer request"
        );
    }
}
