//! The handover policy: a pure function evaluated on every customer turn that decides
//! whether the conversation goes to a person, with the reason code of PRODUCT.md and the
//! evidence that made the rule fire.
//!
//! When several rules fire, the decision is the first in [`PRIORITY`]:
//! 1. `customer_request` — the customer's own words (or the widget's button) win;
//! 2. `action_failed` — a hard fact about this turn: the company API did not answer;
//! 3. `sensitive_topic` — complaints, fraud and cancellations belong to people, whatever
//!    else the message says;
//! 4. `negative_sentiment` — an upset customer;
//! 5. `high_value` — who the customer is;
//! 6. `complexity` — what the message looks like;
//! 7. `bot_failure` — the weakest signal: the bot is lost, nothing else is known.
//!
//! When no rule fires, a learned model ([`crate::handover_model`]) gives a second opinion: a
//! request for a person or an upset customer that the words of the rules do not name.

mod distress;
mod memory;
mod person_request;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::{Analysis, IntentScore, Language};

pub use memory::BotMemory;

use crate::action::{ActionFailure, ActionFailureKind};
use crate::handover_model::{Likelihoods, PERSON_LIKELIHOOD, UPSET_LIKELIHOOD};
use crate::profile::BotProfile;
use crate::small_talk;
use crate::words::{content_words, folded_words, similarity};

/// The order in which fired rules win.
pub const PRIORITY: [HandoverReason; 7] = [
    HandoverReason::CustomerRequest,
    HandoverReason::ActionFailed,
    HandoverReason::SensitiveTopic,
    HandoverReason::NegativeSentiment,
    HandoverReason::HighValue,
    HandoverReason::Complexity,
    HandoverReason::BotFailure,
];

/// A decision to hand the conversation to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoverDecision {
    /// The reason code stored on the `handover_requested` event.
    pub reason: HandoverReason,
    /// What made the rule fire.
    pub evidence: Evidence,
}

impl HandoverDecision {
    /// The evidence as JSON, e.g. `{"trigger": "negative_message", "score": -0.8, ...}`.
    pub fn evidence_json(&self) -> Value {
        serde_json::to_value(&self.evidence).unwrap_or(Value::Null)
    }
}

/// What made a rule fire; serialized with a `trigger` tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum Evidence {
    /// `customer_request`: the words that asked for a person.
    PersonRequested {
        /// The matching words, folded ("falar com um atendente").
        matched: String,
    },
    /// `customer_request`: the learned model reads the message as a request for a person.
    LikelyPersonRequest {
        /// Its probability (0–1).
        likelihood: f32,
    },
    /// `customer_request`: the widget's or a quick reply's "talk to a person" button.
    PersonButton,
    /// `negative_sentiment`: one message at or below the threshold, or with an insult.
    NegativeMessage {
        /// The message's score (−1 to 1).
        score: f32,
        /// The configured threshold.
        threshold: f32,
        /// The message contained an insult.
        has_insult: bool,
        /// The message was shouted.
        is_shouting: bool,
    },
    /// `negative_sentiment`: words of anger, despair, exhaustion or urgency (a threat to go to
    /// Procon, "não aguento mais", "third time I ask").
    Distress {
        /// The cues found, folded ("procon", "terceira vez", "shouting").
        cues: Vec<String>,
        /// Their total weight (1 or more).
        weight: f32,
    },
    /// `negative_sentiment`: the learned model finds the message angry, desperate or urgent.
    LikelyUpset {
        /// Its probability (0–1).
        likelihood: f32,
    },
    /// `negative_sentiment`: two unhappy messages in a row.
    NegativeInARow {
        /// This message's score.
        score: f32,
        /// The previous message's score.
        previous_score: f32,
        /// The configured threshold for two in a row.
        threshold: f32,
    },
    /// `bot_failure`: consecutive turns the bot did not understand.
    ConsecutiveFailures {
        /// How many, this one included.
        count: u32,
        /// The best intent of this turn, if any.
        top_intent: Option<IntentScore>,
    },
    /// `bot_failure`: the customer asked a recent question again.
    RepeatedQuestion {
        /// Word-overlap similarity with the earlier message (0–1).
        similarity: f32,
    },
    /// An external bot asked for a person, for the reason it gave.
    ExternalBotRequest {
        /// What the external bot said about it, if anything.
        note: Option<String>,
    },
    /// `bot_failure`: a slot's answer was invalid as many times as allowed.
    SlotAttemptsExhausted {
        /// The intent being served.
        intent: String,
        /// The slot asked for.
        slot: String,
        /// How many answers were invalid.
        attempts: u8,
    },
    /// `sensitive_topic`: an intent marked sensitive.
    SensitiveIntent {
        /// The intent and its confidence.
        intent: IntentScore,
    },
    /// An intent configured with `handover: true`.
    IntentHandover {
        /// The intent and its confidence.
        intent: IntentScore,
    },
    /// `ai_unavailable`: the account's language model was to answer and could not, and
    /// nothing else answers.
    AiUnavailable {
        /// The intent whose answer is generated.
        intent: Option<String>,
        /// What failed (`timeout`, `over_budget`, ...).
        failure: String,
    },
    /// `high_value`: a contact attribute rule holds.
    AttributeRule {
        /// The rule as written (`tier = vip`).
        rule: String,
        /// The attribute's value.
        value: Value,
    },
    /// `action_failed`: the company API failed or timed out.
    ActionFailed {
        /// The intent whose action failed.
        intent: String,
        /// What went wrong.
        failure: ActionFailureKind,
        /// How many attempts were made.
        attempts: u32,
    },
    /// `complexity`: several requests in one message.
    SeveralIntents {
        /// The intents found, best first.
        intents: Vec<IntentScore>,
    },
    /// `complexity`: a message past the length threshold.
    LongMessage {
        /// The message's length in characters.
        chars: usize,
        /// The configured limit.
        limit: usize,
    },
}

