//! The bot resolves the conversations it served once the customer goes quiet: after its
//! answer, when nothing happened for the inbox profile's `closing.after_silence_minutes`, it
//! says so and resolves, so containment, resolution time and first-contact resolution count
//! bot-only conversations. (Thanks after an answer resolve at once, in the bot's own turn.)
//! Every node sweeps; a conversation that became active meanwhile, or that another node
//! closed, is left as it is.

use std::time::Duration;

use jiff::SignedDuration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_bot::{MessageKind, render_message};
use tandem_domain::id::{AccountId, ConversationId, InboxId};
use tandem_store::{BotResolution, BotTurnOutcome, BotTurnRecord, StoredBotState};

use crate::bot_turn::{restore_state, to_value};
use crate::loaded_bot::LoadedBot;
use crate::{App, AppError};

/// How often a node looks for silent conversations.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// The most conversations of one inbox closed in one sweep.
const PER_INBOX: u32 = 200;

impl App {
    /// Resolves every conversation whose customer went quiet after the bot's answer for at
    /// least its inbox profile's silence; returns how many were resolved.
    pub async fn resolve_silent_conversations(&self) -> Result<usize, AppError> {
        let now = self.now();
        let shortest = now - SignedDuration::from_mins(1);
        let mut resolved = 0;
        for (account_id, inbox_id) in self
            .store
            .inboxes_with_silent_bot_conversations(shortest)
            .await?
        {
            resolved += self.resolve_silent_in(account_id, inbox_id).await?;
        }
        Ok(resolved)
    }

    async fn resolve_silent_in(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<usize, AppError> {
        let Some(bot) = self.bot.loaded(account_id, inbox_id).await? else {
            return Ok(0);
        };
        let minutes = bot.profile.closing.after_silence_minutes;
        if minutes == 0 {
            return Ok(0);
        }
        let since = self.now() - SignedDuration::from_mins(i64::from(minutes));
        let silent = self
            .store
            .silent_bot_conversations(account_id, inbox_id, since, PER_INBOX)
            .await?;
        let mut resolved = 0;
        for (conversation_id, memory) in silent {
            if self
                .close_silent(account_id, conversation_id, &bot, memory, since)
                .await?
            {
                resolved += 1;
            }
        }
        Ok(resolved)
    }

    /// Says goodbye and resolves one conversation, unless the bot still waits for something or
    /// the conversation moved meanwhile.
    async fn close_silent(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        bot: &LoadedBot,
        memory: StoredBotState,
        since: jiff::Timestamp,
    ) -> Result<bool, AppError> {
        let state = restore_state(memory.state);
        if !state.has_served() {
            return Ok(false);
        }
        let lock = self.bot.conversation_lock(conversation_id);
        let _turn = lock.lock().await;
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        let contact = self
            .store
            .contact(account_id, conversation.contact_id)
            .await?;
        let language = state.language.unwrap_or(bot.profile.languages.default);
        let goodbye = render_message(
            &bot.profile,
            MessageKind::ClosedAfterSilence,
            language,
            &contact.attributes,
            &[],
        );
        let record = BotTurnRecord {
            resolves: Some(BotResolution::SilentSince(since)),
            ..BotTurnRecord::saying(conversation_id, memory.version, to_value(&state), goodbye)
        };
        match self.bot.record(account_id, &record).await {
            Ok(BotTurnOutcome::Recorded { .. }) => {
                self.bot
                    .after_resolving(account_id, conversation_id, Some(bot))
                    .await;
                Ok(true)
            }
            Ok(BotTurnOutcome::NotTheBots(_) | BotTurnOutcome::NoLongerSilent(_)) => Ok(false),
            Err(tandem_store::StoreError::Conflict { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }
}

/// Sweeps for silent conversations every minute until `shutdown`.
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => match app.resolve_silent_conversations().await {
                    Ok(resolved) if resolved > 0 => tracing::info!(resolved, "silent conversations resolved by the bot"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "resolving silent conversations failed"),
                },
            }
        }
    })
}
