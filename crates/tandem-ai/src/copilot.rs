//! The agent's copilot: a summary of the conversation, a reply rephrased, a text translated.
//! Each shields personal data first, cleans the model's text, and refuses an output that
//! brings numbers its input did not have (an invented amount or date is worse than none).

use tandem_nlu::Language;

use crate::model::{ChatMessage, Completion, CompletionRequest, LanguageModel, ModelFailure};
use crate::output::clean;
use crate::prompt::{RephraseStyle, rephrase_messages, summary_messages, translation_messages};
use crate::shield::Shield;
use crate::words::numbers;

/// The most tokens a copilot answer may take.
pub const COPILOT_MAX_TOKENS: u32 = 300;

/// Why a copilot output was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopilotError {
    /// The model gave no answer.
    #[error(transparent)]
    Model(#[from] ModelFailure),
    /// The model's text is empty after cleaning.
    #[error("the model's answer was empty")]
    Empty,
    /// The model's text has a number its input did not have.
    #[error("the model's answer has a number ({0}) that its input did not have")]
    InventedNumber(String),
}

impl CopilotError {
    /// A stable code for the call log and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CopilotError::Model(failure) => failure.code(),
            CopilotError::Empty => "empty",
            CopilotError::InventedNumber(_) => "unsupported_number",
        }
    }
}

/// A copilot text and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopilotText {
    /// The text, checked.
    pub text: String,
    /// The model's answer, for the call log.
    pub completion: Completion,
}

/// Who said a line of a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// The customer.
    Customer,
    /// The bot.
    Bot,
    /// An agent.
    Agent,
}

/// One line of a conversation for a summary.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// Who said it.
    pub speaker: Speaker,
    /// What was said.
    pub text: &'a str,
}

/// A summary of `lines` in `language` for the agent; personal values appear masked.
pub async fn summarize(
    model: &dyn LanguageModel,
    lines: &[Line<'_>],
    language: Language,
) -> Result<CopilotText, CopilotError> {
    let mut shield = Shield::new();
    let transcript: String = lines
        .iter()
        .map(|line| {
            let who = match line.speaker {
                Speaker::Customer => "Customer",
                Speaker::Bot => "Bot",
                Speaker::Agent => "Agent",
            };
            format!("{who}: {}\n", shield.cover(line.text))
        })
        .collect();
    let completion = run(model, summary_messages(language, transcript.trim_end())).await?;
    let text = checked(&completion.text, &transcript)?;
    Ok(CopilotText {
        text: shield.restore_masked(&text),
        completion,
    })
}

/// `text` rewritten in `style`.
pub async fn rephrase(
    model: &dyn LanguageModel,
    text: &str,
    style: RephraseStyle,
) -> Result<CopilotText, CopilotError> {
    let mut shield = Shield::new();
    let covered = shield.cover(text);
    let completion = run(model, rephrase_messages(style, &covered)).await?;
    let rewritten = checked(&completion.text, &covered)?;
    Ok(CopilotText {
        text: shield.restore(&rewritten),
        completion,
    })
}

/// `text` translated into `to`; its personal values come back as they were.
pub async fn translate(
    model: &dyn LanguageModel,
    text: &str,
    from: Option<Language>,
    to: Language,
) -> Result<CopilotText, CopilotError> {
    let mut shield = Shield::new();
    let covered = shield.cover(text);
    let completion = run(model, translation_messages(from, to, &covered)).await?;
    let translated = checked(&completion.text, &covered)?;
    Ok(CopilotText {
        text: shield.restore(&translated),
        completion,
    })
}

async fn run(
    model: &dyn LanguageModel,
    messages: Vec<ChatMessage>,
) -> Result<Completion, ModelFailure> {
    model
        .complete(CompletionRequest {
            messages,
            max_tokens: COPILOT_MAX_TOKENS,
        })
        .await
}

/// The model's text cleaned, refused when empty or when it has a number `source` lacks.
fn checked(raw: &str, source: &str) -> Result<String, CopilotError> {
    let text = clean(raw);
    if !text.chars().any(char::is_alphanumeric) {
        return Err(CopilotError::Empty);
    }
    let known = numbers(source);
    if let Some(number) = numbers(&text).into_iter().find(|n| !known.contains(n)) {
        return Err(CopilotError::InventedNumber(number));
    }
    Ok(text)
}
