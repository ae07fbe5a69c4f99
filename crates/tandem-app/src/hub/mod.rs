//! The real-time hub of one node: follows the store's change feed (local on SQLite, every
//! node's on PostgreSQL), reads each change's current state once, and queues the resulting
//! notification for the sessions of this node that follow it: an account's agents, the widget
//! visitor whose conversation it is. A change wakes only those sessions, whatever else is open.

mod feed;
mod notification;
mod registry;

use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use tandem_domain::id::{AccountId, InboxId, MessageId};
use tandem_domain::message::Message;
use tandem_store::{Change, ChangeNotice, Store, StoreError};

pub use feed::{Delivery, Feed};
pub use notification::Notification;
use registry::{Key, Registry};

/// Notifications queued for an agent's session before it is told to reload.
const AGENT_QUEUE: usize = 1024;

/// Notifications queued for a widget visitor's session before it is told to reload.
const WIDGET_QUEUE: usize = 64;

/// Fans notifications out to the sessions of this node that follow them.
#[derive(Clone, Debug)]
pub struct Hub {
    registry: Arc<Mutex<Registry>>,
}

impl Hub {
    /// Starts following `store`'s changes.
    pub fn start(store: Store) -> Self {
        let registry = Arc::new(Mutex::new(Registry::default()));
        let changes = store.changes().subscribe();
        tokio::spawn(follow_changes(store, changes, Arc::clone(&registry)));
        Self { registry }
    }

    /// An agent's feed: every change of `account_id` but typing notices, and `Resync` when the
    /// change feed itself may have missed something.
    pub fn follow_account(&self, account_id: AccountId) -> Feed {
        Feed::open(&self.registry, AGENT_QUEUE, [Key::Account(account_id)])
    }

    /// A widget visitor's feed: the conversations the visitor opens in `inbox_id` and, until
    /// [`Feed::settle_visitor`] says which contact is the visitor's, every change of the inbox.
    pub fn follow_visitor(&self, inbox_id: InboxId, visitor_id: &str) -> Feed {
        Feed::open(
            &self.registry,
            WIDGET_QUEUE,
            [
                Key::Visitor(inbox_id, visitor_id.to_owned()),
                Key::Inbox(inbox_id),
            ],
        )
    }
}

/// Changes whose state is read at once (on PostgreSQL, where notices carry ids only); their
/// notifications still go out in the order the changes came.
const LOADS_IN_FLIGHT: usize = 64;

/// A notification on its way: word to resync, or a change whose state is being read.
enum Pending {
    Resync,
    Loading(JoinHandle<Option<Notification>>),
}

/// Turns changes into notifications, reading up to `LOADS_IN_FLIGHT` at once, and hands them
/// to `deliver_in_order`.
async fn follow_changes(
    store: Store,
    mut changes: broadcast::Receiver<ChangeNotice>,
    registry: Arc<Mutex<Registry>>,
) {
    let (pending, in_order) = mpsc::channel(LOADS_IN_FLIGHT);
    let delivering = tokio::spawn(deliver_in_order(in_order, Arc::clone(&registry)));
    loop {
        let next = match changes.recv().await {
            Ok(ChangeNotice::Changed(change)) => {
                Pending::Loading(tokio::spawn(load(store.clone(), change)))
            }
            Ok(ChangeNotice::Resync) | Err(RecvError::Lagged(_)) => Pending::Resync,
            Err(RecvError::Closed) => break,
        };
        if pending.send(next).await.is_err() {
            break;
        }
    }
    drop(pending);
    // The last notifications go out before the sessions hear the hub stopped.
    let _ = delivering.await;
    feed::lock(&registry).clear();
}

async fn deliver_in_order(mut in_order: mpsc::Receiver<Pending>, registry: Arc<Mutex<Registry>>) {
    while let Some(next) = in_order.recv().await {
        let notification = match next {
            Pending::Resync => Notification::Resync,
            Pending::Loading(loading) => match loading.await {
                Ok(Some(notification)) => notification,
                Ok(None) => continue,
                Err(error) => {
                    tracing::error!(%error, "reading a change for the hub failed");
                    Notification::Resync
                }
            },
        };
        feed::lock(&registry).deliver(&Arc::new(notification));
    }
}

/// The state a change refers to: the state its write left when the change carries it (an
/// in-process change), else read now; `None` if it is gone (deleted since).
async fn load(store: Store, mut change: Change) -> Option<Notification> {
    let snapshot = change.snapshot.take();
    let conversation = match &snapshot {
        Some(snapshot) => snapshot.conversation.clone(),
        None => match store
            .conversation(change.account_id, change.conversation_id)
            .await
        {
            Ok(conversation) => conversation,
            Err(error) => {
                tracing::debug!(%error, conversation_id = %change.conversation_id, "changed conversation not readable");
                return None;
            }
        },
    };
    let written_message = snapshot.and_then(|snapshot| snapshot.message.clone());
    let handover_context = if change
        .events
        .iter()
        .any(|name| name == "handover_requested")
    {
        store
            .handover_context(change.account_id, change.conversation_id)
            .await
            .unwrap_or_else(|error| {
                tracing::debug!(%error, conversation_id = %change.conversation_id, "handover context not readable");
                None
            })
    } else {
        None
    };
    let opened_by_visitor = if change.events.iter().any(|name| name == "opened") {
        store
            .web_visitor_of(change.account_id, conversation.contact_id)
            .await
            .unwrap_or_else(|error| {
                tracing::debug!(%error, conversation_id = %change.conversation_id, "visitor not readable");
                None
            })
    } else {
        None
    };
    match change.message_id {
        Some(message_id) => {
            match message(&store, change.account_id, message_id, written_message).await {
                Ok(message) => Some(Notification::Message {
                    account_id: change.account_id,
                    conversation,
                    message: Box::new(message),
                    events: change.events,
                    is_update: change.is_message_update,
                    handover_context,
                    opened_by_visitor,
                }),
                Err(error) => {
                    tracing::debug!(%error, %message_id, "changed message not readable");
                    None
                }
            }
        }
        None => Some(Notification::Conversation {
            account_id: change.account_id,
            conversation,
            events: change.events,
            handover_context,
            opened_by_visitor,
        }),
    }
}

/// The message a change names: the one its write stored, else read now.
async fn message(
    store: &Store,
    account_id: AccountId,
    message_id: MessageId,
    written: Option<Message>,
) -> Result<Message, StoreError> {
    match written {
        Some(message) if message.id == message_id => Ok(message),
        _ => store.message(account_id, message_id).await,
    }
}