/// Everything the policy looks at on one customer turn.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// The customer's message.
    pub text: &'a str,
    /// The learned model's opinion of it ([`crate::handover_model`]; zeros without one).
    pub likelihoods: Likelihoods,
    /// The engine's analysis of it.
    pub analysis: &'a Analysis,
    /// The language the bot speaks in this conversation.
    pub language: Language,
    /// The contact's attributes.
    pub attributes: &'a Attributes,
    /// The policy's memory of the conversation's previous turns.
    pub memory: &'a BotMemory,
    /// The bot asked a question (a slot or a clarification), so an out-of-scope answer is
    /// not a failure to understand.
    pub expects_answer: bool,
    /// The customer pressed the "talk to a person" button.
    pub requested_person: bool,
    /// The action of this turn failed.
    pub action_failure: Option<(&'a str, &'a ActionFailure)>,
}

/// The decision for this turn: the highest-priority rule that fires, if any.
pub fn evaluate(profile: &BotProfile, input: &PolicyInput<'_>) -> Option<HandoverDecision> {
    fired_rules(profile, input).into_iter().next()
}

/// Every rule that fires on this turn, in [`PRIORITY`] order (for policy replay and tests).
pub fn fired_rules(profile: &BotProfile, input: &PolicyInput<'_>) -> Vec<HandoverDecision> {
    let rules = &profile.handover;
    // Read once: the rule for upset customers and the model's second opinion both weigh them.
    let (cues, cue_weight) = distress::distress_cues(
        input.text,
        input.language,
        input.analysis.sentiment.is_shouting,
    );
    let mut fired = Vec::new();
    let mut fire = |reason: HandoverReason, evidence: Option<Evidence>| {
        if let Some(evidence) = evidence {
            fired.push(HandoverDecision { reason, evidence });
        }
    };
    if rules.customer_request.enabled {
        fire(
            HandoverReason::CustomerRequest,
            customer_request(profile, input),
        );
    }
    fire(
        HandoverReason::ActionFailed,
        input
            .action_failure
            .and_then(|(intent, failure)| on_action_failure(profile, intent, failure))
            .map(|decision| decision.evidence),
    );
    if rules.sensitive_topic.enabled {
        fire(
            HandoverReason::SensitiveTopic,
            sensitive_topic(profile, input),
        );
    }
    if rules.negative_sentiment.enabled {
        fire(
            HandoverReason::NegativeSentiment,
            negative_sentiment(profile, input, cues, cue_weight),
        );
    }
    if rules.high_value.enabled && !input.memory.handed_back {
        fire(HandoverReason::HighValue, high_value(profile, input));
    }
    if rules.complexity.enabled {
        fire(HandoverReason::Complexity, complexity(profile, input));
    }
    if rules.bot_failure.enabled {
        fire(HandoverReason::BotFailure, bot_failure(profile, input));
    }
    if fired.is_empty() {
        fired.extend(second_opinion(profile, input, cue_weight));
    }
    fired.sort_by_key(|decision| {
        PRIORITY
            .iter()
            .position(|reason| *reason == decision.reason)
    });
    fired
}

/// The `action_failed` decision for a failed action, unless the rule is switched off.
pub fn on_action_failure(
    profile: &BotProfile,
    intent: &str,
    failure: &ActionFailure,
) -> Option<HandoverDecision> {
    profile
        .handover
        .action_failed
        .enabled
        .then(|| HandoverDecision {
            reason: HandoverReason::ActionFailed,
            evidence: Evidence::ActionFailed {
                intent: intent.to_owned(),
                failure: failure.kind.clone(),
                attempts: failure.attempts,
            },
        })
}

