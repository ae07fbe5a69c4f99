//! Teams' routing settings as stored in `teams.routing`, read back validated.

use sqlx::types::Json;
use tandem_domain::id::{AccountId, TeamId};
use tandem_routing::team::{RoutingSpec, TeamRouting};
use uuid::Uuid;

use crate::StoreError;
use crate::db::{Conn, args};

/// Every team's validated routing settings, in creation order.
pub(crate) async fn team_routings(
    conn: &mut Conn,
    account_id: AccountId,
) -> Result<Vec<TeamRouting>, StoreError> {
    let rows: Vec<(Uuid, Json<RoutingSpec>)> = conn
        .fetch_all(
            "SELECT id, routing FROM teams WHERE account_id = $1 ORDER BY created_at, id",
            args![account_id],
        )
        .await?;
    rows.into_iter()
        .map(|(id, Json(spec))| {
            spec.parse(TeamId(id), "routing")
                .map_err(|error| StoreError::corrupt(format!("teams.routing of {id}: {error}")))
        })
        .collect()
}

/// One team's validated routing settings; `None` without a team or when it was deleted.
pub(crate) async fn team_routing(
    conn: &mut Conn,
    account_id: AccountId,
    team_id: Option<TeamId>,
) -> Result<Option<TeamRouting>, StoreError> {
    let Some(team_id) = team_id else {
        return Ok(None);
    };
    let row: Option<(Json<RoutingSpec>,)> = conn
        .fetch_optional(
            "SELECT routing FROM teams WHERE account_id = $1 AND id = $2",
            args![account_id, team_id],
        )
        .await?;
    row.map(|(Json(spec),)| {
        spec.parse(team_id, "routing")
            .map_err(|error| StoreError::corrupt(format!("teams.routing of {team_id}: {error}")))
    })
    .transpose()
}
