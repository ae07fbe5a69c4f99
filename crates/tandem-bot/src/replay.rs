//! Policy replay: what a draft profile would have done with a conversation that already
//! happened — replaying the customer's messages, in order, through the draft's understanding
//! and dialogue — so a change to rules, thresholds or intents can be judged on real traffic
//! before it is published.

use serde::Serialize;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Engine, EngineError};

use crate::dialogue::{Bot, BotState, CustomerTurn, TurnOutcome};
use crate::messages::TeamAvailability;
use crate::policy::Evidence;
use crate::profile::BotProfile;

/// What the draft would have done with one conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayedConversation {
    /// The customer messages replayed (up to the handover, if any).
    pub turns: usize,
    /// The handover the draft would have made, if any.
    pub handover: Option<ReplayedHandover>,
    /// HTTP actions the draft would have called; replay never calls them and assumes each
    /// succeeds.
    pub actions: Vec<String>,
}

/// A handover the draft would have made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayedHandover {
    pub reason: HandoverReason,
    /// The customer message (0-based) on which the rule fired.
    pub at_turn: usize,
    pub evidence: Evidence,
}

/// How the draft's decision compares with what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayChange {
    /// Handed over before and now, for the same reason.
    Unchanged,
    /// Contained before and now.
    StillContained,
    /// Contained before; the draft would hand it over.
    NowHandedOver,
    /// Handed over before; the draft would keep it.
    NowContained,
    /// Handed over in both, for another reason.
    ReasonChanged,
}

impl ReplayChange {
    /// Compares the past handover reason (if any) with the replayed one.
    pub fn between(past: Option<HandoverReason>, replayed: Option<HandoverReason>) -> Self {
        match (past, replayed) {
            (None, None) => ReplayChange::StillContained,
            (None, Some(_)) => ReplayChange::NowHandedOver,
            (Some(_), None) => ReplayChange::NowContained,
            (Some(past), Some(replayed)) if past == replayed => ReplayChange::Unchanged,
            (Some(_), Some(_)) => ReplayChange::ReasonChanged,
        }
    }
}

/// Replays `customer_messages` through `profile` (with `engine` built from it), from a fresh
/// bot state, stopping at the first handover.
pub fn replay_conversation(
    profile: &BotProfile,
    engine: &Engine,
    customer_messages: &[&str],
    attributes: &Attributes,
    today: jiff::civil::Date,
) -> Result<ReplayedConversation, EngineError> {
    let turns = try_messages(profile, engine, customer_messages, attributes, today)?;
    Ok(ReplayedConversation {
        turns: turns.len(),
        handover: turns.last().and_then(|turn| turn.handover.clone()),
        actions: turns
            .iter()
            .filter_map(|turn| turn.action.clone())
            .collect(),
    })
}

/// One message of a "try the bot" conversation: what the bot understood and what it would say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriedTurn {
    pub text: String,
    /// The language the bot answers in (`pt`, `es`, `en`).
    pub language: &'static str,
    /// The best intent, unless the message was out of scope.
    pub intent: Option<String>,
    pub confidence: f32,
    pub out_of_scope: bool,
    pub entities: Vec<tandem_nlu::Entity>,
    pub replies: Vec<String>,
    /// The intents the bot asked the customer to choose between.
    pub choices: Vec<String>,
    /// The action the bot would call (never called here).
    pub action: Option<String>,
    pub handover: Option<ReplayedHandover>,
}

