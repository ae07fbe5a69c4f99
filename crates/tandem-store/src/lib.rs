//! Tandem's storage: one [`Store`] over SQLite (embedded, single node) and PostgreSQL (many
//! nodes), chosen by the database URL.
//!
//! Methods are use-case sized and own their transaction, so every invariant that spans rows
//! (one open conversation per contact and inbox, one message per channel delivery, an outbox
//! entry for every webhook-visible change) holds on both engines. Every query on tenant data is
//! scoped by account: an id from another account is simply not found.

// The modules import one another one way: each uses only modules listed before it here, so
// none imports itself through others (`tandem-tidy`'s `no_crate_has_an_import_circle_between_its_modules` checks there is no circle).
//
//   foundations  error, group_commit, delivery_signals, db, records, changes, audit (`record_audit`, in any writer's transaction)
//   rows         inboxes (InboxRules), conversation_rows, channel_outbox, outbox, message_rows,
//                report_facts (stale marks, refolds), team_routing, sla (clocks), routing_follow_up
//   recording    events (`record`: events, routing follow-up, webhooks, stale facts, announcement)
//   registry     personal_data (every column classified; uses db)
//   use cases    audit, auth, canned, channel_cursors, contacts, login_throttles, occupancy,
//                summaries, two_factor, reports (sums); users,
//                routing, surveys, proactive, sla_escalation; conversations, presence, teams,
//                bot_profiles, messages, widget; accounts, learning; bot_turns;
//                contact_data (export, erasure), retention
//
// `testing` (throwaway databases) uses only `db`.

mod accounts;
mod ai;
mod audit;
mod auth;
mod bot_profiles;
mod bot_turns;
mod canned;
mod changes;
mod channel_cursors;
mod channel_health;
mod channel_outbox;
mod contact_data;
mod contact_notes;
mod contacts;
mod conversation_rows;
mod conversations;
mod db;
mod delivery_signals;
mod error;
mod events;
mod file_modes;
mod files;
mod group_commit;
mod inboxes;
mod labels;
mod learning;
mod login_throttles;
mod message_rows;
mod messages;
mod occupancy;
mod outbox;
mod password_resets;
mod personal_data;
mod presence;
mod proactive;
mod records;
mod report_facts;
mod reports;
mod retention;
mod routing;
mod routing_follow_up;
mod saved_views;
mod search_texts;
mod sla;
mod sla_escalation;
mod summaries;
mod surveys;
mod team_routing;
mod teams;
#[cfg(feature = "testing")]
pub mod testing;
mod two_factor;
mod users;
mod widget;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};

pub use accounts::{AccountSeed, InboxSeed};
pub use ai::{AiCall, AiSettingsRecord, GeneratedContainment, MessageTranslation};
pub use audit::{AuditActor, AuditEntry, AuditFilter, AuditPage, NewAuditEntry};
pub use auth::{AuthToken, TokenKind};
pub use bot_profiles::StoredBotProfile;
pub use bot_turns::{
    BotHandover, BotResolution, BotTurnOutcome, BotTurnRecord, StoredBotState, UnansweredMessage,
};
pub use canned::CannedPatch;
pub use changes::{Change, ChangeFeed, ChangeNotice, Snapshot, TRANSCRIBED, TYPING};
pub use channel_health::{ChannelHealth, FailingDelivery};
pub use channel_outbox::{ChannelAttempt, ChannelDelivery};
pub use contact_data::ErasureCounts;
pub use contact_notes::ContactNote;
pub use contacts::{ContactPage, ContactPatch};
pub use conversations::{ConversationFilter, ConversationPage, ConversationUpdate};
pub use db::Backend;
pub use delivery_signals::Outbox;
pub use error::{Conflict, StoreError};
pub use files::{FetchFinished, MediaFetch, MediaFetchOutcome, StoredFile, TranscriptionOutcome};
pub use inboxes::{InboxPatch, InboxSecrets, NewInbox};
pub use learning::{
    LearningAnswer, LearningQuestion, LearningSuggestion, NewLearningSuggestion,
    NewUnansweredQuestion, SuggestionStatus,
};
pub use login_throttles::LoginThrottle;
pub use messages::{AgentMessage, InboundMessage, InboundOutcome, MessagePage};
pub use outbox::{DeliverySubject, WebhookAttempt, WebhookDelivery};
pub use presence::{AgentStatus, PresencePeriod, Requeued};
pub use proactive::ProactiveMessage;
pub use report_facts::FACTS_BATCH;
pub use reports::ReportScope;
pub use retention::{ExpiredConversation, Retention, RetentionAction, RetentionRun};
pub use routing::{Availability, DEFAULT_HANDLING_TIME, Placement, QueueEntry, QueueStatus};
pub use routing_follow_up::RoutingFacts;
pub use saved_views::SavedView;
pub use search_texts::MessageText;
pub use sla::SlaClock;
pub use summaries::{ConversationSummary, MessagePreview};
pub use surveys::{SURVEY_WINDOW, SurveyQuestion, SurveyResponse};
pub use teams::TeamPatch;
pub use two_factor::{ChallengeFlow, TwoFactorGate, TwoFactorRecord};
pub use users::UserSeed;

