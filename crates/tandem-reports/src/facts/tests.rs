//! Hand-computed facts for seeded conversations: a contained bot conversation, a handover with
//! a transfer, a reopen, abandoned waits, surveys, a human-first inbox, a DST change.

use serde_json::json;
use tandem_domain::id::{AccountId, ContactId, ConversationId, EventId, MessageId};

use super::*;
use crate::Metric;
use crate::tally::{Tally, TallyRules};

fn at(rfc: &str) -> Timestamp {
    rfc.parse().unwrap()
}

struct Log {
    account_id: AccountId,
    conversation_id: ConversationId,
    contact: ContactId,
    events: Vec<Event>,
    messages: Vec<Message>,
    out_of_scope_questions: i64,
}

impl Log {
    fn new() -> Self {
        Log {
            account_id: AccountId::generate(),
            conversation_id: ConversationId::generate(),
            contact: ContactId::generate(),
            events: Vec::new(),
            messages: Vec::new(),
            out_of_scope_questions: 0,
        }
    }

    fn event(mut self, when: &str, kind: EventKind) -> Self {
        self.events.push(Event {
            id: EventId::generate(),
            account_id: self.account_id,
            conversation_id: self.conversation_id,
            actor: Actor::System,
            kind,
            created_at: at(when),
        });
        self
    }

    fn message(mut self, when: &str, sender: Actor, text: &str) -> Self {
        let direction = match sender {
            Actor::Contact(_) => Direction::Inbound,
            _ => Direction::Outbound,
        };
        self.messages.push(Message {
            id: MessageId::generate(),
            account_id: self.account_id,
            conversation_id: self.conversation_id,
            direction,
            sender,
            is_private: false,
            text: text.to_owned(),
            external_id: None,
            delivery_status: None,
            delivery_error: None,
            attachments: Vec::new(),
            channel_data: None,
            created_at: at(when),
        });
        self
    }

    /// The learning loop recorded this many of its customer messages as out of scope.
    fn out_of_scope(mut self, questions: i64) -> Self {
        self.out_of_scope_questions = questions;
        self
    }

    fn customer(self, when: &str, text: &str) -> Self {
        let contact = Actor::Contact(self.contact);
        self.message(when, contact, text)
    }

    fn fold(&self, context: Option<&Value>, has_sla: bool) -> ConversationFacts {
        fold(&ConversationLog {
            opened_at: self.events[0].created_at,
            events: &self.events,
            messages: &self.messages,
            handover_context: context,
            bot_state: Some(&json!({"last_intent": "balance"})),
            has_sla,
            out_of_scope_questions: self.out_of_scope_questions,
        })
    }
}

fn opened_by_bot() -> EventKind {
    EventKind::Opened {
        status: ConversationStatus::Bot,
    }
}

#[test]
fn a_conversation_the_bot_resolves_alone_is_contained() {
    let facts = Log::new()
        .event("2026-11-02T10:00:00Z", opened_by_bot())
        .customer("2026-11-02T10:00:00Z", "saldo")
        .message("2026-11-02T10:00:02Z", Actor::Bot, "Seu saldo é R$ 10")
        .customer("2026-11-02T10:01:00Z", "e o limite?")
        .message("2026-11-02T10:01:01Z", Actor::Bot, "Seu limite é R$ 100")
        .event("2026-11-02T10:02:00Z", EventKind::Resolved)
        .fold(None, false);
    assert!(facts.bot_first);
    assert_eq!(facts.first_response_ms, Some(2_000));
    assert_eq!(
        (facts.bot_customer_messages, facts.bot_answered_messages),
        (2, 2)
    );
    assert_eq!(facts.resolution_ms, Some(120_000));
    assert_eq!(facts.resolved_at, Some(at("2026-11-02T10:02:00Z")));
    assert_eq!(facts.queued_at, None);
    assert_eq!(facts.abandoned_at, None);
    assert_eq!(facts.handle_ms, None);
    assert_eq!(facts.intent.as_deref(), Some("balance"));
}

