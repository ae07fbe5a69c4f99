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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::BoxFuture;

    /// A model that answers one text and keeps the requests it got.
    #[derive(Debug)]
    struct Scripted {
        text: String,
        seen: Mutex<Vec<CompletionRequest>>,
    }

    impl LanguageModel for Scripted {
        fn provider(&self) -> &'static str {
            "scripted"
        }
        fn model_name(&self) -> &str {
            "scripted"
        }
        fn complete(
            &self,
            request: CompletionRequest,
        ) -> BoxFuture<'_, Result<Completion, ModelFailure>> {
            self.seen.lock().unwrap().push(request);
            let text = self.text.clone();
            Box::pin(async move {
                Ok(Completion {
                    text,
                    prompt_tokens: 10,
                    completion_tokens: 5,
                    model: "scripted".into(),
                })
            })
        }
    }

    fn passages() -> Vec<Passage> {
        vec![Passage {
            article_id: "pix-limits".into(),
            title: "Limites do Pix".into(),
            body: "O limite padrão do Pix é de R$ 1.000 à noite.".into(),
            url: None,
        }]
    }

    fn scripted(text: &str) -> Scripted {
        Scripted {
            text: text.into(),
            seen: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn the_customer_gets_a_checked_answer_with_their_own_values_back() {
        let model = scripted("Answer: O limite do Pix à noite é de R$ 1.000 para o CPF [CPF_1].");
        let passages = passages();
        let question = Question {
            assistant: "Aurora",
            text: "qual meu limite à noite? cpf 123.456.789-09",
            language: Language::Portuguese,
            passages: &passages,
        };
        let (answer, completion) = answer(&model, &question).await.unwrap();
        assert_eq!(completion.unwrap().total_tokens(), 15);
        let Answer::Grounded { text, citations } = answer else {
            panic!("{answer:?}");
        };
        assert_eq!(
            text,
            "O limite do Pix à noite é de R$ 1.000 para o CPF 123.456.789-09."
        );
        assert_eq!(citations[0].article_id, "pix-limits");
        let sent = &model.seen.lock().unwrap()[0];
        let all: String = sent.messages.iter().map(|m| m.content.clone()).collect();
        assert!(
            all.contains("[CPF_1]") && !all.contains("123.456.789-09"),
            "{all}"
        );
        assert_eq!(sent.max_tokens, ANSWER_MAX_TOKENS);
    }

    #[tokio::test]
    async fn without_passages_the_model_is_not_asked() {
        let model = scripted("anything");
        let question = Question {
            assistant: "Aurora",
            text: "qual a taxa do cheque especial?",
            language: Language::Portuguese,
            passages: &[],
        };
        let (answer, completion) = answer(&model, &question).await.unwrap();
        assert_eq!(answer.code(), "not_in_articles");
        assert!(completion.is_none());
        assert!(model.seen.lock().unwrap().is_empty());
    }
}
