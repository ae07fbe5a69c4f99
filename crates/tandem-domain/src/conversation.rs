//! Conversations and their status machine (PRODUCT.md, "Concepts").
//!
//! ```text
//!            request_handover / unassign
//!   ┌─────┐ ───────────────────────────▶ ┌────────┐   assign   ┌──────────┐
//!   │ bot │ ◀─────────────────────────── │ queued │ ─────────▶ │ assigned │ ◀─┐ transfer
//!   └─────┘       hand_back_to_bot       └────────┘ ◀───────── └──────────┘ ──┘
//!      │  ▲                                   │       unassign       │
//!      │  └──────────── hand_back_to_bot ─────┼──────────────────────┘
//!      └──────────────── resolve ─────────────┴──────────▶ resolved ──reopen──▶ (any open)
//! ```
//!
//! Every method checks the current status and either changes the conversation and returns
//! the events to record, or returns a [`TransitionError`] and changes nothing.

use serde::{Deserialize, Serialize};

pub use crate::status::ConversationStatus;

use crate::Timestamp;
use crate::event::{EventKind, HandoverReason};
use crate::id::{AccountId, ContactId, ConversationId, InboxId, TeamId, UserId};

/// The things that can be done to a conversation, named in transition errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationAction {
    Assign,
    Unassign,
    RequestHandover,
    HandBackToBot,
    Resolve,
    Reopen,
    Reply,
    TransferToTeam,
}

impl ConversationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationAction::Assign => "assign",
            ConversationAction::Unassign => "unassign",
            ConversationAction::RequestHandover => "request_handover",
            ConversationAction::HandBackToBot => "hand_back_to_bot",
            ConversationAction::Resolve => "resolve",
            ConversationAction::Reopen => "reopen",
            ConversationAction::Reply => "reply",
            ConversationAction::TransferToTeam => "transfer_to_team",
        }
    }
}

/// Why a conversation refused a change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {} a conversation that is {from}", action.as_str())]
    IllegalTransition {
        action: ConversationAction,
        from: ConversationStatus,
    },
    #[error("the conversation is assigned to another agent")]
    AssignedToAnotherAgent { assignee_id: UserId },
}

/// How long after resolution a new customer message reopens a conversation instead of opening
/// a new one (a reopening counts against first-contact resolution).
pub const REOPEN_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(7 * 24);

/// A thread between a contact and the account on one inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub status: ConversationStatus,
    /// The agent who owns it; set exactly when the status is `assigned`.
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    /// When a person first answered since the conversation last opened.
    pub first_agent_reply_at: Option<Timestamp>,
    pub last_activity_at: Timestamp,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

impl Conversation {
    /// A new conversation in `status` (`bot` or `queued`, by the inbox's first responder).
    pub fn open(
        id: ConversationId,
        account_id: AccountId,
        inbox_id: InboxId,
        contact_id: ContactId,
        status: ConversationStatus,
        now: Timestamp,
    ) -> (Self, Vec<EventKind>) {
        let conversation = Self {
            id,
            account_id,
            inbox_id,
            contact_id,
            status,
            assignee_id: None,
            team_id: None,
            first_agent_reply_at: None,
            last_activity_at: now,
            created_at: now,
            resolved_at: None,
        };
        let mut events = vec![EventKind::Opened { status }];
        if status == ConversationStatus::Queued {
            events.push(EventKind::Queued);
        }
        (conversation, events)
    }

    fn refuse(&self, action: ConversationAction) -> TransitionError {
        TransitionError::IllegalTransition {
            action,
            from: self.status,
        }
    }

    fn set_assignee(&mut self, agent_id: Option<UserId>, now: Timestamp) {
        self.status = if agent_id.is_some() {
            ConversationStatus::Assigned
        } else {
            ConversationStatus::Queued
        };
        self.assignee_id = agent_id;
        self.last_activity_at = now;
    }

