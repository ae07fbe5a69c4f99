//! Each conversation's report facts (`conversation_facts`), kept off the message path: a write
//! that records events only marks the conversation's facts stale (`mark_facts_stale`, one
//! statement in its transaction), and marked conversations are refolded from their whole log in
//! batches — by each node's facts worker (`Store::refold_stale_facts`), and by every reader of
//! the facts first (`Store::bring_facts_up_to_date`), so what a report reads is exact.
//!
//! Multi-node safety: a batch takes the account's facts lock (a PostgreSQL advisory lock; SQLite
//! has one writer), reads the marks it refolds with their versions, refolds, and last deletes
//! the marks still at the versions it read. A writer marks with an upsert that raises the
//! version, so a write committed after the refold read the marks keeps its mark (the delete
//! re-checks the version of a row changed meanwhile), and a writer waits for a refold only
//! between that final delete and its commit, never for the whole refold.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::FromRow;
use sqlx::types::Json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::event::Event;
use tandem_domain::id::{AccountId, ConversationId};
use tandem_domain::message::Message;
use tandem_reports::facts::fold;
use tandem_reports::{ConversationFacts, ConversationLog};

use crate::db::{Arg, Backend, Conn, args, placeholders, values_rows};
use crate::records::{EVENT_COLUMNS, EventRow, MESSAGE_COLUMNS, MessageRow, convert_all};
use crate::{Store, StoreError};

/// Conversations refolded in one transaction: the most one account's pass of
/// [`Store::refold_stale_facts`] takes.
pub const FACTS_BATCH: u32 = 200;

/// Accounts one pass of the facts worker looks at.
const ACCOUNTS_PER_PASS: i64 = 64;

#[derive(Debug, FromRow)]
struct LogRow {
    id: Uuid,
    created_at: i64,
    handover_context: Option<Json<Value>>,
    bot_state: Option<Json<Value>>,
    has_sla: i64,
    out_of_scope_questions: i64,
}

/// Marks the conversation's facts stale, in the caller's transaction: the write's events and
/// messages reach the facts with the next refold, before any report reads them.
pub(crate) async fn mark_facts_stale(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
    now: Timestamp,
) -> Result<(), StoreError> {
    // An update, not DO NOTHING: the raised version tells a refold that read the mark before
    // this write that the mark is not its to delete.
    conn.execute(
        "INSERT INTO facts_stale (conversation_id, account_id, marked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (conversation_id) DO UPDATE SET marked_at = excluded.marked_at, \
         version = facts_stale.version + 1",
        args![conversation_id, account_id, now],
    )
    .await?;
    Ok(())
}

/// Serialises refolds of one account's facts across nodes, so two never update the same
/// contact's conversations (first-contact resolution links them) in opposite orders.
async fn lock_account_facts(conn: &mut Conn, account_id: AccountId) -> Result<(), StoreError> {
    if conn.backend() == Backend::Postgres {
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            args![format!("facts|{account_id}")],
        )
        .await?;
    }
    Ok(())
}

/// Refolds up to `limit` of the account's marked conversations, oldest marks first, then
/// deletes those marks unless a write raised them meanwhile; returns how many marks it took.
/// The caller holds the account's facts lock.
async fn refold_marked(
    conn: &mut Conn,
    account_id: AccountId,
    limit: u32,
) -> Result<usize, StoreError> {
    let marked = conn
        .fetch_all::<(Uuid, i64)>(
            "SELECT conversation_id, version FROM facts_stale WHERE account_id = $1 \
             ORDER BY marked_at LIMIT $2",
            args![account_id, i64::from(limit)],
        )
        .await?;
    if marked.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = marked.iter().map(|(id, _)| *id).collect();
    refold(conn, account_id, &ids).await?;
    let mut versions = args![account_id];
    for (id, version) in &marked {
        versions.extend(args![*id, *version]);
    }
    conn.execute(
        &format!(
            "DELETE FROM facts_stale WHERE account_id = $1 AND (conversation_id, version) IN (VALUES {})",
            values_rows(marked.len(), 2, 2)
        ),
        versions,
    )
    .await?;
    Ok(ids.len())
}

/// `$2, $3, ...` for `count` ids after the account.
fn id_placeholders(count: usize) -> String {
    placeholders(2, count)
}

fn account_and_ids(account_id: AccountId, ids: &[Uuid]) -> Vec<Arg> {
    std::iter::once(Arg::from(account_id))
        .chain(ids.iter().map(|id| Arg::from(*id)))
        .collect()
}

