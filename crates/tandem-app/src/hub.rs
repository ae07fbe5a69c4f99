//! The real-time hub of one node: follows the store's change feed (local on SQLite, every
//! node's on PostgreSQL), reads each change's current state once, and fans the resulting
//! notification out to this node's WebSocket sessions.

use std::sync::Arc;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use tandem_domain::conversation::Conversation;
use tandem_domain::id::AccountId;
use tandem_domain::message::Message;
use tandem_store::{Change, ChangeNotice, Store};

/// Notifications kept for a slow WebSocket session before it is told to resync.
const CAPACITY: usize = 4096;

/// Something an account's users should see at once.
#[derive(Clone, Debug, PartialEq)]
pub enum Notification {
    /// A message was written (or its delivery status changed) in a conversation.
    Message {
        account_id: AccountId,
        conversation: Conversation,
        message: Box<Message>,
        events: Vec<String>,
        /// The message existed before and changed (its delivery status).
        is_update: bool,
        /// With a `handover_requested` event: what the person taking over needs.
        handover_context: Option<serde_json::Value>,
        /// With an `opened` event: the widget visitor whose conversation it is, if any, so each
        /// widget socket recognises its visitor's first conversation without a read of its own.
        opened_by_visitor: Option<String>,
    },
    /// A conversation changed status or owner.
    Conversation {
        account_id: AccountId,
        conversation: Conversation,
        events: Vec<String>,
        /// With a `handover_requested` event: what the person taking over needs.
        handover_context: Option<serde_json::Value>,
        /// As on `Message`.
        opened_by_visitor: Option<String>,
    },
    /// Notifications may have been missed; clients should reload what they show.
    Resync,
}

impl Notification {
    /// The account it concerns; `None` concerns everyone.
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Notification::Message { account_id, .. }
            | Notification::Conversation { account_id, .. } => Some(*account_id),
            Notification::Resync => None,
        }
    }
}

/// Fans notifications out to this node's subscribers.
#[derive(Clone, Debug)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Notification>>,
}

impl Hub {
    /// Starts following `store`'s changes.
    pub fn start(store: Store) -> Self {
        let sender = broadcast::channel(CAPACITY).0;
        let changes = store.changes().subscribe();
        tokio::spawn(follow_changes(store, changes, sender.clone()));
        Self { sender }
    }

    /// Every notification from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notification>> {
        self.sender.subscribe()
    }
}

async fn follow_changes(
    store: Store,
    mut changes: broadcast::Receiver<ChangeNotice>,
    sender: broadcast::Sender<Arc<Notification>>,
) {
    loop {
        let notification = match changes.recv().await {
            Ok(ChangeNotice::Changed(change)) => match load(&store, change).await {
                Some(notification) => notification,
                None => continue,
            },
            Ok(ChangeNotice::Resync) | Err(RecvError::Lagged(_)) => Notification::Resync,
            Err(RecvError::Closed) => return,
        };
        // Nobody listening is fine.
        let _ = sender.send(Arc::new(notification));
    }
}

/// Reads the current state a change refers to; `None` if it is gone (deleted since).
async fn load(store: &Store, change: Change) -> Option<Notification> {
    let conversation = match store
        .conversation(change.account_id, change.conversation_id)
        .await
    {
        Ok(conversation) => conversation,
        Err(error) => {
            tracing::debug!(%error, conversation_id = %change.conversation_id, "changed conversation not readable");
            return None;
        }
    };
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
        Some(message_id) => match store.message(change.account_id, message_id).await {
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
        },
        None => Some(Notification::Conversation {
            account_id: change.account_id,
            conversation,
            events: change.events,
            handover_context,
            opened_by_visitor,
        }),
    }
}
