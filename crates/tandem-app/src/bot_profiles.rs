//! Bot profiles: reading and replacing the account's (or an inbox's own) profile — saved only
//! when it validates and its understanding engine trains, so a bad profile never replaces a
//! good one — trying a profile on sample messages, and replaying a draft against the
//! conversations the bot handled.

use serde_json::json;

use tandem_bot::replay::{
    ReplayChange, ReplayedConversation, TriedTurn, replay_conversation, try_messages,
};
use tandem_bot::{BotProfile, ReadyError, ready_profile};
use tandem_domain::Timestamp;
use tandem_domain::contact::Attributes;
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::{EventKind, HandoverReason};
use tandem_domain::id::{AccountId, ConversationId, InboxId};
use tandem_domain::message::Direction;
use tandem_domain::validation::{FieldError, ValidationError};
use tandem_nlu::Engine;

use tandem_store::Store;

use crate::audit::{Actor, AuditEvent};
use crate::model::{ConversationFilter, StoredBotProfile};
use crate::{App, AppError};

/// Largest profile source accepted.
pub const MAX_PROFILE_BYTES: usize = 512 * 1024;
/// Most customer messages of one conversation a replay reads.
const MAX_REPLAYED_MESSAGES: u32 = 200;

/// One conversation the bot handled, replayed through a draft profile.
#[derive(Debug)]
pub struct Replayed {
    pub conversation_id: ConversationId,
    /// Why the live bot handed it over, if it did.
    pub past_handover_reason: Option<HandoverReason>,
    pub change: ReplayChange,
    pub draft: ReplayedConversation,
}

impl App {
    /// The account's bot profile, if it has one.
    pub async fn bot_profile(
        &self,
        account_id: AccountId,
    ) -> Result<Option<StoredBotProfile>, AppError> {
        Ok(self.store.bot_profile(account_id).await?)
    }