use db::Conn;
use delivery_signals::DeliverySignals;
use group_commit::GroupWriter;

/// Tuning for the connection pools.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Most connections per pool (PostgreSQL pool, SQLite reader pool).
    pub max_connections: u32,
    /// How long a query waits for a connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone, Debug)]
enum Pools {
    /// WAL mode: one writer connection (SQLite allows one writer at a time, and a dedicated
    /// connection avoids busy-retry storms) whose use cases share commits, and a pool of
    /// readers that never block it.
    Sqlite {
        writer: GroupWriter,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// The storage of every account, over SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pools: Pools,
    changes: ChangeFeed,
    signals: DeliverySignals,
}

impl Store {
    /// Opens the database at `url` (`sqlite://path`, `sqlite::memory:` is refused, or
    /// `postgres://...`) and applies pending migrations.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let pools = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Pools::Postgres(pool)
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(StoreError::Config(
                    "an in-memory SQLite database cannot be shared by the store's pools; use a file".into(),
                ));
            }
            Self::open_sqlite(Path::new(path), options).await?
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL scheme in {:?}; use sqlite://PATH or postgres://...",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let changes = match &pools {
            Pools::Sqlite { .. } => ChangeFeed::local(),
            Pools::Postgres(pool) => ChangeFeed::postgres(pool.clone()).await?,
        };
        Ok(Self {
            pools,
            changes,
            signals: DeliverySignals::new(),
        })
    }

    async fn open_sqlite(path: &Path, options: &StoreOptions) -> Result<Pools, StoreError> {
        file_modes::create_private(path)
            .map_err(|error| StoreError::Config(format!("creating {}: {error}", path.display())))?;
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed message survives power loss, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted rows are overwritten with zeros, so an erased contact's text does not
            // linger in free pages (see `Store::reclaim_erased`).
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let mut writer = connect.connect().await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut writer)
            .await?;
        let writer = GroupWriter::start(writer, options.acquire_timeout);
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.read_only(true))
            .await?;
        file_modes::narrow(path).map_err(|error| {
            StoreError::Config(format!("making {} private: {error}", path.display()))
        })?;
        Ok(Pools::Sqlite { writer, reader })
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Change notifications: in-process on SQLite, across nodes through LISTEN/NOTIFY on
    /// PostgreSQL.
    pub fn changes(&self) -> &ChangeFeed {
        &self.changes
    }

    /// Wakes whenever a write committed on this node queued deliveries in `outbox`.
    pub fn deliveries_queued(&self, outbox: Outbox) -> tokio::sync::watch::Receiver<()> {
        self.signals.follow(outbox)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_one::<(i64,)>("SELECT CAST(1 AS BIGINT)", vec![])
            .await?;
        Ok(())
    }

    /// Stops the change listener and closes every pool, waiting for connections in use to be
    /// returned.
    pub async fn close(&self) {
        self.changes.stop().await;
        match &self.pools {
            Pools::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// A transaction for a use case that writes.
    async fn write(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { writer, .. } => {
                Conn::sqlite_write(writer.begin().await?, &self.signals)
            }
            Pools::Postgres(pool) => Conn::postgres_write(pool.begin().await?, &self.signals),
        })
    }

    /// A connection for reads that need no transaction.
    async fn read(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { reader, .. } => Conn::sqlite(reader.acquire().await?),
            Pools::Postgres(pool) => Conn::postgres(pool.acquire().await?),
        })
    }
}
