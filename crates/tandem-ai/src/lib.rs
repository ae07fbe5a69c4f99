//! Tandem's AI layer as pure code. A model is anything behind [`LanguageModel`] (an
//! OpenAI-compatible server over HTTP, or the model embedded in the binary; both live in
//! other crates). Everything sent to one passes the [`Shield`] first; everything it says is
//! untrusted: cleaned ([`output`]), and for customers checked against the articles
//! ([`grounding`]) before it is used. [`eval`] scores `tandem ai-eval`.

pub mod answer;
pub mod copilot;
pub mod eval;
pub mod grounding;
pub mod model;
pub mod output;
pub mod prompt;
pub mod shield;
mod words;

pub use answer::{ANSWER_MAX_TOKENS, Answer, Question, answer};
pub use copilot::{CopilotError, CopilotText, Line, Speaker, rephrase, summarize, translate};
pub use grounding::{Citation, Passage, Rejection};
pub use model::{
    BoxFuture, ChatMessage, Completion, CompletionRequest, LanguageModel, ModelFailure, Role,
    estimate_tokens,
};
pub use prompt::RephraseStyle;
pub use shield::Shield;
