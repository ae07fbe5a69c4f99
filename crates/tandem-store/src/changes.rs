//! Change notifications for real-time clients. Every committed write announces what it touched;
//! on SQLite the announcement stays in-process, on PostgreSQL it travels through LISTEN/NOTIFY so
//! every node hears changes made on any node. Payloads carry ids only (NOTIFY is limited to
//! 8000 bytes): listeners read the current state from the database. On SQLite a change also
//! carries the state its write left (`Snapshot`), so this node's listeners need not read it back.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use tandem_domain::conversation::Conversation;
use tandem_domain::event::Event;
use tandem_domain::id::{AccountId, ConversationId, MessageId};
use tandem_domain::message::Message;

use crate::StoreError;
use crate::db::Conn;

/// The PostgreSQL channel that carries changes.
const CHANNEL: &str = "tandem_changes";
/// Notices kept for slow subscribers before they are told they lagged.
const CAPACITY: usize = 4096;

/// What one committed write touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    /// The message written, if any.
    pub message_id: Option<MessageId>,
    /// Names of the events recorded (`assigned`, `resolved`, ...), in order.
    pub events: Vec<String>,
    /// The message existed before and changed (its delivery status).
    #[serde(default)]
    pub is_message_update: bool,
    /// The conversation and message as the write left them, when announced in-process (never
    /// sent through PostgreSQL).
    #[serde(skip)]
    pub snapshot: Option<Arc<Snapshot>>,
}

/// What a write left: the conversation after it and the message it stored, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub conversation: Conversation,
    pub message: Option<Message>,
}

/// The change name of a message whose text became its voice note's transcript (announced,
/// never stored): the search index reads its text again.
pub const TRANSCRIBED: &str = "transcribed";

/// The change name of an agent's typing notice (announced, never stored).
pub const TYPING: &str = "typing";

/// The changes a write announces when it commits ([`ChangeFeed::commit_with`]). A write to a
/// conversation's log or transcript gets them from `events::record`; the notices that store no
/// event (a message's delivery status, an agent typing) have constructors of their own.
#[derive(Debug, Default)]
pub(crate) struct Announcements(Vec<Change>);

impl Announcements {
    /// Announces a write to `conversation`: one change per message written, the events going
    /// with the last one, or the events alone when no message was; nothing when neither was.
    /// Only `events::record` calls this, after recording the write.
    pub(crate) fn conversation_written(
        &mut self,
        conversation: &Conversation,
        messages: &[Message],
        events: &[Event],
    ) {
        let change = |message: Option<&Message>, events: &[Event]| Change {
            account_id: conversation.account_id,
            conversation_id: conversation.id,
            message_id: message.map(|message| message.id),
            events: events
                .iter()
                .map(|event| event.kind.name().to_owned())
                .collect(),
            is_message_update: false,
            snapshot: Some(Arc::new(Snapshot {
                conversation: conversation.clone(),
                message: message.cloned(),
            })),
        };
        match messages.split_last() {
            Some((last, earlier)) => {
                self.0
                    .extend(earlier.iter().map(|message| change(Some(message), &[])));
                self.0.push(change(Some(last), events));
            }
            None if !events.is_empty() => self.0.push(change(None, events)),
            None => {}
        }
    }

    /// Adds the announcements of another change committed in the same transaction.
    pub(crate) fn extend(&mut self, other: Announcements) {
        self.0.extend(other.0);
    }

    /// Announces that an existing message changed (its delivery status).
    pub(crate) fn message_update(
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Self {
        Self(vec![Change {
            account_id,
            conversation_id,
            message_id: Some(message_id),
            events: Vec::new(),
            is_message_update: true,
            snapshot: None,
        }])
    }

    /// Announces that a message's text became its voice note's transcript.
    pub(crate) fn message_transcribed(
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Self {
        let mut update = Self::message_update(account_id, conversation_id, message_id);
        for change in &mut update.0 {
            change.events.push(TRANSCRIBED.to_owned());
        }
        update
    }

    /// Announces that an agent is typing in a conversation.
    pub(crate) fn typing(account_id: AccountId, conversation_id: ConversationId) -> Self {
        Self(vec![Change {
            account_id,
            conversation_id,
            message_id: None,
            events: vec![TYPING.to_owned()],
            is_message_update: false,
            snapshot: None,
        }])
    }
}

/// A change, or word that some changes may have been missed (a subscriber fell behind, or the
/// PostgreSQL listener reconnected) and clients should reload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeNotice {
    Changed(Change),
    Resync,
}

/// The task forwarding PostgreSQL notifications; aborted when the last feed goes away.
#[derive(Debug)]
struct ListenerTask(std::sync::Mutex<Option<JoinHandle<()>>>);

impl ListenerTask {
    fn take(&self) -> Option<JoinHandle<()>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

impl Drop for ListenerTask {
    fn drop(&mut self) {
        if let Some(task) = self.take() {
            task.abort();
        }
    }
}

/// Publishes and delivers [`Change`]s.
#[derive(Clone, Debug)]
pub struct ChangeFeed {
    sender: broadcast::Sender<ChangeNotice>,
    listener: Option<Arc<ListenerTask>>,
    /// PostgreSQL: the committed changes on their way to `NOTIFY` (see `publish_notifications`).
    publisher: Option<mpsc::UnboundedSender<Change>>,
}

/// Changes sent with one `NOTIFY` statement at most.
const PUBLISH_BATCH: usize = 256;

impl ChangeFeed {
    pub(crate) fn local() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            listener: None,
            publisher: None,
        }
    }

