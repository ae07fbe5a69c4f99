//! Playing a scripted conversation the way the server would: the engine's analysis with the
//! conversation's context, `Bot::turn`, then `Bot::action_result` with a simulated
//! core-banking answer, timing the bot's part of every turn and checking it.

use std::time::Instant;

use serde_json::Value;
use tandem_nlu::Engine;

use super::checks::{
    TurnRecord, check_expectations, check_outcome, check_structure, describe_outcome,
};
use super::run::{ActualOutcome, ConversationRun, Finding};
use super::script::{ActionWord, Conversation, Script, SimulatedAction, availability_of};
use crate::action::{ActionFailure, ActionFailureKind, ActionOutcome, ActionRequest};
use crate::dialogue::{Bot, BotState, BotTurn, CustomerTurn};
use crate::profile::BotProfile;

/// Plays scripted conversations through one engine and profile.
#[derive(Debug, Clone, Copy)]
pub struct Player<'a> {
    /// The profile.
    pub profile: &'a BotProfile,
    /// Its engine.
    pub engine: &'a Engine,
    /// The script (for `today` and the fixtures).
    pub script: &'a Script,
}

impl Player<'_> {
    /// Plays every conversation of the script.
    pub fn play_all(&self) -> Vec<ConversationRun> {
        self.script
            .conversations
            .iter()
            .map(|conversation| self.play(conversation))
            .collect()
    }

    /// Plays one conversation until its last turn or a handover.
    pub fn play(&self, conversation: &Conversation) -> ConversationRun {
        let bot = Bot::new(self.profile);
        let today = self.script.today;
        let availability = availability_of(conversation, today);
        let mut run = ConversationRun {
            id: conversation.id.clone(),
            language: conversation.language,
            expected: conversation.expect.clone(),
            actual: ActualOutcome::Contained,
            misses: Vec::new(),
            violations: Vec::new(),
            checks: 0,
            checks_met: 0,
            latencies: Vec::with_capacity(conversation.turns.len()),
            transcript: Vec::new(),
        };
        let mut state = BotState::new();
        let mut said_digits: Vec<String> = Vec::new();
        let mut greetings = 0_usize;
        for (index, scripted) in conversation.turns.iter().enumerate() {
            let number = index + 1;
            said_digits.push(scripted.say.chars().filter(char::is_ascii_digit).collect());

            let started = Instant::now();
            let analysis = match self
                .engine
                .analyze(&scripted.say, &state.analysis_context(today))
            {
                Ok(analysis) => analysis,
                Err(error) => {
                    run.violations.push(Finding {
                        turn: number,
                        message: format!("the engine failed: {error}"),
                    });
                    break;
                }
            };
            let turn = bot.turn(
                &state,
                &CustomerTurn {
                    text: &scripted.say,
                    analysis: &analysis,
                    attributes: &conversation.attributes,
                    requested_person: scripted.button,
                    availability,
                },
            );
            let mut elapsed = started.elapsed();

            run.transcript
                .push(format!("[{number}] customer: {}", scripted.say));
            run.transcript.push(format!(
                "      engine: {} ({:.2}) out_of_scope={} sentiment={:.2}{} intents=[{}] kb={} entities=[{}]",
                analysis.language.language.code(),
                analysis.language.confidence,
                analysis.out_of_scope,
                analysis.sentiment.score,
                if analysis.sentiment.has_insult { " insult" } else { "" },
                analysis
                    .intents
                    .iter()
                    .take(3)
                    .map(|score| format!("{} {:.2}", score.intent, score.confidence))
                    .collect::<Vec<_>>()
                    .join(", "),
                analysis
                    .kb_hit
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |hit| hit.article_id.clone()),
                analysis
                    .entities
                    .iter()
                    .map(|entity| format!("{:?}={}", entity.kind, entity.normalized))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            push_replies(&mut run.transcript, &turn);

            let simulated = turn.action.as_ref().map(|request| {
                if scripted.action.is_none() {
                    run.misses.push(Finding {
                        turn: number,
                        message: format!(
                            "the bot requested the `{}` action, which the script did not expect",
                            request.intent
                        ),
                    });
                }
                self.simulate(request, scripted.action.as_ref())
            });
            let action_turn = simulated.as_ref().map(|outcome| {
                let started = Instant::now();
                let action_turn = bot.action_result(
                    &turn.new_state,
                    outcome,
                    &conversation.attributes,
                    availability,
                );
                elapsed += started.elapsed();
                action_turn
            });
            run.latencies.push(elapsed);
            if let Some(action_turn) = &action_turn {
                run.transcript.push(format!(
                    "      action {}: {}",
                    simulated.as_ref().map_or("", ActionOutcome::intent),
                    describe_simulated(simulated.as_ref())
                ));
                push_replies(&mut run.transcript, action_turn);
            }

            let record = TurnRecord {
                number,
                turn: &turn,
                action_turn: action_turn.as_ref(),
                simulated: simulated.as_ref(),
            };
            greetings += check_structure(
                self.profile,
                today,
                &mut run,
                conversation,
                &record,
                &said_digits,
            );
            check_expectations(&mut run, conversation, scripted, &record);

            let last = record.final_turn();
            state = last.new_state.clone();
            if let Some(decision) = &last.handover {
                run.actual = ActualOutcome::Handover {
                    reason: decision.reason,
                    turn: number,
                    evidence: decision.evidence_json(),
                };
                run.transcript
                    .push(format!("      handover: {}", decision.evidence_json()));
                break;
            }
        }
        if greetings > 1 {
            run.violations.push(Finding {
                turn: 0,
                message: format!("the bot greeted {greetings} times"),
            });
        }
        check_outcome(&mut run);
        run
    }

    /// The simulated answer of the core-banking API to `request`.
    fn simulate(
        &self,
        request: &ActionRequest,
        scripted: Option<&SimulatedAction>,
    ) -> ActionOutcome {
        let intent = request.intent.clone();
        // Every attempt failed: the first one and each retry.
        let attempts = u32::from(request.retries) + 1;
        let failed = |kind| ActionOutcome::Failed {
            intent: intent.clone(),
            failure: ActionFailure { kind, attempts },
        };
        match scripted {
            None | Some(SimulatedAction::Word(ActionWord::Ok)) => ActionOutcome::Succeeded {
                intent: intent.clone(),
                result: self
                    .script
                    .fixtures
                    .get(&intent)
                    .cloned()
                    .unwrap_or(Value::Object(serde_json::Map::new())),
            },
            Some(SimulatedAction::Result { ok }) => ActionOutcome::Succeeded {
                intent: intent.clone(),
                result: ok.clone(),
            },
            Some(SimulatedAction::Word(ActionWord::Timeout)) => failed(ActionFailureKind::Timeout),
            Some(SimulatedAction::Word(ActionWord::Network)) => failed(ActionFailureKind::Network),
            Some(SimulatedAction::Status { status }) => {
                failed(ActionFailureKind::Status { status: *status })
            }
        }
    }
}

/// Adds the bot's replies and what the turn did to the transcript.
fn push_replies(transcript: &mut Vec<String>, turn: &BotTurn) {
    for reply in &turn.replies {
        let cites = reply
            .cites_article
            .as_ref()
            .map(|article| format!(" [cites {article}]"))
            .unwrap_or_default();
        transcript.push(format!(
            "      bot ({}): {}{cites}",
            turn.language.code(),
            reply.text.replace('\n', " ⏎ ")
        ));
    }
    transcript.push(format!("      → {}", describe_outcome(&turn.outcome)));
}

/// The simulated answer, as the transcript shows it.
fn describe_simulated(outcome: Option<&ActionOutcome>) -> String {
    match outcome {
        Some(ActionOutcome::Succeeded { result, .. }) => format!("200 {result}"),
        Some(ActionOutcome::Failed { failure, .. }) => {
            format!(
                "failed {:?} after {} attempts",
                failure.kind, failure.attempts
            )
        }
        None => String::new(),
    }
}
