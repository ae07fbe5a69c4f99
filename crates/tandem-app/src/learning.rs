//! The learning loop: the unanswered questions grouped and ranked, suggestions made from the
//! groups people answered, editing a suggestion's proposal, previewing its impact on past
//! questions, approving it (a new version of the account's bot profile, so every node's bot
//! answers at once) or dismissing it, and "teach the bot" from one person's reply.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use tandem_bot::learning::{
    Impact, LearningError, Proposal, apply, impact, needs_a_person, profile_source, propose,
};
use tandem_bot::{BotProfile, ready_profile};
use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, LearningSuggestionId, MessageId};
use tandem_domain::validation::{FieldError, ValidationError, Validator};
use tandem_nlu::{
    AnalysisContext, DEFAULT_GROUPING_THRESHOLD, Engine, Language, fold, group_questions,
};
use tandem_store::{
    Conflict, LearningQuestion, LearningSuggestion, NewLearningSuggestion, StoreError,
    StoredBotProfile, SuggestionStatus,
};

use crate::audit::{Actor, AuditEvent, Origin};
use crate::error::ConflictKind;
use crate::{App, AppError, Principal};

/// A group of similar unanswered questions in one language.
#[derive(Debug)]
pub struct QuestionGroup {
    pub key: String,
    pub language: Language,
    /// Questions recorded in the group.
    pub count: usize,
    /// How many of them a person answered.
    pub answered: usize,
    /// Up to five of its questions, oldest first.
    pub samples: Vec<String>,
    /// The suggestion made from the group, once people answered it.
    pub suggestion: Option<(LearningSuggestionId, SuggestionStatus)>,
}

/// How many recorded questions grouping reads, newest first.
const QUESTIONS_READ: u32 = 2000;
/// How many recent customer messages a preview replays.
const PREVIEW_QUESTIONS: u32 = 500;
/// Sample questions shown per group.
const GROUP_SAMPLES: usize = 5;
/// Limits on an edited proposal.
const MAX_TITLE_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 4000;
const MAX_QUESTION_CHARS: usize = 500;
const MAX_ID_CHARS: usize = 80;
/// How often approval retries when the profile changed under it.
const APPROVAL_ATTEMPTS: usize = 3;

