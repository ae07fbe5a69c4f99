//! Teams and their members.

use std::collections::HashMap;

use sqlx::types::Json;
use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, TeamId, UserId};
use tandem_domain::team::Team;
use tandem_domain::user::User;
use tandem_domain::validation::ValidationError;
use tandem_routing::team::RoutingSpec;

use crate::audit::{NewAuditEntry, record_audit};
use crate::db::{Conn, args};
use crate::error::{Conflict, is_unique_violation};
use crate::records::{TEAM_COLUMNS, TeamRow, USER_COLUMNS, UserRow, convert_all};
use crate::users::find_user;
use crate::{Store, StoreError};

/// Changes to a team; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct TeamPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    /// New routing settings, validated here (errors name `routing.*` fields).
    pub routing: Option<RoutingSpec>,
}

fn name_taken(error: sqlx::Error) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict {
            kind: Conflict::TeamNameTaken,
            field: "name",
            message: "a team with this name already exists".into(),
        }
    } else {
        error.into()
    }
}

async fn find_team(
    conn: &mut Conn,
    account_id: AccountId,
    team_id: TeamId,
) -> Result<Team, StoreError> {
    conn.fetch_optional::<TeamRow>(
        &format!("SELECT {TEAM_COLUMNS} FROM teams WHERE account_id = $1 AND id = $2"),
        args![account_id, team_id],
    )
    .await?
    .ok_or(StoreError::not_found("team"))?
    .try_into()
}

/// Fails when the routing settings name an inbox the account does not have.
async fn check_inboxes(
    conn: &mut Conn,
    account_id: AccountId,
    routing: &RoutingSpec,
) -> Result<(), StoreError> {
    for (index, inbox_id) in routing.inbox_ids.iter().enumerate() {
        let found: Option<(uuid::Uuid,)> = conn
            .fetch_optional(
                "SELECT id FROM inboxes WHERE account_id = $1 AND id = $2",
                args![account_id, *inbox_id],
            )
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(ValidationError::field(
                format!("routing.inbox_ids[{index}]"),
                "unknown_reference",
                "no such inbox in this account",
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Every team's routing settings.
    pub async fn team_routing_specs(
        &self,
        account_id: AccountId,
    ) -> Result<HashMap<TeamId, RoutingSpec>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<(uuid::Uuid, Json<RoutingSpec>)> = conn
            .fetch_all(
                "SELECT id, routing FROM teams WHERE account_id = $1",
                args![account_id],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, Json(spec))| (TeamId(id), spec))
            .collect())
    }

    /// Creates a team.
    pub async fn create_team(
        &self,
        account_id: AccountId,
        name: &str,
        description: &str,
        routing: &RoutingSpec,
        now: Timestamp,
    ) -> Result<Team, StoreError> {
        let team = Team {
            id: TeamId::generate(),
            account_id,
            name: name.to_owned(),
            description: description.to_owned(),
            created_at: now,
        };
        routing.parse(team.id, "routing")?;
        let mut conn = self.write().await?;
        check_inboxes(&mut conn, account_id, routing).await?;
        let routing = serde_json::to_value(routing).map_err(StoreError::corrupt)?;
        conn.execute(
            "INSERT INTO teams (id, account_id, name, description, routing, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![team.id, account_id, name, description, routing, now],
        )
        .await
        .map_err(name_taken)?;
        conn.commit().await?;
        Ok(team)
    }

    /// Every team of an account, by name.
    pub async fn teams(&self, account_id: AccountId) -> Result<Vec<Team>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<TeamRow>(
                &format!(
                    "SELECT {TEAM_COLUMNS} FROM teams WHERE account_id = $1 ORDER BY name, id"
                ),
                args![account_id],
            )
            .await?;
        convert_all(rows)
    }

    /// One team.
    pub async fn team(&self, account_id: AccountId, team_id: TeamId) -> Result<Team, StoreError> {
        let mut conn = self.read().await?;
        find_team(&mut conn, account_id, team_id).await
    }

    /// Renames or re-describes a team, recording `audit`.
    pub async fn update_team(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        patch: &TeamPatch,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Team, StoreError> {
        let mut conn = self.write().await?;
        let mut team = find_team(&mut conn, account_id, team_id).await?;
        if let Some(name) = &patch.name {
            team.name = name.clone();
        }
        if let Some(description) = &patch.description {
            team.description = description.clone();
        }
        if let Some(routing) = &patch.routing {
            routing.parse(team_id, "routing")?;
            check_inboxes(&mut conn, account_id, routing).await?;
            let routing = serde_json::to_value(routing).map_err(StoreError::corrupt)?;
            conn.execute(
                "UPDATE teams SET routing = $1 WHERE account_id = $2 AND id = $3",
                args![routing, account_id, team_id],
            )
            .await?;
        }
        conn.execute(
            "UPDATE teams SET name = $1, description = $2 WHERE account_id = $3 AND id = $4",
            args![
                team.name.as_str(),
                team.description.as_str(),
                account_id,
                team_id
            ],
        )
        .await
        .map_err(name_taken)?;
        record_audit(&mut conn, account_id, audit, now).await?;
        conn.commit().await?;
        Ok(team)
    }

    /// Deletes a team, recording `audit`; its conversations keep going without a team.
    pub async fn delete_team(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM teams WHERE account_id = $1 AND id = $2",
                args![account_id, team_id],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("team"));
        }
        record_audit(&mut conn, account_id, audit, now).await?;
        conn.commit().await?;
        Ok(())
    }

    /// The members of a team.
    pub async fn team_members(
        &self,
        account_id: AccountId,
        team_id: TeamId,
    ) -> Result<Vec<User>, StoreError> {
        let mut conn = self.read().await?;
        find_team(&mut conn, account_id, team_id).await?;
        let columns = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = conn
            .fetch_all::<UserRow>(
                &format!(
                    "SELECT {columns} FROM team_members m JOIN users u ON u.id = m.user_id \
                     WHERE m.account_id = $1 AND m.team_id = $2 ORDER BY u.name, u.id"
                ),
                args![account_id, team_id],
            )
            .await?;
        convert_all(rows)
    }

    /// Adds a user of the same account to a team; adding a member twice changes nothing.
    pub async fn add_team_member(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        user_id: UserId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        find_team(&mut conn, account_id, team_id).await?;
        find_user(&mut conn, account_id, user_id)
            .await?
            .ok_or(StoreError::not_found("user"))?;
        conn.execute(
            "INSERT INTO team_members (team_id, user_id, account_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            args![team_id, user_id, account_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Removes a user from a team, recording `audit`.
    pub async fn remove_team_member(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        user_id: UserId,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM team_members WHERE account_id = $1 AND team_id = $2 AND user_id = $3",
                args![account_id, team_id, user_id],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("team member"));
        }
        record_audit(&mut conn, account_id, audit, now).await?;
        conn.commit().await?;
        Ok(())
    }
}
