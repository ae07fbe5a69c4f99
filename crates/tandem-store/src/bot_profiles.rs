//! Each account's bot profile, and optionally an inbox's own, stored as the YAML source its
//! admins wrote. The store keeps the text; checking it is the bot crate's job, done before
//! saving. A conversation is served by its inbox's profile when there is one, else by the
//! account's.

use sqlx::FromRow;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, InboxId, UserId};

use crate::db::{Conn, args};
use crate::inboxes::find_inbox;
use crate::records::timestamp;
use crate::users::find_user;
use crate::{Store, StoreError};

/// A saved bot profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBotProfile {
    pub account_id: AccountId,
    /// The inbox whose own profile this is; `None` for the account's.
    pub inbox_id: Option<InboxId>,
    /// The profile as written (YAML).
    pub source: String,
    pub updated_at: Timestamp,
    /// Who saved it; `None` for the seeded demo profile or a deleted user.
    pub updated_by: Option<UserId>,
}

#[derive(Debug, FromRow)]
struct BotProfileRow {
    account_id: Uuid,
    inbox_id: Option<Uuid>,
    source: String,
    updated_at: i64,
    updated_by: Option<Uuid>,
}

impl TryFrom<BotProfileRow> for StoredBotProfile {
    type Error = StoreError;
    fn try_from(row: BotProfileRow) -> Result<Self, StoreError> {
        Ok(StoredBotProfile {
            account_id: AccountId(row.account_id),
            inbox_id: row.inbox_id.map(InboxId),
            source: row.source,
            updated_at: timestamp(row.updated_at)?,
            updated_by: row.updated_by.map(UserId),
        })
    }
}

pub(crate) async fn upsert_bot_profile(
    conn: &mut Conn,
    profile: &StoredBotProfile,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO bot_profiles (account_id, source, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id) DO UPDATE SET source = excluded.source, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        args![
            profile.account_id,
            profile.source.as_str(),
            profile.updated_at,
            profile.updated_by
        ],
    )
    .await?;
    Ok(())
}

impl Store {
    /// The account's bot profile, if one was saved.
    pub async fn bot_profile(
        &self,
        account_id: AccountId,
    ) -> Result<Option<StoredBotProfile>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<BotProfileRow>(
            "SELECT account_id, CAST(NULL AS UUID) AS inbox_id, source, updated_at, updated_by FROM bot_profiles WHERE account_id = $1",
            args![account_id],
        )
        .await?
        .map(StoredBotProfile::try_from)
        .transpose()
    }

    /// Saves (or replaces) the account's bot profile. `updated_by` must be a user of the
    /// account.
    pub async fn save_bot_profile(
        &self,
        account_id: AccountId,
        source: &str,
        updated_by: Option<UserId>,
        now: Timestamp,
    ) -> Result<StoredBotProfile, StoreError> {
        let mut conn = self.write().await?;
        if let Some(user_id) = updated_by
            && find_user(&mut conn, account_id, user_id).await?.is_none()
        {
            return Err(StoreError::InvalidReference {
                field: "updated_by",
                message: "no such user in this account".into(),
            });
        }
        let profile = StoredBotProfile {
            account_id,
            inbox_id: None,
            source: source.to_owned(),
            updated_at: now,
            updated_by,
        };
        upsert_bot_profile(&mut conn, &profile).await?;
        conn.commit().await?;
        Ok(profile)
    }

    /// An inbox's own bot profile, if it has one.
    pub async fn inbox_bot_profile(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<StoredBotProfile>, StoreError> {
        let mut conn = self.read().await?;
        find_inbox(&mut conn, account_id, inbox_id).await?;
        conn.fetch_optional::<BotProfileRow>(
            "SELECT account_id, inbox_id, source, updated_at, updated_by FROM inbox_bot_profiles \
             WHERE account_id = $1 AND inbox_id = $2",
            args![account_id, inbox_id],
        )
        .await?
        .map(StoredBotProfile::try_from)
        .transpose()
    }

    /// Which profile serves `inbox_id`'s conversations (its own, `Some(inbox_id)`, or the
    /// account's, `None`) and when it was saved; `None` when neither exists.
    pub async fn serving_bot_profile(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<(Option<InboxId>, Timestamp)>, StoreError> {
        let mut conn = self.read().await?;
        let serving: Option<(i64, i64)> = conn
            .fetch_optional(
                "SELECT CAST(1 AS BIGINT) AS own, updated_at FROM inbox_bot_profiles \
                 WHERE account_id = $1 AND inbox_id = $2 \
                 UNION ALL SELECT CAST(0 AS BIGINT), updated_at FROM bot_profiles WHERE account_id = $1 \
                 ORDER BY own DESC LIMIT 1",
                args![account_id, inbox_id],
            )
            .await?;
        serving
            .map(|(own, updated_at)| Ok(((own == 1).then_some(inbox_id), timestamp(updated_at)?)))
            .transpose()
    }

    /// Saves (or replaces) an inbox's own bot profile.
    pub async fn save_inbox_bot_profile(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        source: &str,
        updated_by: Option<UserId>,
        now: Timestamp,
    ) -> Result<StoredBotProfile, StoreError> {
        let mut conn = self.write().await?;
        find_inbox(&mut conn, account_id, inbox_id).await?;
        conn.execute(
            "INSERT INTO inbox_bot_profiles (inbox_id, account_id, source, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (inbox_id) DO UPDATE SET source = excluded.source, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            args![inbox_id, account_id, source, now, updated_by],
        )
        .await?;
        conn.commit().await?;
        Ok(StoredBotProfile {
            account_id,
            inbox_id: Some(inbox_id),
            source: source.to_owned(),
            updated_at: now,
            updated_by,
        })
    }

    /// Removes an inbox's own bot profile: the account's serves it again. `false` when it had
    /// none.
    pub async fn delete_inbox_bot_profile(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        find_inbox(&mut conn, account_id, inbox_id).await?;
        let deleted = conn
            .execute(
                "DELETE FROM inbox_bot_profiles WHERE account_id = $1 AND inbox_id = $2",
                args![account_id, inbox_id],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted > 0)
    }
}