    /// Gives the conversation to `agent_id`: takes it from the bot or the queue, or transfers it
    /// from another agent. Assigning to the current assignee changes nothing.
    pub fn assign(
        &mut self,
        agent_id: UserId,
        now: Timestamp,
    ) -> Result<Vec<EventKind>, TransitionError> {
        let events = match (self.status, self.assignee_id) {
            (ConversationStatus::Resolved, _) => {
                return Err(self.refuse(ConversationAction::Assign));
            }
            (ConversationStatus::Assigned, Some(current)) if current == agent_id => {
                return Ok(vec![]);
            }
            (ConversationStatus::Assigned, Some(current)) => vec![EventKind::Transferred {
                from_agent_id: current,
                to_agent_id: agent_id,
            }],
            _ => vec![EventKind::Assigned { agent_id }],
        };
        self.set_assignee(Some(agent_id), now);
        Ok(events)
    }

    /// Takes the conversation away from its agent and puts it back in the queue.
    pub fn unassign(&mut self, now: Timestamp) -> Result<Vec<EventKind>, TransitionError> {
        match (self.status, self.assignee_id) {
            (ConversationStatus::Assigned, Some(agent_id)) => {
                self.set_assignee(None, now);
                Ok(vec![EventKind::Unassigned { agent_id }, EventKind::Queued])
            }
            _ => Err(self.refuse(ConversationAction::Unassign)),
        }
    }

    /// Sends the conversation to `team_id`'s queue: from the bot, the queue or an agent (who
    /// loses it). Sending it to the team whose queue it already waits in changes nothing.
    pub fn transfer_to_team(
        &mut self,
        team_id: TeamId,
        now: Timestamp,
    ) -> Result<Vec<EventKind>, TransitionError> {
        let mut events = match (self.status, self.assignee_id) {
            (ConversationStatus::Resolved, _) => {
                return Err(self.refuse(ConversationAction::TransferToTeam));
            }
            (ConversationStatus::Queued, _) if self.team_id == Some(team_id) => return Ok(vec![]),
            (ConversationStatus::Assigned, Some(agent_id)) => {
                vec![EventKind::Unassigned { agent_id }]
            }
            _ => Vec::new(),
        };
        self.team_id = Some(team_id);
        self.set_assignee(None, now);
        events.push(EventKind::Queued);
        Ok(events)
    }

    /// The bot hands the conversation to people, for `reason`.
    pub fn request_handover(
        &mut self,
        reason: HandoverReason,
        evidence: Option<serde_json::Value>,
        now: Timestamp,
    ) -> Result<Vec<EventKind>, TransitionError> {
        if self.status != ConversationStatus::Bot {
            return Err(self.refuse(ConversationAction::RequestHandover));
        }
        self.set_assignee(None, now);
        Ok(vec![
            EventKind::HandoverRequested { reason, evidence },
            EventKind::Queued,
        ])
    }

    /// People give the conversation back to the bot.
    pub fn hand_back_to_bot(&mut self, now: Timestamp) -> Result<Vec<EventKind>, TransitionError> {
        if !matches!(
            self.status,
            ConversationStatus::Queued | ConversationStatus::Assigned
        ) {
            return Err(self.refuse(ConversationAction::HandBackToBot));
        }
        self.status = ConversationStatus::Bot;
        self.assignee_id = None;
        self.last_activity_at = now;
        Ok(vec![EventKind::HandedBackToBot])
    }

    /// Closes the conversation. The assignee is kept so reports know who resolved it.
    pub fn resolve(&mut self, now: Timestamp) -> Result<Vec<EventKind>, TransitionError> {
        if self.status == ConversationStatus::Resolved {
            return Err(self.refuse(ConversationAction::Resolve));
        }
        self.status = ConversationStatus::Resolved;
        self.resolved_at = Some(now);
        self.last_activity_at = now;
        Ok(vec![EventKind::Resolved])
    }

