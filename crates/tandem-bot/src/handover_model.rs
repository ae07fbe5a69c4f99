//! A learned second opinion for the handover rules: a logistic regression over words and
//! character n-grams (tandem-nlu's intent classifier) with three classes: asks for a person,
//! upset, routine. It learns from the labelled messages shipped with the crate
//! (`eval/handover.jsonl`) and from the profile itself: every example of its routine intents
//! (neither sensitive nor handed over), its articles' titles and questions, its out-of-scope
//! examples and the built-in off-topic ones count as routine, so a question about the account's own business, or small talk, is not
//! mistaken for a complaint. The word rules catch what they name; the model catches
//! paraphrases they do not ("voce é uma pessoa ou uma maquina?"). Models are trained with a
//! fixed seed and kept per profile content, so every turn of a profile version shares one.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use tandem_nlu::{
    ClassifierError, ClassifierOptions, IntentClassifier, Language, TrainingExample,
    off_topic_examples,
};

use crate::handover_set::{Case, HANDOVER_SET, Label, parse_set};
use crate::profile::BotProfile;

/// How likely a message is to need a person, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Likelihoods {
    /// It asks for a person (0–1).
    pub person: f32,
    /// The customer is angry, desperate or in a hurry (0–1).
    pub upset: f32,
}

/// The trained model.
#[derive(Debug, Clone)]
pub struct HandoverModel {
    classifier: IntentClassifier,
}

/// The probability from which the policy trusts the model alone that a message asks for a
/// person. The thresholds were chosen with the word rules in place and the model trained without
/// the set's `test` part, measured on that part (`handover_eval --validate`): at 0.5 and 0.35,
/// 98.9% of requests for a person and 94.4% of upset customers were handed over, and 1.3% of
/// routine questions; raising the upset threshold to 0.45 caught 91.1%.
pub const PERSON_LIKELIHOOD: f32 = 0.5;
/// The same for an upset customer (on a request the bot can serve, the policy asks for more).
pub const UPSET_LIKELIHOOD: f32 = 0.35;

fn label_name(label: Label) -> &'static str {
    match label {
        Label::Person => "person",
        Label::Upset => "upset",
        Label::Benign => "benign",
    }
}

impl HandoverModel {
    /// Trains on `cases` and, when given, the routine messages of `profile`.
    ///
    /// # Errors
    /// [`ClassifierError`] when there is nothing to learn from.
    pub fn train(cases: &[Case], profile: Option<&BotProfile>) -> Result<Self, ClassifierError> {
        let mut examples: Vec<TrainingExample> = cases
            .iter()
            .map(|case| TrainingExample {
                text: case.text.clone(),
                language: case.language,
                intent: Some(label_name(case.label).to_owned()),
            })
            .collect();
        if let Some(profile) = profile {
            examples.extend(
                routine_messages(profile)
                    .into_iter()
                    .map(|(language, text)| TrainingExample {
                        text: text.to_owned(),
                        language,
                        intent: Some(label_name(Label::Benign).to_owned()),
                    }),
            );
        }
        let options = ClassifierOptions {
            out_of_scope_threshold: 0.0,
            ..ClassifierOptions::default()
        };
        Ok(HandoverModel {
            classifier: IntentClassifier::train(&examples, &options)?,
        })
    }

    /// The model for `profile`, trained on the shipped set and the profile's routine messages
    /// the first time this content is seen; `None` only if training fails, which the crate's
    /// tests rule out for the shipped set.
    pub fn for_profile(profile: &BotProfile) -> Option<Arc<HandoverModel>> {
        let key = fingerprint(profile);
        if let Some(model) = CACHE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Some(Arc::clone(model));
        }
        let cases = SHIPPED_CASES.as_ref()?;
        let model = Arc::new(HandoverModel::train(cases, Some(profile)).ok()?);
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHED_MODELS {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&model));
        Some(model)
    }

    /// How likely `text` is to ask for a person or come from an upset customer.
    pub fn likelihoods(&self, text: &str, language: Language) -> Likelihoods {
        let mut likelihoods = Likelihoods::default();
        for score in self.classifier.classify(text, language, 3).intents {
            match score.intent.as_str() {
                "person" => likelihoods.person = score.confidence,
                "upset" => likelihoods.upset = score.confidence,
                _ => {}
            }
        }
        likelihoods
    }
}

/// The shipped labelled set, parsed once.
static SHIPPED_CASES: LazyLock<Option<Vec<Case>>> = LazyLock::new(|| parse_set(HANDOVER_SET).ok());

/// Models by profile content.
static CACHE: LazyLock<Mutex<HashMap<u64, Arc<HandoverModel>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// How many profile contents keep a model at once; past it the cache starts over.
const CACHED_MODELS: usize = 64;

/// What a profile adds to the routine class: its routine intents' examples, its articles' titles
/// and questions, its out-of-scope examples and, unless it opts out, the built-in off-topic
/// messages.
fn routine_messages(profile: &BotProfile) -> Vec<(Language, &str)> {
    let mut messages: Vec<(Language, &str)> = profile
        .intents
        .iter()
        .filter(|intent| !intent.sensitive && !intent.handover)
        .flat_map(|intent| intent.examples.iter())
        .chain(profile.out_of_scope_examples.iter())
        .chain(
            profile
                .articles
                .iter()
                .flat_map(|article| article.questions.iter()),
        )
        .flat_map(|(language, texts)| texts.iter().map(move |text| (language, text.as_str())))
        .collect();
    for article in &profile.articles {
        messages.extend(
            article
                .title
                .iter()
                .map(|(language, title)| (language, title.as_str())),
        );
    }
    if profile.understanding.include_built_in_off_topic_examples {
        for (language, text) in off_topic_examples() {
            messages.push((language, text));
        }
    }
    messages
}

fn fingerprint(profile: &BotProfile) -> u64 {
    let mut hasher = DefaultHasher::new();
    for (language, text) in routine_messages(profile) {
        language.hash(&mut hasher);
        text.hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::PROFILE;

    #[test]
    fn the_demo_model_trains_once_and_tells_the_kinds_apart() {
        let model = HandoverModel::for_profile(&PROFILE).expect("the shipped set trains");
        assert!(Arc::ptr_eq(
            &model,
            &HandoverModel::for_profile(&PROFILE).unwrap()
        ));
        let asks = model.likelihoods("quero falar com um atendente", Language::Portuguese);
        assert!(asks.person > 0.5, "{asks:?}");
        for routine in ["qual o limite do pix?", "vai chover amanhã?"] {
            let likelihoods = model.likelihoods(routine, Language::Portuguese);
            assert!(
                likelihoods.person < 0.5 && likelihoods.upset < 0.5,
                "{routine}: {likelihoods:?}"
            );
        }
    }
}
