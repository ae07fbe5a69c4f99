//! Each account's AI settings: which provider (none, the model embedded in this server, or an
//! OpenAI-compatible server with its URL, model and sealed API key), the timeout, the daily
//! token budget, and whether the bot generates answers and messages are translated; the
//! connection test; usage; what the workspace may offer.

use std::time::Duration;

use serde_json::json;

use tandem_ai::{ChatMessage, CompletionRequest, LanguageModel, ModelFailure};
use tandem_domain::id::AccountId;
use tandem_domain::validation::Validator;
use tandem_store::AiSettingsRecord;

use super::AiService;
use super::calls::{CallSubject, Purpose};
use crate::audit::{Actor, AuditEvent};
use crate::model::{AiCall, GeneratedContainment};
use crate::ports::OpenAiEndpoint;
use crate::{App, AppError};

/// The default timeout of one call.
const DEFAULT_TIMEOUT_MS: u64 = 20_000;
/// The timeouts an admin may choose: at most 25 s, under the server's 30 s limit on a request,
/// so a copilot call never outlives the request that asked for it (and is always recorded).
const TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u64> = 1_000..=25_000;
/// The smallest daily budget (a budget below it could not pay for one answer).
const MIN_DAILY_BUDGET: u64 = 1_000;
/// How many calls the usage view lists.
const USAGE_CALLS: i64 = 100;

/// Which model an account uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderChoice {
    /// None: the bot and the copilot work offline (extractive summaries, no translation).
    None,
    /// The model embedded in this server.
    Embedded,
    /// An OpenAI-compatible server.
    OpenAi,
}

impl ProviderChoice {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderChoice::None => "none",
            ProviderChoice::Embedded => "embedded",
            ProviderChoice::OpenAi => "openai",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            ProviderChoice::None,
            ProviderChoice::Embedded,
            ProviderChoice::OpenAi,
        ]
        .into_iter()
        .find(|choice| choice.as_str() == name)
    }
}

/// An account's AI settings as its admins see them (the key only as "set").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiSettings {
    pub provider: ProviderChoice,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_set: bool,
    pub timeout_ms: u64,
    pub daily_token_budget: Option<u64>,
    pub generative_answers: bool,
    pub translation: bool,
    /// The model embedded in this server (its file name), if any.
    pub embedded_model: Option<String>,
}

/// New AI settings. `api_key`: `None` keeps the stored key, `Some("")` removes it.
#[derive(Clone, Debug, Default)]
pub struct AiSettingsUpdate {
    pub provider: String,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<String>,
    pub timeout_ms: Option<u64>,
    pub daily_token_budget: Option<u64>,
    pub generative_answers: Option<bool>,
    pub translation: Option<bool>,
}

/// Today's usage, the latest calls, and what generated answers did for containment.
#[derive(Clone, Debug)]
pub struct AiUsage {
    pub today_calls: u64,
    pub today_tokens: u64,
    pub daily_token_budget: Option<u64>,
    pub calls: Vec<AiCall>,
    /// The last [`CONTAINMENT_DAYS`] days' bot containment per intent, with and without a
    /// generated answer.
    pub containment: Vec<GeneratedContainment>,
}

/// How many days the usage view's containment covers.
pub const CONTAINMENT_DAYS: i64 = 30;

/// What a connection test found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionTest {
    pub latency_ms: u64,
    /// The model that answered, or what failed.
    pub result: Result<String, ModelFailure>,
}

/// What the workspace may offer the account's people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AiCapabilities {
    pub copilot: bool,
    pub translation: bool,
    pub generative_answers: bool,
}

/// The settings of an account that never chose.
fn defaults() -> AiSettingsRecord {
    AiSettingsRecord {
        provider: ProviderChoice::None.as_str().to_owned(),
        base_url: None,
        model: None,
        api_key_sealed: None,
        timeout_ms: DEFAULT_TIMEOUT_MS as i64,
        daily_token_budget: None,
        generative_answers: true,
        translation: true,
        updated_at: jiff::Timestamp::UNIX_EPOCH,
    }
}

/// The demo account's settings when the server has an embedded model: that model, with the
/// longest timeout (a small CPU is slow).
pub(crate) fn embedded_demo_settings(now: tandem_domain::Timestamp) -> AiSettingsRecord {
    AiSettingsRecord {
        provider: ProviderChoice::Embedded.as_str().to_owned(),
        timeout_ms: 25_000,
        updated_at: now,
        ..defaults()
    }
}

impl AiService {
    /// The stored settings, or the defaults.
    pub(super) async fn record(&self, account_id: AccountId) -> Result<AiSettingsRecord, AppError> {
        Ok(self
            .store
            .ai_settings(account_id)
            .await?
            .unwrap_or_else(defaults))
    }

