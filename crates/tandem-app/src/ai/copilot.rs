//! The agent's copilot and two-way translation. A summary is generated when the account has a
//! model and extractive otherwise (or when the model fails its checks); a suggested reply is a
//! grounded answer from the articles with its citations; a reply is rephrased in a style; a
//! customer's message is translated into the agent's language (kept beside the original), and
//! an agent's reply into the customer's (the original kept as its translation).

use std::sync::OnceLock;

use tandem_ai::{
    Answer, Citation, CopilotError, CopilotText, Line, ModelFailure, RephraseStyle, Speaker,
};
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event};
use tandem_domain::id::{AccountId, ConversationId, MessageId, UserId};
use tandem_domain::message::{Direction, Message};
use tandem_nlu::{ConversationTurn, EntityExtractor, Language, LanguageIdentifier};

use super::AiService;
use super::answers::Asked;
use super::calls::{CallSubject, Purpose, Worked};
use crate::error::ConflictKind;
use crate::model::MessageTranslation;
use crate::{App, AppError, Principal};

/// How many messages of a transcript a summary reads.
const SUMMARY_MESSAGES: u32 = 200;
/// How many of the customer's latest messages a suggested reply answers.
const SUGGEST_FROM_LAST: usize = 3;

/// A summary of a conversation for the agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopilotSummary {
    pub summary: String,
    /// Written by the account's model; otherwise extractive.
    pub generated: bool,
}

/// A reply suggested to the agent, grounded in the articles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    pub citations: Vec<Citation>,
}

/// A text in another language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslatedText {
    pub language: Language,
    pub text: String,
}

/// The language identifier shared by the copilot (built once: it loads lingua's models).
fn identifier() -> &'static LanguageIdentifier {
    static IDENTIFIER: OnceLock<LanguageIdentifier> = OnceLock::new();
    IDENTIFIER.get_or_init(LanguageIdentifier::new)
}

/// The language of `text`, `None` when the detector cannot tell.
pub fn language_of(text: &str) -> Option<Language> {
    let guess = identifier().identify(text, None);
    (!guess.is_fallback).then_some(guess.language)
}

/// A model's failure or a check's refusal as the use case's error.
fn unavailable(error: CopilotError) -> AppError {
    match error {
        CopilotError::Model(failure) => model_failed(failure),
        other => AppError::AiUnavailable {
            code: other.code(),
            message: format!("the model's answer was not used: {other}"),
        },
    }
}

fn model_failed(failure: ModelFailure) -> AppError {
    match failure {
        ModelFailure::NotConfigured => AppError::Conflict {
            kind: ConflictKind::AiNotConfigured,
            field: None,
            message: "the account has no AI provider: an admin chooses one under Admin › AI".into(),
        },
        other => AppError::AiUnavailable {
            code: other.code(),
            message: other.to_string(),
        },
    }
}

/// A copilot result as a call's work: a model's failure fails the call; a check's refusal is
/// the call's outcome, handed back to the use case.
fn worked(
    result: Result<CopilotText, CopilotError>,
) -> Result<Worked<Result<String, CopilotError>>, ModelFailure> {
    match result {
        Ok(done) => Ok((Ok(done.text), Some(done.completion), "ok")),
        Err(CopilotError::Model(failure)) => Err(failure),
        Err(refused) => {
            let code = refused.code();
            Ok((Err(refused), None, code))
        }
    }
}

fn line_of(message: &Message) -> Line<'_> {
    Line {
        speaker: match message.sender {
            Actor::Contact(_) => Speaker::Customer,
            Actor::Bot | Actor::System => Speaker::Bot,
            Actor::User(_) => Speaker::Agent,
        },
        text: &message.text,
    }
}

/// The extractive summary of `transcript`, personal values masked.
fn extractive_summary(
    transcript: &[Message],
    language: Language,
    today: jiff::civil::Date,
) -> Result<String, AppError> {
    let turns: Vec<ConversationTurn> = transcript
        .iter()
        .map(|message| {
            let line = line_of(message);
            ConversationTurn {
                speaker: match line.speaker {
                    Speaker::Customer => tandem_nlu::Speaker::Customer,
                    Speaker::Bot => tandem_nlu::Speaker::Bot,
                    Speaker::Agent => tandem_nlu::Speaker::Agent,
                },
                text: message.text.clone(),
            }
        })
        .collect();
    let extractor =
        EntityExtractor::new(&[]).map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(tandem_nlu::summarize(&turns, language, &extractor, today).text)
}

