//! Users: creation, lookup, changes and removal (which hands their conversations back to the
//! queue).

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event};
use tandem_domain::id::{AccountId, UserId};
use tandem_domain::user::{Role, User};

use crate::audit::{NewAuditEntry, record_audit};
use crate::auth::revoke_credentials;
use crate::changes::Announcements;
use crate::conversation_rows::{load_conversation_for_update, update_conversation_row};
use crate::db::{Conn, args};
use crate::error::{Conflict, is_unique_violation};
use crate::events::{Written, record};
use crate::records::{USER_COLUMNS, UserRow, convert_all};
use crate::{Store, StoreError};

/// A user to create (alone or with an account); the password is already hashed.
#[derive(Clone, Debug)]
pub struct UserSeed {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
}

pub(crate) async fn insert_user(
    conn: &mut Conn,
    account_id: AccountId,
    id: UserId,
    seed: &UserSeed,
    now: Timestamp,
) -> Result<User, StoreError> {
    let inserted = conn
        .execute(
            "INSERT INTO users (id, account_id, email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id,
                account_id,
                seed.email.as_str(),
                seed.name.as_str(),
                seed.role.as_str(),
                seed.password_hash.as_str(),
                now
            ],
        )
        .await;
    match inserted {
        Err(error) if is_unique_violation(&error) => Err(StoreError::Conflict {
            kind: Conflict::EmailTaken,
            field: "email",
            message: "a user of this account already has this e-mail address".into(),
        }),
        other => other.map(|_| ()).map_err(StoreError::from),
    }?;
    Ok(User {
        id,
        account_id,
        email: seed.email.clone(),
        name: seed.name.clone(),
        role: seed.role,
        phone: None,
        created_at: now,
    })
}

pub(crate) async fn find_user(
    conn: &mut Conn,
    account_id: AccountId,
    user_id: UserId,
) -> Result<Option<User>, StoreError> {
    conn.fetch_optional::<UserRow>(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND id = $2"),
        args![account_id, user_id],
    )
    .await?
    .map(User::try_from)
    .transpose()
}

async fn count_admins(conn: &mut Conn, account_id: AccountId) -> Result<i64, StoreError> {
    let (count,) = conn
        .fetch_one::<(i64,)>(
            "SELECT count(*) FROM users WHERE account_id = $1 AND role = 'admin'",
            args![account_id],
        )
        .await?;
    Ok(count)
}

fn last_admin() -> StoreError {
    StoreError::Conflict {
        kind: Conflict::LastAdmin,
        field: "role",
        message: "an account must keep at least one admin".into(),
    }
}

impl Store {
    /// Adds a user to an account, recording `audit` about them.
    pub async fn create_user(
        &self,
        account_id: AccountId,
        seed: &UserSeed,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let mut conn = self.write().await?;
        let user = insert_user(&mut conn, account_id, UserId::generate(), seed, now).await?;
        record_audit(&mut conn, account_id, &audit.about(user.id.0), now).await?;
        conn.commit().await?;
        Ok(user)
    }

