//! The database's own ceiling for Tandem's hottest write: how many message rows per second one
//! connection inserts on this machine into the real `messages` table (its keys, indexes and
//! foreign keys), one row per transaction and in transactions of 100 rows. SQLite runs as the
//! server runs it (WAL, `synchronous=FULL`); PostgreSQL runs when `TANDEM_TEST_DATABASE_URL` is
//! set, on a throwaway database. Load-test figures are stated as a fraction of these.
//!
//! `cargo run --release -p tandem-store --example insert_ceiling -- [ROWS]` (default 5000)

use std::time::{Duration, Instant};

use sqlx::Connection;
use uuid::Uuid;

use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::id::{AccountId, ConversationId, InboxId};
use tandem_domain::inbox::{ChannelKind, FirstResponder};
use tandem_domain::user::Role;
use tandem_store::testing::{RawConnection, TestDatabase, backends};
use tandem_store::{AccountSeed, InboundMessage, NewInbox, Store, StoreOptions, UserSeed};

/// Rows per transaction in the batched run.
const BATCH: usize = 100;

const INSERT: &str = "INSERT INTO messages (id, account_id, conversation_id, inbox_id, direction, \
    sender_kind, sender_id, is_private, text, external_id, delivery_status, created_at) \
    VALUES ($1, $2, $3, $4, 'inbound', 'contact', NULL, $5, $6, $7, NULL, $8)";

/// Where the rows go: an account with one conversation.
struct Target {
    account: AccountId,
    inbox: InboxId,
    conversation: ConversationId,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|raw| raw.parse())
        .transpose()?
        .unwrap_or(5000);
    println!("| engine | mode | rows | seconds | rows/s |");
    println!("|---|---|---:|---:|---:|");
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let target = prepare(database.url()).await?;
        let mut raw = RawConnection::connect(backend, database.url()).await?;
        for batch in [1, BATCH] {
            let elapsed = insert(&mut raw, &target, rows, batch).await?;
            let mode = if batch == 1 {
                "one row per transaction".to_owned()
            } else {
                format!("{batch} rows per transaction")
            };
            println!(
                "| {backend:?} | {mode} | {rows} | {:.2} | {:.0} |",
                elapsed.as_secs_f64(),
                rows as f64 / elapsed.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Migrates the database and opens one conversation through the store.
async fn prepare(url: &str) -> Result<Target, Box<dyn std::error::Error>> {
    let store = Store::connect(url, &StoreOptions::default()).await?;
    let seed = AccountSeed {
        name: "Ceiling".into(),
        users: vec![UserSeed {
            email: "admin@ceiling.example".into(),
            name: "Admin".into(),
            role: Role::Admin,
            password_hash: "not-a-real-hash".into(),
        }],
        inboxes: vec![NewInbox {
            name: "API".into(),
            channel: ChannelKind::Api,
            first_responder: FirstResponder::Human,
            webhook_url: None,
            webhook_secret: "secret".into(),
            api_token_hash: "ceiling-token-hash".into(),
            channel_config: None,
        }],
        bot_profile: None,
    };
    let (account, _, inboxes) = store.create_account(&seed, jiff::Timestamp::now()).await?;
    let inbox = inboxes.first().ok_or("the account has its inbox")?.id;
    let first = InboundMessage {
        inbox_id: inbox,
        identity: Identity::parse(IdentityKind::Phone, "+5511900000000", "identity")?,
        contact_name: None,
        text: "oi".into(),
        external_id: Some("ceiling-0".into()),
        attachments: Vec::new(),
        channel_data: None,
        reply_address: None,
    };
    let outcome = store
        .append_inbound_message(account.id, &first, jiff::Timestamp::now())
        .await?;
    store.close().await;
    Ok(Target {
        account: account.id,
        inbox,
        conversation: outcome.conversation.id,
    })
}

/// Inserts `rows` message rows, `batch` per transaction, and returns the time taken.
async fn insert(
    raw: &mut RawConnection,
    target: &Target,
    rows: usize,
    batch: usize,
) -> Result<Duration, sqlx::Error> {
    /// One transaction of `size` realistic message rows on `conn`.
    macro_rules! transaction_of {
        ($conn:expr, $size:expr) => {{
            let mut transaction = $conn.begin().await?;
            for _ in 0..$size {
                let id = Uuid::now_v7();
                sqlx::query(INSERT)
                    .bind(id)
                    .bind(target.account.0)
                    .bind(target.conversation.0)
                    .bind(target.inbox.0)
                    .bind(false)
                    .bind("Meu boleto venceu, como pago a segunda via?")
                    .bind(format!("ceiling-{id}"))
                    .bind(jiff::Timestamp::now().as_millisecond())
                    .execute(&mut *transaction)
                    .await?;
            }
            transaction.commit().await?;
        }};
    }
    let started = Instant::now();
    let mut written = 0;
    while written < rows {
        let size = batch.min(rows - written);
        match raw {
            RawConnection::Sqlite(conn) => transaction_of!(conn, size),
            RawConnection::Postgres(conn) => transaction_of!(conn, size),
        }
        written += size;
    }
    Ok(started.elapsed())
}
