//! Clarification: asking "did you mean A or B?" when the two best intents are too close to
//! call, and reading the answer ("o primeiro", "the second one", or words of either label).

use tandem_nlu::{Analysis, IntentScore, Language};

use crate::profile::BotProfile;
use crate::words::{content_words, folded_words};

/// The least confidence the runner-up needs before the bot asks between the two.
const RUNNER_UP_FLOOR: f32 = 0.15;
/// The longest answer read for an ordinal ("a segunda", "the first one").
const LONGEST_ORDINAL_ANSWER: usize = 4;

const FIRST: &[&str] = &[
    "primeiro", "primeira", "primero", "primera", "first", "1", "1st", "1o", "1a",
];
const SECOND: &[&str] = &[
    "segundo", "segunda", "second", "2", "2nd", "2o", "2a", "ultimo", "ultima", "last", "outro",
    "outra", "otro", "otra", "other",
];

/// The two intents to ask between, when the best two are closer than the profile's margin.
pub(crate) fn candidates(profile: &BotProfile, analysis: &Analysis) -> Option<[IntentScore; 2]> {
    if analysis.out_of_scope {
        return None;
    }
    let [first, second, ..] = analysis.intents.as_slice() else {
        return None;
    };
    (second.confidence >= RUNNER_UP_FLOOR
        && first.confidence - second.confidence < profile.understanding.clarify_margin)
        .then(|| [first.clone(), second.clone()])
}

/// What the bot calls an intent when asking: its label, else its first example.
pub(crate) fn label(profile: &BotProfile, intent: &str, language: Language) -> String {
    let Some(definition) = profile.intent(intent) else {
        return intent.replace('_', " ");
    };
    let default = profile.languages.default;
    definition
        .label
        .get_or(language, default)
        .cloned()
        .or_else(|| {
            definition
                .examples
                .get_or(language, default)
                .and_then(|examples| examples.first())
                .map(|example| format!("\"{example}\""))
        })
        .unwrap_or_else(|| intent.replace('_', " "))
}

/// Which of `options` the customer chose, if the answer says.
pub(crate) fn resolve(
    profile: &BotProfile,
    options: &[String],
    text: &str,
    language: Language,
    analysis: &Analysis,
) -> Option<IntentScore> {
    let [first, second] = options else {
        return None;
    };
    let chosen = |intent: &String| IntentScore {
        intent: intent.clone(),
        confidence: 1.0,
    };
    let words = folded_words(text, language);
    if words.len() <= LONGEST_ORDINAL_ANSWER {
        if words.iter().any(|word| FIRST.contains(&word.as_str())) {
            return Some(chosen(first));
        }
        if words.iter().any(|word| SECOND.contains(&word.as_str())) {
            return Some(chosen(second));
        }
    }
    let answer = content_words(text, language);
    let overlap = |intent: &String| {
        let label = content_words(&label(profile, intent, language), language);
        answer.iter().filter(|word| label.contains(word)).count()
    };
    let (first_overlap, second_overlap) = (overlap(first), overlap(second));
    if first_overlap != second_overlap {
        return Some(chosen(if first_overlap > second_overlap {
            first
        } else {
            second
        }));
    }
    let confidence = |intent: &String| {
        analysis
            .intents
            .iter()
            .find(|score| &score.intent == intent)
            .map_or(0.0, |score| score.confidence)
    };
    let (first_confidence, second_confidence) = (confidence(first), confidence(second));
    let best = if first_confidence >= second_confidence {
        first
    } else {
        second
    };
    (first_confidence.max(second_confidence) >= RUNNER_UP_FLOOR).then(|| IntentScore {
        intent: best.clone(),
        confidence: first_confidence.max(second_confidence),
    })
}
