//! Users (people who log in) and what each role may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::{AccountId, UserId};
use crate::password::{PasswordOwner, check_password};
use crate::validation::{MAX_NAME_CHARS, ValidationError, Validator, normalize_email};

/// What a user may do in their account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users, inboxes and credentials.
    Admin,
    /// Teams, assignment of anyone's conversations, reports.
    Supervisor,
    /// Conversations they handle.
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
        }
    }

    /// Users, inboxes and their credentials.
    pub fn can_manage_account(self) -> bool {
        self == Role::Admin
    }

    /// Teams and their members.
    pub fn can_manage_teams(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// The account's reports (metrics over every agent's conversations).
    pub fn can_read_reports(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// Assigning, replying to or taking over conversations owned by someone else.
    pub fn can_override_assignment(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A role name that is not `admin`, `supervisor` or `agent`.
#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

/// A person who logs in to an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The phone number (E.164) or SIP address (`sip:…`) a call handed over by the bot rings
    /// for this agent.
    pub phone: Option<String>,
    pub created_at: Timestamp,
}

/// A validated new user; the password is still in clear text and is hashed by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl NewUser {
    /// Validates every field and normalises the e-mail address.
    pub fn parse(
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<Self, ValidationError> {
        let mut validator = Validator::new();
        let raw_email = email;
        let email = normalize_email(email);
        if email.is_none() {
            validator.reject("email", "invalid_email", "must be an e-mail address");
        }
        validator.text("name", name, MAX_NAME_CHARS);
        check_password(
            &mut validator,
            password,
            PasswordOwner {
                email: raw_email,
                name,
            },
        );
        validator.finish()?;
        Ok(Self {
            email: email.unwrap_or_default(),
            name: name.trim().to_owned(),
            role,
            password: password.to_owned(),
        })
    }
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// A new clear-text password, hashed by the caller.
    pub password: Option<String>,
    /// A new phone or SIP address for handed-over calls; `Some(None)` removes it.
    pub phone: Option<Option<String>>,
}

impl fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPatch")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("phone", &self.phone)
            .finish()
    }
}

impl UserPatch {
    /// Validates the fields that are present; a new password against the password policy for
    /// `owner` (the user as they will be).
    pub fn validate(&self, owner: PasswordOwner<'_>) -> Result<(), ValidationError> {
        let mut validator = Validator::new();
        validator.optional_text("name", self.name.as_deref(), MAX_NAME_CHARS);
        if let Some(password) = &self.password {
            check_password(&mut validator, password, owner);
        }
        if let Some(Some(phone)) = &self.phone
            && !is_call_address(phone)
        {
            validator.reject(
                "phone",
                "invalid_phone",
                "must be a phone number in E.164 (+5511987654321) or a SIP address (sip:ana@pbx.example.com)",
            );
        }
        validator.finish()
    }
}

/// Whether `address` can be rung: a phone number in E.164 or a `sip:` address (user@host,
/// printable ASCII without spaces or markup, at most 256 characters).
pub fn is_call_address(address: &str) -> bool {
    if let Some(digits) = address.strip_prefix('+') {
        return (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
    }
    address.len() <= 256
        && address
            .strip_prefix("sip:")
            .and_then(|rest| rest.split_once('@'))
            .is_some_and(|(user, host)| {
                !user.is_empty()
                    && !host.is_empty()
                    && address[4..]
                        .chars()
                        .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '&' | '\''))
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_rung_on_phone_numbers_and_sip_addresses() {
        for valid in [
            "+5511987654321",
            "sip:ana@pbx.example.com",
            "sip:1001@10.0.0.5:5060",
        ] {
            assert!(is_call_address(valid), "{valid}");
        }
        for invalid in [
            "5511987654321",
            "+0511987654321",
            "+55 11 98765",
            "sip:pbx.example.com",
            "sip:ana@",
            "sip:ana@pbx\"><Hangup/>",
            "tel:+5511987654321",
        ] {
            assert!(!is_call_address(invalid), "{invalid}");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_manage_the_account_and_agents_cannot_override() {
        assert!(Role::Admin.can_manage_account());
        assert!(!Role::Supervisor.can_manage_account());
        assert!(Role::Supervisor.can_manage_teams());
        assert!(!Role::Agent.can_manage_teams());
        assert!(!Role::Agent.can_override_assignment());
    }

    #[test]
    fn new_user_reports_every_bad_field() {
        let error = NewUser::parse("nope", " ", Role::Agent, "short").unwrap_err();
        let fields: Vec<_> = error.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "password"]);
    }

    #[test]
    fn new_user_debug_never_shows_the_password() {
        let user = NewUser::parse("a@b.co", "Ana", Role::Agent, "correct horse battery").unwrap();
        assert!(!format!("{user:?}").contains("horse"));
    }
}

/// Whether an agent is there to take conversations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Takes new conversations.
    Online,
    /// Keeps their conversations but takes no new ones.
    Away,
    /// Gone: their open conversations return to the queue.
    Offline,
}

impl Presence {
    pub const ALL: [Presence; 3] = [Presence::Online, Presence::Away, Presence::Offline];

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }
}

impl FromStr for Presence {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Presence::ALL
            .into_iter()
            .find(|presence| presence.as_str() == s)
            .ok_or_else(|| {
                ValidationError::field(
                    "presence",
                    "unknown_presence",
                    "must be online, away or offline",
                )
            })
    }
}

/// Most conversations one agent may be given at once.
pub const MAX_CAPACITY: u32 = 100;

/// Checks an agent's capacity (at least 1, at most [`MAX_CAPACITY`]).
pub fn validate_capacity(field: &str, capacity: u32) -> Result<(), ValidationError> {
    if capacity == 0 || capacity > MAX_CAPACITY {
        return Err(ValidationError::field(
            field,
            "out_of_range",
            format!("must be between 1 and {MAX_CAPACITY}"),
        ));
    }
    Ok(())
}
