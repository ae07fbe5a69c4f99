//! The error for a stored name (a conversation status, a message direction or delivery
//! status) that this version does not know, shared by every type that parses one.

/// A stored name that this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown name {0:?}")]
pub struct UnknownName(pub String);
