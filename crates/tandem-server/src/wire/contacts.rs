//! Contacts, their identities and notes, and merging two of them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::contacts::{MergePreview, RawIdentity};
use tandem_app::model::ContactNote;
use tandem_domain::Timestamp;
use tandem_domain::contact::{Attributes, Contact, Identity};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityBody {
    pub kind: String,
    pub value: String,
}

impl From<IdentityBody> for RawIdentity {
    fn from(body: IdentityBody) -> Self {
        Self {
            kind: body.kind,
            value: body.value,
        }
    }
}

impl From<Identity> for IdentityBody {
    fn from(identity: Identity) -> Self {
        Self {
            kind: identity.kind.as_str().to_owned(),
            value: identity.value,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ContactResponse {
    pub id: Uuid,
    pub name: Option<String>,
    pub attributes: Attributes,
    pub identities: Vec<IdentityBody>,
    pub created_at: Timestamp,
}

impl From<Contact> for ContactResponse {
    fn from(contact: Contact) -> Self {
        Self {
            id: contact.id.0,
            name: contact.name,
            attributes: contact.attributes,
            identities: contact.identities.into_iter().map(Into::into).collect(),
            created_at: contact.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateContactRequest {
    pub name: Option<String>,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub identities: Vec<IdentityBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateContactRequest {
    pub name: Option<String>,
    pub attributes: Option<Attributes>,
    #[serde(default)]
    pub add_identities: Vec<IdentityBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeContactRequest {
    /// The contact merged into the one in the path, and deleted.
    pub contact_id: String,
}

/// A note about a contact.
#[derive(Debug, Serialize)]
pub struct ContactNoteResponse {
    pub id: Uuid,
    pub text: String,
    /// `null` once the author's user was deleted.
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub created_at: Timestamp,
}

impl From<ContactNote> for ContactNoteResponse {
    fn from(note: ContactNote) -> Self {
        Self {
            id: note.id.0,
            text: note.text,
            author_id: note.author_id.map(|id| id.0),
            author_name: note.author_name,
            created_at: note.created_at,
        }
    }
}

/// A new note about a contact.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateContactNoteRequest {
    pub text: String,
}

/// An attribute whose value a merge would drop.
#[derive(Debug, Serialize)]
pub struct AttributeConflictResponse {
    pub attribute: String,
    pub kept: serde_json::Value,
    pub dropped: serde_json::Value,
}

/// What a merge would do.
#[derive(Debug, Serialize)]
pub struct MergePreviewResponse {
    /// The contact in the path as it would be after the merge.
    pub result: ContactResponse,
    /// The contact that would be deleted.
    pub removed: ContactResponse,
    pub conversations_moved: i64,
    pub conflicts: Vec<AttributeConflictResponse>,
}

impl From<MergePreview> for MergePreviewResponse {
    fn from(preview: MergePreview) -> Self {
        Self {
            result: preview.result.into(),
            removed: preview.removed.into(),
            conversations_moved: preview.conversations_moved,
            conflicts: preview
                .conflicts
                .into_iter()
                .map(|conflict| AttributeConflictResponse {
                    attribute: conflict.attribute,
                    kept: conflict.kept,
                    dropped: conflict.dropped,
                })
                .collect(),
        }
    }
}
