//! One conversation's event log and messages folded into the facts every metric is counted
//! from. The fold is the single place where "first response", "time to agent", "abandoned"
//! and the rest are decided; the store keeps its output per conversation and sums it.

use serde_json::Value;
use tandem_domain::Timestamp;
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::{Actor, Event, EventKind, HandoverReason};
use tandem_domain::id::{TeamId, UserId};
use tandem_domain::message::{Direction, Message};
use tandem_domain::survey::SurveyKind;

use crate::asks::asks_for;

/// How long a customer waiting for an agent may stay silent before the wait counts as
/// abandoned (15 minutes).
pub const ABANDON_AFTER_MS: i64 = 15 * 60 * 1000;

/// Everything the fold reads about one conversation.
#[derive(Clone, Copy, Debug)]
pub struct ConversationLog<'a> {
    /// When the conversation was opened (its `created_at`).
    pub opened_at: Timestamp,
    /// Its events, oldest first.
    pub events: &'a [Event],
    /// Its messages, oldest first.
    pub messages: &'a [Message],
    /// The context stored at the last handover (entities, slots, top intent, out of scope).
    pub handover_context: Option<&'a Value>,
    /// The bot's memory (`last_intent`).
    pub bot_state: Option<&'a Value>,
    /// Whether an SLA clock ever ran for the conversation (its team has SLA targets).
    pub has_sla: bool,
    /// How many of its customer messages the bot found out of its scope (the learning loop's
    /// `unanswered_questions` with reason `out_of_scope`).
    pub out_of_scope_questions: i64,
}

/// What one conversation contributes to the metrics. Durations are milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationFacts {
    pub opened_at: Timestamp,
    /// Opened with the bot answering (not straight into the queue).
    pub bot_first: bool,
    /// The team of the last routing.
    pub team_id: Option<TeamId>,
    /// The last agent who was given the conversation.
    pub agent_id: Option<UserId>,
    /// What the customer wanted: the top intent at handover, else the bot's last intent.
    pub intent: Option<String>,
    /// The reason of the first handover.
    pub handover_reason: Option<HandoverReason>,
    /// Opening to the first message sent to the customer by a person, or by the bot while it
    /// owned the conversation (not its queue notices or surveys).
    pub first_response_ms: Option<i64>,
    /// When it first entered the queue (a handover, or opened on a human-first inbox).
    pub queued_at: Option<Timestamp>,
    /// First entry into the queue to the first assignment after it.
    pub time_to_agent_ms: Option<i64>,
    /// When the first wait for an agent was abandoned: the queue was left with no agent
    /// (resolved, handed back), or, while still waiting, the customer's last message (or the
    /// queue entry) plus [`ABANDON_AFTER_MS`]; a report counts it once this is past its "as of".
    pub abandoned_at: Option<Timestamp>,
    /// First entry into the queue to the first message a person sent to the customer.
    pub first_human_response_ms: Option<i64>,
    /// Opening to the first resolution.
    pub resolution_ms: Option<i64>,
    /// The last resolution, when the conversation is resolved now (the last of
    /// resolved/reopened is a resolution).
    pub resolved_at: Option<Timestamp>,
    pub reopens: i64,
    /// Time agents held it (assignment to unassignment, transfer away, hand-back or
    /// resolution), when it is resolved and someone held it.
    pub handle_ms: Option<i64>,
    pub has_sla: bool,
    pub sla_breached: bool,
    pub csat_sent: bool,
    /// The last CSAT answer (1 to 5).
    pub csat_score: Option<u8>,
    pub nps_sent: bool,
    /// The last NPS answer (0 to 10).
    pub nps_score: Option<u8>,
    /// Customer messages received while the bot owned the conversation.
    pub bot_customer_messages: i64,
    /// Of those, the ones the bot answered before the customer wrote again and without
    /// handing over in the same turn.
    pub bot_answered_messages: i64,
    /// Of the bot customer messages, the ones the bot found out of its scope.
    pub bot_out_of_scope_messages: i64,
    /// The customer message that led to the handover was out of the bot's scope.
    pub out_of_scope_handover: bool,
    /// An agent asked for something the handover context already held.
    pub asked_again: bool,
}

