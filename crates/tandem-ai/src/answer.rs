//! A grounded answer: the customer's question shielded, the model asked to answer from the
//! articles only, its draft cleaned and checked, the customer's own values put back.

use serde::Serialize;
use tandem_nlu::Language;

use crate::grounding::{self, Citation, Passage, Rejection};
use crate::model::{Completion, CompletionRequest, LanguageModel, ModelFailure};
use crate::output::clean;
use crate::prompt::{answer_instructions, answer_messages};
use crate::shield::Shield;

/// The most tokens a grounded answer may take.
pub const ANSWER_MAX_TOKENS: u32 = 200;

/// What to answer.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    /// The assistant's name (the bot's persona).
    pub assistant: &'a str,
    /// The customer's words (the last message, or the last few joined).
    pub text: &'a str,
    /// The language to answer in.
    pub language: Language,
    /// The retrieved passages, best first; none means nothing to answer from.
    pub passages: &'a [Passage],
}

/// The outcome of a grounded answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Answer {
    /// A checked answer and the articles it came from.
    Grounded {
        /// The text, with the customer's values restored.
        text: String,
        /// The articles cited.
        citations: Vec<Citation>,
    },
    /// Nothing was sent: the articles do not answer, or the draft failed a check.
    Declined {
        /// Why.
        rejection: Rejection,
        /// The draft, for the call log (never sent to anyone).
        draft: String,
    },
}

impl Answer {
    /// A stable code for the call log and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Answer::Grounded { .. } => "ok",
            Answer::Declined { rejection, .. } => rejection.code(),
        }
    }
}

/// Asks `model` for an answer to `question` from its passages alone, and checks it. With no
/// passages the model is not called.
pub async fn answer(
    model: &dyn LanguageModel,
    question: &Question<'_>,
) -> Result<(Answer, Option<Completion>), ModelFailure> {
    if question.passages.is_empty() {
        return Ok((
            Answer::Declined {
                rejection: Rejection::NotInArticles,
                draft: String::new(),
            },
            None,
        ));
    }
    let mut shield = Shield::new();
    let covered = shield.cover(question.text);
    let request = CompletionRequest {
        messages: answer_messages(
            question.assistant,
            question.language,
            question.passages,
            &covered,
        ),
        max_tokens: ANSWER_MAX_TOKENS,
    };
    let completion = model.complete(request).await?;
    let draft = clean(&completion.text);
    let instructions = answer_instructions(question.assistant, question.language);
    let answer = match grounding::check(&draft, question.passages, &instructions) {
        Ok(citations) => Answer::Grounded {
            text: shield.restore(&draft),
            citations,
        },
        Err(rejection) => Answer::Declined { rejection, draft },
    };
    Ok((answer, Some(completion)))
}
