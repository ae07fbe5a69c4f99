//! Canned responses: the account's saved replies, offered by shortcut in the reply box.

use tandem_domain::canned::{CannedResponse, validate};
use tandem_domain::id::{AccountId, CannedResponseId};
use tandem_domain::validation::{ValidationError, Validator};

use crate::audit::{Actor, AuditEvent};
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

/// The audited fields of a canned response.
fn fields_of(canned: &CannedResponse) -> serde_json::Value {
    serde_json::json!({"shortcut": canned.shortcut, "title": canned.title, "text": canned.text})
}

impl App {
    pub async fn canned_responses(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<CannedResponse>, AppError> {
        Ok(self.store.canned_responses(account_id).await?)
    }

    /// Creates a canned response, recorded as `canned_response.created` by `actor`; every field
    /// is required (title and text are trimmed).
    pub async fn create_canned_response(
        &self,
        actor: &Actor,
        fields: CannedPatch,
    ) -> Result<CannedResponse, AppError> {
        check(&fields, true)?;
        let canned = self
            .store
            .create_canned_response(
                actor.account_id,
                fields.shortcut.as_deref().unwrap_or_default(),
                fields.title.as_deref().unwrap_or_default().trim(),
                fields.text.as_deref().unwrap_or_default().trim(),
                self.now(),
            )
            .await?;
        let event = AuditEvent::new("canned_response.created", "canned_response", canned.id.0)
            .after(fields_of(&canned));
        self.record(actor, event).await?;
        Ok(canned)
    }

    /// Changes the fields given (title and text are trimmed); recorded as
    /// `canned_response.updated` by `actor`.
    pub async fn update_canned_response(
        &self,
        actor: &Actor,
        id: CannedResponseId,
        patch: CannedPatch,
    ) -> Result<CannedResponse, AppError> {
        check(&patch, false)?;
        let patch = CannedPatch {
            shortcut: patch.shortcut,
            title: patch.title.map(|title| title.trim().to_owned()),
            text: patch.text.map(|text| text.trim().to_owned()),
        };
        let before = self
            .store
            .canned_responses(actor.account_id)
            .await?
            .into_iter()
            .find(|canned| canned.id == id);
        let canned = self
            .store
            .update_canned_response(actor.account_id, id, patch, self.now())
            .await?;
        let before = before.as_ref().map(fields_of).unwrap_or_default();
        let event = AuditEvent::new("canned_response.updated", "canned_response", id.0)
            .changes(&before, fields_of(&canned));
        self.record(actor, event).await?;
        Ok(canned)
    }

    /// Deletes a canned response, recorded as `canned_response.deleted` by `actor`.
    pub async fn delete_canned_response(
        &self,
        actor: &Actor,
        id: CannedResponseId,
    ) -> Result<(), AppError> {
        self.store
            .delete_canned_response(actor.account_id, id)
            .await?;
        self.record(
            actor,
            AuditEvent::new("canned_response.deleted", "canned_response", id.0),
        )
        .await
    }
}
