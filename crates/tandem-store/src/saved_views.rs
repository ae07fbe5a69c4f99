//! People's saved conversation-list views: a name and the list's filters, per person.

use sqlx::types::Json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, SavedViewId, UserId};

use crate::db::args;
use crate::error::{Conflict, is_unique_violation};
use crate::records::timestamp;
use crate::{Store, StoreError};

/// A saved view: the filters (`status`, `assignee_id`, `label`...) as the list takes them.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedView {
    pub id: SavedViewId,
    pub user_id: UserId,
    pub name: String,
    pub filters: serde_json::Map<String, serde_json::Value>,
    pub created_at: Timestamp,
}

type ViewRow = (Uuid, Uuid, String, Json<serde_json::Value>, i64);

fn saved_view(
    (id, user_id, name, Json(filters), created_at): ViewRow,
) -> Result<SavedView, StoreError> {
    let serde_json::Value::Object(filters) = filters else {
        return Err(StoreError::corrupt(format!("saved_views.filters of {id}")));
    };
    Ok(SavedView {
        id: SavedViewId(id),
        user_id: UserId(user_id),
        name,
        filters,
        created_at: timestamp(created_at)?,
    })
}

impl Store {
    /// A person's saved views, by name.
    pub async fn saved_views(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<Vec<SavedView>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<ViewRow> = conn
            .fetch_all(
                "SELECT id, user_id, name, filters, created_at FROM saved_views \
                 WHERE account_id = $1 AND user_id = $2 ORDER BY name",
                args![account_id, user_id],
            )
            .await?;
        rows.into_iter().map(saved_view).collect()
    }

    /// Saves a view for a person (name and filters checked by the caller) unless they already
    /// have `limit` views.
    pub async fn save_view(
        &self,
        account_id: AccountId,
        user_id: UserId,
        name: &str,
        filters: &serde_json::Map<String, serde_json::Value>,
        limit: i64,
        now: Timestamp,
    ) -> Result<SavedView, StoreError> {
        let mut conn = self.write().await?;
        let (count,): (i64,) = conn
            .fetch_one(
                "SELECT count(*) FROM saved_views WHERE account_id = $1 AND user_id = $2",
                args![account_id, user_id],
            )
            .await?;
        if count >= limit {
            return Err(StoreError::Invalid(
                tandem_domain::validation::ValidationError::field(
                    "name",
                    "too_many",
                    format!("at most {limit} saved views; delete one first"),
                ),
            ));
        }
        let view = SavedView {
            id: SavedViewId::generate(),
            user_id,
            name: name.to_owned(),
            filters: filters.clone(),
            created_at: now,
        };
        conn.execute(
            "INSERT INTO saved_views (id, account_id, user_id, name, filters, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                view.id,
                account_id,
                user_id,
                name,
                serde_json::Value::Object(filters.clone()),
                now
            ],
        )
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::Conflict {
                    kind: Conflict::ViewNameTaken,
                    field: "name",
                    message: "you already have a view with this name".into(),
                }
            } else {
                error.into()
            }
        })?;
        conn.commit().await?;
        Ok(view)
    }

    /// Deletes one of a person's saved views.
    pub async fn delete_view(
        &self,
        account_id: AccountId,
        user_id: UserId,
        view_id: SavedViewId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM saved_views WHERE account_id = $1 AND user_id = $2 AND id = $3",
                args![account_id, user_id, view_id],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("view"));
        }
        conn.commit().await?;
        Ok(())
    }
}
