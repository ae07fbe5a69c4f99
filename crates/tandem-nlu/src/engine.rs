//! The engine: built once from a bot profile's understanding settings (intents with examples,
//! knowledge-base articles, reference-number patterns), it analyzes messages and summarizes
//! conversations. Pure and deterministic: the current day is passed in.

use serde::{Deserialize, Serialize};

use crate::classifier::{ClassifierOptions, IntentClassifier, IntentScore, TrainingExample};
use crate::entities::{Entity, EntityExtractor, ReferencePattern};
use crate::error::EngineError;
use crate::knowledge::{
    DEFAULT_MINIMUM_KNOWLEDGE_COVERAGE, KnowledgeArticle, KnowledgeBase, KnowledgeHit,
};
use crate::language::{Language, LanguageGuess, LanguageIdentifier};
use crate::off_topic::off_topic_examples;
use crate::sentiment::{Sentiment, SentimentAnalyzer};
use crate::summary::{ConversationTurn, Summary, summarize};

/// A message written in a given language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    /// The language of `text`.
    pub language: Language,
    /// The text.
    pub text: String,
}

/// An intent of a bot profile and the example messages that express it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentDefinition {
    /// The intent's name, e.g. `second_copy_boleto`.
    pub name: String,
    /// Example messages, in any of the supported languages.
    pub examples: Vec<LocalizedText>,
}

/// Everything the engine learns from: one account's bot profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// The intents to recognize.
    pub intents: Vec<IntentDefinition>,
    /// Messages known to be out of scope for this profile; they sharpen the out-of-scope
    /// verdict.
    pub out_of_scope_examples: Vec<LocalizedText>,
    /// Also train the out-of-scope class on the engine's built-in off-topic messages
    /// (weather, sports, trivia, jokes... in pt, es and en). Turn off for a profile whose
    /// intents cover such topics.
    pub include_built_in_off_topic_examples: bool,
    /// Knowledge-base articles.
    pub articles: Vec<KnowledgeArticle>,
    /// Order/protocol number patterns.
    pub reference_patterns: Vec<ReferencePattern>,
    /// Classifier training settings, including the out-of-scope threshold.
    pub classifier: ClassifierOptions,
    /// The minimum share of a message's terms a knowledge-base article must contain to answer it.
    pub minimum_knowledge_coverage: f32,
    /// The language assumed when a message is ambiguous and the conversation has none yet.
    pub default_language: Language,
    /// How many intents [`Analysis::intents`] lists.
    pub top_intents: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            intents: Vec::new(),
            out_of_scope_examples: Vec::new(),
            include_built_in_off_topic_examples: true,
            articles: Vec::new(),
            reference_patterns: Vec::new(),
            classifier: ClassifierOptions::default(),
            minimum_knowledge_coverage: DEFAULT_MINIMUM_KNOWLEDGE_COVERAGE,
            default_language: Language::Portuguese,
            top_intents: 3,
        }
    }
}

/// What the engine needs to know about the conversation a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisContext {
    /// The language of the conversation so far, used when a message is too short to tell.
    pub conversation_language: Option<Language>,
    /// The customer's current day, for relative dates ("amanhã", "next Monday").
    pub today: jiff::civil::Date,
}

/// Everything the engine understood from one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The message's language and the detector's confidence.
    pub language: LanguageGuess,
    /// The most likely intents, best first, with confidences in 0–1; empty when the profile
    /// has no intents.
    pub intents: Vec<IntentScore>,
    /// True when no intent fits: the bot should not guess (and may hand over).
    pub out_of_scope: bool,
    /// Sentiment in −1 to 1 with anger markers.
    pub sentiment: Sentiment,
    /// Entities found, in text order.
    pub entities: Vec<Entity>,
    /// The best knowledge-base article, if one scores high enough.
    pub kb_hit: Option<KnowledgeHit>,
}

/// The understanding engine of one bot profile. Immutable once built and safe to share
/// between threads; rebuild it when the profile changes.
#[derive(Debug)]
pub struct Engine {
    language_identifier: LanguageIdentifier,
    classifier: Option<IntentClassifier>,
    knowledge_base: KnowledgeBase,
    entity_extractor: EntityExtractor,
    sentiment_analyzer: SentimentAnalyzer,
    default_language: Language,
    top_intents: usize,
}

