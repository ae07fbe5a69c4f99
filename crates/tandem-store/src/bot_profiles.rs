//! Each account's bot profile, stored as the YAML source its admins wrote. The store keeps the
//! text; checking it is the bot crate's job, done before saving.

use sqlx::FromRow;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, UserId};

use crate::db::{Conn, args};
use crate::records::timestamp;
use crate::{Store, StoreError};

/// A saved bot profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBotProfile {
    pub account_id: AccountId,
    /// The profile as written (YAML).
    pub source: String,
    pub updated_at: Timestamp,
    /// Who saved it; `None` for the seeded demo profile or a deleted user.
    pub updated_by: Option<UserId>,
}

#[derive(Debug, FromRow)]
struct BotProfileRow {
    account_id: Uuid,
    source: String,
    updated_at: i64,
    updated_by: Option<Uuid>,
}

impl TryFrom<BotProfileRow> for StoredBotProfile {
    type Error = StoreError;
    fn try_from(row: BotProfileRow) -> Result<Self, StoreError> {
        Ok(StoredBotProfile {
            account_id: AccountId(row.account_id),
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
            "SELECT account_id, source, updated_at, updated_by FROM bot_profiles WHERE account_id = $1",
            args![account_id],
        )
        .await?
        .map(StoredBotProfile::try_from)
        .transpose()
    }

    /// When the account's bot profile was last saved, if it has one: a cheap check whether a
    /// bot built from it is still current, without reading the source.
    pub async fn bot_profile_updated_at(
        &self,
        account_id: AccountId,
    ) -> Result<Option<Timestamp>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<(i64,)>(
            "SELECT updated_at FROM bot_profiles WHERE account_id = $1",
            args![account_id],
        )
        .await?
        .map(|(updated_at,)| timestamp(updated_at))
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
            && crate::users::find_user(&mut conn, account_id, user_id)
                .await?
                .is_none()
        {
            return Err(StoreError::InvalidReference {
                field: "updated_by",
                message: "no such user in this account".into(),
            });
        }
        let profile = StoredBotProfile {
            account_id,
            source: source.to_owned(),
            updated_at: now,
            updated_by,
        };
        upsert_bot_profile(&mut conn, &profile).await?;
        conn.commit().await?;
        Ok(profile)
    }
}
