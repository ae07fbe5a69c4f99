//! Intent classification with an explicit out-of-scope verdict, trained in-process from a
//! profile's examples. The default model is a multinomial logistic regression over the
//! features of [`crate::features`]; naive Bayes and nearest-centroid models are kept for the
//! comparison in the crate's README.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ClassifierError;
use crate::features::{FeatureSpace, RawFeatures, SparseVector};
use crate::language::Language;
use crate::normalize::Normalizer;

/// One labelled example to learn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingExample {
    /// The example message.
    pub text: String,
    /// The language it is written in (used for stemming and chat spelling).
    pub language: Language,
    /// The intent it expresses, or `None` for an out-of-scope example: such examples train a
    /// reserved class whose prediction counts as out of scope.
    pub intent: Option<String>,
}

/// The learning algorithm behind an [`IntentClassifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Multinomial logistic regression trained by stochastic gradient descent (the default).
    LogisticRegression,
    /// Multinomial naive Bayes over TF-IDF weights.
    NaiveBayes,
    /// Cosine similarity to each intent's mean TF-IDF vector.
    NearestCentroid,
}

/// Training settings; the defaults are the ones measured in the README.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierOptions {
    /// The learning algorithm.
    pub model: ModelKind,
    /// Passes over the training data (logistic regression only).
    pub epochs: u32,
    /// Initial learning rate (logistic regression only).
    pub learning_rate: f32,
    /// L2 regularization strength per example (logistic regression only).
    pub l2_regularization: f32,
    /// Character n-grams seen in fewer training texts than this are dropped.
    pub minimum_character_document_frequency: u32,
    /// Weight of the character n-gram block relative to the word block.
    pub character_block_weight: f32,
    /// The top in-scope confidence below which a message is out of scope.
    pub out_of_scope_threshold: f32,
    /// Seed of the example shuffling, so training is reproducible.
    pub seed: u64,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        ClassifierOptions {
            model: ModelKind::LogisticRegression,
            epochs: 8,
            learning_rate: 1.0,
            l2_regularization: 3e-6,
            minimum_character_document_frequency: 2,
            character_block_weight: 1.0,
            out_of_scope_threshold: 0.15,
            seed: 0x7A4D_E11A,
        }
    }
}

/// An intent and the classifier's confidence in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentScore {
    /// The intent's name as given in the training examples.
    pub intent: String,
    /// Probability in 0–1 that the message expresses this intent.
    pub confidence: f32,
}

/// The result of classifying one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The most likely in-scope intents, best first.
    pub intents: Vec<IntentScore>,
    /// True when no intent is confident enough, or the out-of-scope class won.
    pub out_of_scope: bool,
}

#[derive(Debug, Clone)]
enum Model {
    /// Feature-major weights (`feature * class_count + class`) and one bias per class.
    Linear { weights: Vec<f32>, biases: Vec<f32> },
    /// Feature-major unit-length class centroids.
    Centroid { centroids: Vec<f32> },
}

/// A trained intent classifier. Cheap to query from many threads at once.
#[derive(Debug, Clone)]
pub struct IntentClassifier {
    feature_space: FeatureSpace,
    model: Model,
    labels: Vec<String>,
    out_of_scope_class: Option<usize>,
    out_of_scope_threshold: f32,
}

/// The name of the reserved class trained from out-of-scope examples.
const OUT_OF_SCOPE_LABEL: &str = "\u{0}out_of_scope";
/// Sharpness of the softmax over centroid cosine similarities.
const CENTROID_TEMPERATURE: f32 = 20.0;
/// Smoothing of naive Bayes feature probabilities.
const NAIVE_BAYES_SMOOTHING: f32 = 0.05;

