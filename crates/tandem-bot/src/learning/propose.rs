//! From a group of unanswered questions and a person's answer to a proposed change to the
//! profile: new examples for an existing intent when most questions already lean towards it (in
//! scope, its the best guess) and the person answered what that intent answers; else a new
//! knowledge-base article whose title is the first question, whose body is the answer, and
//! which the other questions also find.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tandem_nlu::{AnalysisContext, Engine, EngineError, Language, fold, text_similarity};

use crate::profile::Intent;

use crate::profile::BotProfile;

/// The most questions a proposal keeps.
pub const MAX_ARTICLE_QUESTIONS: usize = 20;

/// The longest proposed article title, in characters.
const MAX_TITLE_CHARS: usize = 120;

/// How alike (0–1, [`text_similarity`]) a person's answer and an intent's own answer must be
/// for the questions to count as that intent's.
const SAME_ANSWER: f32 = 0.3;

/// The most words of the first question that make up a new article's id.
const ID_WORDS: usize = 5;

/// A change to the bot profile that teaches it to answer a group of questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Proposal {
    /// Teach an existing intent these phrasings.
    Examples {
        /// The intent's name.
        intent: String,
        /// The examples' language.
        language: Language,
        /// The new examples.
        examples: Vec<String>,
    },
    /// A new knowledge-base article in one language.
    Article {
        /// The new article's id.
        id: String,
        /// The article's language.
        language: Language,
        /// Its title (shown with the body).
        title: String,
        /// The questions it answers (searched, not shown).
        questions: Vec<String>,
        /// The answer.
        body: String,
    },
}

impl Proposal {
    /// The language the proposal teaches.
    pub fn language(&self) -> Language {
        match self {
            Proposal::Examples { language, .. } | Proposal::Article { language, .. } => *language,
        }
    }
}

/// Proposes how to teach `profile` (whose engine is `engine`) to answer `questions`, asked in
/// `language`, with `answer`, what a person replied to them.
///
/// # Errors
/// When the engine cannot analyze a question.
pub fn propose(
    profile: &BotProfile,
    engine: &Engine,
    language: Language,
    questions: &[&str],
    answer: &str,
    today: jiff::civil::Date,
) -> Result<Proposal, EngineError> {
    let questions = distinct(questions);
    let context = AnalysisContext {
        conversation_language: Some(language),
        today,
    };
    let mut closest: BTreeMap<String, usize> = BTreeMap::new();
    for question in &questions {
        let analysis = engine.analyze(question, &context)?;
        if let Some(top) = analysis.intents.first().filter(|_| !analysis.out_of_scope) {
            *closest.entry(top.intent.clone()).or_insert(0) += 1;
        }
    }
    let majority = closest
        .into_iter()
        .filter(|(_, count)| count * 2 > questions.len())
        .map(|(intent, _)| intent)
        .next();
    if let Some(intent) = majority.and_then(|name| profile.intent(&name))
        && !intent.handover
        && !intent.sensitive
        && intent_answer(profile, intent, language)
            .is_some_and(|own| text_similarity(language, own, answer) >= SAME_ANSWER)
    {
        let known: Vec<String> = intent
            .examples
            .get(language)
            .map(|examples| examples.iter().map(|e| comparable(e)).collect())
            .unwrap_or_default();
        let examples: Vec<String> = questions
            .iter()
            .filter(|question| !known.contains(&comparable(question)))
            .cloned()
            .collect();
        if !examples.is_empty() {
            return Ok(Proposal::Examples {
                intent: intent.name.clone(),
                language,
                examples,
            });
        }
    }
    let title: String = questions
        .first()
        .map(|first| first.chars().take(MAX_TITLE_CHARS).collect())
        .unwrap_or_default();
    Ok(Proposal::Article {
        id: free_article_id(profile, &title),
        language,
        title,
        questions: questions.into_iter().skip(1).collect(),
        body: answer.trim().to_owned(),
    })
}

/// What the intent itself answers in `language`: its reply, its article's text, or its
/// action's reply.
fn intent_answer<'p>(
    profile: &'p BotProfile,
    intent: &'p Intent,
    language: Language,
) -> Option<&'p str> {
    let default = profile.languages.default;
    let text = intent
        .reply
        .as_ref()
        .or_else(|| {
            intent
                .article
                .as_deref()
                .and_then(|id| profile.article(id))
                .map(|article| &article.body)
        })
        .or_else(|| intent.action.as_ref().map(|action| &action.reply))?;
    text.get_or(language, default).map(String::as_str)
}

