//! Contacts, their identities, and merging two of them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_app::contacts::RawIdentity;
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
