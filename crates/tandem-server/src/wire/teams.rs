//! Teams with their routing rules.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::team::Team;
use tandem_routing::team::RoutingSpec;

#[derive(Debug, Serialize)]
pub struct TeamResponse {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// Skills, priority, strategy, business hours and SLAs (the written form `tandem-routing`
    /// validates).
    pub routing: RoutingSpec,
    pub created_at: Timestamp,
}

impl TeamResponse {
    pub fn new(team: Team, routing: RoutingSpec) -> Self {
        Self {
            id: team.id.0,
            name: team.name,
            description: team.description,
            routing,
            created_at: team.created_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub routing: Option<RoutingSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub routing: Option<RoutingSpec>,
}
