//! The audit trail: who did what to which subject, when, from where, and the values before and
//! after. A change made in a store transaction writes its entry in that same transaction
//! (`record_audit`), so a change never lands without its record; events with no change of
//! their own go through [`Store::record_audit`].

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, UserId};

use crate::db::{Arg, Conn, args};
use crate::records::timestamp;
use crate::{Store, StoreError};

/// Who acted and from where, captured at the time: the e-mail address and name stay in the
/// record when the user is deleted (then `user_id` becomes `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditActor {
    /// The person; `None` for an unauthenticated attempt or the system.
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub name: Option<String>,
    /// The client's IP address.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// An accountable action about to be recorded; its values are already redacted by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    pub actor: AuditActor,
    /// What was done, e.g. `user.role_changed`.
    pub action: String,
    /// What kind of entity was acted on, e.g. `user`.
    pub subject_kind: String,
    /// The entity acted on; `None` when there is none (a failed login with an unknown address).
    pub subject_id: Option<Uuid>,
    /// The values before the change (`None` for a creation).
    pub before: Option<serde_json::Value>,
    /// The values after the change (`None` for a deletion).
    pub after: Option<serde_json::Value>,
}

impl NewAuditEntry {
    /// The same entry about `subject_id`, for a store method that creates the subject.
    pub fn about(&self, subject_id: Uuid) -> Self {
        Self {
            subject_id: Some(subject_id),
            ..self.clone()
        }
    }
}

/// One recorded action.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: Uuid,
    /// Who did it, as they were then (`user_id` is `None` once that user is deleted).
    pub actor: AuditActor,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

/// Which entries to read; every filter given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<UserId>,
    /// Actions starting with this, e.g. `user.` (matched literally, not as a pattern).
    pub action_prefix: Option<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<Uuid>,
    /// Entries at or after this time.
    pub from: Option<Timestamp>,
    /// Entries before this time.
    pub to: Option<Timestamp>,
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` to get the next (older) page; none on the last page.
    pub next: Option<Uuid>,
}

/// Writes `entry` on `conn`, inside the caller's transaction.
pub(crate) async fn record_audit(
    conn: &mut Conn,
    account_id: AccountId,
    entry: &NewAuditEntry,
    now: Timestamp,
) -> Result<(), StoreError> {
    let actor = &entry.actor;
    conn.execute(
        "INSERT INTO audit_log (id, account_id, actor_id, actor_email, actor_name, ip, user_agent, \
         action, subject_kind, subject_id, before_data, after_data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        args![
            Uuid::now_v7(),
            account_id,
            actor.user_id,
            actor.email.as_deref(),
            actor.name.as_deref(),
            actor.ip.as_deref(),
            actor.user_agent.as_deref(),
            entry.action.as_str(),
            entry.subject_kind.as_str(),
            entry.subject_id,
            entry.before.clone(),
            entry.after.clone(),
            now
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    actor_id: Option<Uuid>,
    actor_email: Option<String>,
    actor_name: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    action: String,
    subject_kind: String,
    subject_id: Option<Uuid>,
    before_data: Option<sqlx::types::Json<serde_json::Value>>,
    after_data: Option<sqlx::types::Json<serde_json::Value>>,
    created_at: i64,
}

impl AuditRow {
    fn into_entry(self) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            id: self.id,
            actor: AuditActor {
                user_id: self.actor_id.map(UserId::from),
                email: self.actor_email,
                name: self.actor_name,
                ip: self.ip,
                user_agent: self.user_agent,
            },
            action: self.action,
            subject_kind: self.subject_kind,
            subject_id: self.subject_id,
            before: self.before_data.map(|json| json.0),
            after: self.after_data.map(|json| json.0),
            created_at: timestamp(self.created_at)?,
        })
    }
}

/// `LIKE` pattern for a literal prefix: `\`, `%` and `_` escaped with `\`.
fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for character in prefix.chars() {
        if matches!(character, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// Records an event that changes nothing in the store (a failed login, an export), in its
    /// own transaction. A change the store makes records its entry in the change's transaction.
    pub async fn record_audit(
        &self,
        account_id: AccountId,
        entry: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        record_audit(&mut conn, account_id, entry, now).await?;
        conn.commit().await?;
        Ok(())
    }

    /// The account's audit log matching `filter`, newest first, at most `limit` entries older
    /// than the entry `after` (a previous page's `next`).
    pub async fn audit_log(
        &self,
        account_id: AccountId,
        filter: &AuditFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<AuditPage, StoreError> {
        let mut sql = String::from(
            "SELECT id, actor_id, actor_email, actor_name, ip, user_agent, action, subject_kind, \
             subject_id, before_data, after_data, created_at FROM audit_log WHERE account_id = $1",
        );
        let mut query_args: Vec<Arg> = args![account_id];
        let mut condition = |sql: &mut String, template: &str, arg: Arg| {
            query_args.push(arg);
            sql.push_str(&template.replace("$n", &format!("${}", query_args.len())));
        };
        if let Some(actor_id) = filter.actor_id {
            condition(&mut sql, " AND actor_id = $n", actor_id.into());
        }
        if let Some(prefix) = &filter.action_prefix {
            condition(
                &mut sql,
                " AND action LIKE $n ESCAPE '\\'",
                like_prefix(prefix).into(),
            );
        }
        if let Some(kind) = &filter.subject_kind {
            condition(&mut sql, " AND subject_kind = $n", kind.as_str().into());
        }
        if let Some(subject_id) = filter.subject_id {
            condition(&mut sql, " AND subject_id = $n", subject_id.into());
        }
        if let Some(from) = filter.from {
            condition(&mut sql, " AND created_at >= $n", from.into());
        }
        if let Some(to) = filter.to {
            condition(&mut sql, " AND created_at < $n", to.into());
        }
        if let Some(after) = after {
            // Older than the cursor's entry in (created_at, id) order; a cursor from another
            // account finds no entry, so the page is empty.
            condition(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM audit_log c WHERE c.account_id = $1 AND c.id = $n \
                 AND (audit_log.created_at < c.created_at \
                 OR (audit_log.created_at = c.created_at AND audit_log.id < c.id)))",
                after.into(),
            );
        }
        condition(
            &mut sql,
            " ORDER BY created_at DESC, id DESC LIMIT $n",
            (i64::from(limit) + 1).into(),
        );
        let mut conn = self.read().await?;
        let mut rows = conn.fetch_all::<AuditRow>(&sql, query_args).await?;
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let entries = rows
            .into_iter()
            .map(AuditRow::into_entry)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if has_more {
            entries.last().map(|entry| entry.id)
        } else {
            None
        };
        Ok(AuditPage { entries, next })
    }
}

#[cfg(test)]
mod tests {
    use super::like_prefix;

    #[test]
    fn a_prefix_matches_literally() {
        assert_eq!(like_prefix("user."), "user.%");
        assert_eq!(like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
    }
}
