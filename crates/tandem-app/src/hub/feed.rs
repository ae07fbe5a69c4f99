//! One WebSocket session's view of the hub: the notifications filed for it, in order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use tandem_domain::id::{ContactId, InboxId};

use super::Notification;
use super::registry::{Key, Registry};

/// What a session receives next.
#[derive(Debug)]
pub enum Delivery {
    /// A change it follows.
    Notification(Arc<Notification>),
    /// Its queue overflowed and notifications were lost: reload what it shows.
    Lagged,
}

/// A session's subscription; dropping it unsubscribes.
#[derive(Debug)]
pub struct Feed {
    id: u64,
    receiver: mpsc::Receiver<Arc<Notification>>,
    lagged: Arc<AtomicBool>,
    registry: Arc<Mutex<Registry>>,
}

impl Feed {
    pub(super) fn open(
        registry: &Arc<Mutex<Registry>>,
        capacity: usize,
        keys: impl IntoIterator<Item = Key>,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(capacity);
        let lagged = Arc::new(AtomicBool::new(false));
        let id = lock(registry).add(sender, Arc::clone(&lagged), keys);
        Self {
            id,
            receiver,
            lagged,
            registry: Arc::clone(registry),
        }
    }

    /// The next delivery; `None` once the hub has stopped.
    pub async fn recv(&mut self) -> Option<Delivery> {
        if self.lagged.swap(false, Ordering::AcqRel) {
            while self.receiver.try_recv().is_ok() {}
            return Some(Delivery::Lagged);
        }
        self.receiver.recv().await.map(Delivery::Notification)
    }

    /// A widget session found its visitor's contact (or that it has none yet) in `inbox`: from
    /// now on it hears that contact's changes instead of the whole inbox's.
    pub fn settle_visitor(&self, inbox_id: InboxId, contact_id: Option<ContactId>) {
        let mut registry = lock(&self.registry);
        if let Some(contact_id) = contact_id {
            registry.follow(self.id, Key::Contact(contact_id));
        }
        registry.unfollow(self.id, &Key::Inbox(inbox_id));
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        lock(&self.registry).remove(self.id);
    }
}

/// The registry's lock; its sections cannot leave it half-updated, so a poisoned lock is used
/// as it stands.
pub(super) fn lock(registry: &Mutex<Registry>) -> std::sync::MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(PoisonError::into_inner)
}
