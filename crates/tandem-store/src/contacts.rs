//! Contacts and their identities: one person across every channel.

use std::collections::HashMap;

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::contact::{Attributes, Contact, Identity, NewContact};
use tandem_domain::id::{AccountId, ContactId};
use tandem_domain::validation::ValidationError;

use crate::audit::{NewAuditEntry, record_audit};
use crate::db::{Arg, Conn, args, placeholders};
use crate::error::{Conflict, is_unique_violation};
use crate::records::{CONTACT_COLUMNS, ContactRow, IdentityRow};
use crate::{Store, StoreError};

/// Changes to a contact; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    /// Replaces the whole attributes object.
    pub attributes: Option<Attributes>,
    /// Identities to link to the contact in addition to the ones it has.
    pub add_identities: Vec<Identity>,
}

/// One page of contacts, newest first.
#[derive(Clone, Debug)]
pub struct ContactPage {
    pub contacts: Vec<Contact>,
    /// Pass as `before` to get the next page; none on the last page.
    pub next_before: Option<ContactId>,
}

fn identity_taken(error: sqlx::Error) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict {
            kind: Conflict::IdentityTaken,
            field: "identities",
            message: "an identity is already linked to another contact".into(),
        }
    } else {
        error.into()
    }
}

pub(crate) async fn insert_identity(
    conn: &mut Conn,
    account_id: AccountId,
    contact_id: ContactId,
    identity: &Identity,
) -> Result<(), sqlx::Error> {
    conn.execute(
        "INSERT INTO contact_identities (account_id, kind, value, contact_id) VALUES ($1, $2, $3, $4)",
        args![account_id, identity.kind.as_str(), identity.value.as_str(), contact_id],
    )
    .await
    .map(|_| ())
}

pub(crate) async fn insert_contact(
    conn: &mut Conn,
    account_id: AccountId,
    contact: &NewContact,
    now: Timestamp,
) -> Result<ContactId, StoreError> {
    let id = ContactId::generate();
    conn.execute(
        "INSERT INTO contacts (id, account_id, name, attributes, created_at) VALUES ($1, $2, $3, $4, $5)",
        args![id, account_id, contact.name.as_deref(), serde_json::Value::Object(contact.attributes.clone()), now],
    )
    .await?;
    for identity in &contact.identities {
        insert_identity(conn, account_id, id, identity)
            .await
            .map_err(identity_taken)?;
    }
    Ok(id)
}

/// Loads contacts by id with their identities, in the order of `rows`.
pub(crate) async fn with_identities(
    conn: &mut Conn,
    account_id: AccountId,
    rows: Vec<ContactRow>,
) -> Result<Vec<Contact>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let listed = placeholders(2, rows.len());
    let mut query_args = vec![Arg::from(account_id)];
    query_args.extend(rows.iter().map(|row| Arg::from(row.id)));
    let identity_rows = conn
        .fetch_all::<IdentityRow>(
            &format!(
                "SELECT contact_id, kind, value FROM contact_identities \
                 WHERE account_id = $1 AND contact_id IN ({listed}) ORDER BY kind, value"
            ),
            query_args,
        )
        .await?;
    let mut identities: HashMap<Uuid, Vec<Identity>> = HashMap::new();
    for row in identity_rows {
        let contact_id = row.contact_id;
        identities
            .entry(contact_id)
            .or_default()
            .push(row.try_into()?);
    }
    rows.into_iter()
        .map(|row| {
            let contact_identities = identities.remove(&row.id).unwrap_or_default();
            row.into_contact(contact_identities)
        })
        .collect()
}

pub(crate) async fn find_contact(
    conn: &mut Conn,
    account_id: AccountId,
    contact_id: ContactId,
) -> Result<Contact, StoreError> {
    let row = conn
        .fetch_optional::<ContactRow>(
            &format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 AND id = $2"),
            args![account_id, contact_id],
        )
        .await?
        .ok_or(StoreError::not_found("contact"))?;
    with_identities(conn, account_id, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::not_found("contact"))
}

impl Store {
    /// Creates a contact with its identities; an identity already linked elsewhere is a conflict.
    pub async fn create_contact(
        &self,
        account_id: AccountId,
        contact: &NewContact,
        now: Timestamp,
    ) -> Result<Contact, StoreError> {
        let mut conn = self.write().await?;
        let id = insert_contact(&mut conn, account_id, contact, now).await?;
        let created = find_contact(&mut conn, account_id, id).await?;
        conn.commit().await?;
        Ok(created)
    }

    /// One contact with its identities.
    pub async fn contact(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
    ) -> Result<Contact, StoreError> {
        let mut conn = self.read().await?;
        find_contact(&mut conn, account_id, contact_id).await
    }

    /// How many conversations a contact has, on every inbox.
    pub async fn contact_conversation_count(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
    ) -> Result<i64, StoreError> {
        let mut conn = self.read().await?;
        let (count,): (i64,) = conn
            .fetch_one(
                "SELECT count(*) FROM conversations WHERE account_id = $1 AND contact_id = $2",
                args![account_id, contact_id],
            )
            .await?;
        Ok(count)
    }

