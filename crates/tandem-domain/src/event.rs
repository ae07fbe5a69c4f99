//! The event log: every state change of a conversation, with who caused it. Metrics are
//! computed from these, so kinds are never renamed once stored.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::{AccountId, ContactId, ConversationId, EventId, TeamId, UserId};
use crate::sla::SlaTarget;
use crate::status::ConversationStatus;
use crate::survey::SurveyKind;
use crate::validation::ValidationError;

/// Who caused an event or wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Contact(ContactId),
    Bot,
    User(UserId),
    System,
}

impl Actor {
    /// The stored kind name (`contact`, `bot`, `user`, `system`).
    pub fn kind(self) -> &'static str {
        match self {
            Actor::Contact(_) => "contact",
            Actor::Bot => "bot",
            Actor::User(_) => "user",
            Actor::System => "system",
        }
    }

    /// The id of the contact or user, if the actor has one.
    pub fn id(self) -> Option<uuid::Uuid> {
        match self {
            Actor::Contact(id) => Some(id.0),
            Actor::User(id) => Some(id.0),
            Actor::Bot | Actor::System => None,
        }
    }

    /// Rebuilds an actor from its stored kind and id.
    pub fn from_parts(kind: &str, id: Option<uuid::Uuid>) -> Option<Self> {
        match (kind, id) {
            ("contact", Some(id)) => Some(Actor::Contact(ContactId(id))),
            ("user", Some(id)) => Some(Actor::User(UserId(id))),
            ("bot", None) => Some(Actor::Bot),
            ("system", None) => Some(Actor::System),
            _ => None,
        }
    }
}

/// Why a conversation was handed from the bot to a person (PRODUCT.md, "Handover rules").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverReason {
    CustomerRequest,
    NegativeSentiment,
    BotFailure,
    SensitiveTopic,
    HighValue,
    ActionFailed,
    Complexity,
    AiUnavailable,
}

impl HandoverReason {
    pub const ALL: [HandoverReason; 8] = [
        HandoverReason::CustomerRequest,
        HandoverReason::NegativeSentiment,
        HandoverReason::BotFailure,
        HandoverReason::SensitiveTopic,
        HandoverReason::HighValue,
        HandoverReason::ActionFailed,
        HandoverReason::Complexity,
        HandoverReason::AiUnavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HandoverReason::CustomerRequest => "customer_request",
            HandoverReason::NegativeSentiment => "negative_sentiment",
            HandoverReason::BotFailure => "bot_failure",
            HandoverReason::SensitiveTopic => "sensitive_topic",
            HandoverReason::HighValue => "high_value",
            HandoverReason::ActionFailed => "action_failed",
            HandoverReason::Complexity => "complexity",
            HandoverReason::AiUnavailable => "ai_unavailable",
        }
    }
}

impl fmt::Display for HandoverReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HandoverReason {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HandoverReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == s)
            .ok_or_else(|| {
                ValidationError::field(
                    "reason",
                    "unknown_reason",
                    format!("unknown handover reason {s:?}"),
                )
            })
    }
}

/// What happened to a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Opened {
        status: ConversationStatus,
    },
    HandoverRequested {
        reason: HandoverReason,
        /// What made the rule fire (the bot's policy), e.g. the words that asked for a person.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<serde_json::Value>,
    },
    Queued,
    Assigned {
        agent_id: UserId,
    },
    Unassigned {
        agent_id: UserId,
    },
    Transferred {
        from_agent_id: UserId,
        to_agent_id: UserId,
    },
    HandedBackToBot,
    FirstAgentReply {
        agent_id: UserId,
    },
    Resolved,
    Reopened {
        status: ConversationStatus,
    },
    /// Routing placed the queued conversation: the team whose agents may take it (`None`: any
    /// agent of the account) and its priority.
    Routed {
        team_id: Option<TeamId>,
        priority: i32,
    },
    /// The assigned agent did not answer in time; the conversation goes back to the queue.
    AnswerTimedOut {
        agent_id: UserId,
    },
    /// Most of an SLA's allowed time has passed.
    SlaNearBreach {
        target: SlaTarget,
        due_at: Timestamp,
    },
    /// An SLA's deadline passed.
    SlaBreached {
        target: SlaTarget,
        due_at: Timestamp,
    },
    /// The conversation's priority was raised (an SLA escalation).
    PriorityRaised {
        priority: i32,
    },
    /// A satisfaction survey went to the customer after resolution.
    SurveySent {
        survey: SurveyKind,
    },
    /// The customer answered a survey; with several answers, the last one counts.
    SurveyAnswered {
        survey: SurveyKind,
        score: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
}

impl EventKind {
    /// The stable name stored in the log and used by metrics.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Opened { .. } => "opened",
            EventKind::HandoverRequested { .. } => "handover_requested",
            EventKind::Queued => "queued",
            EventKind::Assigned { .. } => "assigned",
            EventKind::Unassigned { .. } => "unassigned",
            EventKind::Transferred { .. } => "transferred",
            EventKind::HandedBackToBot => "handed_back_to_bot",
            EventKind::FirstAgentReply { .. } => "first_agent_reply",
            EventKind::Resolved => "resolved",
            EventKind::Reopened { .. } => "reopened",
            EventKind::Routed { .. } => "routed",
            EventKind::AnswerTimedOut { .. } => "answer_timed_out",
            EventKind::SlaNearBreach { .. } => "sla_near_breach",
            EventKind::SlaBreached { .. } => "sla_breached",
            EventKind::PriorityRaised { .. } => "priority_raised",
            EventKind::SurveySent { .. } => "survey_sent",
            EventKind::SurveyAnswered { .. } => "survey_answered",
        }
    }
}

/// One entry of a conversation's event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub actor: Actor,
    pub kind: EventKind,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_round_trip_through_their_stored_parts() {
        for actor in [
            Actor::Contact(ContactId::generate()),
            Actor::User(UserId::generate()),
            Actor::Bot,
            Actor::System,
        ] {
            assert_eq!(Actor::from_parts(actor.kind(), actor.id()), Some(actor));
        }
        assert_eq!(Actor::from_parts("user", None), None);
    }

    #[test]
    fn event_kinds_serialise_with_their_stored_name() {
        let kind = EventKind::HandoverRequested {
            reason: HandoverReason::CustomerRequest,
            evidence: Some(serde_json::json!({"trigger": "person_requested"})),
        };
        let json = serde_json::to_value(&kind).unwrap();
        assert_eq!(json["type"], kind.name());
        assert_eq!(json["reason"], "customer_request");
        assert_eq!(serde_json::from_value::<EventKind>(json).unwrap(), kind);
    }
}
