//! Accounts and their creation with a first set of users and inboxes.

use tandem_domain::Timestamp;
use tandem_domain::account::Account;
use tandem_domain::id::{AccountId, InboxId, UserId};
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox};
use tandem_domain::user::User;

use crate::bot_profiles::{StoredBotProfile, upsert_bot_profile};
use crate::db::{Backend, Conn, args};
use crate::inboxes::{NewInbox, insert_inbox};
use crate::records::AccountRow;
use crate::users::{UserSeed, insert_user};
use crate::{Store, StoreError};

/// An inbox to create with an account.
pub type InboxSeed = NewInbox;

/// Everything a new account starts with.
#[derive(Clone, Debug)]
pub struct AccountSeed {
    pub name: String,
    pub users: Vec<UserSeed>,
    pub inboxes: Vec<InboxSeed>,
    /// The bot profile's YAML source, already checked.
    pub bot_profile: Option<String>,
}

/// Key of the advisory lock that serialises first-start seeding across nodes.
const SEED_LOCK: i64 = 0x7461_6e64_656d; // "tandem"

impl Store {
    /// Creates an account with its first users and inboxes, atomically.
    pub async fn create_account(
        &self,
        seed: &AccountSeed,
        now: Timestamp,
    ) -> Result<(Account, Vec<User>, Vec<Inbox>), StoreError> {
        let mut conn = self.write().await?;
        let created = insert_account(&mut conn, seed, now).await?;
        conn.commit().await?;
        Ok(created)
    }

    /// Creates the account only if the database holds none yet (first start). Safe when several
    /// nodes start at once on one PostgreSQL: exactly one of them seeds.
    pub async fn create_first_account(
        &self,
        seed: &AccountSeed,
        now: Timestamp,
    ) -> Result<Option<(Account, Vec<User>, Vec<Inbox>)>, StoreError> {
        let mut conn = self.write().await?;
        if conn.backend() == Backend::Postgres {
            conn.execute("SELECT pg_advisory_xact_lock($1)", args![SEED_LOCK])
                .await?;
        }
        let (count,) = conn
            .fetch_one::<(i64,)>("SELECT count(*) FROM accounts", args![])
            .await?;
        if count > 0 {
            return Ok(None);
        }
        let created = insert_account(&mut conn, seed, now).await?;
        conn.commit().await?;
        Ok(Some(created))
    }

    /// One account.
    pub async fn account(&self, account_id: AccountId) -> Result<Account, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<AccountRow>(
            "SELECT id, name, created_at FROM accounts WHERE id = $1",
            args![account_id],
        )
        .await?
        .ok_or(StoreError::not_found("account"))?
        .try_into()
    }
}

async fn insert_account(
    conn: &mut Conn,
    seed: &AccountSeed,
    now: Timestamp,
) -> Result<(Account, Vec<User>, Vec<Inbox>), StoreError> {
    let account = Account {
        id: AccountId::generate(),
        name: seed.name.clone(),
        created_at: now,
    };
    conn.execute(
        "INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)",
        args![account.id, account.name.as_str(), now],
    )
    .await?;
    let mut users = Vec::with_capacity(seed.users.len());
    for user in &seed.users {
        users.push(insert_user(conn, account.id, UserId::generate(), user, now).await?);
    }
    let mut inboxes = Vec::with_capacity(seed.inboxes.len());
    for inbox in &seed.inboxes {
        inboxes.push(insert_inbox(conn, account.id, InboxId::generate(), inbox, now).await?);
    }
    if let Some(source) = &seed.bot_profile {
        let profile = StoredBotProfile {
            account_id: account.id,
            inbox_id: None,
            source: source.clone(),
            updated_at: now,
            updated_by: None,
        };
        upsert_bot_profile(conn, &profile).await?;
    }
    Ok((account, users, inboxes))
}

impl NewInbox {
    /// An API-channel inbox.
    pub fn api(name: &str, api_token_hash: String, webhook_secret: String) -> Self {
        Self {
            name: name.to_owned(),
            channel: ChannelKind::Api,
            first_responder: FirstResponder::Human,
            webhook_url: None,
            webhook_secret,
            api_token_hash,
            channel_config: None,
        }
    }

    /// A web-chat (widget) inbox the bot answers first. It has no API token: the hash given is
    /// of a random secret nobody keeps.
    pub fn web(name: &str, unused_token_hash: String, webhook_secret: String) -> Self {
        Self {
            name: name.to_owned(),
            channel: ChannelKind::Web,
            first_responder: FirstResponder::Bot,
            webhook_url: None,
            webhook_secret,
            api_token_hash: unused_token_hash,
            channel_config: None,
        }
    }
}
