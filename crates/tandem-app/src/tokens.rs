//! A user's personal API tokens: listing them and revoking one (issuing one is
//! `App::create_api_token`, in `auth.rs`).

use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_store::TokenKind;

use crate::audit::{Actor, AuditEvent};
use crate::model::AuthToken;
use crate::{App, AppError};

impl App {
    /// The user's unexpired personal API tokens (never their secrets, which are shown once).
    pub async fn api_tokens(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<Vec<AuthToken>, AppError> {
        Ok(self
            .store
            .user_tokens(account_id, user_id, TokenKind::Api, self.now())
            .await?)
    }

    /// Revokes one of the acting user's tokens (it stops working at once), recorded as
    /// `api_token.revoked`.
    pub async fn delete_api_token(&self, actor: &Actor, token_id: TokenId) -> Result<(), AppError> {
        let user_id = actor.user_id.ok_or(AppError::Forbidden)?;
        self.store
            .delete_token(actor.account_id, user_id, token_id)
            .await?;
        self.record(
            actor,
            AuditEvent::new("api_token.revoked", "api_token", token_id.0),
        )
        .await
    }
}