    /// An inbox's own bot profile, if it has one.
    pub async fn inbox_bot_profile(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<StoredBotProfile>, AppError> {
        Ok(self.store.inbox_bot_profile(account_id, inbox_id).await?)
    }

    /// Replaces the account's profile (`inbox_id: None`) or an inbox's own with `source`,
    /// once it validates and trains. Recorded as `bot_profile.saved` (its size, not its text).
    pub async fn save_bot_profile(
        &self,
        actor: &Actor,
        inbox_id: Option<InboxId>,
        source: String,
    ) -> Result<(StoredBotProfile, BotProfile), AppError> {
        let by_user = actor.user_id.ok_or(AppError::Forbidden)?;
        let (source, profile) = checked_source(source).await?;
        self.check_profile_urls(&profile).await?;
        let (account_id, by, now) = (actor.account_id, Some(by_user), self.now());
        let stored = match inbox_id {
            None => {
                self.store
                    .save_bot_profile(account_id, &source, by, now)
                    .await?
            }
            Some(inbox_id) => {
                self.store
                    .save_inbox_bot_profile(account_id, inbox_id, &source, by, now)
                    .await?
            }
        };
        tracing::info!(by = %by_user, ?inbox_id, "bot profile replaced");
        let event = AuditEvent::new("bot_profile.saved", "bot_profile", inbox_id.map(|id| id.0))
            .after(json!({ "inbox_id": inbox_id, "source_bytes": stored.source.len() }));
        self.record(actor, event).await?;
        Ok((stored, profile))
    }

    /// Removes an inbox's own profile (the account's serves it again); `false` when it had
    /// none. Recorded as `bot_profile.removed`.
    pub async fn remove_inbox_bot_profile(
        &self,
        actor: &Actor,
        inbox_id: InboxId,
    ) -> Result<bool, AppError> {
        let removed = self
            .store
            .delete_inbox_bot_profile(actor.account_id, inbox_id)
            .await?;
        if removed {
            let event = AuditEvent::new("bot_profile.removed", "bot_profile", inbox_id.0)
                .after(json!({ "inbox_id": inbox_id }));
            self.record(actor, event).await?;
        }
        Ok(removed)
    }

    /// How the account's saved profile (or an unsaved `draft` of YAML source) answers
    /// `messages`, as one conversation.
    pub async fn try_bot(
        &self,
        account_id: AccountId,
        messages: Vec<String>,
        draft: Option<String>,
    ) -> Result<Vec<TriedTurn>, AppError> {
        let source = draft_or_saved(&self.store, account_id, draft).await?;
        let now = self.now();
        tokio::task::spawn_blocking(move || {
            let (profile, engine) = check_profile(&source)?;
            let texts: Vec<&str> = messages.iter().map(String::as_str).collect();
            try_messages(
                &profile,
                &engine,
                &texts,
                &Attributes::new(),
                profile.today(now),
            )
            .map_err(|error| AppError::Internal(error.to_string()))
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
    }

    /// Replays a draft profile (`None`: the saved one) against the `limit` most recent
    /// conversations the bot handled: what it would now do differently.
    pub async fn replay_bot_profile(
        &self,
        account_id: AccountId,
        source: Option<String>,
        limit: u32,
    ) -> Result<Vec<Replayed>, AppError> {
        replay_recent(&self.store, account_id, source, limit, self.now()).await
    }
}

/// The YAML of `draft`, or of the account's saved profile without one.
async fn draft_or_saved(
    store: &Store,
    account_id: AccountId,
    draft: Option<String>,
) -> Result<String, AppError> {
    match draft {
        Some(draft) => Ok(draft),
        None => Ok(store
            .bot_profile(account_id)
            .await?
            .ok_or(AppError::NotFound {
                entity: "bot profile",
            })?
            .source),
    }
}

/// [`App::replay_bot_profile`] over a store, for the command line, which has no running app.
pub async fn replay_recent(
    store: &Store,
    account_id: AccountId,
    source: Option<String>,
    limit: u32,
    now: Timestamp,
) -> Result<Vec<Replayed>, AppError> {
    let source = draft_or_saved(store, account_id, source).await?;
    let page = store
        .conversations(account_id, &ConversationFilter::default(), None, limit)
        .await?;
    let mut history = Vec::new();
    for conversation in page.conversations {
        let events = store.events(account_id, conversation.id).await?;
        let handled_by_bot = events.iter().any(|event| {
            matches!(
                event.kind,
                EventKind::Opened {
                    status: ConversationStatus::Bot
                } | EventKind::Reopened {
                    status: ConversationStatus::Bot
                }
            )
        });
        if !handled_by_bot {
            continue;
        }
        let past_reason = events.iter().find_map(|event| match &event.kind {
            EventKind::HandoverRequested { reason, .. } => Some(*reason),
            _ => None,
        });
        let messages = store
            .messages(account_id, conversation.id, None, MAX_REPLAYED_MESSAGES)
            .await?
            .messages
            .into_iter()
            .filter(|message| message.direction == Direction::Inbound)
            .map(|message| message.text)
            .collect::<Vec<_>>();
        let attributes = store
            .contact(account_id, conversation.contact_id)
            .await?
            .attributes;
        history.push((conversation.id, past_reason, messages, attributes));
    }
    tokio::task::spawn_blocking(move || {
        let (profile, engine) = check_profile(&source)?;
        let today = profile.today(now);
        history
            .into_iter()
            .map(|(conversation_id, past_reason, messages, attributes)| {
                let texts: Vec<&str> = messages.iter().map(String::as_str).collect();
                let draft = replay_conversation(&profile, &engine, &texts, &attributes, today)
                    .map_err(|error| AppError::Internal(error.to_string()))?;
                let change =
                    ReplayChange::between(past_reason, draft.handover.as_ref().map(|h| h.reason));
                Ok(Replayed {
                    conversation_id,
                    past_handover_reason: past_reason,
                    change,
                    draft,
                })
            })
            .collect()
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
}

/// Checks a profile's size, then validates and trains it off the async workers.
async fn checked_source(source: String) -> Result<(String, BotProfile), AppError> {
    if source.len() > MAX_PROFILE_BYTES {
        return Err(AppError::invalid(
            "source",
            "too_long",
            format!("must be at most {MAX_PROFILE_BYTES} bytes"),
        ));
    }
    tokio::task::spawn_blocking(move || {
        let (profile, _engine) = check_profile(&source)?;
        Ok::<_, AppError>((source, profile))
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
}

/// A profile that validates and trains, or each problem named under `source`.
fn check_profile(source: &str) -> Result<(BotProfile, Engine), AppError> {
    ready_profile(source).map_err(|error| match error {
        ReadyError::Invalid(errors) => AppError::Invalid(ValidationError(
            errors
                .errors()
                .iter()
                .map(|error| FieldError {
                    field: if error.path.is_empty() {
                        "source".to_owned()
                    } else {
                        format!("source.{}", error.path)
                    },
                    code: "invalid_profile",
                    message: error.kind.to_string(),
                })
                .collect(),
        )),
        untrainable @ ReadyError::Untrainable(_) => {
            AppError::invalid("source", "untrainable_profile", untrainable.to_string())
        }
    })
}