impl IntentClassifier {
    /// Trains a classifier on `examples`.
    ///
    /// # Errors
    /// [`ClassifierError::NoIntents`] when no example names an intent,
    /// [`ClassifierError::EmptyIntentName`] when an intent name is blank.
    pub fn train(
        examples: &[TrainingExample],
        options: &ClassifierOptions,
    ) -> Result<Self, ClassifierError> {
        let mut label_index: BTreeMap<&str, usize> = BTreeMap::new();
        for example in examples {
            if let Some(intent) = &example.intent {
                if intent.trim().is_empty() {
                    return Err(ClassifierError::EmptyIntentName);
                }
                label_index.insert(intent, 0);
            }
        }
        if label_index.is_empty() {
            return Err(ClassifierError::NoIntents);
        }
        let mut labels: Vec<String> = label_index.keys().map(|l| (*l).to_owned()).collect();
        let has_out_of_scope_examples = examples.iter().any(|e| e.intent.is_none());
        let out_of_scope_class = has_out_of_scope_examples.then(|| {
            labels.push(OUT_OF_SCOPE_LABEL.to_owned());
            labels.len() - 1
        });
        for (index, label) in labels.iter().enumerate() {
            if let Some(slot) = label_index.get_mut(label.as_str()) {
                *slot = index;
            }
        }
        let targets: Vec<usize> = examples
            .iter()
            .map(|example| match &example.intent {
                Some(intent) => label_index
                    .get(intent.as_str())
                    .copied()
                    .unwrap_or_default(),
                None => out_of_scope_class.unwrap_or_default(),
            })
            .collect();

        let normalizers = Language::ALL.map(Normalizer::new);
        let raw: Vec<RawFeatures> = examples
            .iter()
            .map(|e| {
                RawFeatures::from_tokens(
                    &normalizer_for(&normalizers, e.language).tokenize(&e.text),
                )
            })
            .collect();
        let feature_space = FeatureSpace::fit(
            &raw,
            options.minimum_character_document_frequency,
            options.character_block_weight,
        );
        let vectors: Vec<SparseVector> = raw.iter().map(|r| feature_space.vectorize(r)).collect();
        let dimension = feature_space.dimension();
        let class_count = labels.len();
        let model = match options.model {
            ModelKind::LogisticRegression => {
                train_logistic_regression(&vectors, &targets, dimension, class_count, options)
            }
            ModelKind::NaiveBayes => train_naive_bayes(&vectors, &targets, dimension, class_count),
            ModelKind::NearestCentroid => {
                train_nearest_centroid(&vectors, &targets, dimension, class_count)
            }
        };
        Ok(IntentClassifier {
            feature_space,
            model,
            labels,
            out_of_scope_class,
            out_of_scope_threshold: options.out_of_scope_threshold,
        })
    }

    /// The intents this classifier knows, in index order (the out-of-scope class excluded).
    pub fn intents(&self) -> impl Iterator<Item = &str> {
        self.labels
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != self.out_of_scope_class)
            .map(|(_, l)| l.as_str())
    }

    /// The top in-scope confidence below which a message is out of scope.
    pub fn out_of_scope_threshold(&self) -> f32 {
        self.out_of_scope_threshold
    }

    /// Changes the out-of-scope threshold (e.g. after picking it on validation data).
    pub fn set_out_of_scope_threshold(&mut self, threshold: f32) {
        self.out_of_scope_threshold = threshold;
    }

    /// Classifies `text`, written in `language`, returning the `top_k` best in-scope intents.
    pub fn classify(&self, text: &str, language: Language, top_k: usize) -> Classification {
        let probabilities = self.probabilities(text, language);
        let mut ranked: Vec<(usize, f32)> = probabilities
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| Some(*i) != self.out_of_scope_class)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let best_in_scope = ranked.first().map_or(0.0, |(_, p)| *p);
        let out_of_scope_wins = self
            .out_of_scope_class
            .is_some_and(|class| probabilities[class] > best_in_scope);
        Classification {
            intents: ranked
                .into_iter()
                .take(top_k)
                .map(|(i, confidence)| IntentScore {
                    intent: self.labels[i].clone(),
                    confidence,
                })
                .collect(),
            out_of_scope: out_of_scope_wins || best_in_scope < self.out_of_scope_threshold,
        }
    }

    /// The best in-scope intent's index and confidence, and whether the reserved
    /// out-of-scope class beat it. Used by the evaluation to sweep thresholds cheaply.
    pub(crate) fn best_in_scope(&self, text: &str, language: Language) -> (usize, f32, bool) {
        let probabilities = self.probabilities(text, language);
        let mut best = (0, f32::MIN);
        for (class, &probability) in probabilities.iter().enumerate() {
            if Some(class) != self.out_of_scope_class && probability > best.1 {
                best = (class, probability);
            }
        }
        let out_of_scope_wins = self
            .out_of_scope_class
            .is_some_and(|class| probabilities[class] > best.1);
        (best.0, best.1, out_of_scope_wins)
    }

    /// The label of a class index.
    pub(crate) fn label(&self, class: usize) -> &str {
        &self.labels[class]
    }

    fn probabilities(&self, text: &str, language: Language) -> Vec<f32> {
        let tokens = Normalizer::new(language).tokenize(text);
        let vector = self
            .feature_space
            .vectorize(&RawFeatures::from_tokens(&tokens));
        let class_count = self.labels.len();
        let mut scores = match &self.model {
            Model::Linear { weights, biases } => {
                let mut scores = biases.clone();
                accumulate(&mut scores, weights, &vector, 1.0);
                scores
            }
            Model::Centroid { centroids } => {
                let mut scores = vec![0.0; class_count];
                accumulate(&mut scores, centroids, &vector, 1.0);
                let norm = vector
                    .values
                    .iter()
                    .map(|v| v * v)
                    .sum::<f32>()
                    .sqrt()
                    .max(f32::EPSILON);
                scores
                    .iter_mut()
                    .for_each(|s| *s *= CENTROID_TEMPERATURE / norm);
                scores
            }
        };
        softmax(&mut scores);
        scores
    }
}

