//! Accounts: the tenants. Every other entity belongs to exactly one.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::AccountId;

/// A company using Tandem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub created_at: Timestamp,
}