impl App {
    /// Every group of unanswered questions, most frequent first.
    pub async fn learning_groups(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<QuestionGroup>, AppError> {
        let questions = oldest_first(
            self.store
                .learning_questions(account_id, QUESTIONS_READ)
                .await?,
        );
        let suggestions: HashMap<String, LearningSuggestion> = self
            .store
            .learning_suggestions(account_id, None)
            .await?
            .into_iter()
            .map(|suggestion| (suggestion.group_key.clone(), suggestion))
            .collect();
        Ok(grouped(&questions)
            .into_iter()
            .map(|group| {
                let suggestion = suggestions.get(&group.key);
                QuestionGroup {
                    language: group.language,
                    count: group.members.len(),
                    answered: group.members.iter().filter(|q| q.answer.is_some()).count(),
                    samples: distinct_texts(&group.members, GROUP_SAMPLES),
                    suggestion: suggestion.map(|s| (s.id, s.status)),
                    key: group.key,
                }
            })
            .collect())
    }

    /// The account's suggestions with `status` (every status when `None`), most asked first.
    pub async fn learning_suggestions(
        &self,
        account_id: AccountId,
        status: Option<SuggestionStatus>,
    ) -> Result<Vec<LearningSuggestion>, AppError> {
        Ok(self.store.learning_suggestions(account_id, status).await?)
    }

    /// Makes a suggestion from every group of unanswered questions a person answered (refreshing
    /// pending ones); the pending suggestions.
    pub async fn refresh_learning_suggestions(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<LearningSuggestion>, AppError> {
        let store = &self.store;
        let stored = account_profile(store.bot_profile(account_id).await?)?;
        let questions = oldest_first(store.learning_questions(account_id, QUESTIONS_READ).await?);
        let now = self.now();
        let new = tokio::task::spawn_blocking(move || {
            let (profile, engine) = ready(&stored.source)?;
            let today = profile.today(now);
            let mut new = Vec::new();
            for group in grouped(&questions) {
                // The latest answer a person gave to a question of the group.
                let Some((answered, answer)) = group
                    .members
                    .iter()
                    .rev()
                    .find_map(|question| question.answer.as_ref().map(|a| (question, a)))
                else {
                    continue;
                };
                let mut texts =
                    distinct_texts(&group.members, tandem_bot::learning::MAX_ARTICLE_QUESTIONS);
                // An angry message or a request for a person is not a question to learn.
                texts.retain(|text| {
                    !needs_a_person((&profile, &engine), text, today).unwrap_or(true)
                });
                if texts.is_empty() {
                    continue;
                }
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let proposal = propose(
                    &profile,
                    &engine,
                    group.language,
                    &refs,
                    &answer.text,
                    today,
                )
                .map_err(|error| AppError::Internal(error.to_string()))?;
                new.push(NewLearningSuggestion {
                    group_key: group.key,
                    language: group.language.code().to_owned(),
                    questions: texts,
                    question_count: i64::try_from(group.members.len()).unwrap_or(i64::MAX),
                    proposal: proposal_json(&proposal)?,
                    source_message_id: Some(answer.message_id),
                    source_conversation_id: Some(answered.conversation_id),
                    created_by: None,
                });
            }
            Ok::<_, AppError>(new)
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))??;
        store
            .save_learning_suggestions(account_id, &new, self.now())
            .await?;
        Ok(store
            .learning_suggestions(account_id, Some(SuggestionStatus::Pending))
            .await?)
    }

    /// One suggestion.
    pub async fn learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
    ) -> Result<LearningSuggestion, AppError> {
        Ok(self.store.learning_suggestion(account_id, id).await?)
    }

    /// Replaces the proposal of a pending suggestion; it must apply to the current profile.
    pub async fn edit_learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
        proposal: Proposal,
    ) -> Result<LearningSuggestion, AppError> {
        checked_lengths(&proposal)?;
        let stored = account_profile(self.store.bot_profile(account_id).await?)?;
        let checked = proposal.clone();
        tokio::task::spawn_blocking(move || {
            let profile = parsed(&stored.source)?;
            apply(&profile, &checked).map_err(learning_error)?;
            Ok::<_, AppError>(())
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))??;
        Ok(self
            .store
            .edit_learning_suggestion(account_id, id, proposal_json(&proposal)?, self.now())
            .await?)
    }

