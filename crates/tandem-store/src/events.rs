//! Recording a write to a conversation, the one way every write does it: its events are stored
//! with those routing adds (a conversation entering the queue is placed, with a `routed`
//! event), each queued for the inbox's webhook, the conversation's report facts are refolded
//! (so they see the messages written too), and the change is queued for announcement when the
//! transaction commits.

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::id::{EventId, MessageId};

use crate::StoreError;
use crate::changes::Announcements;
use crate::db::{Conn, args};
use crate::outbox::{DeliverySubject, enqueue_delivery};
use crate::reports::refresh_facts;
use crate::routing_follow_up::{RoutingFacts, follow_events};

/// What one write stored on a conversation: who made it, the events its status changes
/// returned (maybe none), the messages it stored (maybe none, in order), and what routing
/// knows should the conversation enter the queue.
#[derive(Debug)]
pub(crate) struct Written {
    actor: Actor,
    kinds: Vec<EventKind>,
    messages: Vec<MessageId>,
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
    pub(crate) fn messages(mut self, messages: impl IntoIterator<Item = MessageId>) -> Self {
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
/// when the inbox has one, refolding the report facts, and the announcement (one change per
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
    let mut events = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let event = Event {
            id: EventId::generate(),
            account_id: conversation.account_id,
            conversation_id: conversation.id,
            actor,
            kind,
            created_at: now,
        };
        let data = serde_json::to_value(&event.kind).map_err(StoreError::corrupt)?;
        conn.execute(
            "INSERT INTO events (id, account_id, conversation_id, actor_kind, actor_id, kind, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![event.id, event.account_id, event.conversation_id, actor.kind(), actor.id(), event.kind.name(), data, now],
        )
        .await?;
        if has_webhook {
            enqueue_delivery(
                conn,
                conversation.account_id,
                conversation.inbox_id,
                conversation.id,
                DeliverySubject::Event(event.id),
                now,
            )
            .await?;
        }
        events.push(event);
    }
    refresh_facts(conn, conversation.account_id, conversation.id).await?;
    announcements.conversation_written(conversation, &messages, &events);
    Ok(events)
}
