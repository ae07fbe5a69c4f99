//! Bots as loaded for their turns: each account's (or inbox's own) profile, validated and
//! with its understanding engine trained, kept per node and rebuilt only when the profile is
//! replaced, so a turn never trains a classifier.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tandem_bot::{BotProfile, ready_profile};
use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, InboxId};
use tandem_nlu::Engine;
use tandem_store::{Store, StoreError};

/// One account's bot, built from the profile saved at `updated_at`.
pub(crate) struct LoadedBot {
    updated_at: Timestamp,
    pub(crate) profile: BotProfile,
    pub(crate) engine: Engine,
}

/// Why a turn could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the saved bot profile no longer loads: {0}")]
    Profile(String),
    #[error("the bot's engine failed: {0}")]
    Engine(String),
}

/// Which profile a bot was built from: the account's (`None`) or an inbox's own.
type ProfileKey = (AccountId, Option<InboxId>);

/// The bots this node has loaded.
#[derive(Default)]
pub(crate) struct BotCache {
    bots: Mutex<HashMap<ProfileKey, Arc<LoadedBot>>>,
}

impl BotCache {
    /// The bot serving an inbox, rebuilt when its profile changed; `None` without a profile.
    pub(crate) async fn get(
        &self,
        store: &Store,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<Arc<LoadedBot>>, TurnError> {
        let Some((scope, updated_at)) = store.serving_bot_profile(account_id, inbox_id).await?
        else {
            return Ok(None);
        };
        let key = (account_id, scope);
        let cached = self
            .bots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(bot) = cached.filter(|bot| bot.updated_at == updated_at) {
            return Ok(Some(bot));
        }
        // Changed (or first use): read the source only now.
        let stored = match scope {
            Some(inbox_id) => store.inbox_bot_profile(account_id, inbox_id).await?,
            None => store.bot_profile(account_id).await?,
        };
        let Some(stored) = stored else {
            return Ok(None);
        };
        let loaded = tokio::task::spawn_blocking(move || {
            let (profile, engine) = ready_profile(&stored.source)
                .map_err(|error| TurnError::Profile(error.to_string()))?;
            Ok::<_, TurnError>(LoadedBot {
                updated_at: stored.updated_at,
                profile,
                engine,
            })
        })
        .await
        .map_err(|error| TurnError::Engine(error.to_string()))??;
        let loaded = Arc::new(loaded);
        self.bots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::clone(&loaded));
        Ok(Some(loaded))
    }
}