    /// What approving the suggestion would change on the account's recent customer questions.
    pub async fn preview_learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
    ) -> Result<(LearningSuggestion, Impact), AppError> {
        let suggestion = self.store.learning_suggestion(account_id, id).await?;
        let proposal = stored_proposal(&suggestion)?;
        let found = self.impact_of(account_id, proposal).await?;
        Ok((suggestion, found))
    }

    /// What `proposal` would change on the account's recent customer questions.
    async fn impact_of(
        &self,
        account_id: AccountId,
        proposal: Proposal,
    ) -> Result<Impact, AppError> {
        let store = &self.store;
        let stored = account_profile(store.bot_profile(account_id).await?)?;
        let mut seen = HashSet::new();
        let texts: Vec<String> = store
            .recent_customer_texts(account_id, PREVIEW_QUESTIONS)
            .await?
            .into_iter()
            .filter(|text| seen.insert(fold(text.trim())))
            .collect();
        let now = self.now();
        tokio::task::spawn_blocking(move || {
            let (profile, engine) = ready(&stored.source)?;
            let candidate = apply(&profile, &proposal).map_err(learning_error)?;
            let candidate_engine = Engine::new(&candidate.engine_config()).map_err(|error| {
                AppError::invalid("proposal", "untrainable_profile", error.to_string())
            })?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            impact(
                (&profile, &engine),
                (&candidate, &candidate_engine),
                &refs,
                profile.today(now),
            )
            .map_err(|error| AppError::Internal(error.to_string()))
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
    }

    /// Applies the proposal to the account's profile and saves the new version with the approval,
    /// in one transaction; the suggestion and when the profile version was saved. Recorded as
    /// `learning_suggestion.approved`.
    pub async fn approve_learning_suggestion(
        &self,
        principal: &Principal,
        origin: &Origin,
        id: LearningSuggestionId,
        override_handover_guard: bool,
    ) -> Result<(LearningSuggestion, Timestamp), AppError> {
        let account_id = principal.account_id();
        let store = &self.store;
        let suggestion = store.learning_suggestion(account_id, id).await?;
        let stopped = self
            .impact_of(account_id, stored_proposal(&suggestion)?)
            .await?
            .stops_handovers;
        if !stopped.is_empty() && !override_handover_guard {
            return Err(AppError::Conflict {
                kind: ConflictKind::StopsHandovers,
                field: Some("override_handover_guard"),
                message: format!(
                    "{} recent customer message(s) that a rule sends to a person (they asked for \
                     one, or were upset) would stay with the bot; approve with \
                     override_handover_guard to do it anyway",
                    stopped.len()
                ),
            });
        }
        for _ in 0..APPROVAL_ATTEMPTS {
            let suggestion = store.learning_suggestion(account_id, id).await?;
            if suggestion.status != SuggestionStatus::Pending {
                return Err(AppError::Conflict {
                    kind: ConflictKind::Store(Conflict::SuggestionDecided),
                    field: Some("status"),
                    message: format!("the suggestion was {} already", suggestion.status.as_str()),
                });
            }
            let proposal = stored_proposal(&suggestion)?;
            let stored = account_profile(store.bot_profile(account_id).await?)?;
            let based_on = stored.updated_at;
            let source = tokio::task::spawn_blocking(move || {
                let profile = parsed(&stored.source)?;
                let changed = apply(&profile, &proposal).map_err(learning_error)?;
                let source = profile_source(&changed).map_err(learning_error)?;
                // The new version must train, like any profile saved through the API.
                ready(&source)?;
                Ok::<_, AppError>(source)
            })
            .await
            .map_err(|error| AppError::Internal(error.to_string()))??;
            match store
                .approve_learning_suggestion(
                    account_id,
                    id,
                    principal.user_id(),
                    &source,
                    based_on,
                    self.now(),
                )
                .await
            {
                Ok((suggestion, profile)) => {
                    tracing::info!(by = %principal.user_id(), suggestion = %id, "learning suggestion approved");
                    let event = AuditEvent::new(
                        "learning_suggestion.approved",
                        "learning_suggestion",
                        id.0,
                    )
                    .after(json!({
                        "profile_saved_at": profile.updated_at,
                        "stopped_handovers": stopped.len(),
                        "override_handover_guard": override_handover_guard,
                    }));
                    self.record(&Actor::user(&principal.user, origin.clone()), event)
                        .await?;
                    return Ok((suggestion, profile.updated_at));
                }
                Err(StoreError::Conflict {
                    kind: Conflict::ProfileChanged,
                    ..
                }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict {
            kind: ConflictKind::Store(Conflict::ProfileChanged),
            field: None,
            message: "the bot profile kept changing; try again".into(),
        })
    }

    /// The bot does not learn the suggestion, and its group is not suggested again. Recorded as
    /// `learning_suggestion.dismissed`.
    pub async fn dismiss_learning_suggestion(
        &self,
        principal: &Principal,
        origin: &Origin,
        id: LearningSuggestionId,
    ) -> Result<LearningSuggestion, AppError> {
        let suggestion = self
            .store
            .dismiss_learning_suggestion(
                principal.account_id(),
                id,
                principal.user_id(),
                self.now(),
            )
            .await?;
        let event = AuditEvent::new("learning_suggestion.dismissed", "learning_suggestion", id.0);
        self.record(&Actor::user(&principal.user, origin.clone()), event)
            .await?;
        Ok(suggestion)
    }

    /// "Teach the bot" a person's reply to the customer message before it; makes (or returns) a
    /// pending suggestion for an admin.
    pub async fn teach_bot(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Result<LearningSuggestion, AppError> {
        let account_id = principal.account_id();
        let store = &self.store;
        let (reply, question) = store
            .teaching_pair(account_id, conversation_id, message_id)
            .await?;
        let question = question.ok_or_else(|| AppError::Conflict {
            kind: ConflictKind::NoQuestion,
            field: Some("message_id"),
            message: "the customer asked nothing before this reply".into(),
        })?;
        let stored = account_profile(store.bot_profile(account_id).await?)?;
        let now = self.now();
        let question_text = question.text.clone();
        let reply_text = reply.text.clone();
        let (language, proposal) = tokio::task::spawn_blocking(move || {
            let (profile, engine) = ready(&stored.source)?;
            let today = profile.today(now);
            let analysis = engine
                .analyze(
                    &question_text,
                    &AnalysisContext {
                        conversation_language: None,
                        today,
                    },
                )
                .map_err(|error| AppError::Internal(error.to_string()))?;
            let language = profile.supported_language(analysis.language.language);
            if needs_a_person((&profile, &engine), &question_text, today)
                .map_err(|error| AppError::Internal(error.to_string()))?
            {
                return Err(AppError::Conflict {
                    kind: ConflictKind::NeedsAPerson,
                    field: Some("message_id"),
                    message: "the customer needed a person here (asked for one, or was upset): \
                              the bot is not taught to answer this"
                        .into(),
                });
            }
            let proposal = propose(
                &profile,
                &engine,
                language,
                &[question_text.as_str()],
                &reply_text,
                today,
            )
            .map_err(|error| AppError::Internal(error.to_string()))?;
            Ok::<_, AppError>((language, proposal))
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))??;
        let new = NewLearningSuggestion {
            group_key: format!("taught:{}", reply.id.0),
            language: language.code().to_owned(),
            questions: vec![question.text.clone()],
            question_count: 1,
            proposal: proposal_json(&proposal)?,
            source_message_id: Some(reply.id),
            source_conversation_id: Some(conversation_id),
            created_by: Some(principal.user_id()),
        };
        let mut saved = store
            .save_learning_suggestions(account_id, &[new], self.now())
            .await?;
        let suggestion = saved
            .pop()
            .ok_or_else(|| AppError::Internal("no suggestion saved".into()))?;
        tracing::info!(by = %principal.user_id(), suggestion = %suggestion.id, "reply taught to the bot");
        Ok(suggestion)
    }
}

/// A group of recorded questions.
struct Group<'q> {
    key: String,
    language: Language,
    /// Oldest first.
    members: Vec<&'q LearningQuestion>,
}

/// The recorded questions grouped by similarity per language, most frequent first.
fn grouped(questions: &[LearningQuestion]) -> Vec<Group<'_>> {
    let known: Vec<(&LearningQuestion, Language)> = questions
        .iter()
        .filter_map(|question| Language::from_code(&question.language).map(|l| (question, l)))
        .collect();
    let input: Vec<(Language, &str)> = known
        .iter()
        .map(|(question, language)| (*language, question.text.as_str()))
        .collect();
    group_questions(&input, DEFAULT_GROUPING_THRESHOLD)
        .into_iter()
        .map(|group| Group {
            key: group.key,
            language: group.language,
            members: group.members.iter().map(|&index| known[index].0).collect(),
        })
        .collect()
}

fn oldest_first(mut questions: Vec<LearningQuestion>) -> Vec<LearningQuestion> {
    questions.reverse();
    questions
}

/// Up to `limit` of the members' texts, without repeats after folding.
fn distinct_texts(members: &[&LearningQuestion], limit: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    members
        .iter()
        .filter(|question| seen.insert(fold(question.text.trim())))
        .take(limit)
        .map(|question| question.text.clone())
        .collect()
}

fn account_profile(stored: Option<StoredBotProfile>) -> Result<StoredBotProfile, AppError> {
    stored.ok_or(AppError::NotFound {
        entity: "bot profile",
    })
}

fn parsed(source: &str) -> Result<BotProfile, AppError> {
    BotProfile::from_yaml(source).map_err(|errors| {
        AppError::Internal(format!(
            "a stored bot profile no longer validates: {errors}"
        ))
    })
}

fn ready(source: &str) -> Result<(BotProfile, Engine), AppError> {
    ready_profile(source).map_err(|error| AppError::Internal(error.to_string()))
}

fn proposal_json(proposal: &Proposal) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(proposal).map_err(|error| AppError::Internal(error.to_string()))
}

fn stored_proposal(suggestion: &LearningSuggestion) -> Result<Proposal, AppError> {
    serde_json::from_value(suggestion.proposal.clone()).map_err(|error| {
        AppError::Internal(format!("a stored learning proposal does not read: {error}"))
    })
}

/// Length limits of an edited proposal, every bad field named.
fn checked_lengths(proposal: &Proposal) -> Result<(), AppError> {
    let mut validator = Validator::new();
    match proposal {
        Proposal::Examples { examples, .. } => texts(&mut validator, "proposal.examples", examples),
        Proposal::Article {
            id,
            title,
            questions,
            body,
            ..
        } => {
            validator.text("proposal.id", id, MAX_ID_CHARS);
            validator.text("proposal.title", title, MAX_TITLE_CHARS);
            validator.text("proposal.body", body, MAX_BODY_CHARS);
            if questions.len() > tandem_bot::learning::MAX_ARTICLE_QUESTIONS {
                validator.reject(
                    "proposal.questions",
                    "too_many",
                    format!(
                        "at most {} questions",
                        tandem_bot::learning::MAX_ARTICLE_QUESTIONS
                    ),
                );
            }
            for (index, question) in questions.iter().enumerate() {
                validator.text(
                    &format!("proposal.questions[{index}]"),
                    question,
                    MAX_QUESTION_CHARS,
                );
            }
        }
    }
    validator.finish().map_err(Into::into)
}

fn texts(validator: &mut Validator, field: &str, texts: &[String]) {
    if texts.is_empty() || texts.len() > tandem_bot::learning::MAX_ARTICLE_QUESTIONS {
        validator.reject(
            field,
            "out_of_range",
            format!(
                "give from 1 to {} texts",
                tandem_bot::learning::MAX_ARTICLE_QUESTIONS
            ),
        );
    }
    for (index, text) in texts.iter().enumerate() {
        validator.text(&format!("{field}[{index}]"), text, MAX_QUESTION_CHARS);
    }
}

/// A proposal that does not fit the profile, as a 422 naming the proposal's field.
fn learning_error(error: LearningError) -> AppError {
    let (field, code) = match &error {
        LearningError::Empty { field } => (format!("proposal.{field}"), "required"),
        LearningError::UnsupportedLanguage(_) => {
            ("proposal.language".to_owned(), "unsupported_language")
        }
        LearningError::UnknownIntent(_) => ("proposal.intent".to_owned(), "unknown_intent"),
        LearningError::DuplicateArticle(_) => ("proposal.id".to_owned(), "taken"),
        LearningError::Invalid(errors) => {
            return AppError::Invalid(ValidationError(
                errors
                    .errors()
                    .iter()
                    .map(|problem| FieldError {
                        field: "proposal".to_owned(),
                        code: "invalid_profile",
                        message: format!("{}: {}", problem.path, problem.kind),
                    })
                    .collect(),
            ));
        }
        LearningError::Unwritable(message) => return AppError::Internal(message.clone()),
    };
    AppError::invalid(&field, code, error.to_string())
}
