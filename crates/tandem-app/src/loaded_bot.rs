//! Bots as loaded for their turns: each account's (or inbox's own) profile, validated and
//! with its understanding engine trained, kept per node and rebuilt only when the profile is
//! replaced, so a turn never trains a classifier (nor the handover rules' learned model).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tandem_bot::handover_model::HandoverModel;
use tandem_bot::{Bot, BotProfile, ready_profile};
use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, InboxId};
use tandem_nlu::Engine;
use tandem_store::{Store, StoreError};

/// One account's bot, built from the profile saved at `updated_at`.
pub(crate) struct LoadedBot {
    updated_at: Timestamp,
    pub(crate) profile: BotProfile,
    pub(crate) engine: Engine,
    /// The handover rules' learned model for this profile, trained with it.
    handover_model: Option<Arc<HandoverModel>>,
}

impl LoadedBot {
    /// The bot of this profile, its handover rules helped by the model trained at load.
    pub(crate) fn bot(&self) -> Bot<'_> {
        Bot::with_handover_model(&self.profile, self.handover_model.clone())
    }
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
    /// Held while a bot is built, so a burst of first turns trains its classifier once, not
    /// once per turn.
    building: tokio::sync::Mutex<()>,
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
        if let Some(bot) = self.current(key, updated_at) {
            return Ok(Some(bot));
        }
        let _building = self.building.lock().await;
        if let Some(bot) = self.current(key, updated_at) {
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
            let handover_model = HandoverModel::for_profile(&profile);
            Ok::<_, TurnError>(LoadedBot {
                updated_at: stored.updated_at,
                profile,
                engine,
                handover_model,
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

    /// The loaded bot of `key` if it was built from the profile saved at `updated_at`.
    fn current(&self, key: ProfileKey, updated_at: Timestamp) -> Option<Arc<LoadedBot>> {
        self.bots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .filter(|bot| bot.updated_at == updated_at)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use tandem_store::testing::TestDatabase;
    use tandem_store::{AccountSeed, Backend, InboxSeed, StoreOptions};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_first_turns_builds_the_bot_once() {
        let database = TestDatabase::create(Backend::Sqlite).await;
        let store = Store::connect(database.url(), &StoreOptions::default())
            .await
            .expect("the store opens");
        let seed = AccountSeed {
            name: "Burst".into(),
            users: Vec::new(),
            inboxes: vec![InboxSeed::web("Site", "unused".into(), "whsec_x".into())],
            bot_profile: Some(tandem_bot::demo_profile_yaml_with_core_banking(
                "http://core-banking.test",
                "a-key",
            )),
        };
        let (account, _, inboxes) = store
            .create_account(&seed, jiff::Timestamp::now())
            .await
            .expect("the account is created");
        let (account_id, inbox_id) = (account.id, inboxes[0].id);
        let cache = Arc::new(BotCache::default());
        let turns: Vec<_> = (0..8)
            .map(|_| {
                let (cache, store) = (Arc::clone(&cache), store.clone());
                tokio::spawn(async move { cache.get(&store, account_id, inbox_id).await })
            })
            .collect();
        let mut bots = Vec::new();
        for turn in turns {
            let bot = turn.await.expect("the turn ran").expect("the bot loads");
            bots.push(bot.expect("the account has a profile"));
        }
        assert!(
            bots.iter().all(|bot| Arc::ptr_eq(bot, &bots[0])),
            "every concurrent first turn got the one bot built"
        );
    }
}
