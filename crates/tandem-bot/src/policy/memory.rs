//! What the handover policy remembers between a conversation's turns: the failure streak,
//! the previous message's sentiment, the words of recent questions (never their digits), and
//! whether an agent has handed the conversation back.

use serde::{Deserialize, Serialize};
use tandem_nlu::{Analysis, Language};

use crate::words::content_words;

/// How many recent questions are kept for repeated-question detection.
const REMEMBERED_QUESTIONS: usize = 3;
/// The fewest content words a message needs to count as a question worth comparing.
pub(crate) const MIN_QUESTION_WORDS: usize = 3;

/// The policy's memory of one conversation; stored inside the bot state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BotMemory {
    /// Consecutive turns the bot did not understand.
    pub failure_streak: u32,
    /// The sentiment score of the customer's previous message.
    pub previous_sentiment: Option<f32>,
    /// The content words (folded, sorted, no digits) of the customer's recent questions,
    /// oldest first.
    pub recent_questions: Vec<Vec<String>>,
    /// An agent handed the conversation back: rules about who the customer is (`high_value`)
    /// do not fire again.
    pub handed_back: bool,
}

impl BotMemory {
    /// The memory after a customer turn; `failed` says whether the bot did not understand it.
    pub fn after_turn(
        &self,
        text: &str,
        language: Language,
        analysis: &Analysis,
        failed: bool,
    ) -> BotMemory {
        let mut next = self.clone();
        next.failure_streak = if failed { self.failure_streak + 1 } else { 0 };
        next.previous_sentiment = Some(analysis.sentiment.score);
        let words = content_words(text, language);
        if words.len() >= MIN_QUESTION_WORDS {
            next.recent_questions.push(words);
            let excess = next
                .recent_questions
                .len()
                .saturating_sub(REMEMBERED_QUESTIONS);
            next.recent_questions.drain(..excess);
        }
        next
    }

    /// The memory when an agent hands the conversation back: streaks and recent questions
    /// start over.
    pub fn handed_back(&self) -> BotMemory {
        BotMemory {
            handed_back: true,
            ..BotMemory::default()
        }
    }
}
