//! A conversation's event log as written: each write's events are stored, followed by routing
//! (a queued conversation is placed, with a `routed` event), queued for the inbox's webhook and
//! folded into the conversation's report facts, in the caller's transaction.

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::id::EventId;

use crate::StoreError;
use crate::changes::Change;
use crate::conversation_rows::update_conversation_row;
use crate::db::{Conn, args};
use crate::outbox::{DeliverySubject, enqueue_delivery};
use crate::reports::refresh_facts;
use crate::routing_follow_up::{RoutingFacts, follow_events};

/// Appends events to a conversation's log, queueing each for the inbox's webhook if it has one,
/// and keeps its routing in step (a queued conversation is placed, with a `routed` event) and
/// its report facts (every path that stores a customer, bot or agent message records its
/// events here afterwards, so the facts see the message too).
pub(crate) async fn insert_events(
    conn: &mut Conn,
    conversation: &mut Conversation,
    has_webhook: bool,
    actor: Actor,
    kinds: Vec<EventKind>,
    now: Timestamp,
) -> Result<Vec<Event>, StoreError> {
    insert_events_with(
        conn,
        conversation,
        has_webhook,
        actor,
        kinds,
        &RoutingFacts::default(),
        now,
    )
    .await
}

/// [`insert_events`] with what the bot knows for routing.
pub(crate) async fn insert_events_with(
    conn: &mut Conn,
    conversation: &mut Conversation,
    has_webhook: bool,
    actor: Actor,
    mut kinds: Vec<EventKind>,
    facts: &RoutingFacts,
    now: Timestamp,
) -> Result<Vec<Event>, StoreError> {
    let extra = follow_events(conn, conversation, &kinds, facts, now).await?;
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
    Ok(events)
}

/// Stores a changed conversation and its events; returns the events and the change to announce.
pub(crate) async fn save_transition(
    conn: &mut Conn,
    conversation: &mut Conversation,
    has_webhook: bool,
    actor: Actor,
    kinds: Vec<EventKind>,
    now: Timestamp,
) -> Result<(Vec<Event>, Change), StoreError> {
    update_conversation_row(conn, conversation).await?;
    let events = insert_events(conn, conversation, has_webhook, actor, kinds, now).await?;
    let change = Change::recorded(conversation, None, &events);
    Ok((events, change))
}
