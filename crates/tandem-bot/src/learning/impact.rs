//! What a change to the profile would do to questions customers asked before: each question
//! is answered as the first message of a conversation by the current profile and by the
//! candidate, and the two verdicts compared. Questions the current bot failed and the candidate
//! answers are the gain; questions it answered and the candidate answers otherwise (or no
//! longer answers) are the risk. Questions a rule sent to a person because a person was needed
//! (the customer asked for one, or was upset) and the candidate would keep with the bot are
//! the danger: a change that shows any cannot be approved without an explicit override.

use serde::Serialize;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{AnalysisContext, Engine, EngineError};

use crate::dialogue::{Bot, BotState, BotTurn, CustomerTurn, TurnOutcome};
use crate::messages::TeamAvailability;
use crate::profile::BotProfile;

/// What a bot did with one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// It answered, from an intent and/or an article.
    Answered {
        intent: Option<String>,
        article: Option<String>,
    },
    /// It took the question up: asked for a slot, asked which of two intents, or called an
    /// action.
    TookUp { intent: Option<String> },
    /// It said it did not understand.
    NotUnderstood,
    /// It handed the conversation over.
    HandedOver { reason: HandoverReason },
    /// Small talk or anything else that answers no question.
    Other,
}

impl Verdict {
    fn of(turn: &BotTurn) -> Verdict {
        if let Some(decision) = &turn.handover {
            return Verdict::HandedOver {
                reason: decision.reason,
            };
        }
        match &turn.outcome {
            TurnOutcome::Answered { intent, article_id } => Verdict::Answered {
                intent: intent.clone(),
                article: article_id.clone(),
            },
            TurnOutcome::AskedForSlot { intent, .. } | TurnOutcome::ActionRequested { intent } => {
                Verdict::TookUp {
                    intent: Some(intent.clone()),
                }
            }
            TurnOutcome::Clarifying { .. } => Verdict::TookUp { intent: None },
            TurnOutcome::NotUnderstood => Verdict::NotUnderstood,
            _ => Verdict::Other,
        }
    }

    /// Whether the bot answered or took the question up.
    pub fn answers(&self) -> bool {
        matches!(self, Verdict::Answered { .. } | Verdict::TookUp { .. })
    }

    fn failed(&self) -> bool {
        matches!(self, Verdict::NotUnderstood | Verdict::HandedOver { .. })
    }

    /// A rule handed over because a person was needed, not because the bot was lost.
    fn needed_a_person(&self) -> bool {
        matches!(
            self,
            Verdict::HandedOver {
                reason: HandoverReason::CustomerRequest | HandoverReason::NegativeSentiment
            }
        )
    }
}

/// A past question whose treatment would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactedQuestion {
    pub text: String,
    /// What the current profile does.
    pub before: Verdict,
    /// What the candidate does.
    pub after: Verdict,
    /// The candidate's last reply to it.
    pub reply: Option<String>,
}

/// What the candidate profile would change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Impact {
    /// Questions replayed.
    pub checked: usize,
    /// Questions the current bot failed (did not understand, or handed over) that the candidate
    /// answers.
    pub now_answered: Vec<ImpactedQuestion>,
    /// Questions the current bot answered that the candidate answers otherwise or not at all.
    pub changed: Vec<ImpactedQuestion>,
    /// Questions the current bot handed to a person because the customer asked for one or was
    /// upset, that the candidate would keep with the bot.
    pub stops_handovers: Vec<ImpactedQuestion>,
}

/// Replays `questions` through the current profile and the candidate (each with its engine).
///
/// # Errors
/// When an engine cannot analyze a question.
pub fn impact(
    current: (&BotProfile, &Engine),
    candidate: (&BotProfile, &Engine),
    questions: &[&str],
    today: jiff::civil::Date,
) -> Result<Impact, EngineError> {
    let mut impact = Impact::default();
    for text in questions {
        let before = first_turn(current, text, today)?;
        let after = first_turn(candidate, text, today)?;
        impact.checked += 1;
        let (before_verdict, after_verdict) = (Verdict::of(&before), Verdict::of(&after));
        let affected = ImpactedQuestion {
            text: (*text).to_owned(),
            reply: after.replies.last().map(|reply| reply.text.clone()),
            before: before_verdict.clone(),
            after: after_verdict.clone(),
        };
        if before_verdict.needed_a_person() && !matches!(after_verdict, Verdict::HandedOver { .. })
        {
            impact.stops_handovers.push(affected);
        } else if before_verdict.failed() && after_verdict.answers() {
            impact.now_answered.push(affected);
        } else if before_verdict.answers() && after_verdict != before_verdict {
            impact.changed.push(affected);
        }
    }
    Ok(impact)
}

