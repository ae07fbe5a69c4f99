//! Typed errors of the engine, the classifier, the knowledge base and the evaluation.

use std::path::PathBuf;

/// Why an intent classifier could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// No training example names an intent.
    #[error("no training example names an intent")]
    NoIntents,
    /// A training example has a blank intent name.
    #[error("an intent name is blank")]
    EmptyIntentName,
}

/// Why a knowledge-base index could not be built or searched.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeBaseError {
    /// Two articles in the same language share an id.
    #[error("article `{article_id}` appears twice in language {language}")]
    DuplicateArticle {
        /// The repeated article id.
        article_id: String,
        /// The language of both copies.
        language: crate::Language,
    },
    /// The search library failed.
    #[error("search index error")]
    Index(#[from] tantivy::TantivyError),
}

/// Why an [`crate::Engine`] could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The intent classifier could not be trained.
    #[error("intent classifier")]
    Classifier(#[from] ClassifierError),
    /// The knowledge base could not be indexed.
    #[error("knowledge base")]
    KnowledgeBase(#[from] KnowledgeBaseError),
    /// A reference-number pattern is not a valid regular expression.
    #[error("reference pattern `{name}` is not a valid regular expression")]
    InvalidReferencePattern {
        /// The pattern's name, e.g. `order_number`.
        name: String,
        /// The regex compiler's complaint.
        #[source]
        source: regex::Error,
    },
}

/// Why the evaluation on the public datasets could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A dataset file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// CLINC150's JSON did not have the expected shape.
    #[error("{path} is not valid CLINC150 JSON")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// A Banking77 CSV file is malformed.
    #[error("{path} is not valid Banking77 CSV")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: csv::Error,
    },
    /// A split has no examples.
    #[error("split `{split}` of {dataset} is empty")]
    EmptySplit {
        /// The dataset name.
        dataset: &'static str,
        /// The split name.
        split: &'static str,
    },
    /// Training failed.
    #[error("training on {dataset}")]
    Training {
        /// The dataset name.
        dataset: &'static str,
        /// The classifier's error.
        #[source]
        source: ClassifierError,
    },
}
