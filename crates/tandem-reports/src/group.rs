//! What a report can be grouped by.

use std::fmt;
use std::str::FromStr;

/// A dimension of a conversation's facts that a summary can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Channel,
    Inbox,
    Team,
    Agent,
    Intent,
    HandoverReason,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Channel,
        GroupBy::Inbox,
        GroupBy::Team,
        GroupBy::Agent,
        GroupBy::Intent,
        GroupBy::HandoverReason,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Channel => "channel",
            GroupBy::Inbox => "inbox",
            GroupBy::Team => "team",
            GroupBy::Agent => "agent",
            GroupBy::Intent => "intent",
            GroupBy::HandoverReason => "handover_reason",
        }
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown group name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown group {0:?}: expected one of channel, inbox, team, agent, intent, handover_reason"
)]
pub struct UnknownGroup(pub String);

impl FromStr for GroupBy {
    type Err = UnknownGroup;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GroupBy::ALL
            .into_iter()
            .find(|group| group.as_str() == s)
            .ok_or_else(|| UnknownGroup(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_round_trip_and_unknown_ones_are_refused() {
        for group in GroupBy::ALL {
            assert_eq!(group.as_str().parse::<GroupBy>(), Ok(group));
        }
        assert!("country".parse::<GroupBy>().is_err());
    }
}