    fn view(&self, record: &AiSettingsRecord) -> AiSettings {
        AiSettings {
            provider: ProviderChoice::parse(&record.provider).unwrap_or(ProviderChoice::None),
            base_url: record.base_url.clone(),
            model: record.model.clone(),
            api_key_set: record.api_key_sealed.is_some(),
            timeout_ms: u64::try_from(record.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS),
            daily_token_budget: record
                .daily_token_budget
                .and_then(|budget| u64::try_from(budget).ok()),
            generative_answers: record.generative_answers,
            translation: record.translation,
            embedded_model: self
                .ports
                .ai
                .embedded()
                .map(|model| model.model_name().to_owned()),
        }
    }

    /// The account's model, or why there is none.
    pub(super) async fn model(
        &self,
        account_id: AccountId,
        record: &AiSettingsRecord,
    ) -> Result<std::sync::Arc<dyn LanguageModel>, ModelFailure> {
        match ProviderChoice::parse(&record.provider) {
            Some(ProviderChoice::Embedded) => {
                self.ports.ai.embedded().ok_or(ModelFailure::NotConfigured)
            }
            Some(ProviderChoice::OpenAi) => {
                let mut clients = self
                    .clients
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((version, client)) = clients.get(&account_id)
                    && *version == record.updated_at
                {
                    return Ok(client.clone());
                }
                let endpoint = self.endpoint(account_id, record)?;
                let client = self.ports.ai.openai(endpoint);
                clients.insert(account_id, (record.updated_at, client.clone()));
                Ok(client)
            }
            Some(ProviderChoice::None) | None => Err(ModelFailure::NotConfigured),
        }
    }

    fn endpoint(
        &self,
        account_id: AccountId,
        record: &AiSettingsRecord,
    ) -> Result<OpenAiEndpoint, ModelFailure> {
        let (Some(base_url), Some(model)) = (&record.base_url, &record.model) else {
            return Err(ModelFailure::NotConfigured);
        };
        let api_key = match &record.api_key_sealed {
            Some(sealed) => {
                let opened = self
                    .channels
                    .sealer()
                    .open(sealed, account_id.0.as_bytes())
                    .map_err(|_| ModelFailure::NotConfigured)?;
                Some(String::from_utf8(opened).map_err(|_| ModelFailure::NotConfigured)?)
            }
            None => None,
        };
        Ok(OpenAiEndpoint {
            base_url: base_url.clone(),
            model: model.clone(),
            api_key,
            timeout: timeout(record),
        })
    }
}

/// The account's timeout for one call.
pub(super) fn timeout(record: &AiSettingsRecord) -> Duration {
    Duration::from_millis(u64::try_from(record.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS))
}

/// The settings an admin changes, as the audit trail records them (never the key).
fn audited(settings: &AiSettings) -> serde_json::Value {
    json!({
        "provider": settings.provider.as_str(),
        "base_url": settings.base_url,
        "model": settings.model,
        "api_key_set": settings.api_key_set,
        "timeout_ms": settings.timeout_ms,
        "daily_token_budget": settings.daily_token_budget,
        "generative_answers": settings.generative_answers,
        "translation": settings.translation,
    })
}

impl App {
    /// The account's AI settings.
    pub async fn ai_settings(&self, account_id: AccountId) -> Result<AiSettings, AppError> {
        let record = self.ai.record(account_id).await?;
        Ok(self.ai.view(&record))
    }

