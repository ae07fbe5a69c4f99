//! A person's saved views of the conversation list.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use tandem_app::model::SavedView;
use tandem_domain::Timestamp;

#[derive(Debug, Serialize)]
pub struct SavedViewResponse {
    pub id: Uuid,
    pub name: String,
    /// The list's query parameters (`status`, `assignee_id`, `label`...).
    pub filters: Map<String, Value>,
    pub created_at: Timestamp,
}

impl From<SavedView> for SavedViewResponse {
    fn from(view: SavedView) -> Self {
        Self {
            id: view.id.0,
            name: view.name,
            filters: view.filters,
            created_at: view.created_at,
        }
    }
}

/// A view to save.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSavedViewRequest {
    pub name: String,
    #[serde(default)]
    pub filters: Map<String, Value>,
}
