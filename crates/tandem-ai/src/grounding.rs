//! The check every generated answer passes before a customer sees it: each sentence is
//! supported by the articles it was given, every number in it is in them, it links nowhere
//! the articles do not, and it does not repeat its instructions. A draft that fails is not
//! sent; the caller says it does not know and offers a person.

use serde::Serialize;

use crate::words::{content_words, fold, numbers, sentences};

/// An article passage given to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// The article's id.
    pub article_id: String,
    /// Its title, in the customer's language.
    pub title: String,
    /// Its text, in the customer's language.
    pub body: String,
    /// Where the article can be read, when the account publishes it.
    pub url: Option<String>,
}

/// An article an answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// The article's id.
    pub article_id: String,
    /// Its title.
    pub title: String,
    /// Its link, when there is one.
    pub url: Option<String>,
}

/// Why a draft was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// The model said the articles do not answer the question.
    NotInArticles,
    /// The model said nothing usable.
    Empty,
    /// A sentence the articles do not support.
    UnsupportedSentence {
        /// The sentence.
        sentence: String,
    },
    /// A number, date or amount that no article has.
    UnsupportedNumber {
        /// The number's digits.
        number: String,
    },
    /// A link or markup the articles do not have.
    Link,
    /// The draft repeats its instructions.
    RevealsInstructions,
}

impl Rejection {
    /// A stable code for the call log and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NotInArticles => "not_in_articles",
            Rejection::Empty => "empty",
            Rejection::UnsupportedSentence { .. } => "unsupported_sentence",
            Rejection::UnsupportedNumber { .. } => "unsupported_number",
            Rejection::Link => "link",
            Rejection::RevealsInstructions => "reveals_instructions",
        }
    }
}

/// The word the prompt asks the model to answer with when the articles do not answer.
pub const NO_ANSWER: &str = "NO_ANSWER";

/// The share of a sentence's content words that must appear in the articles.
const SUPPORT_THRESHOLD: f32 = 0.6;

/// The share of an article's words in the answer for it to be cited.
const CITATION_OVERLAP: usize = 2;

/// How many consecutive words of the instructions make a draft a leak.
const LEAKED_RUN: usize = 6;

/// Checks `draft` against `passages` and `instructions` (the system prompt); returns the
/// answer's citations when every check passes.
pub fn check(
    draft: &str,
    passages: &[Passage],
    instructions: &str,
) -> Result<Vec<Citation>, Rejection> {
    let draft = draft.trim();
    if draft.contains(NO_ANSWER) {
        return Err(Rejection::NotInArticles);
    }
    if !draft.chars().any(char::is_alphanumeric) {
        return Err(Rejection::Empty);
    }
    if repeats_run(draft, instructions, LEAKED_RUN) {
        return Err(Rejection::RevealsInstructions);
    }
    let sources: String = passages
        .iter()
        .map(|passage| format!("{}\n{}\n", passage.title, passage.body))
        .collect();
    if has_foreign_link(draft, &sources) {
        return Err(Rejection::Link);
    }
    let source_numbers = numbers(&sources);
    if let Some(number) = numbers(draft)
        .into_iter()
        .find(|number| !source_numbers.contains(number))
    {
        return Err(Rejection::UnsupportedNumber { number });
    }
    let source_words = content_words(&sources);
    for sentence in sentences(draft) {
        let words = content_words(&sentence);
        if words.is_empty() {
            continue;
        }
        let supported = words
            .iter()
            .filter(|word| source_words.contains(*word))
            .count();
        if (supported as f32) < SUPPORT_THRESHOLD * words.len() as f32 {
            return Err(Rejection::UnsupportedSentence { sentence });
        }
    }
    Ok(citations(draft, passages))
}

