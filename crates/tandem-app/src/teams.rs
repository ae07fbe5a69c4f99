//! Teams and their members: each team read with its routing rules (skills, priority, strategy,
//! business hours, SLAs), which the store keeps apart from the team itself.

use tandem_domain::id::{AccountId, TeamId, UserId};
use tandem_domain::team::{Team, validate_team};
use tandem_domain::user::User;
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_routing::team::RoutingSpec;

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

    /// Creates a team; its name is required and trimmed.
    pub async fn create_team(
        &self,
        account_id: AccountId,
        name: &str,
        description: &str,
        routing: Option<RoutingSpec>,
    ) -> Result<TeamWithRouting, AppError> {
        let mut validator = Validator::new();
        validator.text("name", name, MAX_NAME_CHARS);
        validator.finish()?;
        validate_team(None, Some(description))?;
        let team = self
            .store
            .create_team(
                account_id,
                name.trim(),
                description,
                &routing.unwrap_or_default(),
                self.now(),
            )
            .await?;
        self.with_routing(team).await
    }

    /// Changes the fields the patch gives (a given name is trimmed).
    pub async fn update_team(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        patch: TeamPatch,
    ) -> Result<TeamWithRouting, AppError> {
        validate_team(patch.name.as_deref(), patch.description.as_deref())?;
        let patch = TeamPatch {
            name: patch.name.map(|name| name.trim().to_owned()),
            ..patch
        };
        let team = self.store.update_team(account_id, team_id, &patch).await?;
        self.with_routing(team).await
    }

    pub async fn delete_team(
        &self,
        account_id: AccountId,
        team_id: TeamId,
    ) -> Result<(), AppError> {
        Ok(self.store.delete_team(account_id, team_id).await?)
    }

    pub async fn team_members(
        &self,
        account_id: AccountId,
        team_id: TeamId,
    ) -> Result<Vec<User>, AppError> {
        Ok(self.store.team_members(account_id, team_id).await?)
    }

    pub async fn add_team_member(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        Ok(self
            .store
            .add_team_member(account_id, team_id, user_id)
            .await?)
    }

    pub async fn remove_team_member(
        &self,
        account_id: AccountId,
        team_id: TeamId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        Ok(self
            .store
            .remove_team_member(account_id, team_id, user_id)
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
