//! Tandem's offline understanding engine for Portuguese, Spanish and English.
//!
//! Everything runs in-process with no network, API key or model download: language
//! identification ([`LanguageIdentifier`]), intent classification with an out-of-scope verdict
//! ([`IntentClassifier`]), knowledge-base search ([`KnowledgeBase`]), sentiment
//! ([`SentimentAnalyzer`]), entities ([`EntityExtractor`]), extractive summaries
//! ([`summarize`]) and one masking rule for personal data ([`masking`]). [`Engine`] ties them
//! together for one bot profile:
//!
//! ```
//! use tandem_nlu::{AnalysisContext, Engine, EngineConfig, IntentDefinition, Language, LocalizedText};
//!
//! let example = |text: &str| LocalizedText { language: Language::Portuguese, text: text.to_owned() };
//! let config = EngineConfig {
//!     intents: vec![
//!         IntentDefinition { name: "boleto".into(), examples: vec![example("quero a segunda via do boleto")] },
//!         IntentDefinition { name: "human".into(), examples: vec![example("quero falar com um atendente")] },
//!     ],
//!     ..EngineConfig::default()
//! };
//! let engine = Engine::new(&config)?;
//! let context = AnalysisContext { conversation_language: None, today: jiff::civil::date(2026, 11, 21) };
//! let analysis = engine.analyze("me manda o boleto, vence amanhã", &context)?;
//! assert_eq!(analysis.intents[0].intent, "boleto");
//! assert_eq!(analysis.entities[0].normalized, "2026-11-22");
//! # Ok::<(), tandem_nlu::EngineError>(())
//! ```
//!
//! The crate does no I/O except in [`eval`], which reads the public evaluation datasets.

mod classifier;
mod engine;
mod entities;
mod error;
pub mod eval;
mod features;
mod grouping;
mod knowledge;
mod language;
pub mod masking;
mod normalize;
mod off_topic;
mod sentiment;
mod summary;

pub use classifier::{
    Classification, ClassifierOptions, IntentClassifier, IntentScore, ModelKind, TrainingExample,
};
pub use engine::{
    Analysis, AnalysisContext, Engine, EngineConfig, IntentDefinition, LocalizedText,
};
pub use entities::{Entity, EntityExtractor, EntityKind, ReferencePattern, passes_luhn};
pub use error::{ClassifierError, EngineError, EvalError, KnowledgeBaseError};
pub use grouping::{DEFAULT_GROUPING_THRESHOLD, QuestionGroup, group_questions, text_similarity};
pub use knowledge::{
    DEFAULT_MINIMUM_KNOWLEDGE_COVERAGE, KnowledgeArticle, KnowledgeBase, KnowledgeHit,
};
pub use language::{Language, LanguageGuess, LanguageIdentifier};
pub use normalize::{Normalizer, Token, fold, is_emoji};
pub use off_topic::off_topic_examples;
pub use sentiment::{Sentiment, SentimentAnalyzer, SentimentLabel};
pub use summary::{ConversationTurn, Speaker, Summary, SummaryEntity, summarize};
