//! A person's saved views of the conversation list: a name and the list's filters.

use serde_json::{Map, Value};

use tandem_domain::id::SavedViewId;
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_store::SavedView;

use crate::{App, AppError, Principal};

/// The most views one person keeps.
pub const MAX_SAVED_VIEWS: i64 = 30;
/// The longest view name, in characters.
pub const MAX_VIEW_NAME_CHARS: usize = 60;
/// The filters a view may hold: the conversation list's query parameters.
pub const VIEW_FILTERS: [&str; 7] = [
    "status",
    "assignee_id",
    "team_id",
    "inbox_id",
    "contact_id",
    "label",
    "q",
];

impl App {
    /// The caller's saved views, by name.
    pub async fn saved_views(&self, principal: &Principal) -> Result<Vec<SavedView>, AppError> {
        Ok(self
            .store
            .saved_views(principal.account_id(), principal.user_id())
            .await?)
    }

    /// Saves the caller's view: a name (trimmed, 1 to [`MAX_VIEW_NAME_CHARS`] characters,
    /// unique for the caller) and filters from [`VIEW_FILTERS`], each a text of at most
    /// [`MAX_NAME_CHARS`] characters. At most [`MAX_SAVED_VIEWS`] per person.
    pub async fn save_view(
        &self,
        principal: &Principal,
        name: &str,
        filters: &Map<String, Value>,
    ) -> Result<SavedView, AppError> {
        let name = name.trim();
        let mut validator = Validator::new();
        validator.text("name", name, MAX_VIEW_NAME_CHARS);
        for (key, value) in filters {
            let field = format!("filters.{key}");
            if !VIEW_FILTERS.contains(&key.as_str()) {
                validator.reject(
                    &field,
                    "unknown_filter",
                    format!("filters are {}", VIEW_FILTERS.join(", ")),
                );
            } else if let Value::String(text) = value {
                validator.text(&field, text, MAX_NAME_CHARS);
            } else {
                validator.reject(&field, "invalid_type", "must be a text");
            }
        }
        validator.finish()?;
        Ok(self
            .store
            .save_view(
                principal.account_id(),
                principal.user_id(),
                name,
                filters,
                MAX_SAVED_VIEWS,
                self.now(),
            )
            .await?)
    }

    /// Deletes one of the caller's saved views.
    pub async fn delete_view(
        &self,
        principal: &Principal,
        view_id: SavedViewId,
    ) -> Result<(), AppError> {
        Ok(self
            .store
            .delete_view(principal.account_id(), principal.user_id(), view_id)
            .await?)
    }
}
