//! The scoring of `tandem ai-eval`: the question set's format, each answer judged against
//! what the question expects, and the totals. Running the questions (retrieval, the model,
//! the clock) is the caller's.

use serde::{Deserialize, Serialize};
use tandem_nlu::Language;

use crate::answer::Answer;
use crate::words::{fold, numbers};

/// One question of the set (`eval/questions.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalQuestion {
    /// A stable id.
    pub id: String,
    /// The question's language.
    pub language: Language,
    /// The customer's words.
    pub question: String,
    /// Whether an article answers it.
    pub answerable: bool,
    /// The article that answers it.
    pub article: Option<String>,
    /// Facts, any one of which a correct answer contains.
    pub expect_any: Vec<String>,
}

/// Why the question set could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvalSetError {
    /// A line that is not a question.
    #[error("line {line}: {source}")]
    Line {
        /// The 1-based line.
        line: usize,
        /// What was wrong.
        source: serde_json::Error,
    },
    /// An answerable question with nothing to check.
    #[error("question {id} is answerable but names no article or expected fact")]
    NothingToCheck {
        /// Its id.
        id: String,
    },
}

/// Reads a question set, one JSON object a line; blank lines are skipped.
pub fn parse_questions(text: &str) -> Result<Vec<EvalQuestion>, EvalSetError> {
    let mut questions = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let question: EvalQuestion =
            serde_json::from_str(line).map_err(|source| EvalSetError::Line {
                line: index + 1,
                source,
            })?;
        if question.answerable && (question.article.is_none() || question.expect_any.is_empty()) {
            return Err(EvalSetError::NothingToCheck { id: question.id });
        }
        questions.push(question);
    }
    Ok(questions)
}

/// How one answer fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Answerable, answered, and an expected fact is in the answer.
    pub correct: bool,
    /// Answered citing the expected article.
    pub cited_correctly: bool,
    /// Unanswerable and declined.
    pub refused_correctly: bool,
    /// Answered (it passed the checks) yet wrong: unanswerable, or no expected fact in it.
    pub invented: bool,
}

/// Judges `answer` to `question`.
pub fn judge(question: &EvalQuestion, answer: &Answer) -> Verdict {
    match answer {
        Answer::Grounded { text, citations } => {
            let correct = question.answerable && contains_expected(text, &question.expect_any);
            Verdict {
                correct,
                cited_correctly: question
                    .article
                    .as_ref()
                    .is_some_and(|article| citations.iter().any(|c| &c.article_id == article)),
                refused_correctly: false,
                invented: !correct,
            }
        }
        Answer::Declined { .. } => Verdict {
            correct: false,
            cited_correctly: false,
            refused_correctly: !question.answerable,
            invented: false,
        },
    }
}

/// True when `text` contains one of `expected`, compared without case and accents, or with
/// the same digits for a fact that is a number.
fn contains_expected(text: &str, expected: &[String]) -> bool {
    let folded = fold(text);
    let text_numbers = numbers(text);
    expected.iter().any(|fact| {
        if folded.contains(&fold(fact)) {
            return true;
        }
        let fact_numbers = numbers(fact);
        !fact_numbers.is_empty() && fact_numbers.is_subset(&text_numbers)
    })
}

/// The totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvalTotals {
    /// Questions asked.
    pub questions: usize,
    /// Of them, answerable.
    pub answerable: usize,
    /// Answerable ones answered correctly.
    pub correct: usize,
    /// Answerable ones answered citing the right article.
    pub cited_correctly: usize,
    /// Unanswerable ones.
    pub unanswerable: usize,
    /// Unanswerable ones declined.
    pub refused_correctly: usize,
    /// Answers sent that were wrong.
    pub invented: usize,
    /// Calls that failed (provider errors).
    pub failed_calls: usize,
}

impl EvalTotals {
    /// Adds one question's verdict (or its failed call).
    pub fn add(&mut self, question: &EvalQuestion, verdict: Option<Verdict>) {
        self.questions += 1;
        if question.answerable {
            self.answerable += 1;
        } else {
            self.unanswerable += 1;
        }
        let Some(verdict) = verdict else {
            self.failed_calls += 1;
            return;
        };
        self.correct += usize::from(verdict.correct);
        self.cited_correctly += usize::from(verdict.cited_correctly);
        self.refused_correctly += usize::from(verdict.refused_correctly);
        self.invented += usize::from(verdict.invented);
    }
}

/// The value at quantile `q` (0–1) of `values`, nearest rank; `None` when empty.
pub fn quantile(values: &[u64], q: f64) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let last = sorted.len().checked_sub(1)?;
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted.get(rank.min(last)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grounding::{Citation, Rejection};

    fn question(answerable: bool) -> EvalQuestion {
        EvalQuestion {
            id: "q".into(),
            language: Language::Portuguese,
            question: "qual o limite do pix de dia?".into(),
            answerable,
            article: answerable.then(|| "pix-limits".to_owned()),
            expect_any: if answerable {
                vec!["R$ 5.000".into()]
            } else {
                vec![]
            },
        }
    }

    fn grounded(text: &str) -> Answer {
        Answer::Grounded {
            text: text.into(),
            citations: vec![Citation {
                article_id: "pix-limits".into(),
                title: "Limites do Pix".into(),
                url: None,
            }],
        }
    }

    #[test]
    fn an_answer_with_the_fact_in_another_format_is_correct() {
        let verdict = judge(&question(true), &grounded("O limite é de 5000 reais."));
        assert!(verdict.correct && verdict.cited_correctly && !verdict.invented);
    }

    #[test]
    fn answering_the_unanswerable_is_invention_and_declining_it_is_right() {
        assert!(judge(&question(false), &grounded("A taxa é zero.")).invented);
        let declined = Answer::Declined {
            rejection: Rejection::NotInArticles,
            draft: String::new(),
        };
        assert!(judge(&question(false), &declined).refused_correctly);
        assert!(!judge(&question(true), &declined).correct);
    }

    #[test]
    fn the_set_must_say_what_an_answerable_question_expects() {
        let line = r#"{"id":"a","language":"pt","question":"?","answerable":true,"article":null,"expect_any":[]}"#;
        assert!(matches!(
            parse_questions(line),
            Err(EvalSetError::NothingToCheck { .. })
        ));
    }

    #[test]
    fn quantiles_take_the_nearest_rank() {
        assert_eq!(quantile(&[5, 1, 3, 2, 4], 0.5), Some(3));
        assert_eq!(quantile(&[5, 1, 3, 2, 4], 0.99), Some(5));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
