//! The audit trail's application API: who acts ([`Actor`]: the person, captured with their
//! e-mail and name, and where the request came from) and what they did ([`AuditEvent`]: an
//! action on a subject with the values before and after). Values are redacted here, before they
//! reach the store: secrets by their field names, personal data in text by `tandem_nlu::masking`.
//!
//! One line records an event: `self.record(actor, AuditEvent::new("user.created", "user",
//! id).after(json)).await?`; a use case whose store method owns a transaction passes
//! `event.entry(actor)` to it instead, so the record lands with the change or not at all.

use std::net::IpAddr;

use serde_json::{Map, Value};
use uuid::Uuid;

use tandem_domain::id::{AccountId, UserId};
use tandem_domain::user::User;
use tandem_store::{AuditActor, AuditFilter, AuditPage, NewAuditEntry, StoreError};

use crate::{App, AppError};

/// What replaces a secret's value.
pub const REDACTED: &str = "[redacted]";

/// Longest user agent kept, in characters.
const MAX_USER_AGENT_CHARS: usize = 512;

/// Field names (lowercase substrings) whose values are secrets and never recorded.
const SECRET_FIELDS: &[&str] = &[
    "password",
    "secret",
    "token",
    "hash",
    "credential",
    "api_key",
    "apikey",
    "private_key",
    "authorization",
    "signing_key",
];

/// Where a request came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The client's address (the socket's peer).
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// Who is acting, in which account, and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub account_id: AccountId,
    /// The person; `None` for an unauthenticated attempt.
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub origin: Origin,
}

impl Actor {
    /// A user: the authenticated person behind a request (their principal's user), or one
    /// acting without a principal yet (e.g. while logging in).
    pub fn user(user: &User, origin: Origin) -> Self {
        Self {
            account_id: user.account_id,
            user_id: Some(user.id),
            email: Some(user.email.clone()),
            name: Some(user.name.clone()),
            origin,
        }
    }

    /// Someone not authenticated, acting on `account_id` (e.g. a failed login).
    pub fn anonymous(account_id: AccountId, origin: Origin) -> Self {
        Self {
            account_id,
            user_id: None,
            email: None,
            name: None,
            origin,
        }
    }

    fn audit_actor(&self) -> AuditActor {
        AuditActor {
            user_id: self.user_id,
            email: self.email.clone(),
            name: self.name.clone(),
            ip: self.origin.ip.map(|ip| ip.to_canonical().to_string()),
            user_agent: self
                .origin
                .user_agent
                .as_ref()
                .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect()),
        }
    }
}

/// An accountable action: its name (`user.role_changed`), its subject and the values before and
/// after.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    action: String,
    subject_kind: String,
    subject_id: Option<Uuid>,
    before: Option<Value>,
    after: Option<Value>,
}

impl AuditEvent {
    /// `action` (e.g. `inbox.updated`) on the `subject_kind` (e.g. `inbox`) entity `subject_id`.
    pub fn new(
        action: impl Into<String>,
        subject_kind: impl Into<String>,
        subject_id: impl Into<Option<Uuid>>,
    ) -> Self {
        Self {
            action: action.into(),
            subject_kind: subject_kind.into(),
            subject_id: subject_id.into(),
            before: None,
            after: None,
        }
    }

    /// The values before the change.
    pub fn before(mut self, values: Value) -> Self {
        self.before = Some(values);
        self
    }

    /// The values after the change.
    pub fn after(mut self, values: Value) -> Self {
        self.after = Some(values);
        self
    }

    /// An update: `after` holds the fields set (nulls are fields left alone), `current` the
    /// subject before it; only the fields that change are kept, each with its old value.
    pub fn changes(mut self, current: &Value, after: Value) -> Self {
        let mut old = Map::new();
        let mut new = Map::new();
        if let Value::Object(fields) = after {
            for (field, value) in fields {
                let previous = current.get(&field).cloned().unwrap_or(Value::Null);
                if !value.is_null() && value != previous {
                    old.insert(field.clone(), previous);
                    new.insert(field, value);
                }
            }
        }
        self.before = Some(Value::Object(old));
        self.after = Some(Value::Object(new));
        self
    }