/// Runs a test conversation through `profile` from a fresh state, one turn per message, and
/// stops after a handover. Actions are not called: each counts as answered.
pub fn try_messages(
    profile: &BotProfile,
    engine: &Engine,
    customer_messages: &[&str],
    attributes: &Attributes,
    today: jiff::civil::Date,
) -> Result<Vec<TriedTurn>, EngineError> {
    let bot = Bot::new(profile);
    let mut state = BotState::new();
    let mut turns = Vec::new();
    for (index, text) in customer_messages.iter().enumerate() {
        let analysis = engine.analyze(text, &state.analysis_context(today))?;
        let turn = bot.turn(
            &state,
            &CustomerTurn {
                text,
                analysis: &analysis,
                attributes,
                requested_person: false,
                availability: TeamAvailability::default(),
            },
        );
        let best = analysis.intents.first().filter(|_| !analysis.out_of_scope);
        let (choices, action) = match &turn.outcome {
            TurnOutcome::Clarifying { options } => (options.clone(), None),
            TurnOutcome::ActionRequested { intent } => (Vec::new(), Some(intent.clone())),
            _ => (Vec::new(), None),
        };
        let handover = turn.handover.map(|decision| ReplayedHandover {
            reason: decision.reason,
            at_turn: index,
            evidence: decision.evidence,
        });
        let handed_over = handover.is_some();
        let action_requested = action.is_some();
        turns.push(TriedTurn {
            text: (*text).to_owned(),
            language: turn.language.code(),
            intent: best.map(|score| score.intent.clone()),
            confidence: best.map_or(0.0, |score| score.confidence),
            out_of_scope: analysis.out_of_scope,
            entities: analysis.entities,
            replies: turn.replies.into_iter().map(|reply| reply.text).collect(),
            choices,
            action,
            handover,
        });
        if handed_over {
            break;
        }
        state = turn.new_state;
        if action_requested {
            // Nothing is called and the answer cannot be known: the action counts as answered,
            // so the dialogue moves on without replying from a result it does not have.
            state.pending_action = None;
        }
    }
    Ok(turns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo_profile;

    #[test]
    fn trying_the_bot_shows_what_it_understood_and_stops_at_a_handover() {
        let profile = demo_profile();
        let engine = Engine::new(&profile.engine_config()).expect("engine");
        let today = jiff::civil::date(2026, 11, 20);
        let turns = try_messages(
            &profile,
            &engine,
            &[
                "qual o horário de atendimento?",
                "quero falar com um atendente",
                "alô?",
            ],
            &Attributes::new(),
            today,
        )
        .expect("try");
        assert_eq!(turns.len(), 2, "nothing is tried after the handover");
        assert_eq!(turns[0].language, "pt");
        assert!(
            turns[0].intent.is_some() && !turns[0].replies.is_empty(),
            "{:?}",
            turns[0]
        );
        assert_eq!(turns[0].handover, None);
        let handover = turns[1].handover.as_ref().expect("a handover");
        assert_eq!(handover.reason, HandoverReason::CustomerRequest);
        assert_eq!(handover.at_turn, 1);
    }

    #[test]
    fn a_request_for_a_person_is_replayed_as_a_handover_at_its_turn() {
        let profile = demo_profile();
        let engine = Engine::new(&profile.engine_config()).expect("engine");
        let today = jiff::civil::date(2026, 11, 20);
        let attributes = Attributes::new();
        let replayed = replay_conversation(
            &profile,
            &engine,
            &[
                "oi",
                "qual o horário de atendimento?",
                "quero falar com um atendente",
                "alô?",
            ],
            &attributes,
            today,
        )
        .expect("replay");
        let handover = replayed.handover.expect("a handover");
        assert_eq!(handover.reason, HandoverReason::CustomerRequest);
        assert_eq!(handover.at_turn, 2);
        assert_eq!(replayed.turns, 3, "replay stops at the handover");

        let contained =
            replay_conversation(&profile, &engine, &["oi", "obrigado!"], &attributes, today)
                .expect("replay");
        assert_eq!(contained.handover, None);
        assert_eq!(
            ReplayChange::between(Some(HandoverReason::BotFailure), None),
            ReplayChange::NowContained
        );
        assert_eq!(
            ReplayChange::between(None, Some(HandoverReason::Complexity)),
            ReplayChange::NowHandedOver
        );
    }
}
