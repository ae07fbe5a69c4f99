//! Teams and their members: each team read with its routing rules (skills, priority, strategy,
//! business hours, SLAs), which the store keeps apart from the team itself.

use tandem_domain::id::{AccountId, TeamId, UserId};
use tandem_domain::team::{Team, validate_team};
use tandem_domain::user::User;
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_routing::team::RoutingSpec;

use serde_json::json;

use crate::audit::{Actor, AuditEvent};
use crate::model::TeamPatch;
use crate::{App, AppError};

/// A team with its routing rules (the defaults when it has none of its own).
#[derive(Clone, Debug)]
pub struct TeamWithRouting {
    pub team: Team,
    pub routing: RoutingSpec,
}

impl App {
    /// Every team of the account, each with its routing rules.
    pub async fn teams(&self, account_id: AccountId) -> Result<Vec<TeamWithRouting>, AppError> {
        let teams = self.store.teams(account_id).await?;
        let mut routing = self.store.team_routing_specs(account_id).await?;
        Ok(teams
            .into_iter()
            .map(|team| {
                let routing = routing.remove(&team.id).unwrap_or_default();
                TeamWithRouting { team, routing }
            })
            .collect())
    }

    pub async fn team(
        &self,
        account_id: AccountId,
        team_id: TeamId,
    ) -> Result<TeamWithRouting, AppError> {
        let team = self.store.team(account_id, team_id).await?;
        self.with_routing(team).await
    }

    /// Creates a team, recorded as `team.created` by `actor`; its name is required and trimmed.
    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
        routing: Option<RoutingSpec>,
    ) -> Result<TeamWithRouting, AppError> {
        let mut validator = Validator::new();
        validator.text("name", name, MAX_NAME_CHARS);
        validator.finish()?;
        validate_team(None, Some(description))?;
        let routing = routing.unwrap_or_default();
        let team = self
            .store
            .create_team(
                actor.account_id,
                name.trim(),
                description,
                &routing,
                self.now(),
            )
            .await?;
        let event = AuditEvent::new("team.created", "team", team.id.0).after(json!({
            "name": team.name, "description": team.description, "routing": routing,
        }));
        self.record(actor, event).await?;
        self.with_routing(team).await
    }

    /// Changes the fields the patch gives (a given name is trimmed); recorded as
    /// `team.updated` by `actor` with the fields that changed.
    pub async fn update_team(
        &self,
        actor: &Actor,
        team_id: TeamId,
        patch: TeamPatch,
    ) -> Result<TeamWithRouting, AppError> {
        validate_team(patch.name.as_deref(), patch.description.as_deref())?;
        let patch = TeamPatch {
            name: patch.name.map(|name| name.trim().to_owned()),
            ..patch
        };
        let current = self.team(actor.account_id, team_id).await?;
        let event = AuditEvent::new("team.updated", "team", team_id.0).changes(
            &json!({
                "name": current.team.name,
                "description": current.team.description,
                "routing": current.routing,
            }),
            json!({"name": patch.name, "description": patch.description, "routing": patch.routing}),
        );
        let team = self
            .store
            .update_team(
                actor.account_id,
                team_id,
                &patch,
                &event.entry(actor),
                self.now(),
            )
            .await?;
        self.with_routing(team).await
    }

    /// Deletes a team, recorded as `team.deleted` by `actor`.
    pub async fn delete_team(&self, actor: &Actor, team_id: TeamId) -> Result<(), AppError> {
        let current = self.store.team(actor.account_id, team_id).await?;
        let event = AuditEvent::new("team.deleted", "team", team_id.0)
            .before(json!({"name": current.name, "description": current.description}));
        Ok(self
            .store
            .delete_team(actor.account_id, team_id, &event.entry(actor), self.now())
            .await?)
    }

    pub async fn team_members(
        &self,
        account_id: AccountId,
        team_id: TeamId,
    ) -> Result<Vec<User>, AppError> {
        Ok(self.store.team_members(account_id, team_id).await?)
    }

    /// Adds a member, recorded as `team.member_added` by `actor`.
    pub async fn add_team_member(
        &self,
        actor: &Actor,
        team_id: TeamId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        self.store
            .add_team_member(actor.account_id, team_id, user_id)
            .await?;
        let event = AuditEvent::new("team.member_added", "team", team_id.0)
            .after(json!({"user_id": user_id.0}));
        self.record(actor, event).await
    }

    /// Removes a member, recorded as `team.member_removed` by `actor`.
    pub async fn remove_team_member(
        &self,
        actor: &Actor,
        team_id: TeamId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        let event = AuditEvent::new("team.member_removed", "team", team_id.0)
            .before(json!({"user_id": user_id.0}));
        Ok(self
            .store
            .remove_team_member(
                actor.account_id,
                team_id,
                user_id,
                &event.entry(actor),
                self.now(),
            )
            .await?)
    }

    /// The team with its routing rules, read after a write.
    async fn with_routing(&self, team: Team) -> Result<TeamWithRouting, AppError> {
        let routing = self
            .store
            .team_routing_specs(team.account_id)
            .await?
            .remove(&team.id)
            .unwrap_or_default();
        Ok(TeamWithRouting { team, routing })
    }
}