fn handover_with_transfer() -> (Log, UserId, UserId, TeamId) {
    let (first, second, team) = (UserId::generate(), UserId::generate(), TeamId::generate());
    let log = Log::new()
        .event("2026-11-02T09:00:00Z", opened_by_bot())
        .customer(
            "2026-11-02T09:00:00Z",
            "meu cpf é 529.982.247-25, quero a segunda via",
        )
        .message("2026-11-02T09:00:01Z", Actor::Bot, "Aqui está o boleto")
        .customer("2026-11-02T09:01:00Z", "quero falar com um atendente")
        .message(
            "2026-11-02T09:01:02Z",
            Actor::Bot,
            "Vou te passar para um atendente",
        )
        .event(
            "2026-11-02T09:01:02Z",
            EventKind::HandoverRequested {
                reason: HandoverReason::CustomerRequest,
                evidence: None,
            },
        )
        .event("2026-11-02T09:01:02Z", EventKind::Queued)
        .event(
            "2026-11-02T09:01:02Z",
            EventKind::Routed {
                team_id: Some(team),
                priority: 0,
            },
        )
        .event(
            "2026-11-02T09:03:02Z",
            EventKind::Assigned { agent_id: first },
        )
        .message(
            "2026-11-02T09:04:02Z",
            Actor::User(first),
            "Olá! Qual é o seu CPF?",
        )
        .event(
            "2026-11-02T09:04:02Z",
            EventKind::FirstAgentReply { agent_id: first },
        )
        .event(
            "2026-11-02T09:10:02Z",
            EventKind::Transferred {
                from_agent_id: first,
                to_agent_id: second,
            },
        )
        .message(
            "2026-11-02T09:11:02Z",
            Actor::User(second),
            "Resolvido, obrigado.",
        )
        .event("2026-11-02T09:20:02Z", EventKind::Resolved)
        .event(
            "2026-11-02T09:20:02Z",
            EventKind::SurveySent {
                survey: SurveyKind::Csat,
            },
        );
    (log, first, second, team)
}

#[test]
fn a_handover_with_a_transfer_counts_both_agents_time_for_the_last_agent() {
    let (log, _, second, team) = handover_with_transfer();
    let context = json!({
        "entities": [{"kind": "cpf", "value": "***.***.247-25"}],
        "slots": {},
        "top_intent": {"intent": "talk_to_agent", "confidence": 0.9},
        "out_of_scope": false,
    });
    let facts = log.fold(Some(&context), true);
    assert_eq!(facts.first_response_ms, Some(1_000));
    assert_eq!(facts.handover_reason, Some(HandoverReason::CustomerRequest));
    assert_eq!(facts.queued_at, Some(at("2026-11-02T09:01:02Z")));
    assert_eq!(facts.time_to_agent_ms, Some(120_000));
    assert_eq!(facts.first_human_response_ms, Some(180_000));
    // 09:03:02 to 09:10:02 with the first agent, then 09:10:02 to 09:20:02 with the second.
    assert_eq!(facts.handle_ms, Some(1_020_000));
    assert_eq!(facts.agent_id, Some(second));
    assert_eq!(facts.team_id, Some(team));
    // The reply that came with the handover does not answer the second message.
    assert_eq!(
        (facts.bot_customer_messages, facts.bot_answered_messages),
        (2, 1)
    );
    assert!(facts.asked_again);
    assert!(!facts.out_of_scope_handover);
    assert_eq!(facts.abandoned_at, None);
    assert_eq!(facts.intent.as_deref(), Some("talk_to_agent"));
    assert!(facts.csat_sent);
    assert_eq!(facts.csat_score, None);
    assert!(facts.has_sla && !facts.sla_breached);
}

#[test]
fn an_agent_who_asks_for_something_not_collected_does_not_ask_again() {
    let (log, ..) = handover_with_transfer();
    let context =
        json!({"entities": [{"kind": "email", "value": "a***@x.com"}], "out_of_scope": true});
    let facts = log.fold(Some(&context), false);
    assert!(!facts.asked_again);
    assert!(facts.out_of_scope_handover);
}

#[test]
fn out_of_scope_messages_are_at_most_the_messages_the_bot_analysed() {
    let (log, ..) = handover_with_transfer();
    // Two customer messages while the bot owned it: one out of scope counts as one...
    assert_eq!(
        log.out_of_scope(1)
            .fold(None, false)
            .bot_out_of_scope_messages,
        1
    );
    let (log, ..) = handover_with_transfer();
    // ...and a count above the two it analysed is capped at two.
    assert_eq!(
        log.out_of_scope(3)
            .fold(None, false)
            .bot_out_of_scope_messages,
        2
    );
    let human_first = Log::new()
        .event(
            "2026-11-02T10:00:00Z",
            EventKind::Opened {
                status: ConversationStatus::Queued,
            },
        )
        .customer("2026-11-02T10:00:00Z", "oi")
        .out_of_scope(1)
        .fold(None, false);
    assert_eq!(
        (
            human_first.bot_customer_messages,
            human_first.bot_out_of_scope_messages
        ),
        (0, 0)
    );
}