    /// Opens a resolved conversation again: for `agent_id` when a person reopens it, or in
    /// `status_without_agent` (the inbox's first responder) when the customer writes again.
    pub fn reopen(
        &mut self,
        agent_id: Option<UserId>,
        status_without_agent: ConversationStatus,
        now: Timestamp,
    ) -> Result<Vec<EventKind>, TransitionError> {
        if self.status != ConversationStatus::Resolved {
            return Err(self.refuse(ConversationAction::Reopen));
        }
        let status = match agent_id {
            Some(_) => ConversationStatus::Assigned,
            None => status_without_agent,
        };
        self.status = status;
        self.assignee_id = agent_id.filter(|_| status == ConversationStatus::Assigned);
        self.resolved_at = None;
        self.first_agent_reply_at = None;
        self.last_activity_at = now;
        let mut events = vec![EventKind::Reopened { status }];
        match (status, self.assignee_id) {
            (ConversationStatus::Assigned, Some(agent_id)) => {
                events.push(EventKind::Assigned { agent_id })
            }
            (ConversationStatus::Queued, _) => events.push(EventKind::Queued),
            _ => {}
        }
        Ok(events)
    }

    /// A customer message arrived: it reopens a resolved conversation.
    pub fn record_customer_message(
        &mut self,
        status_when_reopened: ConversationStatus,
        now: Timestamp,
    ) -> Vec<EventKind> {
        self.last_activity_at = now;
        if self.status == ConversationStatus::Resolved {
            self.reopen(None, status_when_reopened, now)
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// An agent replies to the customer. A conversation with the bot or in the queue becomes
    /// theirs; one owned by another agent needs `may_override` (supervisors and admins).
    pub fn record_agent_reply(
        &mut self,
        agent_id: UserId,
        may_override: bool,
        now: Timestamp,
    ) -> Result<Vec<EventKind>, TransitionError> {
        let mut events = match (self.status, self.assignee_id) {
            (ConversationStatus::Resolved, _) => return Err(self.refuse(ConversationAction::Reply)),
            (ConversationStatus::Assigned, Some(current))
                if current == agent_id || may_override =>
            {
                Vec::new()
            }
            (ConversationStatus::Assigned, Some(current)) => {
                return Err(TransitionError::AssignedToAnotherAgent {
                    assignee_id: current,
                });
            }
            _ => self.assign(agent_id, now)?,
        };
        if self.first_agent_reply_at.is_none() {
            self.first_agent_reply_at = Some(now);
            events.push(EventKind::FirstAgentReply { agent_id });
        }
        self.last_activity_at = now;
        Ok(events)
    }

    /// Whether a customer message at `now` should reopen this resolved conversation rather than
    /// start a new one.
    pub fn may_reopen(&self, now: Timestamp, window: jiff::SignedDuration) -> bool {
        self.resolved_at
            .is_some_and(|resolved_at| now.duration_since(resolved_at) <= window)
    }

    /// Checks the invariant that ties status and assignee together.
    pub fn is_consistent(&self) -> bool {
        match self.status {
            ConversationStatus::Assigned => self.assignee_id.is_some(),
            ConversationStatus::Bot | ConversationStatus::Queued => self.assignee_id.is_none(),
            ConversationStatus::Resolved => self.resolved_at.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::*;
    use proptest::prelude::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    fn conversation(status: ConversationStatus) -> Conversation {
        let (mut conversation, _) = Conversation::open(
            ConversationId::generate(),
            AccountId::generate(),
            InboxId::generate(),
            ContactId::generate(),
            Bot,
            at(0),
        );
        match status {
            Bot => {}
            Queued => {
                conversation
                    .request_handover(HandoverReason::CustomerRequest, None, at(1))
                    .unwrap();
            }
            Assigned => {
                conversation.assign(UserId::generate(), at(1)).unwrap();
            }
            Resolved => {
                conversation.resolve(at(1)).unwrap();
            }
        }
        conversation
    }

    #[test]
    fn a_transfer_to_a_team_takes_the_conversation_from_its_agent_into_that_queue() {
        let team = TeamId::generate();
        let mut assigned = conversation(Assigned);
        let agent_id = assigned.assignee_id.unwrap();
        let events = assigned.transfer_to_team(team, at(5)).unwrap();
        assert_eq!(
            events,
            [EventKind::Unassigned { agent_id }, EventKind::Queued]
        );
        assert_eq!((assigned.status, assigned.team_id), (Queued, Some(team)));
        assert_eq!(assigned.transfer_to_team(team, at(6)).unwrap(), []);
        let mut with_bot = conversation(Bot);
        assert_eq!(
            with_bot.transfer_to_team(team, at(5)).unwrap(),
            [EventKind::Queued]
        );
        let mut resolved = conversation(Resolved);
        assert!(resolved.transfer_to_team(team, at(5)).is_err());
    }

    #[test]
    fn opening_in_the_queue_records_opened_and_queued() {
        let (conversation, events) = Conversation::open(
            ConversationId::generate(),
            AccountId::generate(),
            InboxId::generate(),
            ContactId::generate(),
            Queued,
            at(0),
        );
        assert_eq!(conversation.status, Queued);
        assert_eq!(
            events,
            vec![EventKind::Opened { status: Queued }, EventKind::Queued]
        );
    }

    #[test]
    fn assigning_takes_from_bot_or_queue_and_transfers_between_agents() {
        let (ana, bia) = (UserId::generate(), UserId::generate());
        for start in [Bot, Queued] {
            let mut conversation = conversation(start);
            assert_eq!(
                conversation.assign(ana, at(2)).unwrap(),
                vec![EventKind::Assigned { agent_id: ana }]
            );
            assert_eq!(conversation.assignee_id, Some(ana));
        }
        let mut conversation = conversation(Queued);
        conversation.assign(ana, at(2)).unwrap();
        assert_eq!(conversation.assign(ana, at(3)).unwrap(), vec![]);
        assert_eq!(
            conversation.assign(bia, at(4)).unwrap(),
            vec![EventKind::Transferred {
                from_agent_id: ana,
                to_agent_id: bia
            }]
        );
    }

    #[test]
    fn illegal_transitions_are_refused_and_change_nothing() {
        type Action = fn(&mut Conversation) -> Result<Vec<EventKind>, TransitionError>;
        let cases: [(ConversationStatus, Action); 8] = [
            (Resolved, |c| c.assign(UserId::generate(), at(9))),
            (Bot, |c| c.unassign(at(9))),
            (Queued, |c| c.unassign(at(9))),
            (Queued, |c| {
                c.request_handover(HandoverReason::BotFailure, None, at(9))
            }),
            (Bot, |c| c.hand_back_to_bot(at(9))),
            (Resolved, |c| c.resolve(at(9))),
            (Assigned, |c| c.reopen(None, Bot, at(9))),
            (Resolved, |c| {
                c.record_agent_reply(UserId::generate(), true, at(9))
            }),
        ];
        for (status, action) in cases {
            let mut conversation = conversation(status);
            let before = conversation.clone();
            assert!(matches!(
                action(&mut conversation),
                Err(TransitionError::IllegalTransition { from, .. }) if from == status
            ));
            assert_eq!(conversation, before);
        }
    }

    #[test]
    fn an_agent_reply_takes_the_conversation_and_counts_the_first_reply_once() {
        let ana = UserId::generate();
        let mut conversation = conversation(Queued);
        assert_eq!(
            conversation.record_agent_reply(ana, false, at(5)).unwrap(),
            vec![
                EventKind::Assigned { agent_id: ana },
                EventKind::FirstAgentReply { agent_id: ana }
            ]
        );
        assert_eq!(conversation.first_agent_reply_at, Some(at(5)));
        assert_eq!(
            conversation.record_agent_reply(ana, false, at(6)).unwrap(),
            vec![]
        );
    }

    #[test]
    fn only_overriders_reply_to_someone_elses_conversation() {
        let (ana, boss) = (UserId::generate(), UserId::generate());
        let mut conversation = conversation(Queued);
        conversation.assign(ana, at(2)).unwrap();
        assert_eq!(
            conversation.record_agent_reply(boss, false, at(3)),
            Err(TransitionError::AssignedToAnotherAgent { assignee_id: ana })
        );
        assert!(conversation.record_agent_reply(boss, true, at(3)).is_ok());
        assert_eq!(conversation.assignee_id, Some(ana));
    }

    #[test]
    fn a_customer_message_reopens_a_resolved_conversation_with_the_first_responder() {
        let mut conversation = conversation(Resolved);
        let events = conversation.record_customer_message(Queued, at(7));
        assert_eq!(
            events,
            vec![EventKind::Reopened { status: Queued }, EventKind::Queued]
        );
        assert_eq!(conversation.status, Queued);
        assert_eq!(conversation.resolved_at, None);
        assert!(
            conversation
                .record_customer_message(Queued, at(8))
                .is_empty()
        );
    }

    #[test]
    fn only_recently_resolved_conversations_may_reopen() {
        let conversation = conversation(Resolved);
        assert!(conversation.may_reopen(at(1) + REOPEN_WINDOW, REOPEN_WINDOW));
        assert!(!conversation.may_reopen(at(2) + REOPEN_WINDOW, REOPEN_WINDOW));
        assert!(!self::conversation(Bot).may_reopen(at(2), REOPEN_WINDOW));
    }

    #[test]
    fn an_agent_reopening_owns_the_conversation() {
        let ana = UserId::generate();
        let mut conversation = conversation(Resolved);
        conversation.reopen(Some(ana), Bot, at(7)).unwrap();
        assert_eq!(
            (conversation.status, conversation.assignee_id),
            (Assigned, Some(ana))
        );
    }

    #[derive(Clone, Debug)]
    enum Step {
        Assign(u8),
        Unassign,
        Handover,
        HandBack,
        Resolve,
        ReopenByAgent(u8),
        CustomerMessage(bool),
        Reply(u8, bool),
        TransferToTeam(u8),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..3).prop_map(Step::Assign),
            Just(Step::Unassign),
            Just(Step::Handover),
            Just(Step::HandBack),
            Just(Step::Resolve),
            (0u8..3).prop_map(Step::ReopenByAgent),
            any::<bool>().prop_map(Step::CustomerMessage),
            (0u8..3, any::<bool>())
                .prop_map(|(agent, may_override)| Step::Reply(agent, may_override)),
            (0u8..2).prop_map(Step::TransferToTeam),
        ]
    }

    proptest! {
        #[test]
        fn any_sequence_of_actions_keeps_status_and_assignee_consistent(steps in prop::collection::vec(step(), 0..40)) {
            let agents = [UserId::generate(), UserId::generate(), UserId::generate()];
            let teams = [TeamId::generate(), TeamId::generate()];
            let mut conversation = conversation(Bot);
            for (second, step) in steps.into_iter().enumerate() {
                let now = at(second as i64 + 10);
                let before = conversation.clone();
                let result = match step {
                    Step::Assign(agent) => conversation.assign(agents[agent as usize], now),
                    Step::Unassign => conversation.unassign(now),
                    Step::Handover => conversation.request_handover(HandoverReason::Complexity, None, now),
                    Step::HandBack => conversation.hand_back_to_bot(now),
                    Step::Resolve => conversation.resolve(now),
                    Step::ReopenByAgent(agent) => conversation.reopen(Some(agents[agent as usize]), Bot, now),
                    Step::CustomerMessage(to_bot) => {
                        Ok(conversation.record_customer_message(if to_bot { Bot } else { Queued }, now))
                    }
                    Step::Reply(agent, may_override) => {
                        conversation.record_agent_reply(agents[agent as usize], may_override, now)
                    }
                    Step::TransferToTeam(team) => conversation.transfer_to_team(teams[team as usize], now),
                };
                if result.is_err() {
                    prop_assert_eq!(&conversation, &before);
                }
                prop_assert!(conversation.is_consistent(), "{:?}", conversation);
            }
        }
    }
}
