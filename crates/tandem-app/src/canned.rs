//! Canned responses: the account's saved replies, offered by shortcut in the reply box.

use tandem_domain::canned::{CannedResponse, validate};
use tandem_domain::id::{AccountId, CannedResponseId};
use tandem_domain::validation::{ValidationError, Validator};

use crate::model::CannedPatch;
use crate::{App, AppError};

/// Checks the fields given; creating needs all three.
fn check(fields: &CannedPatch, creating: bool) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    if creating {
        for (field, value) in [
            ("shortcut", &fields.shortcut),
            ("title", &fields.title),
            ("text", &fields.text),
        ] {
            if value.is_none() {
                validator.reject(field, "required", "is required");
            }
        }
    }
    validate(
        &mut validator,
        fields.shortcut.as_deref(),
        fields.title.as_deref(),
        fields.text.as_deref(),
    );
    validator.finish()
}

impl App {
    pub async fn canned_responses(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<CannedResponse>, AppError> {
        Ok(self.store.canned_responses(account_id).await?)
    }

    /// Creates a canned response; every field is required (title and text are trimmed).
    pub async fn create_canned_response(
        &self,
        account_id: AccountId,
        fields: CannedPatch,
    ) -> Result<CannedResponse, AppError> {
        check(&fields, true)?;
        Ok(self
            .store
            .create_canned_response(
                account_id,
                fields.shortcut.as_deref().unwrap_or_default(),
                fields.title.as_deref().unwrap_or_default().trim(),
                fields.text.as_deref().unwrap_or_default().trim(),
                self.now(),
            )
            .await?)
    }

    /// Changes the fields given (title and text are trimmed).
    pub async fn update_canned_response(
        &self,
        account_id: AccountId,
        id: CannedResponseId,
        patch: CannedPatch,
    ) -> Result<CannedResponse, AppError> {
        check(&patch, false)?;
        let patch = CannedPatch {
            shortcut: patch.shortcut,
            title: patch.title.map(|title| title.trim().to_owned()),
            text: patch.text.map(|text| text.trim().to_owned()),
        };
        Ok(self
            .store
            .update_canned_response(account_id, id, patch, self.now())
            .await?)
    }

    pub async fn delete_canned_response(
        &self,
        account_id: AccountId,
        id: CannedResponseId,
    ) -> Result<(), AppError> {
        Ok(self.store.delete_canned_response(account_id, id).await?)
    }
}