    /// Every user of an account, oldest first.
    pub async fn users(&self, account_id: AccountId) -> Result<Vec<User>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<UserRow>(
                &format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 ORDER BY created_at, id"
                ),
                args![account_id],
            )
            .await?;
        convert_all(rows)
    }

    /// One user of an account.
    pub async fn user(&self, account_id: AccountId, user_id: UserId) -> Result<User, StoreError> {
        let mut conn = self.read().await?;
        find_user(&mut conn, account_id, user_id)
            .await?
            .ok_or(StoreError::not_found("user"))
    }

    /// The users with this e-mail address (one per account at most), each with their password
    /// hash, oldest first: in `account_id` only when given, and at most `limit` of them. For
    /// logging in and password resets, which may not know the account.
    pub async fn credentials(
        &self,
        email: &str,
        account_id: Option<AccountId>,
        limit: u32,
    ) -> Result<Vec<(User, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Credentials {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<Credentials>(
                &format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM users \
                     WHERE email = $1 AND ($2 IS NULL OR account_id = $2) \
                     ORDER BY created_at, id LIMIT $3"
                ),
                args![email, account_id, i64::from(limit)],
            )
            .await?;
        rows.into_iter()
            .map(|row| Ok((User::try_from(row.user)?, row.password_hash)))
            .collect()
    }

    /// Changes a user's name, role, phone (`Some(None)` removes it) or password hash,
    /// recording `audit`. The last admin cannot be demoted.
    #[allow(clippy::too_many_arguments)] // One use case: its fields, its record and its time.
    pub async fn update_user(
        &self,
        account_id: AccountId,
        user_id: UserId,
        name: Option<&str>,
        role: Option<Role>,
        phone: Option<Option<&str>>,
        password_hash: Option<&str>,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let mut conn = self.write().await?;
        let mut user = find_user(&mut conn, account_id, user_id)
            .await?
            .ok_or(StoreError::not_found("user"))?;
        if user.role == Role::Admin
            && role.is_some_and(|role| role != Role::Admin)
            && count_admins(&mut conn, account_id).await? <= 1
        {
            return Err(last_admin());
        }
        if let Some(name) = name {
            user.name = name.to_owned();
        }
        if let Some(role) = role {
            user.role = role;
        }
        if let Some(phone) = phone {
            user.phone = phone.map(str::to_owned);
        }
        conn.execute(
            "UPDATE users SET name = $1, role = $2, password_hash = COALESCE($3, password_hash), \
             phone = $6 WHERE account_id = $4 AND id = $5",
            args![
                user.name.as_str(),
                user.role.as_str(),
                password_hash,
                account_id,
                user_id,
                user.phone.as_deref()
            ],
        )
        .await?;
        if password_hash.is_some() {
            // A password set by an admin ends every session and API token of the user: whoever
            // knew the old password may have opened them.
            revoke_credentials(&mut conn, account_id, user_id, None).await?;
        }
        record_audit(&mut conn, account_id, audit, now).await?;
        conn.commit().await?;
        Ok(user)
    }

    /// Removes a user, recording `audit`. Their open conversations go back to the queue,
    /// recorded as events by `actor`; the returned pairs are those conversations and their new
    /// events.
    pub async fn delete_user(
        &self,
        account_id: AccountId,
        user_id: UserId,
        actor: Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Vec<(Conversation, Vec<Event>)>, StoreError> {
        let mut conn = self.write().await?;
        let user = find_user(&mut conn, account_id, user_id)
            .await?
            .ok_or(StoreError::not_found("user"))?;
        if user.role == Role::Admin && count_admins(&mut conn, account_id).await? <= 1 {
            return Err(last_admin());
        }
        let assigned: Vec<(uuid::Uuid,)> = conn
            .fetch_all(
                "SELECT id FROM conversations WHERE account_id = $1 AND assignee_id = $2 AND status = 'assigned'",
                args![account_id, user_id],
            )
            .await?;
        let mut requeued = Vec::with_capacity(assigned.len());
        let mut announcements = Announcements::default();
        for (conversation_id,) in assigned {
            let (mut conversation, has_webhook) =
                load_conversation_for_update(&mut conn, account_id, conversation_id.into()).await?;
            let kinds = conversation.unassign(now)?;
            update_conversation_row(&mut conn, &conversation).await?;
            let events = record(
                &mut conn,
                &mut conversation,
                has_webhook,
                Written::by(actor, kinds),
                now,
                &mut announcements,
            )
            .await?;
            requeued.push((conversation, events));
        }
        conn.execute(
            "DELETE FROM users WHERE account_id = $1 AND id = $2",
            args![account_id, user_id],
        )
        .await?;
        record_audit(&mut conn, account_id, audit, now).await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok(requeued)
    }
}
