//! The routing worker of a node. It assigns queued conversations as soon as something may
//! have changed who can take them (a handover, a resolution, an agent coming online: a
//! "kick") and, every second, for every account: it keeps this node's agent connections alive,
//! sets offline the agents whose connections are gone, takes conversations from agents who did
//! not answer in time, advances SLA clocks, assigns, and tells waiting customers their place.
//! Any number of nodes run it at once; the store keeps each decision single.

use std::collections::HashSet;
use std::time::Duration;

use jiff::SignedDuration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::Timestamp;
use tandem_domain::event::{Actor, EventKind};
use tandem_domain::id::AccountId;
use tandem_store::{Availability, QueueEntry, Store, StoreError};

use crate::App;

/// How often the worker looks at timers and queues.
const TICK: Duration = Duration::from_secs(1);
/// Most SLA clocks advanced per tick.
const SLA_CLOCKS_PER_TICK: i64 = 500;

/// Asks the routing worker to route an account now; cheap to clone.
#[derive(Clone, Debug)]
pub struct RoutingKicks(mpsc::UnboundedSender<AccountId>);

impl RoutingKicks {
    /// Routes `account_id` as soon as the worker can.
    pub fn kick(&self, account_id: AccountId) {
        // The worker is gone only during shutdown, when nothing needs routing any more.
        let _ = self.0.send(account_id);
    }
}

/// The worker's settings.
#[derive(Clone, Debug)]
pub struct RoutingSettings {
    /// This node's name in the agent-connection table.
    pub node: String,
    /// How long an agent stays online after their last connection drops.
    pub presence_grace: SignedDuration,
    /// Least time between two queue-position updates to one customer.
    pub queue_notice_interval: SignedDuration,
}

/// The kicks waiting for the worker.
pub(crate) type KickReceiver = mpsc::UnboundedReceiver<AccountId>;

/// A channel for kicks, before the worker that drains it exists (the bot runner needs the
/// sender and the worker needs the bot runner).
pub(crate) fn routing_channel() -> (RoutingKicks, KickReceiver) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (RoutingKicks(sender), receiver)
}

/// Starts the worker; it stops when `shutdown` is cancelled.
pub(crate) fn spawn(
    app: App,
    mut kicks: KickReceiver,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let dispatcher = Dispatcher {
        store: app.store.clone(),
        settings: app.settings.routing.clone(),
        app,
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                Some(account_id) = kicks.recv() => {
                    let mut accounts = HashSet::from([account_id]);
                    while let Ok(more) = kicks.try_recv() {
                        accounts.insert(more);
                    }
                    for account_id in accounts {
                        dispatcher.route_and_notify(account_id).await;
                    }
                }
                _ = tick.tick() => dispatcher.tick().await,
            }
        }
    })
}

struct Dispatcher {
    app: App,
    store: Store,
    settings: RoutingSettings,
}

impl Dispatcher {
    async fn tick(&self) {
        let now = self.app.now();
        let store = &self.store;
        log_failure(
            "refreshing agent connections",
            store
                .touch_agent_connections(&self.settings.node, now)
                .await,
        );
        log_failure(
            "expiring presence",
            store
                .expire_presence(now, self.settings.presence_grace)
                .await
                .map(drop),
        );
        log_failure(
            "reassigning unanswered conversations",
            store.expire_unanswered(now).await.map(drop),
        );
        log_failure(
            "advancing SLA clocks",
            store
                .advance_sla_clocks(now, SLA_CLOCKS_PER_TICK)
                .await
                .map(drop),
        );
        match store.accounts_with_queue().await {
            Ok(accounts) => {
                for account_id in accounts {
                    self.route_and_notify(account_id).await;
                }
            }
            Err(error) => tracing::warn!(%error, "listing queues failed"),
        }
    }

    async fn route_and_notify(&self, account_id: AccountId) {
        match self.store.route(account_id, self.app.now()).await {
            Ok(assigned) => {
                for (conversation, _) in &assigned {
                    tracing::info!(conversation_id = %conversation.id, agent_id = ?conversation.assignee_id, "assigned");
                }
            }
            Err(error) => {
                tracing::warn!(%error, %account_id, "routing failed");
                return;
            }
        }
        if let Err(error) = self.notify_waiting(account_id).await {
            tracing::warn!(%error, %account_id, "telling waiting customers their place failed");
        }
    }

    /// Tells each waiting customer their place when it is new to them or has improved, at
    /// most once per `queue_notice_interval`; while their team is closed, when it is back
    /// (once: a bot handover already said so).
    async fn notify_waiting(&self, account_id: AccountId) -> Result<(), StoreError> {
        let now = self.app.now();
        for entry in self.store.queue(account_id).await? {
            if !notice_due(
                entry.position,
                entry.notified,
                now,
                self.settings.queue_notice_interval,
            ) {
                continue;
            }
            let Some(status) = self
                .store
                .queue_status(account_id, entry.conversation_id, now)
                .await?
            else {
                continue;
            };
            if status.availability != Availability::Open
                && (entry.notified.is_some() || self.bot_said_when_back(account_id, &entry).await?)
            {
                continue;
            }
            let Some(text) = self
                .app
                .bot
                .queue_notice_text(account_id, entry.conversation_id, &status)
                .await?
            else {
                continue;
            };
            self.store
                .record_queue_notice(
                    account_id,
                    entry.conversation_id,
                    entry.notified,
                    status.position,
                    &text,
                    now,
                )
                .await?;
        }
        Ok(())
    }

    /// Whether the conversation last entered the queue through a bot handover, whose message
    /// already said when the team is back; if so, that counts as this notice.
    async fn bot_said_when_back(
        &self,
        account_id: AccountId,
        entry: &QueueEntry,
    ) -> Result<bool, StoreError> {
        let events = self.store.events(account_id, entry.conversation_id).await?;
        let last_queued = events
            .iter()
            .rposition(|event| event.kind == EventKind::Queued);
        let by_bot = last_queued.is_some_and(|index| {
            index > 0
                && matches!(events[index - 1].kind, EventKind::HandoverRequested { .. })
                && events[index - 1].actor == Actor::Bot
        });
        if by_bot {
            self.store
                .mark_queue_notice(
                    account_id,
                    entry.conversation_id,
                    entry.position,
                    self.app.now(),
                )
                .await?;
        }
        Ok(by_bot)
    }
}

/// Whether a customer at `position` should hear about it: never told yet, or moved up since
/// the last notice and that notice is at least `interval` old.
fn notice_due(
    position: u32,
    notified: Option<(u32, Timestamp)>,
    now: Timestamp,
    interval: SignedDuration,
) -> bool {
    match notified {
        None => true,
        Some((told, at)) => position < told && now.duration_since(at) >= interval,
    }
}

fn log_failure(what: &str, result: Result<(), StoreError>) {
    if let Err(error) = result {
        tracing::warn!(%error, "{what} failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_hear_their_first_place_and_then_improvements_at_most_once_a_minute() {
        let minute = SignedDuration::from_mins(1);
        let t0 = Timestamp::from_second(1_800_000_000).expect("in range");
        assert!(notice_due(4, None, t0, minute));
        assert!(!notice_due(
            3,
            Some((4, t0)),
            t0 + SignedDuration::from_secs(30),
            minute
        ));
        assert!(notice_due(3, Some((4, t0)), t0 + minute, minute));
        assert!(!notice_due(4, Some((4, t0)), t0 + minute * 5, minute));
        assert!(!notice_due(5, Some((4, t0)), t0 + minute * 5, minute));
    }
}
