//! The bot's generated answers: when a turn asks for one (`BotTurn::generate`) and the account
//! switched generative answers on, the articles that match are retrieved, the account's model
//! answers from them alone, and a checked answer replaces the turn's own. A declined draft
//! leaves the turn's own answer ("I did not understand", and a person on request); a model
//! that is down, slow or over budget too, or a handover (`ai_unavailable`) when nothing else
//! answers. The handover rules ran before: the model never talks over them.

use std::sync::Arc;

use tandem_ai::{Answer, ModelFailure, Passage, Question};
use tandem_bot::{BotTurn, TeamAvailability};
use tandem_domain::contact::Attributes;
use tandem_domain::conversation::Conversation;
use tandem_nlu::Language;
use tandem_store::AiSettingsRecord;

use super::AiService;
use super::calls::{CallSubject, Purpose};
use crate::AppError;
use crate::loaded_bot::LoadedBot;

/// A question to answer from the articles, owned so the call may carry it.
pub(super) struct Asked {
    /// The bot's name.
    pub(super) assistant: String,
    /// The customer's words.
    pub(super) text: String,
    /// The language to answer in.
    pub(super) language: Language,
    /// The retrieved articles.
    pub(super) passages: Vec<Passage>,
}

impl AiService {
    /// The account's model's answer to `asked` from its passages alone, checked (a call of
    /// `purpose`: the bot's answer, or a reply suggested to an agent).
    pub(super) async fn grounded_answer(
        &self,
        record: &AiSettingsRecord,
        subject: &CallSubject,
        purpose: Purpose,
        asked: Asked,
    ) -> Result<Result<Answer, ModelFailure>, AppError> {
        self.call_under(record, subject, purpose, move |model| {
            Box::pin(async move {
                let question = Question {
                    assistant: &asked.assistant,
                    text: &asked.text,
                    language: asked.language,
                    passages: &asked.passages,
                };
                let (answer, completion) = tandem_ai::answer(model.as_ref(), &question).await?;
                let code = answer.code();
                Ok((answer, completion, code))
            })
        })
        .await
    }

    /// `turn`, its answer generated when it asks for one and the account allows it.
    pub(crate) async fn generated_turn(
        &self,
        bot: &Arc<LoadedBot>,
        mut turn: BotTurn,
        text: &str,
        conversation: &Conversation,
        attributes: &Attributes,
    ) -> BotTurn {
        if turn.generate.is_none() {
            return turn;
        }
        let record = match self.record(conversation.account_id).await {
            Ok(record) if record.generative_answers => record,
            Ok(_) => {
                turn.generate = None;
                return turn;
            }
            Err(error) => {
                tracing::warn!(%error, "could not read the AI settings; the bot answers offline");
                turn.generate = None;
                return turn;
            }
        };
        let responder = bot.bot();
        let passages = responder.passages(&bot.engine, text, turn.language);
        if passages.is_empty() {
            turn.generate = None;
            return turn;
        }
        let subject = CallSubject {
            account_id: conversation.account_id,
            user_id: None,
            conversation_id: Some(conversation.id),
        };
        let result = self
            .grounded_answer(
                &record,
                &subject,
                Purpose::Answer,
                Asked {
                    assistant: bot.profile.persona.name.clone(),
                    text: text.to_owned(),
                    language: turn.language,
                    passages,
                },
            )
            .await;
        match result {
            Ok(Ok(Answer::Grounded { text, citations })) => {
                responder.with_generated_answer(turn, &text, &citations, attributes)
            }
            Ok(Ok(Answer::Declined { .. })) => {
                turn.generate = None;
                turn
            }
            Ok(Err(failure)) => responder.without_model(
                turn,
                failure.code(),
                &TeamAvailability::default(),
                attributes,
            ),
            Err(error) => {
                tracing::warn!(%error, "recording a call to the model failed; the bot answers offline");
                responder.without_model(
                    turn,
                    "unavailable",
                    &TeamAvailability::default(),
                    attributes,
                )
            }
        }
    }
}