#[test]
fn a_reopened_conversation_keeps_its_first_resolution_time_and_counts_the_reopen() {
    let agent = UserId::generate();
    let log = Log::new()
        .event(
            "2026-11-02T08:00:00Z",
            EventKind::Opened {
                status: ConversationStatus::Queued,
            },
        )
        .event("2026-11-02T08:00:00Z", EventKind::Queued)
        .customer("2026-11-02T08:00:00Z", "oi")
        .event(
            "2026-11-02T08:00:30Z",
            EventKind::Assigned { agent_id: agent },
        )
        .message("2026-11-02T08:01:00Z", Actor::User(agent), "Bom dia")
        .event("2026-11-02T08:10:00Z", EventKind::Resolved)
        .customer("2026-11-03T08:00:00Z", "não funcionou")
        .event(
            "2026-11-03T08:00:00Z",
            EventKind::Reopened {
                status: ConversationStatus::Queued,
            },
        )
        .event("2026-11-03T08:00:00Z", EventKind::Queued)
        .event(
            "2026-11-03T08:05:00Z",
            EventKind::Assigned { agent_id: agent },
        )
        .event("2026-11-03T08:15:00Z", EventKind::Resolved);
    let facts = log.fold(None, false);
    assert!(!facts.bot_first);
    assert_eq!(facts.reopens, 1);
    assert_eq!(facts.resolution_ms, Some(600_000));
    assert_eq!(facts.resolved_at, Some(at("2026-11-03T08:15:00Z")));
    assert_eq!(facts.time_to_agent_ms, Some(30_000));
    assert_eq!(facts.first_response_ms, Some(60_000));
    assert_eq!(facts.first_human_response_ms, Some(60_000));
    assert_eq!(facts.handle_ms, Some(570_000 + 600_000));
    assert_eq!(facts.bot_customer_messages, 0);

    let reopened_now = Log::new()
        .event("2026-11-02T08:00:00Z", opened_by_bot())
        .event("2026-11-02T08:10:00Z", EventKind::Resolved)
        .event(
            "2026-11-03T08:00:00Z",
            EventKind::Reopened {
                status: ConversationStatus::Bot,
            },
        )
        .fold(None, false);
    assert_eq!(reopened_now.resolved_at, None);
    assert_eq!(reopened_now.resolution_ms, Some(600_000));
}

#[test]
fn a_wait_with_no_agent_is_abandoned_when_the_customer_falls_silent_or_it_is_closed() {
    let waiting = Log::new()
        .event("2026-11-02T12:00:00Z", opened_by_bot())
        .customer("2026-11-02T12:00:00Z", "atendente")
        .event(
            "2026-11-02T12:00:01Z",
            EventKind::HandoverRequested {
                reason: HandoverReason::BotFailure,
                evidence: None,
            },
        )
        .event("2026-11-02T12:00:01Z", EventKind::Queued)
        .customer("2026-11-02T12:05:00Z", "alô?");
    let facts = waiting.fold(None, false);
    assert_eq!(facts.abandoned_at, Some(at("2026-11-02T12:20:00Z")));
    assert_eq!(facts.time_to_agent_ms, None);
    assert_eq!(facts.resolved_at, None);

    let closed = waiting
        .event("2026-11-02T12:07:00Z", EventKind::Resolved)
        .fold(None, false);
    assert_eq!(closed.abandoned_at, Some(at("2026-11-02T12:07:00Z")));
    assert!(closed.resolved_at.is_some());
}

#[test]
fn the_last_survey_answer_counts_and_an_unanswered_survey_has_no_score() {
    let facts = Log::new()
        .event("2026-11-02T10:00:00Z", opened_by_bot())
        .event("2026-11-02T10:05:00Z", EventKind::Resolved)
        .event(
            "2026-11-02T10:05:00Z",
            EventKind::SurveySent {
                survey: SurveyKind::Csat,
            },
        )
        .event(
            "2026-11-02T10:05:00Z",
            EventKind::SurveySent {
                survey: SurveyKind::Nps,
            },
        )
        .event(
            "2026-11-02T10:06:00Z",
            EventKind::SurveyAnswered {
                survey: SurveyKind::Csat,
                score: 2,
                comment: None,
            },
        )
        .event(
            "2026-11-02T10:07:00Z",
            EventKind::SurveyAnswered {
                survey: SurveyKind::Csat,
                score: 5,
                comment: None,
            },
        )
        .fold(None, false);
    assert_eq!(facts.csat_score, Some(5));
    assert!(facts.nps_sent);
    assert_eq!(facts.nps_score, None);
}

#[test]
fn durations_across_midnight_and_a_dst_change_are_real_elapsed_time() {
    // New York, 2026-03-08: 01:50 EST (06:50Z) to 03:10 EDT (07:10Z) is 20 minutes.
    let dst = Log::new()
        .event("2026-03-08T06:50:00Z", opened_by_bot())
        .event("2026-03-08T07:10:00Z", EventKind::Resolved)
        .fold(None, false);
    assert_eq!(dst.resolution_ms, Some(20 * 60 * 1000));
    // Lisbon, 23:50 to 00:10 the next day (UTC+0 in winter).
    let midnight = Log::new()
        .event("2026-11-02T23:50:00Z", opened_by_bot())
        .event("2026-11-03T00:10:00Z", EventKind::Resolved)
        .fold(None, false);
    assert_eq!(midnight.resolution_ms, Some(20 * 60 * 1000));
}