    /// A page of contacts, newest first, optionally only those known by `identity`.
    pub async fn contacts(
        &self,
        account_id: AccountId,
        identity: Option<&Identity>,
        before: Option<ContactId>,
        limit: u32,
    ) -> Result<ContactPage, StoreError> {
        let mut conn = self.read().await?;
        let mut sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1");
        let mut query_args = vec![Arg::from(account_id)];
        if let Some(identity) = identity {
            query_args.push(Arg::from(identity.kind.as_str()));
            query_args.push(Arg::from(identity.value.as_str()));
            sql.push_str(&format!(
                " AND id IN (SELECT contact_id FROM contact_identities WHERE account_id = $1 AND kind = ${} AND value = ${})",
                query_args.len() - 1,
                query_args.len()
            ));
        }
        if let Some(before) = before {
            query_args.push(Arg::from(before));
            sql.push_str(&format!(" AND id < ${}", query_args.len()));
        }
        query_args.push(Arg::from(i64::from(limit) + 1));
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", query_args.len()));
        let mut rows = conn.fetch_all::<ContactRow>(&sql, query_args).await?;
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let contacts = with_identities(&mut conn, account_id, rows).await?;
        let next_before = if has_more {
            contacts.last().map(|contact| contact.id)
        } else {
            None
        };
        Ok(ContactPage {
            contacts,
            next_before,
        })
    }

    /// Changes a contact's name or attributes and links more identities.
    pub async fn update_contact(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        patch: &ContactPatch,
    ) -> Result<Contact, StoreError> {
        let mut conn = self.write().await?;
        let mut contact = find_contact(&mut conn, account_id, contact_id).await?;
        if let Some(name) = &patch.name {
            contact.name = Some(name.clone());
        }
        if let Some(attributes) = &patch.attributes {
            contact.attributes = attributes.clone();
        }
        conn.execute(
            "UPDATE contacts SET name = $1, attributes = $2 WHERE account_id = $3 AND id = $4",
            args![
                contact.name.as_deref(),
                serde_json::Value::Object(contact.attributes.clone()),
                account_id,
                contact_id
            ],
        )
        .await?;
        for identity in &patch.add_identities {
            if !contact.identities.contains(identity) {
                insert_identity(&mut conn, account_id, contact_id, identity)
                    .await
                    .map_err(identity_taken)?;
            }
        }
        let updated = find_contact(&mut conn, account_id, contact_id).await?;
        conn.commit().await?;
        Ok(updated)
    }

    /// Merges the contact `from` into `into`: its identities, conversations and messages move
    /// over, its attributes fill what `into` lacks, and `from` is deleted; the merge is written
    /// to the audit log as `audit` says, about `into`. Both having an open conversation in one inbox is a
    /// conflict (one of them must be resolved first).
    pub async fn merge_contacts(
        &self,
        account_id: AccountId,
        into: ContactId,
        from: ContactId,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Contact, StoreError> {
        if into == from {
            return Err(StoreError::Invalid(ValidationError::field(
                "contact_id",
                "same_contact",
                "a contact cannot be merged into itself",
            )));
        }
        let mut conn = self.write().await?;
        let target = find_contact(&mut conn, account_id, into).await?;
        let source =
            find_contact(&mut conn, account_id, from)
                .await
                .map_err(|error| match error {
                    StoreError::NotFound { .. } => StoreError::InvalidReference {
                        field: "contact_id",
                        message: "no such contact".to_owned(),
                    },
                    other => other,
                })?;
        let (clashes,) = conn
            .fetch_one::<(i64,)>(
                "SELECT count(*) FROM conversations a JOIN conversations b ON a.inbox_id = b.inbox_id \
                 WHERE a.account_id = $1 AND a.contact_id = $2 AND b.contact_id = $3 \
                 AND a.status <> 'resolved' AND b.status <> 'resolved'",
                args![account_id, into, from],
            )
            .await?;
        if clashes > 0 {
            return Err(StoreError::Conflict {
                kind: Conflict::OpenConversationsClash,
                field: "contact_id",
                message:
                    "both contacts have an open conversation in the same inbox; resolve one first"
                        .to_owned(),
            });
        }
        let (merged, _) = target.merged_with(&source);
        conn.execute(
            "UPDATE contacts SET name = $1, attributes = $2 WHERE account_id = $3 AND id = $4",
            args![
                merged.name.as_deref(),
                serde_json::Value::Object(merged.attributes),
                account_id,
                into
            ],
        )
        .await?;
        conn.execute(
            "UPDATE contact_notes SET contact_id = $1 WHERE account_id = $2 AND contact_id = $3",
            args![into, account_id, from],
        )
        .await?;
        conn.execute(
            "UPDATE files SET contact_id = $1 WHERE account_id = $2 AND contact_id = $3",
            args![into, account_id, from],
        )
        .await?;
        conn.execute(
            "UPDATE contact_identities SET contact_id = $1 WHERE account_id = $2 AND contact_id = $3",
            args![into, account_id, from],
        )
        .await?;
        conn.execute(
            "UPDATE conversations SET contact_id = $1 WHERE account_id = $2 AND contact_id = $3",
            args![into, account_id, from],
        )
        .await?;
        conn.execute(
            "UPDATE messages SET sender_id = $1 WHERE account_id = $2 AND sender_kind = 'contact' AND sender_id = $3",
            args![into, account_id, from],
        )
        .await?;
        conn.execute(
            "UPDATE events SET actor_id = $1 WHERE account_id = $2 AND actor_kind = 'contact' AND actor_id = $3",
            args![into, account_id, from],
        )
        .await?;
        conn.execute(
            "DELETE FROM contacts WHERE account_id = $1 AND id = $2",
            args![account_id, from],
        )
        .await?;
        record_audit(&mut conn, account_id, &audit.about(into.0), now).await?;
        let merged = find_contact(&mut conn, account_id, into).await?;
        conn.commit().await?;
        Ok(merged)
    }
}
