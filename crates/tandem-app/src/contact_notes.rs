//! Notes people keep about a contact: anyone may read and add them; a note is deleted by its
//! author or by a supervisor or admin. Adding and deleting are audited.

use tandem_domain::id::{ContactId, ContactNoteId};
use tandem_domain::text::clean_text;
use tandem_domain::validation::Validator;
use tandem_store::ContactNote;

use crate::audit::{Actor, AuditEvent};
use crate::{App, AppError, Principal};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

impl App {
    /// A contact's notes, newest first.
    pub async fn contact_notes(
        &self,
        principal: &Principal,
        contact_id: ContactId,
    ) -> Result<Vec<ContactNote>, AppError> {
        Ok(self
            .store
            .contact_notes(principal.account_id(), contact_id)
            .await?)
    }

    /// Adds a note (trimmed, 1 to [`MAX_NOTE_CHARS`] characters) to a contact.
    pub async fn add_contact_note(
        &self,
        principal: &Principal,
        actor: &Actor,
        contact_id: ContactId,
        text: &str,
    ) -> Result<ContactNote, AppError> {
        let text = clean_text(text.trim()).into_owned();
        let mut validator = Validator::new();
        validator.text("text", &text, MAX_NOTE_CHARS);
        validator.finish()?;
        let note = self
            .store
            .add_contact_note(
                principal.account_id(),
                contact_id,
                principal.user_id(),
                &text,
                self.now(),
            )
            .await?;
        self.record(
            actor,
            AuditEvent::new("contact.note_added", "contact", contact_id.0)
                .after(serde_json::json!({ "note_id": note.id.0 })),
        )
        .await?;
        Ok(note)
    }

    /// Deletes a note: its author may, and supervisors and admins.
    pub async fn delete_contact_note(
        &self,
        principal: &Principal,
        actor: &Actor,
        contact_id: ContactId,
        note_id: ContactNoteId,
    ) -> Result<(), AppError> {
        let account_id = principal.account_id();
        let note = self
            .store
            .contact_note(account_id, contact_id, note_id)
            .await?;
        if note.author_id != Some(principal.user_id())
            && !principal.role().can_override_assignment()
        {
            return Err(AppError::Forbidden);
        }
        self.store
            .delete_contact_note(account_id, contact_id, note_id)
            .await?;
        self.record(
            actor,
            AuditEvent::new("contact.note_deleted", "contact", contact_id.0)
                .before(serde_json::json!({ "note_id": note_id.0 })),
        )
        .await?;
        Ok(())
    }
}