/// Refolds the facts of the account's conversations `ids` from their whole logs, in the
/// caller's transaction, and returns how many exist (a deleted one has nothing to fold). Every
/// log is read with one statement per table; all facts are saved before any first-contact
/// link is drawn, so links see the batch's new intents.
async fn refold(conn: &mut Conn, account_id: AccountId, ids: &[Uuid]) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let in_ids = id_placeholders(ids.len());
    conn.execute(
        &format!(
            "INSERT INTO conversation_facts (conversation_id, account_id, inbox_id, channel, contact_id, opened_at) \
             SELECT c.id, c.account_id, c.inbox_id, i.channel, c.contact_id, c.created_at \
             FROM conversations c JOIN inboxes i ON i.id = c.inbox_id WHERE c.account_id = $1 AND c.id IN ({in_ids}) \
             ON CONFLICT (conversation_id) DO UPDATE SET contact_id = excluded.contact_id"
        ),
        account_and_ids(account_id, ids),
    )
    .await?;
    let logs = conn
        .fetch_all::<LogRow>(
            &format!(
                "SELECT c.id, c.created_at, c.handover_context, c.bot_state, \
                 CAST(CASE WHEN EXISTS (SELECT 1 FROM sla_clocks s WHERE s.account_id = $1 AND s.conversation_id = c.id) \
                 THEN 1 ELSE 0 END AS BIGINT) AS has_sla, \
                 (SELECT COUNT(*) FROM unanswered_questions q WHERE q.account_id = $1 AND q.conversation_id = c.id \
                  AND q.reason = 'out_of_scope') AS out_of_scope_questions \
                 FROM conversations c WHERE c.account_id = $1 AND c.id IN ({in_ids}) ORDER BY c.created_at, c.id"
            ),
            account_and_ids(account_id, ids),
        )
        .await?;
    let mut events: HashMap<ConversationId, Vec<Event>> = HashMap::new();
    for event in convert_all::<_, Event>(
        conn.fetch_all::<EventRow>(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND conversation_id IN ({in_ids}) \
                 ORDER BY created_at, id"
            ),
            account_and_ids(account_id, ids),
        )
        .await?,
    )? {
        events.entry(event.conversation_id).or_default().push(event);
    }
    let mut messages: HashMap<ConversationId, Vec<Message>> = HashMap::new();
    for message in convert_all::<_, Message>(
        conn.fetch_all::<MessageRow>(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND conversation_id IN ({in_ids}) \
                 ORDER BY created_at, id"
            ),
            account_and_ids(account_id, ids),
        )
        .await?,
    )? {
        messages
            .entry(message.conversation_id)
            .or_default()
            .push(message);
    }
    let mut folded = Vec::with_capacity(logs.len());
    for log in &logs {
        let conversation_id = ConversationId::from(log.id);
        let facts = fold(&ConversationLog {
            opened_at: crate::records::timestamp(log.created_at)?,
            events: events.get(&conversation_id).map_or(&[], Vec::as_slice),
            messages: messages.get(&conversation_id).map_or(&[], Vec::as_slice),
            handover_context: log.handover_context.as_ref().map(|json| &json.0),
            bot_state: log.bot_state.as_ref().map(|json| &json.0),
            has_sla: log.has_sla == 1,
            out_of_scope_questions: log.out_of_scope_questions,
        });
        save_facts(conn, account_id, conversation_id, &facts).await?;
        folded.push((conversation_id, facts));
    }
    for (conversation_id, facts) in &folded {
        link_same_intent(conn, account_id, *conversation_id, facts).await?;
    }
    Ok(u64::try_from(folded.len()).unwrap_or(u64::MAX))
}

fn flag(value: bool) -> i64 {
    i64::from(value)
}

async fn save_facts(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
    facts: &ConversationFacts,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE conversation_facts SET team_id = $1, agent_id = $2, intent = $3, handover_reason = $4, \
         bot_first = $5, first_response_ms = $6, queued_at = $7, time_to_agent_ms = $8, abandoned_at = $9, \
         first_human_response_ms = $10, resolution_ms = $11, resolved_at = $12, reopens = $13, handle_ms = $14, \
         has_sla = $15, sla_breached = $16, csat_sent = $17, csat_score = $18, nps_sent = $19, nps_score = $20, \
         bot_customer_messages = $21, bot_answered_messages = $22, out_of_scope_handover = $23, asked_again = $24, \
         bot_out_of_scope_messages = $25 \
         WHERE account_id = $26 AND conversation_id = $27",
        args![
            facts.team_id,
            facts.agent_id,
            facts.intent.as_deref(),
            facts.handover_reason.map(|reason| reason.as_str()),
            flag(facts.bot_first),
            facts.first_response_ms,
            facts.queued_at,
            facts.time_to_agent_ms,
            facts.abandoned_at,
            facts.first_human_response_ms,
            facts.resolution_ms,
            facts.resolved_at,
            facts.reopens,
            facts.handle_ms,
            flag(facts.has_sla),
            flag(facts.sla_breached),
            flag(facts.csat_sent),
            facts.csat_score.map(i64::from),
            flag(facts.nps_sent),
            facts.nps_score.map(i64::from),
            facts.bot_customer_messages,
            facts.bot_answered_messages,
            flag(facts.out_of_scope_handover),
            flag(facts.asked_again),
            facts.bot_out_of_scope_messages,
            account_id,
            conversation_id
        ],
    )
    .await?;
    Ok(())
}

