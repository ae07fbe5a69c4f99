//! The names of SLA targets and of the stages a running SLA clock goes through.

use serde::{Deserialize, Serialize};

/// Which SLA target a clock measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// From the handover to the first agent reply.
    FirstResponse,
    /// From the handover to resolution.
    Resolution,
}

impl SlaTarget {
    pub const ALL: [SlaTarget; 2] = [SlaTarget::FirstResponse, SlaTarget::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "first_response",
            SlaTarget::Resolution => "resolution",
        }
    }

    /// The target stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|target| target.as_str() == name)
    }
}

/// Where a running SLA clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStage {
    /// Most of the allowed time is still ahead.
    OnTrack,
    /// Most of the allowed time is used.
    NearBreach,
    /// Past the deadline.
    Breached,
}

impl SlaStage {
    pub const ALL: [SlaStage; 3] = [SlaStage::OnTrack, SlaStage::NearBreach, SlaStage::Breached];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaStage::OnTrack => "on_track",
            SlaStage::NearBreach => "near_breach",
            SlaStage::Breached => "breached",
        }
    }

    /// The stage stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.as_str() == name)
    }
}
