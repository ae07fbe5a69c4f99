//! Notes people keep about a contact, newest first, each with its author's name.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ContactId, ContactNoteId, UserId};

use crate::contacts::find_contact;
use crate::db::args;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// A note about a contact.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactNote {
    pub id: ContactNoteId,
    pub contact_id: ContactId,
    /// `None` once the author's user is deleted.
    pub author_id: Option<UserId>,
    pub author_name: Option<String>,
    pub text: String,
    pub created_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct NoteRow {
    id: Uuid,
    contact_id: Uuid,
    author_id: Option<Uuid>,
    author_name: Option<String>,
    text: String,
    created_at: i64,
}

impl TryFrom<NoteRow> for ContactNote {
    type Error = StoreError;

    fn try_from(row: NoteRow) -> Result<Self, StoreError> {
        Ok(ContactNote {
            id: ContactNoteId(row.id),
            contact_id: ContactId(row.contact_id),
            author_id: row.author_id.map(UserId),
            author_name: row.author_name,
            text: row.text,
            created_at: timestamp(row.created_at)?,
        })
    }
}

const SELECT: &str = "SELECT n.id, n.contact_id, n.author_id, u.name AS author_name, n.text, n.created_at \
     FROM contact_notes n LEFT JOIN users u ON u.id = n.author_id";

impl Store {
    /// A contact's notes, newest first.
    pub async fn contact_notes(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
    ) -> Result<Vec<ContactNote>, StoreError> {
        let mut conn = self.read().await?;
        find_contact(&mut conn, account_id, contact_id).await?;
        let rows = conn
            .fetch_all::<NoteRow>(
                &format!(
                    "{SELECT} WHERE n.account_id = $1 AND n.contact_id = $2 \
                     ORDER BY n.created_at DESC, n.id DESC"
                ),
                args![account_id, contact_id],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Adds a note (text checked by the caller) to a contact.
    pub async fn add_contact_note(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        author_id: UserId,
        text: &str,
        now: Timestamp,
    ) -> Result<ContactNote, StoreError> {
        let id = ContactNoteId::generate();
        let mut conn = self.write().await?;
        find_contact(&mut conn, account_id, contact_id).await?;
        conn.execute(
            "INSERT INTO contact_notes (id, account_id, contact_id, author_id, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![id, account_id, contact_id, author_id, text, now],
        )
        .await?;
        let note = conn
            .fetch_one::<NoteRow>(
                &format!("{SELECT} WHERE n.account_id = $1 AND n.id = $2"),
                args![account_id, id],
            )
            .await?;
        conn.commit().await?;
        note.try_into()
    }

    /// One note of a contact.
    pub async fn contact_note(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        note_id: ContactNoteId,
    ) -> Result<ContactNote, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<NoteRow>(
            &format!("{SELECT} WHERE n.account_id = $1 AND n.contact_id = $2 AND n.id = $3"),
            args![account_id, contact_id, note_id],
        )
        .await?
        .ok_or(StoreError::not_found("note"))?
        .try_into()
    }

    /// Deletes a note of a contact.
    pub async fn delete_contact_note(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        note_id: ContactNoteId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM contact_notes WHERE account_id = $1 AND contact_id = $2 AND id = $3",
                args![account_id, contact_id, note_id],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("note"));
        }
        conn.commit().await?;
        Ok(())
    }
}
