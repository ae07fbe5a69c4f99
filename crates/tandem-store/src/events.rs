//! Recording a write to a conversation, the one way every write does it: its events are stored
//! with those routing adds (a conversation entering the queue is placed, with a `routed`
//! event), each queued for the inbox's webhook, the conversation's report facts are marked
//! stale (refolded off the message path, see `report_facts.rs`), and the change is queued for
//! announcement when the transaction commits.

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::id::EventId;
use tandem_domain::message::Message;

use crate::StoreError;
use crate::changes::Announcements;
use crate::db::{Conn, args, values_rows};
use crate::outbox::{DeliverySubject, enqueue_deliveries};
use crate::report_facts::mark_facts_stale;
use crate::routing_follow_up::{RoutingFacts, follow_events};

/// What one write stored on a conversation: who made it, the events its status changes
/// returned (maybe none), the messages it stored (maybe none, in order), and what routing
/// knows should the conversation enter the queue.
#[derive(Debug)]
pub(crate) struct Written {
    actor: Actor,
    kinds: Vec<EventKind>,
    messages: Vec<Message>,
    facts: RoutingFacts,
}

impl Written {
    /// A write by `actor` that recorded `kinds`.
    pub(crate) fn by(actor: Actor, kinds: Vec<EventKind>) -> Self {
        Self {
            actor,
            kinds,
            messages: Vec::new(),
            facts: RoutingFacts::default(),
        }
    }

    /// The write also stored these messages, in order.
    pub(crate) fn messages(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.messages.extend(messages);
        self
    }

    /// What the bot understood, for routing to place the conversation if it enters the queue.
    pub(crate) fn routing(mut self, facts: RoutingFacts) -> Self {
        self.facts = facts;
        self
    }
}

/// Records `written` on `conversation` in the caller's transaction and adds what it changed to
/// `announcements`, which the caller commits with `ChangeFeed::commit_with`. Returns the events
/// stored: the write's own, then those routing added.
///
/// Every path that changes a conversation's log or stores a message on it comes through here,
/// so none can forget a step: routing's follow-up (`follow_events`), the webhook of each event
/// when the inbox has one, marking the report facts stale, and the announcement (one change per
/// message written, the events going with the last one; the events alone when no message was).
pub(crate) async fn record(
    conn: &mut Conn,
    conversation: &mut Conversation,
    has_webhook: bool,
    written: Written,
    now: Timestamp,
    announcements: &mut Announcements,
) -> Result<Vec<Event>, StoreError> {
    let Written {
        actor,
        mut kinds,
        messages,
        facts,
    } = written;
    let extra = follow_events(conn, conversation, &kinds, &facts, now).await?;
    kinds.extend(extra);
    let events: Vec<Event> = kinds
        .into_iter()
        .map(|kind| Event {
            id: EventId::generate(),
            account_id: conversation.account_id,
            conversation_id: conversation.id,
            actor,
            kind,
            created_at: now,
        })
        .collect();
    insert_events(conn, &events).await?;
    if has_webhook {
        let subjects: Vec<DeliverySubject> = events
            .iter()
            .map(|event| DeliverySubject::Event(event.id))
            .collect();
        enqueue_deliveries(
            conn,
            conversation.account_id,
            conversation.inbox_id,
            conversation.id,
            &subjects,
            now,
        )
        .await?;
    }
    mark_facts_stale(conn, conversation.account_id, conversation.id, now).await?;
    announcements.conversation_written(conversation, &messages, &events);
    Ok(events)
}

/// Inserts `events` (of one write, in order) with one statement.
async fn insert_events(conn: &mut Conn, events: &[Event]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(events.len() * 8);
    for event in events {
        let data = serde_json::to_value(&event.kind).map_err(StoreError::corrupt)?;
        rows.extend(args![
            event.id,
            event.account_id,
            event.conversation_id,
            event.actor.kind(),
            event.actor.id(),
            event.kind.name(),
            data,
            event.created_at
        ]);
    }
    conn.execute(
        &format!(
            "INSERT INTO events (id, account_id, conversation_id, actor_kind, actor_id, kind, data, created_at) VALUES {}",
            values_rows(events.len(), 8, 1)
        ),
        rows,
    )
    .await?;
    Ok(())
}
