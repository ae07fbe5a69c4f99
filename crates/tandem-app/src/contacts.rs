//! Contacts: reading them (by page, or by one of their identities), creating and changing them
//! (their identities checked and normalized), deleting one (erasure) and merging two that are
//! the same person.

use serde_json::json;
use tandem_domain::contact::{
    AttributeConflict, Attributes, Contact, Identity, IdentityKind, NewContact, validate_contact,
};

use tandem_domain::id::{AccountId, ContactId};
use tandem_domain::validation::{FieldError, ValidationError};
use tandem_store::{ContactPatch, StoreError};

use crate::audit::{Actor, AuditEvent};
use crate::model::ContactPage;
use crate::{App, AppError};

/// An identity as a caller gives it: a kind name and a value, both still to be checked.
#[derive(Clone, Debug)]
pub struct RawIdentity {
    pub kind: String,
    pub value: String,
}

/// Checks an identity; errors name `kind_field` or `value_field`.
pub fn parse_identity(
    kind: &str,
    value: &str,
    kind_field: &str,
    value_field: &str,
) -> Result<Identity, ValidationError> {
    let kind = kind
        .parse::<IdentityKind>()
        .map_err(|error| rename(error, kind_field))?;
    Identity::parse(kind, value, value_field)
}

/// Checks identities given in a list, naming each bad one by its position in `field`.
fn parse_identities(raw: &[RawIdentity], field: &str) -> Result<Vec<Identity>, ValidationError> {
    let mut identities = Vec::with_capacity(raw.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for (index, identity) in raw.iter().enumerate() {
        let parsed = parse_identity(
            &identity.kind,
            &identity.value,
            &format!("{field}[{index}].kind"),
            &format!("{field}[{index}].value"),
        );
        match parsed {
            Ok(identity) => identities.push(identity),
            Err(error) => errors.extend(error.0),
        }
    }
    if errors.is_empty() {
        Ok(identities)
    } else {
        Err(ValidationError(errors))
    }
}

fn rename(mut error: ValidationError, field: &str) -> ValidationError {
    for detail in &mut error.0 {
        detail.field = field.to_owned();
    }
    error
}

impl App {
    /// A page of the account's contacts, newest first, or the one with `identity`.
    pub async fn contacts(
        &self,
        account_id: AccountId,
        identity: Option<&Identity>,
        before: Option<ContactId>,
        limit: u32,
    ) -> Result<ContactPage, AppError> {
        Ok(self
            .store
            .contacts(account_id, identity, before, limit)
            .await?)
    }

    pub async fn contact(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
    ) -> Result<Contact, AppError> {
        Ok(self.store.contact(account_id, contact_id).await?)
    }

    /// Creates a contact (its name trimmed) with the identities given.
    pub async fn create_contact(
        &self,
        account_id: AccountId,
        name: Option<String>,
        attributes: Attributes,
        identities: &[RawIdentity],
    ) -> Result<Contact, AppError> {
        validate_contact(name.as_deref(), Some(&attributes))?;
        let contact = NewContact {
            name: name.map(|name| name.trim().to_owned()),
            attributes,
            identities: parse_identities(identities, "identities")?,
        };
        let created = self
            .store
            .create_contact(account_id, &contact, self.now())
            .await?;
        self.search.contact_changed(account_id, created.id);
        Ok(created)
    }

    /// Renames a contact, replaces its attributes and links more identities to it.
    pub async fn update_contact(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        name: Option<String>,
        attributes: Option<Attributes>,
        add_identities: &[RawIdentity],
    ) -> Result<Contact, AppError> {
        validate_contact(name.as_deref(), attributes.as_ref())?;
        let patch = ContactPatch {
            name: name.map(|name| name.trim().to_owned()),
            attributes,
            add_identities: parse_identities(add_identities, "add_identities")?,
        };
        let updated = self
            .store
            .update_contact(account_id, contact_id, &patch)
            .await?;
        self.search.contact_changed(account_id, contact_id);
        Ok(updated)
    }

    /// Merges contact `from` into `into` (the same person seen on two channels) and deletes
    /// `from`; recorded as `contact.merged` by `actor`, with the merged contact (its identities
    /// masked) before and the contact it became after.
    pub async fn merge_contacts(
        &self,
        actor: &Actor,
        into: ContactId,
        from: ContactId,
    ) -> Result<Contact, AppError> {
        let account_id = actor.account_id;
        let merged = match self.store.contact(account_id, from).await {
            Ok(contact) => Some(contact),
            Err(StoreError::NotFound { .. }) => None,
            Err(error) => return Err(error.into()),
        };
        let event = AuditEvent::new("contact.merged", "contact", into.0)
            .before(json!({
                "merged_contact_id": from.0,
                "merged_contact_name": merged.as_ref().and_then(|contact| contact.name.clone()),
                "identities_moved": merged.as_ref().map(|contact| &contact.identities),
            }))
            .after(json!({"contact_id": into.0}));
        let merged = self
            .store
            .merge_contacts(account_id, into, from, &event.entry(actor), self.now())
            .await?;
        self.search.forget(account_id);
        Ok(merged)
    }

    /// What merging `from` into `into` would do, changing nothing: the contact `into` would
    /// become, the one that would disappear, how many conversations move, and which attribute
    /// values would be dropped.
    pub async fn merge_preview(
        &self,
        account_id: AccountId,
        into: ContactId,
        from: ContactId,
    ) -> Result<MergePreview, AppError> {
        if into == from {
            return Err(AppError::invalid(
                "contact_id",
                "same_contact",
                "a contact cannot be merged into itself",
            ));
        }
        let kept = self.store.contact(account_id, into).await?;
        let removed = self
            .store
            .contact(account_id, from)
            .await
            .map_err(|error| match error {
                StoreError::NotFound { .. } => {
                    AppError::invalid("contact_id", "unknown_reference", "no such contact")
                }
                other => other.into(),
            })?;
        let conversations_moved = self
            .store
            .contact_conversation_count(account_id, from)
            .await?;
        let (result, conflicts) = kept.merged_with(&removed);
        Ok(MergePreview {
            result,
            removed,
            conversations_moved,
            conflicts,
        })
    }
}

/// What a merge would do (see [`App::merge_preview`]).
#[derive(Clone, Debug)]
pub struct MergePreview {
    pub result: Contact,
    pub removed: Contact,
    pub conversations_moved: i64,
    pub conflicts: Vec<AttributeConflict>,
}