    /// Whether an update changed nothing (see [`AuditEvent::changes`]).
    pub fn is_empty_change(&self) -> bool {
        let empty = |values: &Option<Value>| {
            values
                .as_ref()
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
        };
        empty(&self.before) && empty(&self.after)
    }

    /// The store's entry for this event by `actor`, its values redacted.
    pub fn entry(self, actor: &Actor) -> NewAuditEntry {
        NewAuditEntry {
            actor: actor.audit_actor(),
            action: self.action,
            subject_kind: self.subject_kind,
            subject_id: self.subject_id,
            before: self.before.map(redact),
            after: self.after.map(redact),
        }
    }
}

fn is_secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_FIELDS.iter().any(|secret| name.contains(secret))
}

/// `value` with every secret field's value replaced by [`REDACTED`] (at any depth) and the
/// personal data in every text masked.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(field, value)| {
                    let value = if is_secret_field(&field) && !value.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact(value)
                    };
                    (field, value)
                })
                .collect(),
        ),
        Value::Array(values) => Value::Array(values.into_iter().map(redact).collect()),
        Value::String(text) => Value::String(tandem_nlu::masking::mask_text(&text)),
        other => other,
    }
}

impl App {
    /// Records `event` by `actor` on its own (for events with no store change of their own,
    /// or whose store method has no transaction to share).
    pub async fn record(&self, actor: &Actor, event: AuditEvent) -> Result<(), AppError> {
        Ok(self.record_event(actor, event).await?)
    }

    /// [`App::record`] for use cases whose errors are not [`AppError`]s (logins).
    pub(crate) async fn record_event(
        &self,
        actor: &Actor,
        event: AuditEvent,
    ) -> Result<(), StoreError> {
        self.store
            .record_audit(actor.account_id, &event.entry(actor), self.now())
            .await
    }

    /// The account's audit log matching `filter`, newest first, `limit` entries older than the
    /// entry `after`.
    pub async fn audit_log(
        &self,
        account_id: AccountId,
        filter: &AuditFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<AuditPage, AppError> {
        Ok(self
            .store
            .audit_log(account_id, filter, after, limit)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth_and_personal_data_is_masked() {
        let redacted = redact(json!({
            "name": "Vendas",
            "password_hash": "$argon2id$v=19$abc",
            "settings": {"access_token": "EAAG-very-secret", "app_secret": "s3cr3t",
                         "verify_token": null, "phone_number_id": "123"},
            "notes": ["cliente 123.456.789-09 ligou"],
            "count": 3,
        }));
        let text = redacted.to_string();
        assert!(!text.contains("argon2"), "{text}");
        assert!(!text.contains("EAAG"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!text.contains("123.456.789-09"), "{text}");
        assert_eq!(redacted["password_hash"], REDACTED);
        assert_eq!(redacted["settings"]["verify_token"], Value::Null);
        assert_eq!(redacted["name"], "Vendas");
        assert_eq!(redacted["count"], 3);
    }

    #[test]
    fn changes_keep_only_the_fields_that_change_with_their_old_values() {
        let current = json!({"name": "Ana", "role": "agent", "email": "ana@example.com"});
        let event = AuditEvent::new("user.updated", "user", None).changes(
            &current,
            json!({"name": "Ana", "role": "admin", "capacity": null}),
        );
        assert_eq!(event.before, Some(json!({"role": "agent"})));
        assert_eq!(event.after, Some(json!({"role": "admin"})));
        assert!(!event.is_empty_change());
        let unchanged =
            AuditEvent::new("user.updated", "user", None).changes(&current, json!({"name": "Ana"}));
        assert!(unchanged.is_empty_change());
    }

    #[test]
    fn the_actor_keeps_a_canonical_ip_and_a_bounded_user_agent() {
        let actor = Actor::anonymous(
            AccountId::generate(),
            Origin {
                ip: Some("::ffff:127.0.0.1".parse().expect("an address")),
                user_agent: Some("x".repeat(2000)),
            },
        );
        let entry = AuditEvent::new("auth.login_failed", "user", None).entry(&actor);
        assert_eq!(entry.actor.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            entry.actor.user_agent.map(|agent| agent.len()),
            Some(MAX_USER_AGENT_CHARS)
        );
    }
}