fn normalizer_for(normalizers: &[Normalizer; 3], language: Language) -> &Normalizer {
    let index = Language::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or_default();
    &normalizers[index]
}

/// Adds `scale * Σ value · row(feature)` to `scores` for a feature-major weight matrix.
fn accumulate(scores: &mut [f32], weights: &[f32], vector: &SparseVector, scale: f32) {
    let class_count = scores.len();
    for (feature, value) in vector.iter() {
        let row = &weights[feature * class_count..(feature + 1) * class_count];
        let factor = value * scale;
        for (score, weight) in scores.iter_mut().zip(row) {
            *score += factor * weight;
        }
    }
}

fn softmax(scores: &mut [f32]) {
    let maximum = scores.iter().copied().fold(f32::MIN, f32::max);
    let mut total = 0.0;
    for score in scores.iter_mut() {
        *score = (*score - maximum).exp();
        total += *score;
    }
    scores.iter_mut().for_each(|s| *s /= total);
}

/// A small deterministic generator (xorshift64*) for shuffling the training order.
struct Shuffler(u64);

impl Shuffler {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Multinomial logistic regression by SGD with a decaying learning rate and L2 weight decay.
/// The decay is applied lazily through a global scale so each step only touches the
/// example's features.
fn train_logistic_regression(
    vectors: &[SparseVector],
    targets: &[usize],
    dimension: usize,
    class_count: usize,
    options: &ClassifierOptions,
) -> Model {
    let mut weights = vec![0.0f32; dimension * class_count];
    let mut biases = vec![0.0f32; class_count];
    let mut scale = 1.0f32;
    let mut order: Vec<usize> = (0..vectors.len()).collect();
    let mut shuffler = Shuffler(options.seed | 1);
    let mut scores = vec![0.0f32; class_count];
    let mut active: Vec<(usize, f32)> = Vec::with_capacity(class_count);
    let mut step = 0u64;
    // The weights of the later epochs are averaged (tail averaging): SGD's last iterate
    // jitters around the optimum, and the average generalizes better.
    let first_averaged_epoch = options.epochs / 2;
    let mut weight_sum = vec![
        0.0f32;
        if options.epochs > 1 {
            dimension * class_count
        } else {
            0
        }
    ];
    let mut bias_sum = vec![0.0f32; class_count];
    let mut averaged_epochs = 0u32;
    for epoch in 0..options.epochs {
        shuffler.shuffle(&mut order);
        for &example in &order {
            let learning_rate = options.learning_rate
                / (1.0 + options.learning_rate * options.l2_regularization * step as f32);
            step += 1;
            let vector = &vectors[example];
            scores.copy_from_slice(&biases);
            accumulate(&mut scores, &weights, vector, scale);
            softmax(&mut scores);
            scores[targets[example]] -= 1.0;
            scale *= 1.0 - learning_rate * options.l2_regularization;
            if scale < 1e-3 {
                weights.iter_mut().for_each(|w| *w *= scale);
                scale = 1.0;
            }
            // Classes whose gradient is negligible are skipped: once the model fits an
            // example, only a handful of classes still move, which makes later epochs cheap.
            active.clear();
            active.extend(
                scores
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|(_, g)| g.abs() > 1e-4),
            );
            for &(class, gradient) in &active {
                biases[class] -= learning_rate * gradient;
            }
            let step_size = learning_rate / scale;
            for (feature, value) in vector.iter() {
                let row = &mut weights[feature * class_count..(feature + 1) * class_count];
                if active.len() * 4 >= class_count {
                    for (weight, gradient) in row.iter_mut().zip(&scores) {
                        *weight -= step_size * gradient * value;
                    }
                } else {
                    for &(class, gradient) in &active {
                        row[class] -= step_size * gradient * value;
                    }
                }
            }
        }
        if !weight_sum.is_empty() && epoch >= first_averaged_epoch {
            for (sum, weight) in weight_sum.iter_mut().zip(&weights) {
                *sum += weight * scale;
            }
            for (sum, bias) in bias_sum.iter_mut().zip(&biases) {
                *sum += bias;
            }
            averaged_epochs += 1;
        }
    }
    if averaged_epochs == 0 {
        weights.iter_mut().for_each(|w| *w *= scale);
        return Model::Linear { weights, biases };
    }
    let count = averaged_epochs as f32;
    weight_sum.iter_mut().for_each(|w| *w /= count);
    bias_sum.iter_mut().for_each(|b| *b /= count);
    Model::Linear {
        weights: weight_sum,
        biases: bias_sum,
    }
}