impl AiService {
    fn subject(
        account_id: AccountId,
        user_id: UserId,
        conversation_id: Option<ConversationId>,
    ) -> CallSubject {
        CallSubject {
            account_id,
            user_id: Some(user_id),
            conversation_id,
        }
    }

    /// `text` translated from `from` into `to` by the account's model.
    async fn translate(
        &self,
        subject: &CallSubject,
        text: &str,
        from: Option<Language>,
        to: Language,
    ) -> Result<String, AppError> {
        let text = text.to_owned();
        let translated = self
            .call(subject, Purpose::Translate, move |model| {
                Box::pin(async move {
                    worked(tandem_ai::translate(model.as_ref(), &text, from, to).await)
                })
            })
            .await?;
        translated.map_err(model_failed)?.map_err(unavailable)
    }
}

impl App {
    /// The conversation's non-private messages, oldest first.
    async fn transcript(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Vec<Message>, AppError> {
        Ok(self
            .store()
            .messages(account_id, conversation_id, None, SUMMARY_MESSAGES)
            .await?
            .messages
            .into_iter()
            .filter(|message| !message.is_private)
            .collect())
    }

    /// A summary of the conversation in `language` for the agent: generated by the account's
    /// model, or extractive when it has none or the model's summary fails its checks.
    pub async fn copilot_summary(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        language: Language,
    ) -> Result<CopilotSummary, AppError> {
        let account_id = principal.account_id();
        let transcript = self.transcript(account_id, conversation_id).await?;
        let subject = AiService::subject(account_id, principal.user_id(), Some(conversation_id));
        let lines: Vec<(Speaker, String)> = transcript
            .iter()
            .map(|message| (line_of(message).speaker, message.text.clone()))
            .collect();
        let generated = self
            .ai
            .call(&subject, Purpose::Summary, move |model| {
                Box::pin(async move {
                    let lines: Vec<Line<'_>> = lines
                        .iter()
                        .map(|(speaker, text)| Line {
                            speaker: *speaker,
                            text,
                        })
                        .collect();
                    worked(tandem_ai::summarize(model.as_ref(), &lines, language).await)
                })
            })
            .await?;
        if let Ok(Ok(summary)) = generated {
            return Ok(CopilotSummary {
                summary,
                generated: true,
            });
        }
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let summary =
            tokio::task::spawn_blocking(move || extractive_summary(&transcript, language, today))
                .await
                .map_err(|error| AppError::Internal(error.to_string()))??;
        Ok(CopilotSummary {
            summary,
            generated: false,
        })
    }

    /// A reply to the customer's latest messages, grounded in the articles of the bot serving
    /// the conversation's inbox, in the customer's language, with its citations.
    pub async fn copilot_suggest(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
    ) -> Result<Suggestion, AppError> {
        let account_id = principal.account_id();
        let conversation = self
            .store()
            .conversation(account_id, conversation_id)
            .await?;
        let transcript = self.transcript(account_id, conversation_id).await?;
        let asked: Vec<&str> = transcript
            .iter()
            .filter(|message| message.direction == Direction::Inbound)
            .map(|message| message.text.as_str())
            .collect();
        let question = asked[asked.len().saturating_sub(SUGGEST_FROM_LAST)..].join("\n");
        if question.trim().is_empty() {
            return Err(no_grounded_answer(
                "the customer has not written anything to answer",
            ));
        }
        let Some(bot) = self.bot.loaded(account_id, conversation.inbox_id).await? else {
            return Err(no_grounded_answer(
                "the inbox has no bot profile with articles",
            ));
        };
        let language = identifier()
            .identify(&question, Some(bot.profile.languages.default))
            .language;
        let passages = bot.bot().passages(&bot.engine, &question, language);
        if passages.is_empty() {
            return Err(no_grounded_answer(
                "no article answers the customer's question",
            ));
        }
        let subject = AiService::subject(account_id, principal.user_id(), Some(conversation_id));
        let record = self.ai.record(account_id).await?;
        let answer = self
            .ai
            .grounded_answer(
                &record,
                &subject,
                Purpose::Suggest,
                Asked {
                    assistant: bot.profile.persona.name.clone(),
                    text: question,
                    language,
                    passages,
                },
            )
            .await?
            .map_err(model_failed)?;
        match answer {
            Answer::Grounded { text, citations } => Ok(Suggestion { text, citations }),
            Answer::Declined { rejection, .. } => Err(no_grounded_answer(&format!(
                "the articles do not answer it ({})",
                rejection.code()
            ))),
        }
    }

    /// `text` rewritten in `style`.
    pub async fn copilot_rephrase(
        &self,
        principal: &Principal,
        text: &str,
        style: RephraseStyle,
    ) -> Result<String, AppError> {
        tandem_domain::message::validate_message_text(text)?;
        let subject = AiService::subject(principal.account_id(), principal.user_id(), None);
        let text = text.to_owned();
        let rewritten = self
            .ai
            .call(&subject, Purpose::Rephrase, move |model| {
                Box::pin(
                    async move { worked(tandem_ai::rephrase(model.as_ref(), &text, style).await) },
                )
            })
            .await?;
        rewritten.map_err(model_failed)?.map_err(unavailable)
    }

    /// A message of the conversation in `to`: kept from an earlier translation, the message
    /// itself when it is in `to` already (or its language cannot be told), or translated now
    /// and kept.
    pub async fn translate_message(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        message_id: MessageId,
        to: Language,
    ) -> Result<TranslatedText, AppError> {
        let account_id = principal.account_id();
        let message = self.store().message(account_id, message_id).await?;
        if message.conversation_id != conversation_id || message.is_private {
            return Err(AppError::NotFound { entity: "message" });
        }
        let kept = self
            .store()
            .message_translations(account_id, conversation_id)
            .await?
            .into_iter()
            .find(|kept| kept.message_id == message_id && kept.language == to.code());
        if let Some(kept) = kept {
            return Ok(TranslatedText {
                language: to,
                text: kept.text,
            });
        }
        // A text whose language cannot be told (too short: "ok", "👍") is shown as it is.
        let from = match language_of(&message.text) {
            Some(from) if from != to => from,
            _ => {
                return Ok(TranslatedText {
                    language: to,
                    text: message.text,
                });
            }
        };
        let subject = AiService::subject(account_id, principal.user_id(), Some(conversation_id));
        let text = self
            .ai
            .translate(&subject, &message.text, Some(from), to)
            .await?;
        self.store()
            .save_message_translation(
                account_id,
                conversation_id,
                message_id,
                to.code(),
                &text,
                self.now(),
            )
            .await?;
        Ok(TranslatedText { language: to, text })
    }

    /// Every kept translation of the conversation's messages.
    pub async fn message_translations(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Vec<MessageTranslation>, AppError> {
        Ok(self
            .store()
            .message_translations(account_id, conversation_id)
            .await?)
    }

    /// An agent's reply sent in the customer's language: translated by the account's model
    /// when the agent wrote in another one, the agent's words kept as the message's
    /// translation. Nothing is sent when the translation fails.
    pub async fn reply_translated(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        text: String,
    ) -> Result<(Conversation, Message, Vec<Event>), AppError> {
        tandem_domain::message::validate_message_text(&text)?;
        let account_id = principal.account_id();
        let transcript = self.transcript(account_id, conversation_id).await?;
        let customer_words: Vec<&str> = transcript
            .iter()
            .rev()
            .filter(|message| message.direction == Direction::Inbound)
            .take(5)
            .map(|message| message.text.as_str())
            .collect();
        let customer = language_of(&customer_words.join("\n"));
        let agent = language_of(&text);
        let (Some(customer), Some(agent)) = (customer, agent) else {
            return self
                .reply(principal, conversation_id, text, false, None)
                .await;
        };
        if customer == agent {
            return self
                .reply(principal, conversation_id, text, false, None)
                .await;
        }
        let subject = AiService::subject(account_id, principal.user_id(), Some(conversation_id));
        let translated = self
            .ai
            .translate(&subject, &text, Some(agent), customer)
            .await?;
        let (conversation, message, events) = self
            .reply(principal, conversation_id, translated, false, None)
            .await?;
        self.store()
            .save_message_translation(
                account_id,
                conversation_id,
                message.id,
                agent.code(),
                &text,
                self.now(),
            )
            .await?;
        Ok((conversation, message, events))
    }
}

fn no_grounded_answer(message: &str) -> AppError {
    AppError::Conflict {
        kind: ConflictKind::NoGroundedAnswer,
        field: None,
        message: message.to_owned(),
    }
}