/// Keeps `next_same_intent_at` (first-contact resolution) true both ways: this conversation's
/// is the contact's next opening on the same intent, and it is the next opening of the
/// contact's earlier conversations on that intent that had none sooner. Conversations with no
/// known intent count as one intent, "none".
async fn link_same_intent(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
    facts: &ConversationFacts,
) -> Result<(), StoreError> {
    let intent = facts.intent.clone().unwrap_or_default();
    conn.execute(
        "UPDATE conversation_facts SET next_same_intent_at = (\
             SELECT MIN(later.opened_at) FROM conversation_facts later \
             WHERE later.account_id = $1 AND later.contact_id = conversation_facts.contact_id \
             AND COALESCE(later.intent, '') = $3 AND later.opened_at > conversation_facts.opened_at) \
         WHERE account_id = $1 AND conversation_id = $2",
        args![account_id, conversation_id, intent.as_str()],
    )
    .await?;
    conn.execute(
        "UPDATE conversation_facts SET next_same_intent_at = $4 \
         WHERE account_id = $1 AND contact_id = (SELECT contact_id FROM conversation_facts WHERE account_id = $1 AND conversation_id = $2) \
         AND COALESCE(intent, '') = $3 AND opened_at < $4 \
         AND (next_same_intent_at IS NULL OR next_same_intent_at > $4)",
        args![account_id, conversation_id, intent.as_str(), facts.opened_at],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Refolds the stale facts of up to a batch of conversations in each of a few accounts,
    /// one transaction per account, and returns how many it refolded: the facts worker's pass.
    /// Maintenance for every account; any number of nodes may run it at once.
    pub async fn refold_stale_facts(&self) -> Result<u64, StoreError> {
        let accounts = self
            .read()
            .await?
            .fetch_all::<(Uuid,)>(
                "SELECT DISTINCT account_id FROM facts_stale LIMIT $1",
                args![ACCOUNTS_PER_PASS],
            )
            .await?;
        let mut refolded = 0;
        for (account_id,) in accounts {
            let account_id = AccountId::from(account_id);
            let mut conn = self.write().await?;
            lock_account_facts(&mut conn, account_id).await?;
            let taken = refold_marked(&mut conn, account_id, FACTS_BATCH).await?;
            conn.commit().await?;
            refolded += u64::try_from(taken).unwrap_or(u64::MAX);
        }
        Ok(refolded)
    }

    /// Refolds every stale fact of the account, so a read of its facts that follows sees every
    /// write committed before this call. Reports and exports call it first.
    pub(crate) async fn bring_facts_up_to_date(
        &self,
        account_id: AccountId,
    ) -> Result<(), StoreError> {
        let any_stale = self
            .read()
            .await?
            .fetch_optional::<(i64,)>(
                "SELECT CAST(1 AS BIGINT) FROM facts_stale WHERE account_id = $1 LIMIT 1",
                args![account_id],
            )
            .await?;
        if any_stale.is_none() {
            return Ok(());
        }
        loop {
            let mut conn = self.write().await?;
            lock_account_facts(&mut conn, account_id).await?;
            let taken = refold_marked(&mut conn, account_id, FACTS_BATCH).await?;
            conn.commit().await?;
            if taken < FACTS_BATCH as usize {
                return Ok(());
            }
        }
    }

    /// Folds the facts of conversations that have none (those recorded before reports
    /// existed), `batch` at a time, one transaction per account in each batch, and returns how
    /// many it folded. Maintenance for every account, run once when a node starts; on several
    /// nodes at once the same conversation is at worst folded twice, to the same facts.
    pub async fn backfill_report_facts(&self, batch: u32) -> Result<u64, StoreError> {
        let mut folded = 0;
        loop {
            let missing = self
                .read()
                .await?
                .fetch_all::<(Uuid, Uuid)>(
                    "SELECT c.account_id, c.id FROM conversations c \
                     LEFT JOIN conversation_facts f ON f.conversation_id = c.id \
                     WHERE f.conversation_id IS NULL LIMIT $1",
                    args![i64::from(batch)],
                )
                .await?;
            if missing.is_empty() {
                return Ok(folded);
            }
            let mut by_account: HashMap<AccountId, Vec<Uuid>> = HashMap::new();
            for (account_id, conversation_id) in missing {
                by_account
                    .entry(account_id.into())
                    .or_default()
                    .push(conversation_id);
            }
            for (account_id, ids) in by_account {
                let mut conn = self.write().await?;
                lock_account_facts(&mut conn, account_id).await?;
                folded += refold(&mut conn, account_id, &ids).await?;
                conn.commit().await?;
            }
        }
    }
}