impl Engine {
    /// Trains the classifier, indexes the articles and compiles the patterns of `config`.
    ///
    /// # Errors
    /// When an intent name is blank, an article id repeats within a language, or a
    /// reference pattern does not compile.
    pub fn new(config: &EngineConfig) -> Result<Self, EngineError> {
        let mut examples: Vec<TrainingExample> = Vec::new();
        for intent in &config.intents {
            examples.extend(intent.examples.iter().map(|example| TrainingExample {
                text: example.text.clone(),
                language: example.language,
                intent: Some(intent.name.clone()),
            }));
        }
        let has_intents = !examples.is_empty();
        if config.include_built_in_off_topic_examples {
            examples.extend(
                off_topic_examples().map(|(language, text)| TrainingExample {
                    text: text.to_owned(),
                    language,
                    intent: None,
                }),
            );
        }
        examples.extend(
            config
                .out_of_scope_examples
                .iter()
                .map(|example| TrainingExample {
                    text: example.text.clone(),
                    language: example.language,
                    intent: None,
                }),
        );
        let classifier = if has_intents {
            Some(IntentClassifier::train(&examples, &config.classifier)?)
        } else {
            None
        };
        Ok(Engine {
            language_identifier: LanguageIdentifier::new(),
            classifier,
            knowledge_base: KnowledgeBase::build(
                &config.articles,
                config.minimum_knowledge_coverage,
            )?,
            entity_extractor: EntityExtractor::new(&config.reference_patterns)?,
            sentiment_analyzer: SentimentAnalyzer::new(),
            default_language: config.default_language,
            top_intents: config.top_intents,
        })
    }

    /// Analyzes one customer message.
    ///
    /// # Errors
    /// [`EngineError::KnowledgeBase`] if the in-memory search index fails.
    pub fn analyze(&self, text: &str, context: &AnalysisContext) -> Result<Analysis, EngineError> {
        let fallback = context
            .conversation_language
            .unwrap_or(self.default_language);
        let language = self.language_identifier.identify(text, Some(fallback));
        let (intents, out_of_scope) = match &self.classifier {
            Some(classifier) => {
                let classification = classifier.classify(text, language.language, self.top_intents);
                (classification.intents, classification.out_of_scope)
            }
            None => (Vec::new(), true),
        };
        Ok(Analysis {
            language,
            intents,
            out_of_scope,
            sentiment: self.sentiment_analyzer.analyze(text, language.language),
            entities: self
                .entity_extractor
                .extract(text, language.language, context.today),
            kb_hit: self.knowledge_base.search(text, language.language)?,
        })
    }

    /// The `limit` articles in `language` that best match `text`, best first, however weak
    /// (see [`KnowledgeHit::coverage`]): the passages a generated answer may draw on.
    ///
    /// # Errors
    /// [`EngineError::KnowledgeBase`] if the in-memory search index fails.
    pub fn related_articles(
        &self,
        text: &str,
        language: Language,
        limit: usize,
    ) -> Result<Vec<KnowledgeHit>, EngineError> {
        Ok(self.knowledge_base.search_top(text, language, limit)?)
    }

    /// The language of `text`, `fallback` when it is too short to tell.
    pub fn identify_language(&self, text: &str, fallback: Language) -> Language {
        self.language_identifier
            .identify(text, Some(fallback))
            .language
    }