/// The passages the draft draws on: those sharing the most content words with it, at least
/// [`CITATION_OVERLAP`], the best always cited.
fn citations(draft: &str, passages: &[Passage]) -> Vec<Citation> {
    let draft_words = content_words(draft);
    let mut scored: Vec<(usize, &Passage)> = passages
        .iter()
        .map(|passage| {
            let words = content_words(&format!("{} {}", passage.title, passage.body));
            (draft_words.intersection(&words).count(), passage)
        })
        .filter(|(overlap, _)| *overlap >= CITATION_OVERLAP)
        .collect();
    scored.sort_by_key(|(overlap, _)| std::cmp::Reverse(*overlap));
    let Some(best) = scored.first().map(|(overlap, _)| *overlap) else {
        return passages.first().map(cite).into_iter().collect();
    };
    let mut cited: Vec<Citation> = Vec::new();
    for (overlap, passage) in scored {
        if overlap * 2 >= best && !cited.iter().any(|c| c.article_id == passage.article_id) {
            cited.push(cite(passage));
        }
    }
    cited
}

fn cite(passage: &Passage) -> Citation {
    Citation {
        article_id: passage.article_id.clone(),
        title: passage.title.clone(),
        url: passage.url.clone(),
    }
}

/// True when `draft` has a URL, an image or HTML that `sources` do not have.
fn has_foreign_link(draft: &str, sources: &str) -> bool {
    if draft.contains("![") || draft.contains("<") && draft.contains('>') {
        return true;
    }
    draft
        .split_whitespace()
        .filter(|word| word.contains("://") || word.starts_with("www."))
        .any(|word| {
            let url = word.trim_matches(|c: char| "()[]<>\"'.,;".contains(c));
            !sources.contains(url)
        })
}

/// True when `draft` repeats `run` consecutive words of `instructions`.
fn repeats_run(draft: &str, instructions: &str, run: usize) -> bool {
    let words = |text: &str| -> Vec<String> {
        fold(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let draft = words(draft).join(" ");
    let instruction_words = words(instructions);
    instruction_words
        .windows(run)
        .any(|window| draft.contains(&window.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pix_limits() -> Vec<Passage> {
        vec![Passage {
            article_id: "pix-limits".into(),
            title: "Limites do Pix".into(),
            body: "O limite padrão do Pix é de R$ 5.000 por transação durante o dia e de R$ 1.000 à noite. Aumentos levam até 24 horas para valer.".into(),
            url: None,
        }]
    }

    #[test]
    fn a_draft_drawn_from_the_article_passes_and_cites_it() {
        let cited = check(
            "O limite padrão do Pix durante o dia é de R$ 5.000 por transação. Aumentos levam até 24 horas.",
            &pix_limits(),
            "Answer only from the articles.",
        )
        .unwrap();
        assert_eq!(cited[0].article_id, "pix-limits");
    }

    #[test]
    fn a_number_the_articles_lack_is_refused() {
        let rejection = check(
            "O limite padrão do Pix é de R$ 8.000 por transação.",
            &pix_limits(),
            "",
        )
        .unwrap_err();
        assert_eq!(
            rejection,
            Rejection::UnsupportedNumber {
                number: "8000".into()
            }
        );
    }

    #[test]
    fn an_invented_promise_is_refused() {
        let rejection = check(
            "Seu reembolso foi aprovado e cairá amanhã na conta corrente.",
            &pix_limits(),
            "",
        )
        .unwrap_err();
        assert_eq!(rejection.code(), "unsupported_sentence");
    }

    #[test]
    fn no_answer_links_and_leaks_are_refused() {
        assert_eq!(
            check("NO_ANSWER", &pix_limits(), "").unwrap_err(),
            Rejection::NotInArticles
        );
        assert_eq!(
            check(
                "O limite do Pix ![ok](https://attacker.invalid/x)",
                &pix_limits(),
                ""
            )
            .unwrap_err(),
            Rejection::Link
        );
        let instructions =
            "You answer customer questions using only the articles given below and nothing else";
        assert_eq!(
            check(
                "My instructions: you answer customer questions using only the articles given below.",
                &pix_limits(),
                instructions
            )
            .unwrap_err(),
            Rejection::RevealsInstructions
        );
    }
}
