//! A user's login sessions: listing them (with the client that opened each and when it was last
//! used), revoking one or all the others, and keeping `last_used_at` current cheaply.

use jiff::SignedDuration;
use serde_json::json;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_store::TokenKind;

use crate::audit::{Actor, AuditEvent, Origin};
use crate::auth::Principal;
use crate::model::AuthToken;
use crate::{App, AppError};

/// How stale `last_used_at` may get: a token in use is written at most once per this.
pub const LAST_USED_PRECISION: SignedDuration = SignedDuration::from_secs(60);

impl App {
    /// Records that a token authenticated a request, at most once per [`LAST_USED_PRECISION`]
    /// (judged from the row just read, so a fresh one costs no write at all). A failed write is
    /// logged, never refused: it must not lock anyone out.
    pub(crate) async fn note_token_use(&self, token: &AuthToken, now: Timestamp) {
        let stale_before = now - LAST_USED_PRECISION;
        if token.last_used_at.is_some_and(|used| used >= stale_before) {
            return;
        }
        if let Err(error) = self.store.touch_token(token.id, now, stale_before).await {
            tracing::warn!(%error, token_id = %token.id, "recording a token's use failed");
        }
    }

    /// Notes the client (address, `User-Agent`) that opened a session. A failure is logged:
    /// the login itself succeeded.
    pub(crate) async fn describe_session(&self, session: &AuthToken, origin: &Origin) {
        let client_ip = origin.ip.map(|ip| ip.to_canonical().to_string());
        if let Err(error) = self
            .store
            .describe_token(
                session.account_id,
                session.id,
                client_ip.as_deref(),
                origin.user_agent.as_deref(),
            )
            .await
        {
            tracing::warn!(%error, "recording the session's client failed");
        }
    }

    /// A user's unexpired login sessions, oldest first (an unknown user is not found).
    pub async fn user_sessions(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<Vec<AuthToken>, AppError> {
        self.store.user(account_id, user_id).await?;
        Ok(self
            .store
            .user_tokens(account_id, user_id, TokenKind::Session, self.now())
            .await?)
    }

    /// Ends one of `user_id`'s sessions (the actor's own, or an admin ending someone's); it
    /// stops working at once. Recorded as `session.revoked`, naming whose it was.
    pub async fn revoke_session(
        &self,
        actor: &Actor,
        user_id: UserId,
        session_id: TokenId,
    ) -> Result<(), AppError> {
        self.store
            .delete_token_of_kind(actor.account_id, user_id, TokenKind::Session, session_id)
            .await?;
        tracing::info!(%user_id, %session_id, "session revoked");
        let event = AuditEvent::new("session.revoked", "session", session_id.0)
            .after(json!({ "user_id": user_id.0 }));
        self.record(actor, event).await
    }

    /// Ends every session of the caller but the one they are in; returns how many ended.
    /// Recorded as `session.others_revoked`, with the count.
    pub async fn revoke_other_sessions(
        &self,
        principal: &Principal,
        origin: &Origin,
    ) -> Result<u64, AppError> {
        let ended = self
            .store
            .delete_other_sessions(
                principal.account_id(),
                principal.user_id(),
                principal.token_id,
            )
            .await?;
        tracing::info!(user_id = %principal.user_id(), ended, "other sessions revoked");
        let event = AuditEvent::new("session.others_revoked", "user", principal.user_id().0)
            .after(json!({ "revoked": ended }));
        self.record(&Actor::user(&principal.user, origin.clone()), event)
            .await?;
        Ok(ended)
    }
}