    /// Replaces the account's AI settings (every field checked, the base URL against the
    /// outbound policy) and records `ai.updated` by `actor`.
    pub async fn update_ai_settings(
        &self,
        actor: &Actor,
        update: AiSettingsUpdate,
    ) -> Result<AiSettings, AppError> {
        let account_id = actor.account_id;
        let before_record = self.ai.record(account_id).await?;
        let before = self.ai.view(&before_record);
        let mut validator = Validator::new();
        let provider = ProviderChoice::parse(&update.provider);
        match provider {
            None => validator.reject(
                "provider",
                "unknown_provider",
                format!("{:?} is not `none`, `embedded` or `openai`", update.provider),
            ),
            Some(ProviderChoice::Embedded) if before.embedded_model.is_none() => validator.reject(
                "provider",
                "no_embedded_model",
                "this server has no embedded model: its operator sets ai_model_path (TANDEM_AI_MODEL)",
            ),
            _ => {}
        }
        let base_url = update
            .base_url
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty());
        let model = update
            .model
            .map(|model| model.trim().to_owned())
            .filter(|model| !model.is_empty());
        if provider == Some(ProviderChoice::OpenAi) {
            match &base_url {
                None => validator.reject(
                    "base_url",
                    "required",
                    "the server's base URL, e.g. http://127.0.0.1:8080/v1",
                ),
                Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                    validator.reject(
                        "base_url",
                        "invalid_url",
                        "must start with http:// or https://",
                    );
                }
                Some(_) => {}
            }
            if model.is_none() {
                validator.reject("model", "required", "the model's name at that server");
            }
        }
        let timeout_ms = update
            .timeout_ms
            .unwrap_or(u64::try_from(before_record.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS));
        if !TIMEOUT_RANGE_MS.contains(&timeout_ms) {
            validator.reject(
                "timeout_ms",
                "out_of_range",
                format!(
                    "must be between {} and {} milliseconds",
                    TIMEOUT_RANGE_MS.start(),
                    TIMEOUT_RANGE_MS.end()
                ),
            );
        }
        if let Some(budget) = update.daily_token_budget
            && budget < MIN_DAILY_BUDGET
        {
            validator.reject(
                "daily_token_budget",
                "out_of_range",
                format!("must be at least {MIN_DAILY_BUDGET} tokens, or null for no limit"),
            );
        }
        if let Some(key) = &update.api_key
            && key.chars().any(char::is_control)
        {
            validator.reject("api_key", "invalid", "must not contain control characters");
        }
        validator.finish()?;
        if let (Some(ProviderChoice::OpenAi), Some(url)) = (provider, &base_url) {
            self.check_outbound_url("base_url", url).await?;
        }
        let api_key_sealed = match update.api_key.as_deref() {
            None => before_record.api_key_sealed.clone(),
            Some("") => None,
            Some(key) => Some(
                self.channels()
                    .sealer()
                    .seal(key.trim().as_bytes(), account_id.0.as_bytes()),
            ),
        };
        let record = AiSettingsRecord {
            provider: provider.unwrap_or(ProviderChoice::None).as_str().to_owned(),
            base_url,
            model,
            api_key_sealed,
            timeout_ms: timeout_ms as i64,
            daily_token_budget: update.daily_token_budget.map(|budget| budget as i64),
            generative_answers: update
                .generative_answers
                .unwrap_or(before_record.generative_answers),
            translation: update.translation.unwrap_or(before_record.translation),
            updated_at: self.now(),
        };
        self.store().save_ai_settings(account_id, &record).await?;
        let after = self.ai.view(&record);
        let event = AuditEvent::new("ai.updated", "account", account_id.0)
            .changes(&audited(&before), audited(&after));
        if !event.is_empty_change() {
            self.record(actor, event).await?;
        }
        Ok(after)
    }

    /// Asks the account's model for a one-word answer: whether it is reachable, and if not
    /// what failed (DNS, TLS, 401, an unknown model, a timeout...).
    pub async fn test_ai(
        &self,
        account_id: AccountId,
        user_id: tandem_domain::id::UserId,
    ) -> Result<ConnectionTest, AppError> {
        let request = CompletionRequest {
            messages: vec![
                ChatMessage::system("You check that a connection works."),
                ChatMessage::user("Reply with the single word OK."),
            ],
            max_tokens: 8,
        };
        let subject = CallSubject {
            account_id,
            user_id: Some(user_id),
            conversation_id: None,
        };
        let started = std::time::Instant::now();
        let result = self
            .ai
            .call(&subject, Purpose::Test, |model| {
                let request = request.clone();
                Box::pin(async move {
                    let completion = model.complete(request).await?;
                    Ok((completion.model.clone(), Some(completion), "ok"))
                })
            })
            .await?;
        Ok(ConnectionTest {
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            result,
        })
    }

    /// Today's calls and tokens (UTC day), the budget, the latest calls, and containment with
    /// and without generated answers.
    pub async fn ai_usage(&self, account_id: AccountId) -> Result<AiUsage, AppError> {
        let record = self.ai.record(account_id).await?;
        let now = self.now();
        let (calls, tokens) = self
            .store()
            .ai_usage_since(account_id, super::calls::start_of_day(now))
            .await?;
        Ok(AiUsage {
            today_calls: u64::try_from(calls).unwrap_or(0),
            today_tokens: u64::try_from(tokens).unwrap_or(0),
            daily_token_budget: self.ai.view(&record).daily_token_budget,
            calls: self.store().ai_calls(account_id, USAGE_CALLS).await?,
            containment: self
                .store()
                .generated_containment(
                    account_id,
                    now - jiff::SignedDuration::from_hours(24 * CONTAINMENT_DAYS),
                    now,
                )
                .await?,
        })
    }

    /// What the workspace may offer: the copilot and translation need a model.
    pub async fn ai_capabilities(&self, account_id: AccountId) -> Result<AiCapabilities, AppError> {
        let record = self.ai.record(account_id).await?;
        let has_model = self.ai.model(account_id, &record).await.is_ok();
        Ok(AiCapabilities {
            copilot: has_model,
            translation: has_model && record.translation,
            generative_answers: has_model && record.generative_answers,
        })
    }
}