#[test]
fn tallies_of_seeded_conversations_read_as_hand_computed_metrics() {
    let as_of = at("2026-11-03T00:00:00Z");
    let rules = TallyRules { as_of, fcr_days: 7 };
    let context = json!({"entities": [{"kind": "cpf"}], "out_of_scope": false});
    let (handover, ..) = handover_with_transfer();
    let contained = Log::new()
        .event("2026-11-02T10:00:00Z", opened_by_bot())
        .customer("2026-11-02T10:00:00Z", "saldo")
        .message("2026-11-02T10:00:02Z", Actor::Bot, "R$ 10")
        .event("2026-11-02T10:02:00Z", EventKind::Resolved)
        .event(
            "2026-11-02T10:02:00Z",
            EventKind::SurveySent {
                survey: SurveyKind::Csat,
            },
        )
        .event(
            "2026-11-02T10:03:00Z",
            EventKind::SurveyAnswered {
                survey: SurveyKind::Csat,
                score: 4,
                comment: None,
            },
        );
    let abandoned = Log::new()
        .event("2026-11-02T12:00:00Z", opened_by_bot())
        .customer("2026-11-02T12:00:00Z", "??")
        .out_of_scope(1)
        .event(
            "2026-11-02T12:00:01Z",
            EventKind::HandoverRequested {
                reason: HandoverReason::BotFailure,
                evidence: None,
            },
        )
        .event("2026-11-02T12:00:01Z", EventKind::Queued)
        .event(
            "2026-11-02T12:30:00Z",
            EventKind::SlaBreached {
                target: tandem_domain::sla::SlaTarget::FirstResponse,
                due_at: at("2026-11-02T12:30:00Z"),
            },
        );
    let mut tally = Tally::default();
    tally.add(&handover.fold(Some(&context), true), None, rules);
    // The contact came back on the same intent 2 days after: not resolved at first contact.
    tally.add(
        &contained.fold(None, false),
        Some(at("2026-11-04T10:00:00Z")),
        rules,
    );
    tally.add(&abandoned.fold(None, true), None, rules);
    let value = |metric: Metric| metric.value(&tally);
    assert_eq!(value(Metric::Conversations), Some(3.0));
    assert_eq!(value(Metric::ContainmentRate), Some(0.5));
    assert_eq!(value(Metric::HandoverRate), Some(2.0 / 3.0));
    assert_eq!(value(Metric::FirstContactResolutionRate), Some(0.5));
    // (1 s + 2 s) / 2 conversations that got a response.
    assert_eq!(value(Metric::FirstResponseSeconds), Some(1.5));
    assert_eq!(value(Metric::TimeToAgentSeconds), Some(120.0));
    assert_eq!(value(Metric::HandoverAbandonmentRate), Some(0.5));
    assert_eq!(
        value(Metric::ResolutionSeconds),
        Some((1_202.0 + 120.0) / 2.0)
    );
    assert_eq!(value(Metric::CsatPositiveRate), Some(1.0));
    assert_eq!(value(Metric::CsatMean), Some(4.0));
    assert_eq!(value(Metric::CsatResponseRate), Some(0.5));
    assert_eq!(value(Metric::Nps), None);
    assert_eq!(value(Metric::SlaCompliance), Some(0.5));
    // 3 bot-phase messages in the handover, 1 contained and 1 abandoned conversation...
    // handover: 2 received, 1 answered; contained: 1 and 1; abandoned: 1 and 0.
    assert_eq!(value(Metric::BotAnswerRate), Some(2.0 / 4.0));
    assert_eq!(value(Metric::HandleSeconds), Some(1_020.0));
    assert_eq!(value(Metric::AskedAgainRate), Some(1.0));
    assert_eq!(value(Metric::ReopenRate), Some(0.0));
    assert_eq!(value(Metric::OutOfScopeHandoverRate), Some(0.0));
    // Of those 4 bot-phase messages, the abandoned conversation's "??" was out of scope.
    assert_eq!(value(Metric::OutOfScopeRate), Some(1.0 / 4.0));

    // Before the abandoned customer's 15 silent minutes were over, it was not counted yet.
    let mut early = Tally::default();
    let early_rules = TallyRules {
        as_of: at("2026-11-02T12:10:00Z"),
        fcr_days: 7,
    };
    early.add(&abandoned.fold(None, true), None, early_rules);
    assert_eq!(early.abandoned, 0);
    assert_eq!(early.queued, 1);
}
