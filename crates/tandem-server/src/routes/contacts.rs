//! Contacts: every user may read and edit them; deleting one (erasure) needs a supervisor.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use tandem_domain::contact::{Identity, IdentityKind, NewContact, validate_contact};
use tandem_domain::id::ContactId;
use tandem_domain::user::Role;
use tandem_domain::validation::{FieldError, ValidationError};
use tandem_store::ContactPatch;

use super::page_limit;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{
    AuditEntryResponse, ContactResponse, CreateContactRequest, IdentityBody, List,
    MergeContactRequest, Page, UpdateContactRequest,
};

/// Parses identities from a body, naming each bad one by its position.
fn parse_identities(
    bodies: &[IdentityBody],
    field: &str,
) -> Result<Vec<Identity>, ValidationError> {
    let mut identities = Vec::with_capacity(bodies.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for (index, body) in bodies.iter().enumerate() {
        let parsed = body
            .kind
            .parse::<IdentityKind>()
            .map_err(|error| rename(error, &format!("{field}[{index}].kind")))
            .and_then(|kind| {
                Identity::parse(kind, &body.value, &format!("{field}[{index}].value"))
            });
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

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Page<ContactResponse>>, ApiError> {
    let limit = page_limit(query.get("limit").map(String::as_str))?;
    let before = query
        .get("cursor")
        .map(|cursor| {
            cursor.parse::<ContactId>().map_err(|_| {
                ApiError::invalid_field("cursor", "invalid_cursor", "not a cursor from this list")
            })
        })
        .transpose()?;
    let identity = match (query.get("identity_kind"), query.get("identity_value")) {
        (Some(kind), Some(value)) => {
            let kind = kind
                .parse::<IdentityKind>()
                .map_err(|error| rename(error, "identity_kind"))?;
            Some(Identity::parse(kind, value, "identity_value")?)
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid_field(
                "identity_kind",
                "incomplete",
                "identity_kind and identity_value go together",
            ));
        }
    };
    let page = state
        .app
        .store
        .contacts(principal.account_id(), identity.as_ref(), before, limit)
        .await?;
    Ok(Json(Page {
        data: page.contacts.into_iter().map(Into::into).collect(),
        next_cursor: page.next_before.map(|id| id.to_string()),
    }))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(contact_id): Path<String>,
) -> Result<Json<ContactResponse>, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    Ok(Json(
        state
            .app
            .store
            .contact(principal.account_id(), contact_id)
            .await?
            .into(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<CreateContactRequest>,
) -> Result<(StatusCode, Json<ContactResponse>), ApiError> {
    validate_contact(request.name.as_deref(), Some(&request.attributes))?;
    let contact = NewContact {
        name: request.name.map(|name| name.trim().to_owned()),
        attributes: request.attributes,
        identities: parse_identities(&request.identities, "identities")?,
    };
    let created = state
        .app
        .store
        .create_contact(principal.account_id(), &contact, tandem_app::now())
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

pub async fn update(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(contact_id): Path<String>,
    ApiJson(request): ApiJson<UpdateContactRequest>,
) -> Result<Json<ContactResponse>, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    validate_contact(request.name.as_deref(), request.attributes.as_ref())?;
    let patch = ContactPatch {
        name: request.name.map(|name| name.trim().to_owned()),
        attributes: request.attributes,
        add_identities: parse_identities(&request.add_identities, "add_identities")?,
    };
    Ok(Json(
        state
            .app
            .store
            .update_contact(principal.account_id(), contact_id, &patch)
            .await?
            .into(),
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(contact_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    auth.require(Role::can_override_assignment)?;
    state
        .app
        .store
        .delete_contact(auth.0.account_id(), contact_id)
        .await?;
    tracing::info!(%contact_id, by = %auth.0.user_id(), "contact deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Merges another contact into this one (the same person seen on two channels); supervisors
/// and admins only, and written to the audit log.
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(contact_id): Path<String>,
    ApiJson(request): ApiJson<MergeContactRequest>,
) -> Result<Json<ContactResponse>, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    auth.require(Role::can_manage_teams)?;
    let from: ContactId = request
        .contact_id
        .parse()
        .map_err(|_| ApiError::invalid_field("contact_id", "invalid_id", "must be a contact id"))?;
    let merged = state
        .app
        .store
        .merge_contacts(
            auth.0.account_id(),
            contact_id,
            from,
            auth.0.user_id(),
            tandem_app::now(),
        )
        .await?;
    tracing::info!(%contact_id, merged = %from, by = %auth.0.user_id(), "contacts merged");
    Ok(Json(merged.into()))
}

/// The account's audit log, newest first; admins only.
pub async fn audit_log(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<AuditEntryResponse>>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let limit = page_limit(query.get("limit").map(String::as_str))?;
    let entries = state
        .app
        .store
        .audit_log(auth.0.account_id(), limit)
        .await?;
    Ok(Json(List {
        data: entries.into_iter().map(Into::into).collect(),
    }))
}