/// One thing that happened, events and messages on one time line.
enum Item<'a> {
    Event(&'a Event),
    Message(&'a Message),
}

impl Item<'_> {
    fn at(&self) -> Timestamp {
        match self {
            Item::Event(event) => event.created_at,
            Item::Message(message) => message.created_at,
        }
    }

    /// Order at one instant: a customer message that opens or reopens a conversation is
    /// stored before the `opened`/`reopened` event but happens after it; a turn's messages are
    /// stored before the events they cause (a handover) and happen before them.
    fn order(&self) -> u8 {
        match self {
            Item::Event(Event {
                kind: EventKind::Opened { .. } | EventKind::Reopened { .. },
                ..
            }) => 0,
            Item::Message(_) => 1,
            Item::Event(_) => 2,
        }
    }
}

fn millis_between(from: Timestamp, to: Timestamp) -> i64 {
    to.as_millisecond() - from.as_millisecond()
}

fn is_to_customer(message: &Message) -> bool {
    message.direction == Direction::Outbound && !message.is_private
}

/// The entity kinds and slot names the bot had collected, from the handover context.
fn collected_items(context: Option<&Value>) -> Vec<String> {
    let Some(context) = context else {
        return Vec::new();
    };
    let mut items: Vec<String> = context["entities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entity| entity["kind"].as_str().map(str::to_owned))
        .collect();
    if let Some(slots) = context["slots"].as_object() {
        items.extend(slots.keys().cloned());
    }
    items.sort();
    items.dedup();
    items
}

/// Folds one conversation into its facts.
pub fn fold(log: &ConversationLog<'_>) -> ConversationFacts {
    let mut items: Vec<Item<'_>> = log
        .events
        .iter()
        .map(Item::Event)
        .chain(log.messages.iter().map(Item::Message))
        .collect();
    items.sort_by_key(|item| (item.at(), item.order()));

    let mut facts = ConversationFacts {
        opened_at: log.opened_at,
        has_sla: log.has_sla,
        ..ConversationFacts::default()
    };
    let collected = collected_items(log.handover_context);
    let mut bot_owns = false;
    let mut first_resolved_at = None;
    let mut resolved_now = None;
    let mut assigned_after_queue = false;
    let mut last_customer_at: Option<Timestamp> = None;
    let mut held_since: Option<Timestamp> = None;
    let mut handle_ms = 0;
    let mut was_held = false;
    let mut awaiting_bot: Vec<Timestamp> = Vec::new();

    for (index, item) in items.iter().enumerate() {
        match item {
            Item::Message(message) => {
                if message.direction == Direction::Inbound {
                    last_customer_at = Some(message.created_at);
                    if bot_owns {
                        facts.bot_customer_messages += 1;
                        awaiting_bot.push(message.created_at);
                    }
                    continue;
                }
                if !is_to_customer(message) {
                    continue;
                }
                // The bot speaks for itself only while it owns the conversation: its queue
                // notices and surveys are not responses.
                let responds = match message.sender {
                    Actor::Bot => bot_owns,
                    Actor::User(_) => true,
                    Actor::Contact(_) | Actor::System => false,
                };
                if responds && facts.first_response_ms.is_none() {
                    facts.first_response_ms =
                        Some(millis_between(log.opened_at, message.created_at));
                }
                match message.sender {
                    Actor::Bot if bot_owns && !awaiting_bot.is_empty() => {
                        let hands_over = items[index + 1..].iter().any(|later| {
                            later.at() == message.created_at
                                && matches!(
                                    later,
                                    Item::Event(Event {
                                        kind: EventKind::HandoverRequested { .. },
                                        ..
                                    })
                                )
                        });
                        if !hands_over {
                            facts.bot_answered_messages += awaiting_bot.len() as i64;
                        }
                        awaiting_bot.clear();
                    }
                    Actor::User(_) => {
                        if let Some(queued_at) = facts.queued_at
                            && facts.first_human_response_ms.is_none()
                        {
                            facts.first_human_response_ms =
                                Some(millis_between(queued_at, message.created_at));
                        }
                        if facts.queued_at.is_some()
                            && collected.iter().any(|item| asks_for(item, &message.text))
                        {
                            facts.asked_again = true;
                        }
                    }
                    _ => {}
                }
            }
            Item::Event(event) => {
                let at = event.created_at;
                match &event.kind {
                    EventKind::Opened { status } => {
                        facts.bot_first = *status == ConversationStatus::Bot;
                        bot_owns = facts.bot_first;
                    }
                    EventKind::HandoverRequested { reason, .. } => {
                        bot_owns = false;
                        awaiting_bot.clear();
                        if facts.handover_reason.is_none() {
                            facts.handover_reason = Some(*reason);
                        }
                    }
                    EventKind::Queued => {
                        bot_owns = false;
                        awaiting_bot.clear();
                        if facts.queued_at.is_none() {
                            facts.queued_at = Some(at);
                        }
                    }
                    EventKind::Assigned { agent_id } => {
                        facts.agent_id = Some(*agent_id);
                        held_since = Some(at);
                        was_held = true;
                        if let Some(queued_at) = facts.queued_at
                            && !assigned_after_queue
                        {
                            assigned_after_queue = true;
                            facts.time_to_agent_ms = Some(millis_between(queued_at, at));
                        }
                    }
                    EventKind::Transferred { to_agent_id, .. } => {
                        if let Some(since) = held_since {
                            handle_ms += millis_between(since, at);
                        }
                        facts.agent_id = Some(*to_agent_id);
                        held_since = Some(at);
                        was_held = true;
                    }
                    EventKind::Unassigned { .. }
                    | EventKind::AnswerTimedOut { .. }
                    | EventKind::HandedBackToBot
                    | EventKind::Resolved => {
                        if let Some(since) = held_since.take() {
                            handle_ms += millis_between(since, at);
                        }
                        if facts.queued_at.is_some()
                            && !assigned_after_queue
                            && facts.abandoned_at.is_none()
                            && matches!(
                                event.kind,
                                EventKind::HandedBackToBot | EventKind::Resolved
                            )
                        {
                            facts.abandoned_at = Some(at);
                        }
                        match event.kind {
                            EventKind::HandedBackToBot => bot_owns = true,
                            EventKind::Resolved => {
                                bot_owns = false;
                                awaiting_bot.clear();
                                if first_resolved_at.is_none() {
                                    first_resolved_at = Some(at);
                                }
                                resolved_now = Some(at);
                            }
                            _ => {}
                        }
                    }
                    EventKind::Reopened { status } => {
                        facts.reopens += 1;
                        resolved_now = None;
                        bot_owns = *status == ConversationStatus::Bot;
                    }
                    EventKind::Routed { team_id, .. } => facts.team_id = *team_id,
                    EventKind::SlaBreached { .. } => facts.sla_breached = true,
                    EventKind::SurveySent { survey } => match survey {
                        SurveyKind::Csat => facts.csat_sent = true,
                        SurveyKind::Nps => facts.nps_sent = true,
                    },
                    EventKind::SurveyAnswered { survey, score, .. } => match survey {
                        SurveyKind::Csat => facts.csat_score = Some(*score),
                        SurveyKind::Nps => facts.nps_score = Some(*score),
                    },
                    EventKind::FirstAgentReply { .. }
                    | EventKind::SlaNearBreach { .. }
                    | EventKind::PriorityRaised { .. } => {}
                }
            }
        }
    }

    if let Some(queued_at) = facts.queued_at
        && !assigned_after_queue
        && facts.abandoned_at.is_none()
    {
        let silent_since = last_customer_at.map_or(queued_at, |last| last.max(queued_at));
        facts.abandoned_at =
            Timestamp::from_millisecond(silent_since.as_millisecond() + ABANDON_AFTER_MS).ok();
    }
    facts.resolution_ms = first_resolved_at.map(|at| millis_between(log.opened_at, at));
    facts.resolved_at = resolved_now;
    facts.handle_ms = (resolved_now.is_some() && was_held).then_some(handle_ms);
    // The bot only analyses messages it owns; never more than those count.
    facts.bot_out_of_scope_messages = log
        .out_of_scope_questions
        .clamp(0, facts.bot_customer_messages);
    facts.out_of_scope_handover = facts.handover_reason.is_some()
        && log
            .handover_context
            .is_some_and(|context| context["out_of_scope"].as_bool() == Some(true));
    facts.intent = log
        .handover_context
        .and_then(|context| context["top_intent"]["intent"].as_str())
        .or_else(|| {
            log.bot_state
                .and_then(|state| state["last_intent"].as_str())
        })
        .map(str::to_owned);
    facts
}

#[cfg(test)]
mod tests;
