//! Word, on this node, that a committed write queued outbound deliveries: the delivery workers
//! claim when there is something to claim, instead of after every change of every conversation.
//! Deliveries queued on another node, and retries that come due later, are found by the
//! workers' poll.

use tokio::sync::watch;

/// The two outbound queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outbox {
    /// `webhook_deliveries`: the inboxes' integrations.
    Webhooks,
    /// `channel_deliveries`: the channel providers.
    Channels,
}

/// What one transaction queued, told to the workers once it has committed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Queued {
    pub(crate) webhooks: bool,
    pub(crate) channels: bool,
}

/// One sender per queue; every worker following a queue wakes when it is signalled.
#[derive(Clone, Debug)]
pub(crate) struct DeliverySignals {
    webhooks: watch::Sender<()>,
    channels: watch::Sender<()>,
}

impl DeliverySignals {
    pub(crate) fn new() -> Self {
        Self {
            webhooks: watch::Sender::new(()),
            channels: watch::Sender::new(()),
        }
    }

    /// Signals the queues a committed transaction wrote to.
    pub(crate) fn committed(&self, queued: Queued) {
        if queued.webhooks {
            self.webhooks.send_replace(());
        }
        if queued.channels {
            self.channels.send_replace(());
        }
    }

    /// Follows one queue: `changed()` returns once something was queued since it last returned.
    pub(crate) fn follow(&self, outbox: Outbox) -> watch::Receiver<()> {
        match outbox {
            Outbox::Webhooks => self.webhooks.subscribe(),
            Outbox::Channels => self.channels.subscribe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_wakes_the_followers_of_the_queues_it_wrote_to_only() {
        let signals = DeliverySignals::new();
        let webhooks = signals.follow(Outbox::Webhooks);
        let channels = signals.follow(Outbox::Channels);

        signals.committed(Queued {
            webhooks: false,
            channels: true,
        });

        assert!(!webhooks.has_changed().expect("sender alive"));
        assert!(channels.has_changed().expect("sender alive"));
    }
}