/// A question folded to its words, to tell repeats ("Aceitam bitcoin?" and "aceitam bitcoin").
pub(crate) fn comparable(text: &str) -> String {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The questions trimmed, without blanks or repeats, at most [`MAX_ARTICLE_QUESTIONS`].
fn distinct(questions: &[&str]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut kept = Vec::new();
    for question in questions {
        let question = question.trim();
        let folded = comparable(question);
        if question.is_empty() || seen.contains(&folded) {
            continue;
        }
        seen.push(folded);
        kept.push(question.to_owned());
        if kept.len() == MAX_ARTICLE_QUESTIONS {
            break;
        }
    }
    kept
}

/// `learned-` and the first words of `title`, folded (`learned-voces-tem-seguro-viagem`), with a
/// number added when the profile already has that id.
fn free_article_id(profile: &BotProfile, title: &str) -> String {
    let words: Vec<String> = fold(title)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(ID_WORDS)
        .map(str::to_owned)
        .collect();
    let base = if words.is_empty() {
        "learned".to_owned()
    } else {
        format!("learned-{}", words.join("-"))
    };
    let mut id = base.clone();
    let mut n = 2;
    while profile.article(&id).is_some() {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ENGINE, PROFILE, today};

    #[test]
    fn out_of_scope_questions_become_an_article_in_their_language() {
        for (language, questions, answer, id) in [
            (
                Language::Portuguese,
                [
                    "Vocês aceitam bitcoin?",
                    "dá pra pagar com bitcoin?",
                    "vocês aceitam bitcoin",
                ],
                "Ainda não: o Banco Aurora não trabalha com bitcoin.",
                "learned-voces-aceitam-bitcoin",
            ),
            (
                Language::Spanish,
                [
                    "¿Trabajan con bitcoin?",
                    "¿aceptan bitcoin?",
                    "trabajan con bitcoin",
                ],
                "Todavía no: Banco Aurora no trabaja con bitcoin.",
                "learned-trabajan-con-bitcoin",
            ),
            (
                Language::English,
                [
                    "Do you accept bitcoin?",
                    "is bitcoin accepted?",
                    "do you accept bitcoin",
                ],
                "Not yet: Banco Aurora does not work with bitcoin.",
                "learned-do-you-accept-bitcoin",
            ),
        ] {
            let proposal = propose(&PROFILE, &ENGINE, language, &questions, answer, today())
                .expect("proposal");
            assert_eq!(
                proposal,
                Proposal::Article {
                    id: id.to_owned(),
                    language,
                    title: questions[0].to_owned(),
                    questions: vec![questions[1].to_owned()],
                    body: answer.to_owned(),
                }
            );
        }
    }

    #[test]
    fn questions_an_intent_answers_become_its_examples() {
        let questions = [
            "vocês abrem no domingo?",
            "até que horas tem gente atendendo?",
        ];
        let hours = "O time de pessoas atende de segunda a sexta, das 8h às 20h, e aos sábados, das 9h às 15h.";
        let proposal = propose(
            &PROFILE,
            &ENGINE,
            Language::Portuguese,
            &questions,
            hours,
            today(),
        )
        .expect("proposal");
        assert_eq!(
            proposal,
            Proposal::Examples {
                intent: "opening_hours".into(),
                language: Language::Portuguese,
                examples: questions.map(str::to_owned).to_vec(),
            }
        );
        let other = "Não abrimos agências aos domingos, mas o app funciona sempre.";
        let proposal = propose(
            &PROFILE,
            &ENGINE,
            Language::Portuguese,
            &questions,
            other,
            today(),
        )
        .expect("proposal");
        assert!(
            matches!(proposal, Proposal::Article { .. }),
            "a different answer is not the intent's: {proposal:?}"
        );
    }

    #[test]
    fn a_taken_article_id_gets_a_number() {
        let mut profile = PROFILE.clone();
        let first = free_article_id(&profile, "Seguro viagem?");
        assert_eq!(first, "learned-seguro-viagem");
        let mut article = profile.articles[0].clone();
        article.id = first;
        profile.articles.push(article);
        assert_eq!(
            free_article_id(&profile, "seguro viagem"),
            "learned-seguro-viagem-2"
        );
        assert_eq!(free_article_id(&profile, "?!"), "learned");
    }
}
