//! Password reset by e-mail. Asking is answered the same whether or not the address belongs to
//! anyone (the lookup and the sending happen in the background); each user with the address,
//! in every account, gets a link naming the account, valid for [`RESET_LINK_TTL`] and usable
//! once. Using it sets the password and ends every session and API token of that user.

use jiff::SignedDuration;

use tandem_domain::password::PasswordOwner;
use tandem_domain::user::User;
use tandem_domain::validation::normalize_email;

use crate::audit::{Actor, AuditEvent, Origin};
use crate::credentials::{check_new_password, hash_new_password};
use crate::ports::SystemEmail;
use crate::secret::{generate_token, token_hash};
use crate::{App, AppError};

/// Prefix of password reset secrets.
pub const RESET_PREFIX: &str = "tdm_r_";
/// How long a reset link works.
pub const RESET_LINK_TTL: SignedDuration = SignedDuration::from_mins(30);
/// The most accounts one address is sent links for.
const MAX_RESET_ACCOUNTS: u32 = 20;

impl App {
    /// Starts a password reset for `email` and returns at once: the same answer, in about the
    /// same time, whether or not a user has the address. A malformed address is the only
    /// error.
    pub fn request_password_reset(&self, email: &str) -> Result<(), AppError> {
        let email = normalize_email(email).ok_or_else(|| {
            AppError::invalid("email", "invalid_email", "must be an e-mail address")
        })?;
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(error) = app.send_reset_links(&email).await {
                tracing::warn!(%error, "sending password reset links failed");
            }
        });
        Ok(())
    }

    /// Mails a reset link to each user with this address.
    async fn send_reset_links(&self, email: &str) -> Result<(), AppError> {
        let Some(mailer) = self.ports.mailer.clone() else {
            tracing::warn!(
                "a password reset was asked for, but no mail server is configured \
                 (set smtp_url and mail_from, TANDEM_SMTP_URL and TANDEM_MAIL_FROM)"
            );
            return Ok(());
        };
        let users = self
            .store
            .credentials(email, None, MAX_RESET_ACCOUNTS)
            .await?;
        for (user, _) in users {
            let account = self.store.account(user.account_id).await?;
            let secret = generate_token(RESET_PREFIX);
            let now = self.now();
            let expires_at = now
                .saturating_add(RESET_LINK_TTL)
                .map_err(|error| AppError::Internal(error.to_string()))?;
            self.store
                .create_password_reset(
                    user.account_id,
                    user.id,
                    &token_hash(&secret),
                    expires_at,
                    now,
                )
                .await?;
            let link = format!(
                "{}/app/#/reset-password/{secret}",
                self.channels().public_url
            );
            let email = SystemEmail {
                to: user.email.clone(),
                subject: format!("Reset your Tandem password for {}", account.name),
                text: format!(
                    "Hello {name},\n\nSomeone asked to reset the password of your Tandem user in \
                     the account \"{account}\". To choose a new password, open this link within \
                     {minutes} minutes:\n\n{link}\n\nIt works once. If you did not ask for this, \
                     ignore this e-mail: your password stays as it is.\n",
                    name = user.name,
                    account = account.name,
                    minutes = RESET_LINK_TTL.as_mins(),
                ),
            };
            match mailer.send(&email).await {
                Ok(()) => tracing::info!(user_id = %user.id, "password reset link sent"),
                Err(error) => {
                    tracing::warn!(user_id = %user.id, %error, "a password reset link could not be sent");
                }
            }
        }
        Ok(())
    }

    /// Sets a new password with a reset link's secret; every session and API token of the user
    /// ends and the link stops working. An unknown, expired or used secret names `token`.
    /// Recorded as `user.password_reset`, by the user whose link it was.
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        new_password: &str,
        origin: &Origin,
    ) -> Result<User, AppError> {
        // Whose link this is is known only once it is used up, so the rule on the owner's name
        // and address is not applied here.
        let anyone = PasswordOwner {
            email: "",
            name: "",
        };
        check_new_password("new_password", new_password, anyone)?;
        let invalid = || {
            AppError::invalid(
                "token",
                "invalid_or_expired",
                "this reset link is unknown, expired or already used; ask for a new one",
            )
        };
        if !token.starts_with(RESET_PREFIX) {
            return Err(invalid());
        }
        let hash = hash_new_password(new_password.to_owned()).await?;
        let user = self
            .store
            .reset_password(&token_hash(token), &hash, self.now())
            .await?
            .ok_or_else(invalid)?;
        tracing::info!(user_id = %user.id, "password reset");
        let event = AuditEvent::new("user.password_reset", "user", user.id.0);
        self.record(&Actor::user(&user, origin.clone()), event)
            .await?;
        Ok(user)
    }
}
