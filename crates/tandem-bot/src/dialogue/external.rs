//! Turns of an account whose own bot answers (an external bot): Tandem's handover rules look
//! at every customer message first, and what they let through goes out to the external bot;
//! its reply comes back here, where a request for a person, or too many replies in a row that
//! did not understand, hand the conversation over like the built-in bot would.

use serde_json::Value;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;

use super::state::BotState;
use super::turn::{Bot, BotTurn, CustomerTurn, Draft, Reply, TurnOutcome};
use crate::messages::TeamAvailability;
use crate::policy::{self, Evidence, HandoverDecision, PolicyInput};

/// What an external bot answered to one customer message.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalReply {
    /// The messages to send, in order (possibly none).
    pub texts: Vec<String>,
    /// The external bot understood the message (`false` counts toward `bot_failure`).
    pub understood: bool,
    /// The external bot asks for a person.
    pub handover: Option<ExternalHandover>,
    /// Its new state for this conversation; `None` keeps the previous one.
    pub state: Option<Value>,
}

/// An external bot's request for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalHandover {
    /// The reason recorded on the handover.
    pub reason: HandoverReason,
    /// What the external bot said about it.
    pub note: Option<String>,
}

impl Bot<'_> {
    /// A customer message for an external bot. The handover rules decide first; the external
    /// bot is the one that understands, so an out-of-scope message is not a failure here.
    /// When no rule fires the turn has no replies and the outcome
    /// [`TurnOutcome::Forwarded`]: the caller sends the message out.
    pub fn external_turn(&self, state: &BotState, input: &CustomerTurn<'_>) -> BotTurn {
        let profile = self.profile;
        let analysis = input.analysis;
        let language = profile.supported_language(analysis.language.language);
        let policy_input = PolicyInput {
            text: input.text,
            likelihoods: self.likelihoods(input.text, language),
            analysis,
            language,
            attributes: input.attributes,
            memory: &state.memory,
            expects_answer: true,
            requested_person: input.requested_person,
            action_failure: None,
        };
        let mut next = state.clone();
        next.language = Some(language);
        next.memory = state
            .memory
            .after_turn(input.text, language, analysis, false);
        next.memory.failure_streak = state.memory.failure_streak;
        let draft = Draft {
            state: next,
            language,
            attributes: input.attributes,
            availability: input.availability,
            replies: Vec::new(),
            greeted_now: false,
        };
        if let Some(decision) = policy::evaluate(profile, &policy_input) {
            return self.hand_over(draft, decision);
        }
        BotTurn {
            replies: Vec::new(),
            action: None,
            handover: None,
            new_state: draft.state,
            language,
            outcome: TurnOutcome::Forwarded,
            generate: None,
            resolves: false,
        }
    }

    /// The external bot's reply to the conversation in `state`: its texts and state, then a
    /// handover when it asked for one or when it has not understood as many times in a row as
    /// the `bot_failure` rule allows.
    pub fn external_reply(
        &self,
        state: &BotState,
        reply: &ExternalReply,
        attributes: &Attributes,
        availability: TeamAvailability,
    ) -> BotTurn {
        let profile = self.profile;
        let language = state.language.unwrap_or(profile.languages.default);
        let mut next = state.clone();
        if reply.state.is_some() {
            next.external = reply.state.clone();
        }
        next.memory.failure_streak = if reply.understood {
            0
        } else {
            state.memory.failure_streak + 1
        };
        let streak = next.memory.failure_streak;
        let mut draft = Draft {
            state: next,
            language,
            attributes,
            availability,
            replies: reply
                .texts
                .iter()
                .map(|text| Reply {
                    text: text.clone(),
                    cites_article: None,
                })
                .collect(),
            greeted_now: false,
        };
        if let Some(handover) = &reply.handover {
            let decision = HandoverDecision {
                reason: handover.reason,
                evidence: Evidence::ExternalBotRequest {
                    note: handover.note.clone(),
                },
            };
            return self.hand_over(draft, decision);
        }
        let rule = &profile.handover.bot_failure;
        if !reply.understood && rule.enabled && streak >= rule.consecutive_failures {
            let decision = HandoverDecision {
                reason: HandoverReason::BotFailure,
                evidence: Evidence::ConsecutiveFailures {
                    count: streak,
                    top_intent: None,
                },
            };
            return self.hand_over(draft, decision);
        }
        draft.state.has_greeted = true;
        BotTurn {
            replies: draft.replies,
            action: None,
            handover: None,
            new_state: draft.state,
            language,
            outcome: TurnOutcome::ExternalAnswer {
                understood: reply.understood,
            },
            generate: None,
            resolves: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{PROFILE, analyze};

    fn turn(state: &BotState, text: &str) -> BotTurn {
        let analysis = analyze(text, state.language);
        Bot::new(&PROFILE).external_turn(
            state,
            &CustomerTurn {
                text,
                analysis: &analysis,
                attributes: &Attributes::default(),
                requested_person: false,
                availability: TeamAvailability::default(),
            },
        )
    }

    fn reply(state: &BotState, understood: bool, handover: Option<ExternalHandover>) -> BotTurn {
        Bot::new(&PROFILE).external_reply(
            state,
            &ExternalReply {
                texts: vec!["Resposta do bot da empresa.".into()],
                understood,
                handover,
                state: Some(serde_json::json!({"step": 2})),
            },
            &Attributes::default(),
            TeamAvailability::default(),
        )
    }

    #[test]
    fn the_rules_decide_before_the_external_bot_sees_the_message() {
        let asked = turn(&BotState::default(), "quero falar com um atendente");
        assert_eq!(asked.outcome, TurnOutcome::HandedOver);
        assert_eq!(
            asked.handover.map(|h| h.reason),
            Some(HandoverReason::CustomerRequest)
        );
        let routine = turn(&BotState::default(), "blablabla xpto qwerty");
        assert_eq!(
            routine.outcome,
            TurnOutcome::Forwarded,
            "out of scope is the external bot's call"
        );
        assert!(routine.replies.is_empty() && routine.handover.is_none());
        assert_eq!(
            routine.new_state.language,
            Some(tandem_nlu::Language::Portuguese)
        );
    }

    #[test]
    fn replies_carry_the_external_state_and_a_request_for_a_person_hands_over() {
        let state = turn(&BotState::default(), "qual o limite do pix?").new_state;
        let answered = reply(&state, true, None);
        assert_eq!(answered.replies[0].text, "Resposta do bot da empresa.");
        assert_eq!(
            answered.new_state.external,
            Some(serde_json::json!({"step": 2}))
        );
        assert!(answered.handover.is_none());
        let handed = reply(
            &answered.new_state,
            true,
            Some(ExternalHandover {
                reason: HandoverReason::Complexity,
                note: Some("pedido fora do meu escopo".into()),
            }),
        );
        let decision = handed.handover.expect("a handover");
        assert_eq!(decision.reason, HandoverReason::Complexity);
        assert_eq!(
            handed.replies.len(),
            2,
            "its text, then the handover message"
        );
        assert_eq!(decision.evidence_json()["trigger"], "external_bot_request");
    }

    #[test]
    fn replies_that_do_not_understand_count_toward_bot_failure() {
        let state = turn(&BotState::default(), "qual o limite do pix?").new_state;
        let first = reply(&state, false, None);
        assert!(first.handover.is_none());
        let second = reply(&first.new_state, false, None);
        assert_eq!(
            second.handover.map(|h| h.reason),
            Some(HandoverReason::BotFailure)
        );
        let recovered = reply(&reply(&state, false, None).new_state, true, None);
        assert_eq!(recovered.new_state.memory.failure_streak, 0);
    }
}
