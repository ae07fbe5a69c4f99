//! The account's users: reading them, and the admin's changes (create, rename, change role or
//! password, delete). Passwords are hashed here, off the async workers.

use tandem_domain::event::Actor;
use tandem_domain::id::{AccountId, UserId};
use tandem_domain::password::PasswordOwner;
use tandem_domain::user::{NewUser, Role, User, UserPatch};
use tandem_domain::validation::ValidationError;
use tandem_store::UserSeed;

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

    /// Creates a user; every bad field (the role's among them) is reported at once.
    pub async fn create_user(
        &self,
        account_id: AccountId,
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
        Ok(self
            .store
            .create_user(account_id, &seed, self.now())
            .await?)
    }

    /// Changes the fields given: the name (trimmed), the role, the password.
    pub async fn update_user(
        &self,
        account_id: AccountId,
        user_id: UserId,
        name: Option<String>,
        role: Option<&str>,
        password: Option<String>,
    ) -> Result<User, AppError> {
        let patch = UserPatch {
            name: name.map(|name| name.trim().to_owned()),
            role: role.map(parse_role).transpose()?,
            password,
        };
        let current = self.store.user(account_id, user_id).await?;
        patch.validate(PasswordOwner {
            email: &current.email,
            name: patch.name.as_deref().unwrap_or(&current.name),
        })?;
        let password_hash = match patch.password {
            Some(password) => Some(hash(password).await?),
            None => None,
        };
        Ok(self
            .store
            .update_user(
                account_id,
                user_id,
                patch.name.as_deref(),
                patch.role,
                password_hash.as_deref(),
            )
            .await?)
    }

    /// Deletes a user (never oneself), returning their open conversations to the queue.
    pub async fn delete_user(
        &self,
        account_id: AccountId,
        user_id: UserId,
        by: UserId,
    ) -> Result<(), AppError> {
        if user_id == by {
            return Err(AppError::invalid(
                "user_id",
                "cannot_delete_self",
                "you cannot delete your own user",
            ));
        }
        self.store
            .delete_user(account_id, user_id, Actor::User(by), self.now())
            .await?;
        Ok(())
    }
}
