//! Applying an approved proposal: the profile with the new examples or article, validated like
//! any profile, and written back as YAML.

use tandem_nlu::Language;

use crate::learning::propose::{Proposal, comparable};
use crate::profile::{Article, BotProfile, Localized, ProfileErrors};

/// Why a proposal cannot be applied to a profile.
#[derive(Debug, thiserror::Error)]
pub enum LearningError {
    /// The proposal leaves a required text blank (`title`, `body`, `examples`).
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    /// The bot does not speak the proposal's language.
    #[error("the bot does not speak {0}")]
    UnsupportedLanguage(Language),
    /// The intent to teach is not in the profile (any more).
    #[error("the profile has no intent `{0}`")]
    UnknownIntent(String),
    /// The profile already has an article with the new article's id.
    #[error("the profile already has an article `{0}`")]
    DuplicateArticle(String),
    /// The changed profile does not validate.
    #[error("the changed profile is not valid:\n{0}")]
    Invalid(ProfileErrors),
    /// The changed profile could not be written as YAML.
    #[error("the changed profile cannot be written: {0}")]
    Unwritable(String),
}

/// `profile` with `proposal` applied, validated.
///
/// # Errors
/// When the proposal does not fit the profile, or the result does not validate.
pub fn apply(profile: &BotProfile, proposal: &Proposal) -> Result<BotProfile, LearningError> {
    let language = proposal.language();
    if !profile.languages.supported.contains(&language) {
        return Err(LearningError::UnsupportedLanguage(language));
    }
    let mut changed = profile.clone();
    match proposal {
        Proposal::Examples {
            intent, examples, ..
        } => {
            let new: Vec<&String> = examples.iter().filter(|e| !e.trim().is_empty()).collect();
            if new.is_empty() {
                return Err(LearningError::Empty { field: "examples" });
            }
            let intent = changed
                .intents
                .iter_mut()
                .find(|candidate| &candidate.name == intent)
                .ok_or_else(|| LearningError::UnknownIntent(intent.clone()))?;
            let mut lists: Vec<(Language, Vec<String>)> = intent
                .examples
                .iter()
                .map(|(language, list)| (language, list.clone()))
                .collect();
            let position = match lists.iter().position(|(l, _)| *l == language) {
                Some(position) => position,
                None => {
                    lists.push((language, Vec::new()));
                    lists.len() - 1
                }
            };
            let list = &mut lists[position].1;
            for example in new {
                let example = example.trim();
                if !list
                    .iter()
                    .any(|known| comparable(known) == comparable(example))
                {
                    list.push(example.to_owned());
                }
            }
            intent.examples = Localized::new(lists);
        }
        Proposal::Article {
            id,
            title,
            questions,
            body,
            ..
        } => {
            if title.trim().is_empty() {
                return Err(LearningError::Empty { field: "title" });
            }
            if body.trim().is_empty() {
                return Err(LearningError::Empty { field: "body" });
            }
            if changed.article(id).is_some() {
                return Err(LearningError::DuplicateArticle(id.clone()));
            }
            let questions: Vec<String> = questions
                .iter()
                .map(|question| question.trim().to_owned())
                .filter(|question| !question.is_empty())
                .collect();
            changed.articles.push(Article {
                id: id.clone(),
                title: Localized::new([(language, title.trim().to_owned())]),
                body: Localized::new([(language, body.trim().to_owned())]),
                questions: if questions.is_empty() {
                    Localized::default()
                } else {
                    Localized::new([(language, questions)])
                },
                url: None,
            });
        }
    }
    changed.validate().map_err(LearningError::Invalid)?;
    Ok(changed)
}

/// The profile written as YAML, the form profiles are stored in (comments of the original
/// source are not kept).
///
/// # Errors
/// When the serializer refuses the profile.
pub fn profile_source(profile: &BotProfile) -> Result<String, LearningError> {
    serde_saphyr::to_string(profile).map_err(|error| LearningError::Unwritable(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::PROFILE;

    fn article(id: &str) -> Proposal {
        Proposal::Article {
            id: id.to_owned(),
            language: Language::Portuguese,
            title: "Vocês têm seguro viagem?".to_owned(),
            questions: vec!["quero seguro viagem".to_owned(), " ".to_owned()],
            body: "Sim, por R$ 30 ao mês: {não é variável}.".to_owned(),
        }
    }

    #[test]
    fn an_article_is_added_in_its_language_only_and_survives_yaml() {
        let changed = apply(&PROFILE, &article("learned-seguro")).expect("applied");
        assert_eq!(changed.articles.len(), PROFILE.articles.len() + 1);
        let added = changed.article("learned-seguro").expect("added");
        assert_eq!(
            added.title.languages().collect::<Vec<_>>(),
            [Language::Portuguese]
        );
        assert_eq!(
            added.questions.get(Language::Portuguese),
            Some(&vec!["quero seguro viagem".to_owned()])
        );
        let source = profile_source(&changed).expect("yaml");
        let reread = BotProfile::from_yaml(&source).expect("the written profile loads");
        assert_eq!(reread, changed);
    }

    #[test]
    fn examples_are_added_to_the_intent_once() {
        let intent = PROFILE.intents[0].name.clone();
        let known = PROFILE.intents[0]
            .examples
            .get(Language::Spanish)
            .expect("es")[0]
            .clone();
        let proposal = Proposal::Examples {
            intent: intent.clone(),
            language: Language::Spanish,
            examples: vec!["una frase nueva".into(), known.to_uppercase(), "".into()],
        };
        let changed = apply(&PROFILE, &proposal).expect("applied");
        let before = PROFILE.intents[0]
            .examples
            .get(Language::Spanish)
            .expect("es");
        let after = changed
            .intent(&intent)
            .expect("intent")
            .examples
            .get(Language::Spanish)
            .expect("es");
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(after.last().map(String::as_str), Some("una frase nueva"));
    }

    #[test]
    fn a_proposal_that_does_not_fit_says_why() {
        let taken = PROFILE.articles[0].id.clone();
        assert!(matches!(
            apply(&PROFILE, &article(&taken)),
            Err(LearningError::DuplicateArticle(id)) if id == taken
        ));
        let unknown = Proposal::Examples {
            intent: "no_such_intent".into(),
            language: Language::English,
            examples: vec!["hello there".into()],
        };
        assert!(matches!(
            apply(&PROFILE, &unknown),
            Err(LearningError::UnknownIntent(_))
        ));
        let blank = Proposal::Article {
            id: "learned-x".into(),
            language: Language::English,
            title: "Travel insurance".into(),
            questions: Vec::new(),
            body: "  ".into(),
        };
        assert!(matches!(
            apply(&PROFILE, &blank),
            Err(LearningError::Empty { field: "body" })
        ));
        let bad_id = Proposal::Article {
            id: "".into(),
            language: Language::English,
            title: "Travel insurance".into(),
            questions: Vec::new(),
            body: "Yes.".into(),
        };
        match apply(&PROFILE, &bad_id) {
            Err(LearningError::Invalid(errors)) => {
                assert!(errors.to_string().contains(".id"), "{errors}");
            }
            other => panic!("{other:?}"),
        }
    }
}
