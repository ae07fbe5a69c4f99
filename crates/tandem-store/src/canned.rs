//! Canned responses, per account.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::canned::CannedResponse;
use tandem_domain::id::{AccountId, CannedResponseId};

use crate::db::{Conn, args};
use crate::error::{Conflict, is_unique_violation};
use crate::records::timestamp;
use crate::{Store, StoreError};

const COLUMNS: &str = "id, account_id, shortcut, title, text, created_at, updated_at";

/// Changes to a canned response; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CannedPatch {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
struct CannedRow {
    id: Uuid,
    account_id: Uuid,
    shortcut: String,
    title: String,
    text: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CannedRow> for CannedResponse {
    type Error = StoreError;

    fn try_from(row: CannedRow) -> Result<Self, StoreError> {
        Ok(CannedResponse {
            id: CannedResponseId(row.id),
            account_id: AccountId(row.account_id),
            shortcut: row.shortcut,
            title: row.title,
            text: row.text,
            created_at: timestamp(row.created_at)?,
            updated_at: timestamp(row.updated_at)?,
        })
    }
}

fn shortcut_taken(error: sqlx::Error) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict {
            kind: Conflict::ShortcutTaken,
            field: "shortcut",
            message: "another canned response already uses this shortcut".into(),
        }
    } else {
        error.into()
    }
}

async fn find_canned(
    conn: &mut Conn,
    account_id: AccountId,
    id: CannedResponseId,
) -> Result<CannedResponse, StoreError> {
    conn.fetch_optional::<CannedRow>(
        &format!("SELECT {COLUMNS} FROM canned_responses WHERE account_id = $1 AND id = $2"),
        args![account_id, id],
    )
    .await?
    .ok_or(StoreError::not_found("canned response"))?
    .try_into()
}

impl Store {
    /// Every canned response of an account, by shortcut.
    pub async fn canned_responses(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<CannedResponse>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<CannedRow>(
                &format!(
                    "SELECT {COLUMNS} FROM canned_responses WHERE account_id = $1 ORDER BY shortcut"
                ),
                args![account_id],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Creates a canned response (fields validated by the caller).
    pub async fn create_canned_response(
        &self,
        account_id: AccountId,
        shortcut: &str,
        title: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<CannedResponse, StoreError> {
        let canned = CannedResponse {
            id: CannedResponseId::generate(),
            account_id,
            shortcut: shortcut.to_owned(),
            title: title.to_owned(),
            text: text.to_owned(),
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.write().await?;
        conn.execute(
            &format!(
                "INSERT INTO canned_responses ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ),
            args![canned.id, account_id, shortcut, title, text, now, now],
        )
        .await
        .map_err(shortcut_taken)?;
        conn.commit().await?;
        Ok(canned)
    }

    /// Changes a canned response.
    pub async fn update_canned_response(
        &self,
        account_id: AccountId,
        id: CannedResponseId,
        patch: CannedPatch,
        now: Timestamp,
    ) -> Result<CannedResponse, StoreError> {
        let mut conn = self.write().await?;
        let mut canned = find_canned(&mut conn, account_id, id).await?;
        if let Some(shortcut) = patch.shortcut {
            canned.shortcut = shortcut;
        }
        if let Some(title) = patch.title {
            canned.title = title;
        }
        if let Some(text) = patch.text {
            canned.text = text;
        }
        canned.updated_at = now;
        conn.execute(
            "UPDATE canned_responses SET shortcut = $1, title = $2, text = $3, updated_at = $4 \
             WHERE account_id = $5 AND id = $6",
            args![
                canned.shortcut.as_str(),
                canned.title.as_str(),
                canned.text.as_str(),
                now,
                account_id,
                id
            ],
        )
        .await
        .map_err(shortcut_taken)?;
        conn.commit().await?;
        Ok(canned)
    }

    /// Deletes a canned response.
    pub async fn delete_canned_response(
        &self,
        account_id: AccountId,
        id: CannedResponseId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM canned_responses WHERE account_id = $1 AND id = $2",
                args![account_id, id],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("canned response"));
        }
        conn.commit().await?;
        Ok(())
    }
}
