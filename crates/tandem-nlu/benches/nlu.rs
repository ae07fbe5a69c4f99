//! Benchmarks of intent classification (a CLINC150-sized model), of training a typical
//! profile, and of a full message analysis (language, intents, sentiment, entities,
//! knowledge base) on a small support profile.
//! Run with `cargo bench -p tandem-nlu`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tandem_nlu::{
    AnalysisContext, ClassifierOptions, Engine, EngineConfig, IntentClassifier, IntentDefinition,
    KnowledgeArticle, Language, LocalizedText, TrainingExample,
};

/// Synthetic training examples: `intent_count` intents of `examples_per_intent` messages built
/// from a shared vocabulary, so feature spaces and weight matrices have realistic sizes.
fn synthetic_examples(intent_count: usize, examples_per_intent: usize) -> Vec<TrainingExample> {
    let verbs = [
        "check", "change", "cancel", "report", "find", "order", "pay", "transfer", "book", "reset",
    ];
    let objects = [
        "balance",
        "card",
        "flight",
        "pin",
        "bill",
        "order",
        "account",
        "reservation",
        "route",
        "alarm",
    ];
    let tails = [
        "please",
        "right now",
        "for me",
        "today",
        "again",
        "if you can",
        "quickly",
        "now",
        "soon",
        "later",
    ];
    let mut examples = Vec::with_capacity(intent_count * examples_per_intent);
    for intent in 0..intent_count {
        let verb = verbs[intent % verbs.len()];
        let object = objects[(intent / verbs.len()) % objects.len()];
        let series = intent / (verbs.len() * objects.len());
        for example in 0..examples_per_intent {
            let tail = tails[example % tails.len()];
            let filler = tails[(example / tails.len()) % tails.len()];
            examples.push(TrainingExample {
                text: format!("can you {verb} my {object} {tail} {filler} series {series}"),
                language: Language::English,
                intent: Some(format!("intent_{intent}")),
            });
        }
    }
    examples
}

fn train(examples: &[TrainingExample]) -> IntentClassifier {
    match IntentClassifier::train(examples, &ClassifierOptions::default()) {
        Ok(classifier) => classifier,
        Err(error) => panic!("benchmark model failed to train: {error}"),
    }
}

fn support_engine() -> Engine {
    let example = |language: Language, text: &str| LocalizedText {
        language,
        text: text.to_owned(),
    };
    let config = EngineConfig {
        intents: vec![
            IntentDefinition {
                name: "boleto".to_owned(),
                examples: vec![
                    example(Language::Portuguese, "quero a segunda via do boleto"),
                    example(Language::Portuguese, "me manda o boleto atualizado"),
                    example(Language::Spanish, "necesito mi factura"),
                ],
            },
            IntentDefinition {
                name: "blocked_card".to_owned(),
                examples: vec![
                    example(Language::Portuguese, "meu cartão foi bloqueado"),
                    example(Language::Spanish, "mi tarjeta está bloqueada"),
                    example(Language::English, "my card is blocked"),
                ],
            },
            IntentDefinition {
                name: "human".to_owned(),
                examples: vec![
                    example(Language::Portuguese, "quero falar com um atendente"),
                    example(Language::Spanish, "quiero hablar con un agente"),
                    example(Language::English, "talk to a human"),
                ],
            },
        ],
        articles: vec![KnowledgeArticle {
            id: "unblock-card".to_owned(),
            language: Language::Portuguese,
            title: "Cartão bloqueado: como desbloquear".to_owned(),
            body: "Abra o aplicativo, vá em Cartões e toque em Desbloquear cartão.".to_owned(),
        }],
        ..EngineConfig::default()
    };
    match Engine::new(&config) {
        Ok(engine) => engine,
        Err(error) => panic!("benchmark engine failed to build: {error}"),
    }
}

fn classification(c: &mut Criterion) {
    // As large as CLINC150: 150 intents of 100 examples.
    let classifier = train(&synthetic_examples(150, 100));
    c.bench_function("classify_150_intents", |b| {
        b.iter(|| {
            classifier.classify(
                black_box("could you please cancel my flight reservation today"),
                Language::English,
                3,
            )
        })
    });
}

fn training(c: &mut Criterion) {
    // A typical profile: 30 intents of 100 examples.
    let examples = synthetic_examples(30, 100);
    let mut group = c.benchmark_group("training");
    group.sample_size(10);
    group.bench_function("train_3000_examples_30_intents", |b| {
        b.iter(|| train(black_box(&examples)))
    });
    group.finish();
}

fn analysis(c: &mut Criterion) {
    let engine = support_engine();
    let context = AnalysisContext {
        conversation_language: Some(Language::Portuguese),
        today: jiff::civil::date(2026, 11, 21),
    };
    c.bench_function("analyze_message", |b| {
        b.iter(|| {
            engine.analyze(
                black_box("Meu cartão 4111 1111 1111 1111 foi bloqueado ontem, que absurdo!!!"),
                &context,
            )
        })
    });
}

criterion_group!(benches, classification, training, analysis);
criterion_main!(benches);
