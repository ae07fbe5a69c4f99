//! Sums and counts of conversation facts. Every field is additive, so a tally of a group, a
//! day or a quarter of an hour merges with others by addition; averages and rates are only
//! taken at the end ([`crate::Metric::value`]). The store computes the same sums with SQL.

use std::ops::AddAssign;

use tandem_domain::Timestamp;

use crate::facts::ConversationFacts;

/// First-contact resolution counts a return within this many days by default (7).
pub const DEFAULT_FCR_DAYS: i64 = 7;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Sums and counts over conversations; durations in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub conversations: i64,
    pub bot_first: i64,
    pub handed_over: i64,
    pub contained: i64,
    pub resolved: i64,
    pub ever_resolved: i64,
    pub reopened: i64,
    pub first_contact_resolved: i64,
    pub first_response_count: i64,
    pub first_response_ms: i64,
    pub queued: i64,
    pub time_to_agent_count: i64,
    pub time_to_agent_ms: i64,
    pub abandoned: i64,
    pub first_human_response_count: i64,
    pub first_human_response_ms: i64,
    pub resolution_ms: i64,
    pub handled: i64,
    pub handle_ms: i64,
    pub sla_tracked: i64,
    pub sla_breached: i64,
    pub csat_sent: i64,
    pub csat_answered: i64,
    pub csat_positive: i64,
    pub csat_score_sum: i64,
    pub nps_sent: i64,
    pub nps_answered: i64,
    pub nps_promoters: i64,
    pub nps_detractors: i64,
    pub bot_customer_messages: i64,
    pub bot_answered_messages: i64,
    pub bot_out_of_scope_messages: i64,
    pub out_of_scope_handovers: i64,
    pub asked_again: i64,
}

/// What a tally needs besides one conversation's facts.
#[derive(Clone, Copy, Debug)]
pub struct TallyRules {
    /// Abandonment still pending at this time is not counted.
    pub as_of: Timestamp,
    /// A return on the same intent within this many days after resolution breaks
    /// first-contact resolution.
    pub fcr_days: i64,
}

fn count(condition: bool) -> i64 {
    i64::from(condition)
}

impl Tally {
    /// Adds one conversation. `next_same_intent_at`: when the contact next opened a
    /// conversation on the same intent (after this one opened), if ever.
    pub fn add(
        &mut self,
        facts: &ConversationFacts,
        next_same_intent_at: Option<Timestamp>,
        rules: TallyRules,
    ) {
        let resolved = facts.resolved_at.is_some();
        self.conversations += 1;
        self.bot_first += count(facts.bot_first);
        self.handed_over += count(facts.handover_reason.is_some());
        self.contained += count(
            resolved
                && facts.bot_first
                && facts.queued_at.is_none()
                && facts.handover_reason.is_none(),
        );
        self.resolved += count(resolved);
        self.ever_resolved += count(facts.resolution_ms.is_some());
        self.reopened += count(facts.reopens > 0);
        self.first_contact_resolved += count(facts.resolved_at.is_some_and(|resolved_at| {
            next_same_intent_at.is_none_or(|next| {
                next.as_millisecond() > resolved_at.as_millisecond() + rules.fcr_days * DAY_MS
            })
        }));
        add_duration(
            &mut self.first_response_count,
            &mut self.first_response_ms,
            facts.first_response_ms,
        );
        self.queued += count(facts.queued_at.is_some());
        add_duration(
            &mut self.time_to_agent_count,
            &mut self.time_to_agent_ms,
            facts.time_to_agent_ms,
        );
        self.abandoned += count(facts.abandoned_at.is_some_and(|at| at <= rules.as_of));
        add_duration(
            &mut self.first_human_response_count,
            &mut self.first_human_response_ms,
            facts.first_human_response_ms,
        );
        self.resolution_ms += facts.resolution_ms.unwrap_or(0);
        add_duration(&mut self.handled, &mut self.handle_ms, facts.handle_ms);
        self.sla_tracked += count(facts.has_sla);
        self.sla_breached += count(facts.has_sla && facts.sla_breached);
        self.csat_sent += count(facts.csat_sent);
        if let Some(score) = facts.csat_score {
            self.csat_answered += 1;
            self.csat_positive += count(score >= 4);
            self.csat_score_sum += i64::from(score);
        }
        self.nps_sent += count(facts.nps_sent);
        if let Some(score) = facts.nps_score {
            self.nps_answered += 1;
            self.nps_promoters += count(score >= 9);
            self.nps_detractors += count(score <= 6);
        }
        self.bot_customer_messages += facts.bot_customer_messages;
        self.bot_answered_messages += facts.bot_answered_messages;
        self.bot_out_of_scope_messages += facts.bot_out_of_scope_messages;
        self.out_of_scope_handovers += count(facts.out_of_scope_handover);
        self.asked_again += count(facts.asked_again);
    }
}

fn add_duration(count: &mut i64, sum: &mut i64, duration: Option<i64>) {
    if let Some(duration) = duration {
        *count += 1;
        *sum += duration;
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        let Tally {
            conversations,
            bot_first,
            handed_over,
            contained,
            resolved,
            ever_resolved,
            reopened,
            first_contact_resolved,
            first_response_count,
            first_response_ms,
            queued,
            time_to_agent_count,
            time_to_agent_ms,
            abandoned,
            first_human_response_count,
            first_human_response_ms,
            resolution_ms,
            handled,
            handle_ms,
            sla_tracked,
            sla_breached,
            csat_sent,
            csat_answered,
            csat_positive,
            csat_score_sum,
            nps_sent,
            nps_answered,
            nps_promoters,
            nps_detractors,
            bot_customer_messages,
            bot_answered_messages,
            bot_out_of_scope_messages,
            out_of_scope_handovers,
            asked_again,
        } = other;
        self.conversations += conversations;
        self.bot_first += bot_first;
        self.handed_over += handed_over;
        self.contained += contained;
        self.resolved += resolved;
        self.ever_resolved += ever_resolved;
        self.reopened += reopened;
        self.first_contact_resolved += first_contact_resolved;
        self.first_response_count += first_response_count;
        self.first_response_ms += first_response_ms;
        self.queued += queued;
        self.time_to_agent_count += time_to_agent_count;
        self.time_to_agent_ms += time_to_agent_ms;
        self.abandoned += abandoned;
        self.first_human_response_count += first_human_response_count;
        self.first_human_response_ms += first_human_response_ms;
        self.resolution_ms += resolution_ms;
        self.handled += handled;
        self.handle_ms += handle_ms;
        self.sla_tracked += sla_tracked;
        self.sla_breached += sla_breached;
        self.csat_sent += csat_sent;
        self.csat_answered += csat_answered;
        self.csat_positive += csat_positive;
        self.csat_score_sum += csat_score_sum;
        self.nps_sent += nps_sent;
        self.nps_answered += nps_answered;
        self.nps_promoters += nps_promoters;
        self.nps_detractors += nps_detractors;
        self.bot_customer_messages += bot_customer_messages;
        self.bot_answered_messages += bot_answered_messages;
        self.bot_out_of_scope_messages += bot_out_of_scope_messages;
        self.out_of_scope_handovers += out_of_scope_handovers;
        self.asked_again += asked_again;
    }
}