    /// Summarizes a conversation for the agent taking it over. The language is detected from
    /// the customer's messages, falling back to `context.conversation_language`.
    pub fn summarize(&self, turns: &[ConversationTurn], context: &AnalysisContext) -> Summary {
        let customer_text: Vec<&str> = turns
            .iter()
            .filter(|t| t.speaker == crate::summary::Speaker::Customer)
            .map(|t| t.text.as_str())
            .collect();
        let fallback = context
            .conversation_language
            .unwrap_or(self.default_language);
        let language = self
            .language_identifier
            .identify(&customer_text.join("\n"), Some(fallback))
            .language;
        summarize(turns, language, &self.entity_extractor, context.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::EntityKind;
    use crate::sentiment::SentimentLabel;
    use crate::summary::Speaker;
    use jiff::civil::date;

    fn texts(language: Language, texts: &[&str]) -> Vec<LocalizedText> {
        texts
            .iter()
            .map(|t| LocalizedText {
                language,
                text: (*t).to_owned(),
            })
            .collect()
    }

    fn intent(name: &str, pt: &[&str], es: &[&str], en: &[&str]) -> IntentDefinition {
        let mut examples = texts(Language::Portuguese, pt);
        examples.extend(texts(Language::Spanish, es));
        examples.extend(texts(Language::English, en));
        IntentDefinition {
            name: name.to_owned(),
            examples,
        }
    }

    fn support_profile() -> EngineConfig {
        EngineConfig {
            intents: vec![
                intent(
                    "boleto",
                    &[
                        "quero a segunda via do boleto",
                        "me manda o boleto",
                        "preciso do boleto atualizado",
                        "boleto vencido",
                    ],
                    &["necesito la factura", "quiero mi boleto de pago"],
                    &["I need my bill", "send me the payment slip"],
                ),
                intent(
                    "blocked_card",
                    &[
                        "meu cartão foi bloqueado",
                        "cartão bloqueado",
                        "não consigo usar meu cartão",
                    ],
                    &["mi tarjeta está bloqueada", "tarjeta bloqueada"],
                    &["my card is blocked", "card blocked"],
                ),
                intent(
                    "human",
                    &[
                        "quero falar com um atendente",
                        "falar com uma pessoa",
                        "me passa para um humano",
                    ],
                    &["quiero hablar con un agente", "hablar con una persona"],
                    &["talk to a human", "I want to speak to an agent"],
                ),
                intent(
                    "order_status",
                    &[
                        "cadê meu pedido",
                        "onde está meu pedido",
                        "meu pedido não chegou",
                    ],
                    &["dónde está mi pedido", "mi pedido no llegó"],
                    &["where is my order", "my order has not arrived"],
                ),
            ],
            out_of_scope_examples: texts(
                Language::English,
                &[
                    "what is the weather today",
                    "tell me a joke",
                    "who won the game",
                ],
            ),
            articles: vec![KnowledgeArticle {
                id: "unblock-card".to_owned(),
                language: Language::Portuguese,
                title: "Cartão bloqueado: como desbloquear".to_owned(),
                body: "Abra o aplicativo, vá em Cartões e toque em Desbloquear cartão.".to_owned(),
            }],
            reference_patterns: vec![ReferencePattern {
                name: "order_number".to_owned(),
                pattern: r"(?i)\bPED-?\d{6}\b".to_owned(),
            }],
            classifier: ClassifierOptions {
                epochs: 30,
                ..ClassifierOptions::default()
            },
            ..EngineConfig::default()
        }
    }

    fn context(language: Option<Language>) -> AnalysisContext {
        AnalysisContext {
            conversation_language: language,
            today: date(2026, 11, 21),
        }
    }

    #[test]
    fn a_message_is_analyzed_end_to_end() {
        let engine = Engine::new(&support_profile()).unwrap();
        let analysis = engine
            .analyze(
                "Meu cartão foi bloqueado de novo, que absurdo!!! Pedido PED-123456",
                &context(None),
            )
            .unwrap();
        assert_eq!(analysis.language.language, Language::Portuguese);
        assert_eq!(analysis.intents[0].intent, "blocked_card");
        assert!(!analysis.out_of_scope);
        assert_eq!(analysis.sentiment.label, SentimentLabel::Negative);
        assert_eq!(analysis.entities.len(), 1);
        assert_eq!(analysis.entities[0].kind, EntityKind::Reference);
        assert_eq!(
            analysis.kb_hit.as_ref().map(|h| h.article_id.as_str()),
            Some("unblock-card")
        );
    }

    #[test]
    fn requests_for_a_person_are_recognized_in_each_language() {
        let engine = Engine::new(&support_profile()).unwrap();
        for text in [
            "quero falar com um atendente humano",
            "quiero hablar con un agente",
            "talk to a human please",
        ] {
            let analysis = engine.analyze(text, &context(None)).unwrap();
            assert_eq!(analysis.intents[0].intent, "human", "{text}");
            assert!(!analysis.out_of_scope, "{text}");
        }
    }

    #[test]
    fn unrelated_messages_are_out_of_scope_without_a_kb_hit() {
        let engine = Engine::new(&support_profile()).unwrap();
        let analysis = engine
            .analyze("what is the weather in lisbon today", &context(None))
            .unwrap();
        assert!(analysis.out_of_scope);
        assert_eq!(analysis.kb_hit, None);
    }

    #[test]
    fn built_in_off_topic_examples_reject_chit_chat_in_a_small_profile() {
        let config = EngineConfig {
            out_of_scope_examples: Vec::new(),
            ..support_profile()
        };
        let engine = Engine::new(&config).unwrap();
        for text in [
            "vai fazer sol amanhã no rio?",
            "¿quién ganó el partido de ayer?",
            "tell me a funny joke",
        ] {
            let analysis = engine.analyze(text, &context(None)).unwrap();
            assert!(analysis.out_of_scope, "{text}: {:?}", analysis.intents);
        }
        let in_scope = engine
            .analyze("meu cartão está bloqueado", &context(None))
            .unwrap();
        assert!(!in_scope.out_of_scope);

        let without_built_ins = Engine::new(&EngineConfig {
            include_built_in_off_topic_examples: false,
            ..config
        })
        .unwrap();
        let analysis = without_built_ins
            .analyze("tell me a funny joke", &context(None))
            .unwrap();
        assert!(
            !analysis.out_of_scope,
            "no out-of-scope class: the best intent is kept"
        );
    }

    #[test]
    fn short_messages_keep_the_conversation_language() {
        let engine = Engine::new(&support_profile()).unwrap();
        let analysis = engine
            .analyze("123", &context(Some(Language::Spanish)))
            .unwrap();
        assert_eq!(analysis.language.language, Language::Spanish);
        assert!(analysis.language.is_fallback);
    }

    #[test]
    fn the_engine_can_be_shared_between_threads() {
        fn assert_shareable<T: Send + Sync>() {}
        assert_shareable::<Engine>();
    }

    #[test]
    fn a_profile_without_intents_is_always_out_of_scope() {
        let engine = Engine::new(&EngineConfig::default()).unwrap();
        let analysis = engine.analyze("quero o boleto", &context(None)).unwrap();
        assert!(analysis.intents.is_empty());
        assert!(analysis.out_of_scope);
    }

    #[test]
    fn an_invalid_pattern_fails_the_build() {
        let config = EngineConfig {
            reference_patterns: vec![ReferencePattern {
                name: "bad".to_owned(),
                pattern: "[".to_owned(),
            }],
            ..EngineConfig::default()
        };
        assert!(matches!(
            Engine::new(&config),
            Err(EngineError::InvalidReferencePattern { .. })
        ));
    }

    #[test]
    fn the_config_reads_from_json_with_defaults() {
        let json = r#"{"intents": [{"name": "human", "examples": [{"language": "es", "text": "hablar con un agente"}]}]}"#;
        let config: EngineConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.intents[0].examples[0].language, Language::Spanish);
        assert_eq!(config.top_intents, 3);
        assert!(serde_json::from_str::<EngineConfig>(r#"{"intentz": []}"#).is_err());
    }

    #[test]
    fn conversations_are_summarized_in_their_language() {
        let engine = Engine::new(&support_profile()).unwrap();
        let turns = [
            ConversationTurn {
                speaker: Speaker::Customer,
                text: "Mi pedido PED-654321 no llegó todavía.".to_owned(),
            },
            ConversationTurn {
                speaker: Speaker::Bot,
                text: "Tu pedido está en camino, llega mañana.".to_owned(),
            },
        ];
        let summary = engine.summarize(&turns, &context(None));
        assert_eq!(
            summary.customer_request.as_deref(),
            Some("Mi pedido PED-654321 no llegó todavía.")
        );
        assert_eq!(summary.entities.len(), 1);
        assert_eq!(summary.bot_attempts.len(), 1);
    }
}
