//! Every call to a model, one way: the account's model, refused once the day's token budget
//! is spent, bounded by the account's timeout, recorded in the call log and observed in the
//! metrics — whatever its outcome.

use std::sync::Arc;
use std::time::Instant;

use tandem_ai::{BoxFuture, Completion, LanguageModel, ModelFailure};
use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, UserId};
use tandem_store::{AiCall, AiSettingsRecord};

use super::AiService;
use super::settings::timeout;
use crate::AppError;

/// What a call is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The bot's generated answer to a customer.
    Answer,
    /// A conversation summary for an agent.
    Summary,
    /// A reply suggested to an agent.
    Suggest,
    /// An agent's reply rephrased.
    Rephrase,
    /// A message translated.
    Translate,
    /// An admin's connection test.
    Test,
}

impl Purpose {
    /// The name in the call log and the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Answer => "answer",
            Purpose::Summary => "summary",
            Purpose::Suggest => "suggest",
            Purpose::Rephrase => "rephrase",
            Purpose::Translate => "translate",
            Purpose::Test => "test",
        }
    }
}

/// Whom a call is made for.
#[derive(Clone, Copy, Debug)]
pub struct CallSubject {
    pub account_id: AccountId,
    /// The person who asked; none for the bot.
    pub user_id: Option<UserId>,
    pub conversation_id: Option<ConversationId>,
}

/// What a call's work gives: its value, the model's completion (for tokens) and the outcome's
/// code (`ok`, or a check's refusal).
pub type Worked<T> = (T, Option<Completion>, &'static str);

/// The start of the UTC day of `now`: daily budgets count from there.
pub(crate) fn start_of_day(now: Timestamp) -> Timestamp {
    let millis = now.as_millisecond();
    Timestamp::from_millisecond(millis - millis.rem_euclid(86_400_000)).unwrap_or(now)
}

impl AiService {
    /// Runs `work` with the account's model under its budget and timeout, and records the
    /// call. The inner result is the model's failure (no model, over budget, down, slow...);
    /// the outer one a failure of the store.
    pub(crate) async fn call<T>(
        &self,
        subject: &CallSubject,
        purpose: Purpose,
        work: impl FnOnce(Arc<dyn LanguageModel>) -> BoxFuture<'static, Result<Worked<T>, ModelFailure>>,
    ) -> Result<Result<T, ModelFailure>, AppError> {
        let record = self.record(subject.account_id).await?;
        self.call_under(&record, subject, purpose, work).await
    }

    /// [`AiService::call`] under settings the caller has read already.
    pub(crate) async fn call_under<T>(
        &self,
        record: &AiSettingsRecord,
        subject: &CallSubject,
        purpose: Purpose,
        work: impl FnOnce(Arc<dyn LanguageModel>) -> BoxFuture<'static, Result<Worked<T>, ModelFailure>>,
    ) -> Result<Result<T, ModelFailure>, AppError> {
        let model = match self.model(subject.account_id, record).await {
            Ok(model) => model,
            Err(failure) => return Ok(Err(failure)),
        };
        let now = self.ports.clock.now();
        let started = Instant::now();
        let over_budget = match record.daily_token_budget {
            Some(budget) => {
                let (_, used) = self
                    .store
                    .ai_usage_since(subject.account_id, start_of_day(now))
                    .await?;
                (used >= budget).then_some(ModelFailure::OverBudget {
                    budget: u64::try_from(budget).unwrap_or(0),
                })
            }
            None => None,
        };
        let limit = timeout(record);
        let result = match over_budget {
            Some(failure) => Err(failure),
            None => match tokio::time::timeout(limit, work(Arc::clone(&model))).await {
                Ok(result) => result,
                Err(_) => Err(ModelFailure::Timeout(limit)),
            },
        };
        let elapsed = started.elapsed();
        let (outcome, tokens) = match &result {
            Ok((_, completion, code)) => (
                *code,
                completion.as_ref().map_or((0, 0), |completion| {
                    (completion.prompt_tokens, completion.completion_tokens)
                }),
            ),
            Err(failure) => (failure.code(), (0, 0)),
        };
        if let Err(failure) = &result {
            tracing::info!(purpose = purpose.as_str(), %failure, "a call to the language model failed");
        }
        self.store
            .record_ai_call(&AiCall {
                id: uuid::Uuid::now_v7(),
                account_id: subject.account_id,
                user_id: subject.user_id,
                conversation_id: subject.conversation_id,
                purpose: purpose.as_str().to_owned(),
                provider: model.provider().to_owned(),
                model: model.model_name().to_owned(),
                prompt_tokens: i64::from(tokens.0),
                completion_tokens: i64::from(tokens.1),
                latency_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
                outcome: outcome.to_owned(),
                created_at: now,
            })
            .await?;
        self.ports
            .observer
            .ai_call(purpose.as_str(), model.provider(), outcome, tokens, elapsed);
        Ok(result.map(|(value, _, _)| value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_midnight_utc() {
        let now: Timestamp = "2026-12-06T15:30:00Z".parse().unwrap();
        assert_eq!(
            start_of_day(now),
            "2026-12-06T00:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
