//! From a profile to the understanding engine's configuration.

use tandem_nlu::{
    ClassifierOptions, EngineConfig, IntentDefinition, KnowledgeArticle, LocalizedText,
};

use crate::profile::localized::Localized;
use crate::profile::schema::BotProfile;

impl BotProfile {
    /// The tandem-nlu configuration: intents with their examples, out-of-scope examples,
    /// articles (one per language), reference patterns, the out-of-scope threshold and the
    /// default language. Build the `Engine` from it once per profile version.
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            intents: self
                .intents
                .iter()
                .map(|intent| IntentDefinition {
                    name: intent.name.clone(),
                    examples: localized_texts(&intent.examples),
                })
                .collect(),
            out_of_scope_examples: localized_texts(&self.out_of_scope_examples),
            include_built_in_off_topic_examples: self
                .understanding
                .include_built_in_off_topic_examples,
            articles: self
                .articles
                .iter()
                .flat_map(|article| {
                    article.title.iter().filter_map(|(language, title)| {
                        article.body.get(language).map(|body| KnowledgeArticle {
                            id: article.id.clone(),
                            language,
                            title: searched_title(title, article.questions.get(language)),
                            body: body.clone(),
                        })
                    })
                })
                .collect(),
            reference_patterns: self.reference_patterns.clone(),
            classifier: ClassifierOptions {
                out_of_scope_threshold: self.understanding.out_of_scope_threshold,
                ..ClassifierOptions::default()
            },
            default_language: self.languages.default,
            ..EngineConfig::default()
        }
    }
}

/// The title with the questions the article answers: both weigh as the title in search.
fn searched_title(title: &str, questions: Option<&Vec<String>>) -> String {
    match questions {
        Some(questions) if !questions.is_empty() => format!("{title}\n{}", questions.join("\n")),
        _ => title.to_owned(),
    }
}

fn localized_texts(lists: &Localized<Vec<String>>) -> Vec<LocalizedText> {
    lists
        .iter()
        .flat_map(|(language, texts)| {
            texts.iter().map(move |text| LocalizedText {
                language,
                text: text.clone(),
            })
        })
        .collect()
}