/// Whether the bot failed to understand this turn: out of scope or below the minimum
/// confidence, with no knowledge-base answer, not small talk and not an answer to the bot's
/// own question.
pub fn is_failed_turn(profile: &BotProfile, input: &PolicyInput<'_>) -> bool {
    let analysis = input.analysis;
    let understood = !analysis.out_of_scope
        && analysis
            .intents
            .first()
            .is_some_and(|top| top.confidence >= profile.understanding.minimum_confidence);
    !understood
        && analysis.kb_hit.is_none()
        && !input.expects_answer
        && small_talk::detect(input.text, input.language).is_none()
}

fn customer_request(profile: &BotProfile, input: &PolicyInput<'_>) -> Option<Evidence> {
    if input.requested_person {
        return Some(Evidence::PersonButton);
    }
    person_request::find_person_request(
        input.text,
        input.language,
        &profile.handover.customer_request.phrases,
    )
    .map(|matched| Evidence::PersonRequested { matched })
}

fn sensitive_topic(profile: &BotProfile, input: &PolicyInput<'_>) -> Option<Evidence> {
    if input.analysis.out_of_scope {
        return None;
    }
    let minimum = profile.handover.sensitive_topic.minimum_confidence;
    input
        .analysis
        .intents
        .iter()
        .filter(|score| score.confidence >= minimum)
        .find(|score| {
            profile
                .intent(&score.intent)
                .is_some_and(|intent| intent.sensitive)
        })
        .map(|score| Evidence::SensitiveIntent {
            intent: score.clone(),
        })
}

/// A message the bot clearly understands as a routine request it can serve ("my card was
/// stolen, block it") scores low because of the event it reports, not because the customer is
/// upset with the service: on such a message a single-message handover needs this much more
/// negativity (or an insult).
const SERVED_REQUEST_CONFIDENCE: f32 = 0.7;
const SERVED_REQUEST_MARGIN: f32 = 0.3;
/// How sure the learned model must be that such a request comes from an upset customer.
const SERVED_UPSET_LIKELIHOOD: f32 = 0.9;
/// How sure it must be of a message with no sign of feeling at all (no cue, a sentiment score
/// of zero or more): a question on a subject the profile does not know ("posso alugar um
/// cofre?") drifts towards the upset customers it learned from.
const UNFELT_UPSET_LIKELIHOOD: f32 = 0.5;

/// The leading intents are in scope, routine (neither sensitive nor handed over) and together
/// confident: the bot can serve the request, even if it must first ask which of two close ones
/// is meant ("me robaron la tarjeta, ¿cómo la bloqueo?" is lost card or blocked card).
fn is_servable_request(profile: &BotProfile, input: &PolicyInput<'_>) -> bool {
    let analysis = input.analysis;
    if analysis.out_of_scope {
        return false;
    }
    let routine = |score: &&IntentScore| {
        profile
            .intent(&score.intent)
            .is_some_and(|intent| !intent.sensitive && !intent.handover)
    };
    let leading: f32 = analysis
        .intents
        .iter()
        .take(2)
        .take_while(routine)
        .map(|score| score.confidence)
        .sum();
    leading >= SERVED_REQUEST_CONFIDENCE
}

/// `cues` and `weight`: the message's distress cues ([`distress::distress_cues`]).
fn negative_sentiment(
    profile: &BotProfile,
    input: &PolicyInput<'_>,
    cues: Vec<String>,
    weight: f32,
) -> Option<Evidence> {
    let rule = &profile.handover.negative_sentiment;
    let sentiment = input.analysis.sentiment;
    let threshold = if is_servable_request(profile, input) {
        rule.threshold - SERVED_REQUEST_MARGIN
    } else {
        rule.threshold
    };
    if weight >= distress::DISTRESSED {
        return Some(Evidence::Distress { cues, weight });
    }
    if sentiment.score <= threshold || sentiment.has_insult {
        return Some(Evidence::NegativeMessage {
            score: sentiment.score,
            threshold: rule.threshold,
            has_insult: sentiment.has_insult,
            is_shouting: sentiment.is_shouting,
        });
    }
    let previous = input.memory.previous_sentiment?;
    (rule.two_in_a_row
        && sentiment.score <= rule.two_in_a_row_threshold
        && previous <= rule.two_in_a_row_threshold)
        .then_some(Evidence::NegativeInARow {
            score: sentiment.score,
            previous_score: previous,
            threshold: rule.two_in_a_row_threshold,
        })
}