/// Multinomial naive Bayes, with TF-IDF weights standing in for counts.
fn train_naive_bayes(
    vectors: &[SparseVector],
    targets: &[usize],
    dimension: usize,
    class_count: usize,
) -> Model {
    let mut mass = vec![0.0f32; dimension * class_count];
    let mut class_totals = vec![0.0f32; class_count];
    let mut class_examples = vec![0.0f32; class_count];
    for (vector, &class) in vectors.iter().zip(targets) {
        class_examples[class] += 1.0;
        for (feature, value) in vector.iter() {
            mass[feature * class_count + class] += value;
            class_totals[class] += value;
        }
    }
    let smoothing_total = NAIVE_BAYES_SMOOTHING * dimension as f32;
    for feature in 0..dimension {
        for class in 0..class_count {
            let cell = &mut mass[feature * class_count + class];
            *cell =
                ((*cell + NAIVE_BAYES_SMOOTHING) / (class_totals[class] + smoothing_total)).ln();
        }
    }
    let total_examples = vectors.len() as f32;
    let biases = class_examples
        .iter()
        .map(|n| (n.max(1.0) / total_examples).ln())
        .collect();
    Model::Linear {
        weights: mass,
        biases,
    }
}

fn train_nearest_centroid(
    vectors: &[SparseVector],
    targets: &[usize],
    dimension: usize,
    class_count: usize,
) -> Model {
    let mut centroids = vec![0.0f32; dimension * class_count];
    for (vector, &class) in vectors.iter().zip(targets) {
        for (feature, value) in vector.iter() {
            centroids[feature * class_count + class] += value;
        }
    }
    let mut norms = vec![0.0f32; class_count];
    for (index, value) in centroids.iter().enumerate() {
        norms[index % class_count] += value * value;
    }
    for (index, value) in centroids.iter_mut().enumerate() {
        *value /= norms[index % class_count].sqrt().max(f32::EPSILON);
    }
    Model::Centroid { centroids }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str, language: Language, intent: Option<&str>) -> TrainingExample {
        TrainingExample {
            text: text.to_owned(),
            language,
            intent: intent.map(str::to_owned),
        }
    }

    fn support_examples() -> Vec<TrainingExample> {
        use Language::{English as En, Portuguese as Pt, Spanish as Es};
        let rows: &[(&str, Language, &str)] = &[
            ("quero a segunda via do boleto", Pt, "boleto"),
            ("preciso do boleto atualizado", Pt, "boleto"),
            ("me manda o boleto da fatura", Pt, "boleto"),
            ("necesito la factura de este mes", Es, "boleto"),
            ("send me my invoice", En, "boleto"),
            ("meu cartão foi bloqueado", Pt, "blocked_card"),
            ("cartão bloqueado, não consigo comprar", Pt, "blocked_card"),
            ("mi tarjeta está bloqueada", Es, "blocked_card"),
            ("my card is blocked", En, "blocked_card"),
            ("my card got blocked at the store", En, "blocked_card"),
            ("quero falar com um atendente", Pt, "human"),
            ("me passa para um humano", Pt, "human"),
            ("quiero hablar con un agente", Es, "human"),
            ("talk to a human", En, "human"),
            ("can I speak to a person", En, "human"),
            ("quero o reembolso da compra", Pt, "refund"),
            ("devolvam meu dinheiro", Pt, "refund"),
            ("quiero un reembolso", Es, "refund"),
            ("I want a refund", En, "refund"),
            ("refund my order please", En, "refund"),
        ];
        rows.iter()
            .map(|(text, language, intent)| example(text, *language, Some(intent)))
            .collect()
    }

    #[test]
    fn every_model_learns_the_support_intents() {
        let probes: &[(&str, Language, &str)] = &[
            (
                "vc pode me mandar o boleto?",
                Language::Portuguese,
                "boleto",
            ),
            (
                "meu cartao ta bloqueado",
                Language::Portuguese,
                "blocked_card",
            ),
            ("quiero hablar con una persona", Language::Spanish, "human"),
            ("I'd like a refund", Language::English, "refund"),
        ];
        for model in [
            ModelKind::LogisticRegression,
            ModelKind::NaiveBayes,
            ModelKind::NearestCentroid,
        ] {
            let options = ClassifierOptions {
                model,
                epochs: 30,
                ..ClassifierOptions::default()
            };
            let classifier = IntentClassifier::train(&support_examples(), &options).unwrap();
            for (text, language, expected) in probes {
                let result = classifier.classify(text, *language, 3);
                assert_eq!(result.intents[0].intent, *expected, "{model:?}: {text}");
            }
        }
    }

    #[test]
    fn confidences_are_probabilities_sorted_best_first() {
        let options = ClassifierOptions {
            epochs: 30,
            ..ClassifierOptions::default()
        };
        let classifier = IntentClassifier::train(&support_examples(), &options).unwrap();
        let result = classifier.classify("my card is blocked", Language::English, 4);
        assert_eq!(result.intents.len(), 4);
        let total: f32 = result.intents.iter().map(|i| i.confidence).sum();
        assert!((total - 1.0).abs() < 1e-4);
        assert!(
            result
                .intents
                .windows(2)
                .all(|w| w[0].confidence >= w[1].confidence)
        );
        assert!(!result.out_of_scope);
    }

    #[test]
    fn unrelated_messages_are_out_of_scope() {
        let mut examples = support_examples();
        for text in [
            "what is the weather tomorrow",
            "tell me a joke",
            "qual a capital da frança",
            "receta de pizza",
        ] {
            examples.push(example(text, Language::English, None));
        }
        let options = ClassifierOptions {
            epochs: 30,
            out_of_scope_threshold: 0.5,
            ..ClassifierOptions::default()
        };
        let classifier = IntentClassifier::train(&examples, &options).unwrap();
        assert!(
            classifier
                .classify("how is the weather in paris", Language::English, 3)
                .out_of_scope
        );
        assert!(
            classifier
                .classify("zzz qqq www", Language::English, 3)
                .out_of_scope
        );
        assert!(
            !classifier
                .classify("my card is blocked", Language::English, 3)
                .out_of_scope
        );
        assert!(classifier.intents().all(|i| i != OUT_OF_SCOPE_LABEL));
    }

    #[test]
    fn training_is_deterministic() {
        let options = ClassifierOptions::default();
        let first = IntentClassifier::train(&support_examples(), &options).unwrap();
        let second = IntentClassifier::train(&support_examples(), &options).unwrap();
        let text = "preciso falar com alguém sobre meu cartão";
        assert_eq!(
            first.classify(text, Language::Portuguese, 4),
            second.classify(text, Language::Portuguese, 4)
        );
    }

    #[test]
    fn training_without_intents_is_an_error() {
        let only_out_of_scope = [example("hello", Language::English, None)];
        assert!(matches!(
            IntentClassifier::train(&only_out_of_scope, &ClassifierOptions::default()),
            Err(ClassifierError::NoIntents)
        ));
        let blank = [example("hello", Language::English, Some(" "))];
        assert!(matches!(
            IntentClassifier::train(&blank, &ClassifierOptions::default()),
            Err(ClassifierError::EmptyIntentName)
        ));
    }
}
