//! The account's users: reading them, and the admin's changes (create, rename, change role or
//! password, delete). Passwords are hashed here, off the async workers.

use serde_json::json;

use tandem_domain::event::Actor as EventActor;
use tandem_domain::id::{AccountId, UserId};
use tandem_domain::password::PasswordOwner;
use tandem_domain::user::{NewUser, Role, User, UserPatch};
use tandem_domain::validation::ValidationError;
use tandem_store::UserSeed;

use crate::audit::{Actor, AuditEvent};
use crate::secret::hash_password;
use crate::{App, AppError};

/// Reads a role name; the error names the `role` field.
pub fn parse_role(raw: &str) -> Result<Role, ValidationError> {
    raw.parse::<Role>().map_err(|_| {
        ValidationError::field("role", "unknown_role", "must be admin, supervisor or agent")
    })
}

/// Hashes off the async workers: Argon2 is deliberately slow.
async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
        .map_err(|error| AppError::Internal(error.to_string()))
}

impl App {
    pub async fn users(&self, account_id: AccountId) -> Result<Vec<User>, AppError> {
        Ok(self.store.users(account_id).await?)
    }

    pub async fn user(&self, account_id: AccountId, user_id: UserId) -> Result<User, AppError> {
        Ok(self.store.user(account_id, user_id).await?)
    }

    /// Creates a user, recorded as `user.created` by `actor`; every bad field (the role's among
    /// them) is reported at once.
    pub async fn create_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        role: &str,
        password: &str,
    ) -> Result<User, AppError> {
        let role = parse_role(role);
        let parsed = NewUser::parse(
            email,
            name,
            *role.as_ref().unwrap_or(&Role::Agent),
            password,
        );
        let (role, new_user) = match (role, parsed) {
            (Ok(role), Ok(new_user)) => (role, new_user),
            (role, parsed) => {
                let mut errors = parsed.err().map(|error| error.0).unwrap_or_default();
                if let Err(error) = role {
                    errors.extend(error.0);
                }
                errors.sort_by(|a, b| a.field.cmp(&b.field));
                return Err(ValidationError(errors).into());
            }
        };
        let seed = UserSeed {
            email: new_user.email,
            name: new_user.name,
            role,
            password_hash: hash(new_user.password).await?,
        };
        let event = AuditEvent::new("user.created", "user", None).after(json!({
            "email": seed.email, "name": seed.name, "role": role.as_str(),
        }));
        Ok(self
            .store
            .create_user(actor.account_id, &seed, &event.entry(actor), self.now())
            .await?)
    }

    /// Changes the fields given: the name (trimmed), the role, the password. Recorded by
    /// `actor` as `user.role_changed` when the role changes, else `user.password_set` when an
    /// admin sets the password, else `user.updated` (the password itself never).
    pub async fn update_user(
        &self,
        actor: &Actor,
        user_id: UserId,
        name: Option<String>,
        role: Option<&str>,
        phone: Option<Option<String>>,
        password: Option<String>,
    ) -> Result<User, AppError> {
        let patch = UserPatch {
            name: name.map(|name| name.trim().to_owned()),
            role: role.map(parse_role).transpose()?,
            password,
            phone: phone.map(|phone| {
                phone
                    .map(|phone| phone.trim().to_owned())
                    .filter(|phone| !phone.is_empty())
            }),
        };
        let current = self.store.user(actor.account_id, user_id).await?;
        patch.validate(PasswordOwner {
            email: &current.email,
            name: patch.name.as_deref().unwrap_or(&current.name),
        })?;
        let password_set = patch.password.is_some();
        let event = AuditEvent::new(
            if patch.role.is_some_and(|role| role != current.role) {
                "user.role_changed"
            } else if password_set {
                "user.password_set"
            } else {
                "user.updated"
            },
            "user",
            user_id.0,
        )
        .changes(
            &json!({"name": current.name, "role": current.role.as_str(), "phone": current.phone, "password": null}),
            json!({
                "name": patch.name,
                "role": patch.role.map(Role::as_str),
                "phone": patch.phone,
                "password": password_set.then_some("set"),
            }),
        );
        let password_hash = match patch.password {
            Some(password) => Some(hash(password).await?),
            None => None,
        };
        Ok(self
            .store
            .update_user(
                actor.account_id,
                user_id,
                patch.name.as_deref(),
                patch.role,
                patch.phone.as_ref().map(Option::as_deref),
                password_hash.as_deref(),
                &event.entry(actor),
                self.now(),
            )
            .await?)
    }

    /// Deletes a user (never oneself), returning their open conversations to the queue;
    /// recorded as `user.deleted` by `actor`.
    pub async fn delete_user(&self, actor: &Actor, user_id: UserId) -> Result<(), AppError> {
        if actor.user_id == Some(user_id) {
            return Err(AppError::invalid(
                "user_id",
                "cannot_delete_self",
                "you cannot delete your own user",
            ));
        }
        let current = self.store.user(actor.account_id, user_id).await?;
        let event = AuditEvent::new("user.deleted", "user", user_id.0).before(json!({
            "email": current.email, "name": current.name, "role": current.role.as_str(),
        }));
        let by = actor.user_id.map_or(EventActor::System, EventActor::User);
        self.store
            .delete_user(
                actor.account_id,
                user_id,
                by,
                &event.entry(actor),
                self.now(),
            )
            .await?;
        Ok(())
    }
}