    pub(crate) async fn postgres(pool: PgPool) -> Result<Self, StoreError> {
        let sender = broadcast::channel(CAPACITY).0;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        let task = tokio::spawn(forward_notifications(listener, sender.clone()));
        let (publisher, committed) = mpsc::unbounded_channel();
        tokio::spawn(publish_notifications(pool, committed, sender.clone()));
        Ok(Self {
            sender,
            listener: Some(Arc::new(ListenerTask(std::sync::Mutex::new(Some(task))))),
            publisher: Some(publisher),
        })
    }

    /// Stops listening, giving the listener's connection back to the pool so the pool can
    /// close. Subscribers receive nothing more from other nodes.
    pub(crate) async fn stop(&self) {
        if let Some(task) = self.listener.as_ref().and_then(|listener| listener.take()) {
            task.abort();
            // The task ends cancelled; its connection is released when it does.
            let _ = task.await;
        }
    }

    /// Every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeNotice> {
        self.sender.subscribe()
    }

    /// Commits the transaction in `conn`, then announces `announcements`: a rolled-back write
    /// is never announced. On PostgreSQL the notices are sent after the commit, batched, by
    /// `publish_notifications`: a `NOTIFY` inside the write would hold PostgreSQL's notify lock
    /// through the commit's WAL flush and so serialise every write on every node.
    pub(crate) async fn commit_with(
        &self,
        conn: Conn,
        Announcements(changes): Announcements,
    ) -> Result<(), StoreError> {
        conn.commit().await?;
        match &self.publisher {
            Some(publisher) => {
                for change in changes {
                    // The publisher lives as long as any clone of this feed.
                    let _ = publisher.send(change);
                }
            }
            None => {
                for change in changes {
                    // No subscribers is fine: nobody is watching.
                    let _ = self.sender.send(ChangeNotice::Changed(change));
                }
            }
        }
        Ok(())
    }
}

/// Sends committed changes to every node with `NOTIFY`, as many as have queued up in one
/// statement, in the order they came. A batch that cannot be sent is logged and this node's
/// subscribers are told to resync; other nodes miss it, as they would miss the changes of a
/// node killed between a commit and its notice: their screens catch up with the next change or
/// reload.
async fn publish_notifications(
    pool: PgPool,
    mut committed: mpsc::UnboundedReceiver<Change>,
    local: broadcast::Sender<ChangeNotice>,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while committed.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let payloads: Vec<String> = batch
            .drain(..)
            .filter_map(|change| match serde_json::to_string(&change) {
                Ok(payload) => Some(payload),
                Err(error) => {
                    tracing::error!(%error, "a change could not be written as a notice");
                    None
                }
            })
            .collect();
        let sent = sqlx::query(
            "SELECT pg_notify($1, p.payload) FROM unnest($2::text[]) WITH ORDINALITY AS p(payload, n) ORDER BY p.n",
        )
        .bind(CHANNEL)
        .bind(&payloads)
        .execute(&pool)
        .await;
        if let Err(error) = sent {
            tracing::warn!(%error, changes = payloads.len(), "sending change notices failed");
            let _ = local.send(ChangeNotice::Resync);
        }
    }
}

async fn forward_notifications(mut listener: PgListener, sender: broadcast::Sender<ChangeNotice>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                match serde_json::from_str::<Change>(notification.payload()) {
                    Ok(change) => {
                        let _ = sender.send(ChangeNotice::Changed(change));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "ignoring an unreadable change notification")
                    }
                }
            }
            Ok(None) => {
                tracing::warn!("change listener lost its connection; reconnecting");
                let _ = sender.send(ChangeNotice::Resync);
            }
            Err(error) => {
                tracing::warn!(%error, "change listener failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
