//! Contacts: every user may read and edit them; deleting one (erasure) needs a supervisor.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use tandem_app::contacts::{RawIdentity, parse_identity};
use tandem_domain::id::{ContactId, ContactNoteId};
use tandem_domain::user::Role;

use super::page_limit;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{
    ContactNoteResponse, ContactResponse, CreateContactNoteRequest, CreateContactRequest,
    IdentityBody, List, MergeContactRequest, MergePreviewResponse, Page, UpdateContactRequest,
};

fn raw_identities(bodies: Vec<IdentityBody>) -> Vec<RawIdentity> {
    bodies.into_iter().map(Into::into).collect()
}

/// A page of contacts, newest first; with `q`, those whose name, identities or attributes match
/// it, best first (one page, no cursor).
pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Page<ContactResponse>>, ApiError> {
    let limit = page_limit(query.get("limit").map(String::as_str))?;
    if let Some(text) = query.get("q") {
        let found = state.app.search_contacts(&principal, text, limit).await?;
        return Ok(Json(Page {
            data: found.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }));
    }
    let before = query
        .get("cursor")
        .map(|cursor| {
            cursor.parse::<ContactId>().map_err(|_| {
                ApiError::invalid_field("cursor", "invalid_cursor", "not a cursor from this list")
            })
        })
        .transpose()?;
    let identity = match (query.get("identity_kind"), query.get("identity_value")) {
        (Some(kind), Some(value)) => Some(parse_identity(
            kind,
            value,
            "identity_kind",
            "identity_value",
        )?),
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
    let contact = state
        .app
        .contact(principal.account_id(), contact_id)
        .await?;
    Ok(Json(contact.into()))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<CreateContactRequest>,
) -> Result<(StatusCode, Json<ContactResponse>), ApiError> {
    let created = state
        .app
        .create_contact(
            principal.account_id(),
            request.name,
            request.attributes,
            &raw_identities(request.identities),
        )
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
    let updated = state
        .app
        .update_contact(
            principal.account_id(),
            contact_id,
            request.name,
            request.attributes,
            &raw_identities(request.add_identities),
        )
        .await?;
    Ok(Json(updated.into()))
}

/// Erases the contact and everything held about them (admins only); the erasure is recorded
/// in the audit log with the counts of rows removed.
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(contact_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    auth.require(Role::can_manage_account)?;
    state
        .app
        .erase_contact(&auth.actor(origin), contact_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything held about the contact, as JSON (admins only; recorded in the audit log).
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(contact_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    auth.require(Role::can_manage_account)?;
    let export = state
        .app
        .export_contact(&auth.actor(origin), contact_id)
        .await?;
    Ok(Json(export))
}

/// Merges another contact into this one (the same person seen on two channels); supervisors
/// and admins only, and written to the audit log.
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
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
        .merge_contacts(&auth.actor(origin), contact_id, from)
        .await?;
    tracing::info!(%contact_id, merged = %from, by = %auth.0.user_id(), "contacts merged");
    Ok(Json(merged.into()))
}

/// What merging another contact into this one would do (supervisors and admins).
pub async fn merge_preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(contact_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<MergePreviewResponse>, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    auth.require(Role::can_manage_teams)?;
    let other = query
        .get("contact_id")
        .ok_or_else(|| {
            ApiError::invalid_field("contact_id", "required", "name the contact to merge in")
        })?
        .parse::<ContactId>()
        .map_err(|_| ApiError::invalid_field("contact_id", "invalid_id", "must be a contact id"))?;
    let preview = state
        .app
        .merge_preview(auth.0.account_id(), contact_id, other)
        .await?;
    Ok(Json(preview.into()))
}

/// A contact's notes, newest first.
pub async fn notes(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(contact_id): Path<String>,
) -> Result<Json<List<ContactNoteResponse>>, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    let notes = state.app.contact_notes(&principal, contact_id).await?;
    Ok(Json(List {
        data: notes.into_iter().map(Into::into).collect(),
    }))
}

pub async fn add_note(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(contact_id): Path<String>,
    ApiJson(request): ApiJson<CreateContactNoteRequest>,
) -> Result<(StatusCode, Json<ContactNoteResponse>), ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    let note = state
        .app
        .add_contact_note(&auth.0, &auth.actor(origin), contact_id, &request.text)
        .await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// Deletes a note: its author may, and supervisors and admins.
pub async fn delete_note(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path((contact_id, note_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let contact_id: ContactId = parse_id(&contact_id, "contact")?;
    let note_id: ContactNoteId = parse_id(&note_id, "note")?;
    state
        .app
        .delete_contact_note(&auth.0, &auth.actor(origin), contact_id, note_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