/// The learned model's opinion, asked only when no rule fired and the bot is not waiting for an
/// answer (a CPF is not a complaint): a request for a person, or an upset customer — with more
/// certainty needed on a request the bot can serve or an article answers, since "TED cai no
/// mesmo dia?" reads like the many hurried complaints about transfers it learned from.
fn second_opinion(
    profile: &BotProfile,
    input: &PolicyInput<'_>,
    cue_weight: f32,
) -> Option<HandoverDecision> {
    let rules = &profile.handover;
    if input.expects_answer {
        return None;
    }
    let likelihoods = input.likelihoods;
    if rules.customer_request.enabled
        && likelihoods.person >= PERSON_LIKELIHOOD
        && person_request::mentions_a_person(input.text, input.language)
    {
        return Some(HandoverDecision {
            reason: HandoverReason::CustomerRequest,
            evidence: Evidence::LikelyPersonRequest {
                likelihood: likelihoods.person,
            },
        });
    }
    let answerable = is_servable_request(profile, input) || input.analysis.kb_hit.is_some();
    let has_feeling = cue_weight > 0.0 || input.analysis.sentiment.score < 0.0;
    let needed = if answerable {
        SERVED_UPSET_LIKELIHOOD
    } else if has_feeling {
        UPSET_LIKELIHOOD
    } else {
        UNFELT_UPSET_LIKELIHOOD
    };
    (rules.negative_sentiment.enabled && likelihoods.upset >= needed).then_some(HandoverDecision {
        reason: HandoverReason::NegativeSentiment,
        evidence: Evidence::LikelyUpset {
            likelihood: likelihoods.upset,
        },
    })
}

fn high_value(profile: &BotProfile, input: &PolicyInput<'_>) -> Option<Evidence> {
    profile.handover.high_value.rules.iter().find_map(|rule| {
        let condition = rule.get()?;
        condition
            .matches(input.attributes)
            .map(|value| Evidence::AttributeRule {
                rule: rule.raw().to_owned(),
                value: value.clone(),
            })
    })
}

/// Words that join two requests in one message.
const CONNECTORS: &[&[&str]] = &[
    &["tambem"],
    &["alem", "disso"],
    &["outra", "coisa"],
    &["e", "ainda"],
    &["tambien"],
    &["ademas"],
    &["otra", "cosa"],
    &["also"],
    &["another", "thing"],
    &["as", "well"],
    &["plus"],
];

fn complexity(profile: &BotProfile, input: &PolicyInput<'_>) -> Option<Evidence> {
    let rule = &profile.handover.complexity;
    let chars = input.text.chars().count();
    if chars > rule.max_message_chars {
        return Some(Evidence::LongMessage {
            chars,
            limit: rule.max_message_chars,
        });
    }
    // Several requests need the bot to understand at least one: two weak guesses are a message
    // it does not understand, not a complex one.
    let understood = input
        .analysis
        .intents
        .first()
        .is_some_and(|top| top.confidence >= profile.understanding.minimum_confidence);
    if !rule.multiple_intents || input.analysis.out_of_scope || !understood {
        return None;
    }
    let strong: Vec<IntentScore> = input
        .analysis
        .intents
        .iter()
        .filter(|score| score.confidence >= rule.second_intent_confidence)
        .cloned()
        .collect();
    if strong.len() < 2 {
        return None;
    }
    let words = folded_words(input.text, input.language);
    let has_connector = CONNECTORS
        .iter()
        .any(|connector| words.windows(connector.len()).any(|w| w == *connector));
    let sentences = input
        .text
        .split(['.', '?', '!', ';', '\n'])
        .filter(|sentence| sentence.split_whitespace().count() >= 3)
        .count();
    (has_connector || sentences >= 2).then_some(Evidence::SeveralIntents { intents: strong })
}

fn bot_failure(profile: &BotProfile, input: &PolicyInput<'_>) -> Option<Evidence> {
    let rule = &profile.handover.bot_failure;
    if is_failed_turn(profile, input) {
        let count = input.memory.failure_streak + 1;
        if count >= rule.consecutive_failures {
            return Some(Evidence::ConsecutiveFailures {
                count,
                top_intent: input.analysis.intents.first().cloned(),
            });
        }
    }
    if !rule.repeated_question || small_talk::detect(input.text, input.language).is_some() {
        return None;
    }
    let words = content_words(input.text, input.language);
    if words.len() < memory::MIN_QUESTION_WORDS {
        return None;
    }
    input
        .memory
        .recent_questions
        .iter()
        .map(|earlier| similarity(&words, earlier))
        .fold(None, |best: Option<f32>, value| {
            Some(best.map_or(value, |best| best.max(value)))
        })
        .filter(|best| *best >= rule.repeated_question_similarity)
        .map(|similarity| Evidence::RepeatedQuestion { similarity })
}

#[cfg(test)]
mod tests;
