//! Reports: each conversation's facts (`report_facts.rs`), brought up to date and summed with
//! `GROUP BY` over an account's conversations opened in a range. The account's time zone
//! (report days are its calendar days) lives here too.

use sqlx::FromRow;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::AccountId;
use tandem_reports::period::SLOT_MS;
use tandem_reports::{GroupBy, Tally};

use crate::db::args;
use crate::{Store, StoreError};

/// Which conversations a report counts, and the rules that depend on the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportScope {
    /// Conversations opened at or after this instant...
    pub start: Timestamp,
    /// ...and before this one.
    pub end: Timestamp,
    /// Abandonment still pending at this instant is not counted.
    pub as_of: Timestamp,
    /// A return on the same intent within this many days breaks first-contact resolution.
    pub fcr_days: i64,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Sums of facts, with the same definitions as [`Tally::add`] (`sums_match_the_pure_tally`
/// in the conformance suite holds them together). `$4` is "as of", `$5` the FCR window.
const TALLY_SELECT: &str = "COUNT(*) AS conversations, \
    COALESCE(CAST(SUM(bot_first) AS BIGINT), 0) AS bot_first, \
    COUNT(handover_reason) AS handed_over, \
    COALESCE(CAST(SUM(CASE WHEN resolved_at IS NOT NULL AND bot_first = 1 AND queued_at IS NULL \
        AND handover_reason IS NULL THEN 1 ELSE 0 END) AS BIGINT), 0) AS contained, \
    COUNT(resolved_at) AS resolved, \
    COUNT(resolution_ms) AS ever_resolved, \
    COALESCE(CAST(SUM(CASE WHEN reopens > 0 THEN 1 ELSE 0 END) AS BIGINT), 0) AS reopened, \
    COALESCE(CAST(SUM(CASE WHEN resolved_at IS NOT NULL AND (next_same_intent_at IS NULL \
        OR next_same_intent_at > resolved_at + $5) THEN 1 ELSE 0 END) AS BIGINT), 0) AS first_contact_resolved, \
    COUNT(first_response_ms) AS first_response_count, \
    COALESCE(CAST(SUM(first_response_ms) AS BIGINT), 0) AS first_response_ms, \
    COUNT(queued_at) AS queued, \
    COUNT(time_to_agent_ms) AS time_to_agent_count, \
    COALESCE(CAST(SUM(time_to_agent_ms) AS BIGINT), 0) AS time_to_agent_ms, \
    COALESCE(CAST(SUM(CASE WHEN abandoned_at <= $4 THEN 1 ELSE 0 END) AS BIGINT), 0) AS abandoned, \
    COUNT(first_human_response_ms) AS first_human_response_count, \
    COALESCE(CAST(SUM(first_human_response_ms) AS BIGINT), 0) AS first_human_response_ms, \
    COALESCE(CAST(SUM(resolution_ms) AS BIGINT), 0) AS resolution_ms, \
    COUNT(handle_ms) AS handled, \
    COALESCE(CAST(SUM(handle_ms) AS BIGINT), 0) AS handle_ms, \
    COALESCE(CAST(SUM(has_sla) AS BIGINT), 0) AS sla_tracked, \
    COALESCE(CAST(SUM(has_sla * sla_breached) AS BIGINT), 0) AS sla_breached, \
    COALESCE(CAST(SUM(csat_sent) AS BIGINT), 0) AS csat_sent, \
    COUNT(csat_score) AS csat_answered, \
    COALESCE(CAST(SUM(CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END) AS BIGINT), 0) AS csat_positive, \
    COALESCE(CAST(SUM(csat_score) AS BIGINT), 0) AS csat_score_sum, \
    COALESCE(CAST(SUM(nps_sent) AS BIGINT), 0) AS nps_sent, \
    COUNT(nps_score) AS nps_answered, \
    COALESCE(CAST(SUM(CASE WHEN nps_score >= 9 THEN 1 ELSE 0 END) AS BIGINT), 0) AS nps_promoters, \
    COALESCE(CAST(SUM(CASE WHEN nps_score <= 6 THEN 1 ELSE 0 END) AS BIGINT), 0) AS nps_detractors, \
    COALESCE(CAST(SUM(bot_customer_messages) AS BIGINT), 0) AS bot_customer_messages, \
    COALESCE(CAST(SUM(bot_answered_messages) AS BIGINT), 0) AS bot_answered_messages, \
    COALESCE(CAST(SUM(bot_out_of_scope_messages) AS BIGINT), 0) AS bot_out_of_scope_messages, \
    COALESCE(CAST(SUM(out_of_scope_handover) AS BIGINT), 0) AS out_of_scope_handovers, \
    COALESCE(CAST(SUM(asked_again) AS BIGINT), 0) AS asked_again";

/// The range filter every report query shares (`$1` account, `$2` start, `$3` end).
const IN_RANGE: &str =
    "FROM conversation_facts WHERE account_id = $1 AND opened_at >= $2 AND opened_at < $3";

#[derive(Debug, FromRow)]
struct TallyRow {
    conversations: i64,
    bot_first: i64,
    handed_over: i64,
    contained: i64,
    resolved: i64,
    ever_resolved: i64,
    reopened: i64,
    first_contact_resolved: i64,
    first_response_count: i64,
    first_response_ms: i64,
    queued: i64,
    time_to_agent_count: i64,
    time_to_agent_ms: i64,
    abandoned: i64,
    first_human_response_count: i64,
    first_human_response_ms: i64,
    resolution_ms: i64,
    handled: i64,
    handle_ms: i64,
    sla_tracked: i64,
    sla_breached: i64,
    csat_sent: i64,
    csat_answered: i64,
    csat_positive: i64,
    csat_score_sum: i64,
    nps_sent: i64,
    nps_answered: i64,
    nps_promoters: i64,
    nps_detractors: i64,
    bot_customer_messages: i64,
    bot_answered_messages: i64,
    bot_out_of_scope_messages: i64,
    out_of_scope_handovers: i64,
    asked_again: i64,
}

impl From<TallyRow> for Tally {
    fn from(row: TallyRow) -> Self {
        Tally {
            conversations: row.conversations,
            bot_first: row.bot_first,
            handed_over: row.handed_over,
            contained: row.contained,
            resolved: row.resolved,
            ever_resolved: row.ever_resolved,
            reopened: row.reopened,
            first_contact_resolved: row.first_contact_resolved,
            first_response_count: row.first_response_count,
            first_response_ms: row.first_response_ms,
            queued: row.queued,
            time_to_agent_count: row.time_to_agent_count,
            time_to_agent_ms: row.time_to_agent_ms,
            abandoned: row.abandoned,
            first_human_response_count: row.first_human_response_count,
            first_human_response_ms: row.first_human_response_ms,
            resolution_ms: row.resolution_ms,
            handled: row.handled,
            handle_ms: row.handle_ms,
            sla_tracked: row.sla_tracked,
            sla_breached: row.sla_breached,
            csat_sent: row.csat_sent,
            csat_answered: row.csat_answered,
            csat_positive: row.csat_positive,
            csat_score_sum: row.csat_score_sum,
            nps_sent: row.nps_sent,
            nps_answered: row.nps_answered,
            nps_promoters: row.nps_promoters,
            nps_detractors: row.nps_detractors,
            bot_customer_messages: row.bot_customer_messages,
            bot_answered_messages: row.bot_answered_messages,
            bot_out_of_scope_messages: row.bot_out_of_scope_messages,
            out_of_scope_handovers: row.out_of_scope_handovers,
            asked_again: row.asked_again,
        }
    }
}

#[derive(Debug, FromRow)]
struct TextGroupRow {
    key: Option<String>,
    #[sqlx(flatten)]
    tally: TallyRow,
}

#[derive(Debug, FromRow)]
struct UuidGroupRow {
    key: Option<Uuid>,
    #[sqlx(flatten)]
    tally: TallyRow,
}

#[derive(Debug, FromRow)]
struct SlotRow {
    slot: i64,
    #[sqlx(flatten)]
    tally: TallyRow,
}

/// The facts column a group reads, and whether it holds ids.
fn group_column(group: GroupBy) -> (&'static str, bool) {
    match group {
        GroupBy::Channel => ("channel", false),
        GroupBy::Inbox => ("inbox_id", true),
        GroupBy::Team => ("team_id", true),
        GroupBy::Agent => ("agent_id", true),
        GroupBy::Intent => ("intent", false),
        GroupBy::HandoverReason => ("handover_reason", false),
    }
}

fn scope_args(account_id: AccountId, scope: &ReportScope) -> Vec<crate::db::Arg> {
    args![
        account_id,
        scope.start,
        scope.end,
        scope.as_of,
        scope.fcr_days.saturating_mul(DAY_MS)
    ]
}

impl Store {
    /// The account's IANA time zone name (`UTC` until set).
    pub async fn account_time_zone(&self, account_id: AccountId) -> Result<String, StoreError> {
        let mut conn = self.read().await?;
        let (zone,) = conn
            .fetch_optional::<(String,)>(
                "SELECT time_zone FROM accounts WHERE id = $1",
                args![account_id],
            )
            .await?
            .ok_or(StoreError::not_found("account"))?;
        Ok(zone)
    }

    /// Sets the account's time zone; the caller has checked the name.
    pub async fn set_account_time_zone(
        &self,
        account_id: AccountId,
        time_zone: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let changed = conn
            .execute(
                "UPDATE accounts SET time_zone = $1 WHERE id = $2",
                args![time_zone, account_id],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::not_found("account"));
        }
        conn.commit().await?;
        Ok(())
    }

    /// The tally of every conversation in scope.
    pub async fn report_total(
        &self,
        account_id: AccountId,
        scope: &ReportScope,
    ) -> Result<Tally, StoreError> {
        self.bring_facts_up_to_date(account_id).await?;
        let mut conn = self.read().await?;
        let row = conn
            .fetch_one::<TallyRow>(
                &format!("SELECT {TALLY_SELECT} {IN_RANGE}"),
                scope_args(account_id, scope),
            )
            .await?;
        Ok(row.into())
    }

    /// One tally per value of `group` (ids as text; `None` for conversations without one),
    /// largest first.
    pub async fn report_groups(
        &self,
        account_id: AccountId,
        scope: &ReportScope,
        group: GroupBy,
    ) -> Result<Vec<(Option<String>, Tally)>, StoreError> {
        self.bring_facts_up_to_date(account_id).await?;
        let (column, holds_ids) = group_column(group);
        let sql = format!(
            "SELECT {column} AS key, {TALLY_SELECT} {IN_RANGE} \
             GROUP BY {column} ORDER BY conversations DESC"
        );
        let mut conn = self.read().await?;
        let args = scope_args(account_id, scope);
        Ok(if holds_ids {
            conn.fetch_all::<UuidGroupRow>(&sql, args)
                .await?
                .into_iter()
                .map(|row| (row.key.map(|id| id.to_string()), row.tally.into()))
                .collect()
        } else {
            conn.fetch_all::<TextGroupRow>(&sql, args)
                .await?
                .into_iter()
                .map(|row| (row.key, row.tally.into()))
                .collect()
        })
    }

    /// Tallies per quarter-hour slot (`opened_at / SLOT_MS`), for day and week buckets in any
    /// time zone (`tandem_reports::period::by_bucket`).
    pub async fn report_slots(
        &self,
        account_id: AccountId,
        scope: &ReportScope,
    ) -> Result<Vec<(i64, Tally)>, StoreError> {
        self.bring_facts_up_to_date(account_id).await?;
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<SlotRow>(
                &format!(
                    "SELECT opened_at / {SLOT_MS} AS slot, {TALLY_SELECT} {IN_RANGE} \
                     GROUP BY opened_at / {SLOT_MS}"
                ),
                scope_args(account_id, scope),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.slot, row.tally.into()))
            .collect())
    }
}