/// Whether `profile`'s rules hand `text`, as a first message, to a person because a person is
/// needed (asked for, or an upset customer): such messages are never proposed as examples.
///
/// # Errors
/// When the engine cannot analyze the message.
pub fn needs_a_person(
    current: (&BotProfile, &Engine),
    text: &str,
    today: jiff::civil::Date,
) -> Result<bool, EngineError> {
    Ok(Verdict::of(&first_turn(current, text, today)?).needed_a_person())
}

/// The bot's turn on `text` as the first message of a conversation.
fn first_turn(
    (profile, engine): (&BotProfile, &Engine),
    text: &str,
    today: jiff::civil::Date,
) -> Result<BotTurn, EngineError> {
    let state = BotState::new();
    let analysis = engine.analyze(
        text,
        &AnalysisContext {
            conversation_language: None,
            today,
        },
    )?;
    Ok(Bot::new(profile).turn(
        &state,
        &CustomerTurn {
            text,
            analysis: &analysis,
            attributes: &Attributes::new(),
            requested_person: false,
            availability: TeamAvailability::default(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::{Proposal, apply};
    use crate::testing::{ENGINE, PROFILE, today};

    #[test]
    fn a_new_article_answers_what_was_not_understood_and_leaves_the_rest() {
        let candidate = apply(
            &PROFILE,
            &Proposal::Article {
                id: "learned-bitcoin".into(),
                language: tandem_nlu::Language::Portuguese,
                title: "Vocês aceitam bitcoin?".into(),
                questions: vec!["dá pra pagar com criptomoeda?".into()],
                body: "Ainda não: o Banco Aurora não trabalha com bitcoin nem com outras criptomoedas.".into(),
            },
        )
        .expect("applied");
        let engine = Engine::new(&candidate.engine_config()).expect("engine");
        let questions = [
            "vocês trabalham com criptomoedas?",
            "qual o limite do pix à noite?",
            "quero falar com um atendente",
        ];
        let found = impact(
            (&PROFILE, &ENGINE),
            (&candidate, &engine),
            &questions,
            today(),
        )
        .expect("impact");
        assert_eq!(found.checked, 3);
        assert_eq!(found.now_answered.len(), 1, "{found:?}");
        let gained = &found.now_answered[0];
        assert_eq!(gained.before, Verdict::NotUnderstood);
        assert_eq!(
            gained.after,
            Verdict::Answered {
                intent: None,
                article: Some("learned-bitcoin".into())
            }
        );
        assert!(
            gained
                .reply
                .as_deref()
                .is_some_and(|r| r.contains("criptomoedas"))
        );
        assert!(found.changed.is_empty(), "{:?}", found.changed);
    }

    #[test]
    fn an_example_that_pulls_an_answered_question_elsewhere_is_a_change() {
        let intent = PROFILE
            .intents
            .iter()
            .find(|intent| !intent.handover && !intent.sensitive && intent.action.is_none())
            .expect("a plain intent")
            .name
            .clone();
        let question = "qual o limite do pix à noite?";
        let candidate = apply(
            &PROFILE,
            &Proposal::Examples {
                intent: intent.clone(),
                language: tandem_nlu::Language::Portuguese,
                examples: vec![
                    question.into(),
                    "limite do pix à noite".into(),
                    "qual o limite noturno do pix".into(),
                    "limite pix noite".into(),
                ],
            },
        )
        .expect("applied");
        let engine = Engine::new(&candidate.engine_config()).expect("engine");
        let found = impact(
            (&PROFILE, &ENGINE),
            (&candidate, &engine),
            &[question],
            today(),
        )
        .expect("impact");
        assert_eq!(found.changed.len(), 1, "{found:?}");
        assert_ne!(found.changed[0].before, found.changed[0].after);
    }

    #[test]
    fn teaching_the_bot_an_angry_message_shows_the_handover_it_would_stop() {
        let rant = "vocês são uns incompetentes, ninguém resolve nada nesse banco";
        assert!(needs_a_person((&PROFILE, &ENGINE), rant, today()).unwrap());
        let candidate = apply(
            &PROFILE,
            &Proposal::Article {
                id: "learned-rant".into(),
                language: tandem_nlu::Language::Portuguese,
                title: rant.into(),
                questions: Vec::new(),
                body: "Sentimos muito pelo transtorno.".into(),
            },
        )
        .expect("applied");
        let engine = Engine::new(&candidate.engine_config()).expect("engine");
        let mut without_rules = candidate.clone();
        without_rules.handover.negative_sentiment.enabled = false;
        let found = impact(
            (&PROFILE, &ENGINE),
            (&without_rules, &engine),
            &[rant, "qual o limite do pix à noite?"],
            today(),
        )
        .expect("impact");
        assert_eq!(found.stops_handovers.len(), 1, "{found:?}");
        assert!(found.now_answered.is_empty(), "{found:?}");
        assert!(!needs_a_person((&PROFILE, &ENGINE), "qual o limite do pix?", today()).unwrap());
    }
}
