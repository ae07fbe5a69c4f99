//! How long the main report takes over a large history: seeds one account with N
//! conversations (default 1,000,000, opened over the last 365 days) and their report facts,
//! plus a second account's 10% as noise, with multi-row inserts in transactions; then times,
//! through the `Store` the server uses, the summary grouped by channel over 30 days, the daily
//! trend's slots over 30 days, and the summary over the whole year. SQLite always; PostgreSQL
//! when `TANDEM_TEST_DATABASE_URL` is set (a throwaway database each).
//!
//! `cargo run -p tandem-store --example report_timing -- [CONVERSATIONS] [DAYS]`

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection};
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, InboxId};
use tandem_domain::inbox::{ChannelKind, FirstResponder};
use tandem_reports::GroupBy;
use tandem_store::testing::{RawConnection, TestDatabase, backends};
use tandem_store::{AccountSeed, NewInbox, ReportScope, Store, StoreOptions};

/// Rows per INSERT statement, and statements per transaction.
const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TRANSACTION: usize = 20;
const CONTACTS: usize = 20_000;
const DAY_MS: i64 = 86_400_000;
const INTENTS: [&str; 6] = [
    "boleto",
    "balance",
    "card_block",
    "loan",
    "statement",
    "complaint",
];
const REASONS: [&str; 4] = [
    "customer_request",
    "bot_failure",
    "negative_sentiment",
    "high_value",
];

/// An account to fill: its id, inboxes with their channel, and contact ids.
struct Filling {
    account: AccountId,
    inboxes: Vec<(InboxId, &'static str)>,
    contacts: Vec<Uuid>,
    agents: Vec<Uuid>,
}

/// Runs `statements` in one transaction.
async fn run(raw: &mut RawConnection, statements: &[String]) -> Result<(), sqlx::Error> {
    macro_rules! in_transaction {
        ($conn:expr) => {{
            let mut transaction = $conn.begin().await?;
            for sql in statements {
                sqlx::query(AssertSqlSafe(sql.clone()))
                    .execute(&mut *transaction)
                    .await?;
            }
            transaction.commit().await?;
        }};
    }
    match raw {
        RawConnection::Sqlite(conn) => in_transaction!(conn),
        RawConnection::Postgres(conn) => in_transaction!(conn),
    }
    Ok(())
}

/// `id` as a literal of the engine's UUID column (a 16-byte blob on SQLite).
fn uuid_literal(raw: &RawConnection, id: Uuid) -> String {
    match raw {
        RawConnection::Sqlite(_) => format!("X'{}'", id.simple()),
        RawConnection::Postgres(_) => format!("'{id}'"),
    }
}

/// A small deterministic generator, so every run seeds the same history.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) % below
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next(100) < percent
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let conversations: usize = args
        .next()
        .map(|raw| raw.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let days: i64 = args
        .next()
        .map(|raw| raw.parse())
        .transpose()?
        .unwrap_or(365);
    let end: Timestamp = "2026-11-20T03:00:00Z".parse()?;
    println!(
        "| engine | seeded | query | range | rows in range | first run (ms) | best of 5 (ms) |"
    );
    println!("|---|---:|---|---|---:|---:|---:|");
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = Store::connect(database.url(), &StoreOptions::default()).await?;
        let main = account(&store, "Timing").await?;
        let noise = account(&store, "Noise").await?;
        let mut raw = RawConnection::connect(backend, database.url()).await?;
        let started = Instant::now();
        seed(&mut raw, &main, conversations, days, end, 1).await?;
        seed(&mut raw, &noise, conversations / 10, days, end, 2).await?;
        run(&mut raw, &["ANALYZE".to_owned()]).await?;
        let seeded = started.elapsed();
        eprintln!("{backend:?}: seeded in {:.1} s", seeded.as_secs_f64());
        let scope = |range_days: i64| ReportScope {
            start: Timestamp::from_millisecond(end.as_millisecond() - range_days * DAY_MS)
                .expect("a time"),
            end,
            as_of: end,
            fcr_days: 7,
        };
        let month = scope(30);
        let year = scope(days);
        let in_month = store
            .report_total(main.account, &month)
            .await?
            .conversations;
        let in_year = store.report_total(main.account, &year).await?.conversations;
        let cases: [(&str, &str, i64, ReportScope); 4] = [
            ("summary by channel", "30 days", in_month, month),
            ("trend slots (daily)", "30 days", in_month, month),
            ("summary total", "30 days", in_month, month),
            ("summary by channel", "whole history", in_year, year),
        ];
        for (index, (query, range, rows, scope)) in cases.into_iter().enumerate() {
            let mut times = Vec::new();
            for _ in 0..5 {
                let started = Instant::now();
                let rows = match index {
                    1 => store.report_slots(main.account, &scope).await?.len(),
                    2 => usize::from(
                        store
                            .report_total(main.account, &scope)
                            .await?
                            .conversations
                            > 0,
                    ),
                    _ => store
                        .report_groups(main.account, &scope, GroupBy::Channel)
                        .await?
                        .len(),
                };
                std::hint::black_box(rows);
                times.push(started.elapsed());
            }
            let best = times.iter().min().copied().unwrap_or(Duration::ZERO);
            println!(
                "| {backend:?} | {conversations} | {query} | {range} | {rows} | {:.0} | {:.0} |",
                times[0].as_secs_f64() * 1000.0,
                best.as_secs_f64() * 1000.0
            );
        }
        store.close().await;
    }
    Ok(())
}

/// An account with four inboxes on different channels.
async fn account(store: &Store, name: &str) -> Result<Filling, Box<dyn std::error::Error>> {
    let channels = [
        (ChannelKind::Whatsapp, "whatsapp"),
        (ChannelKind::Web, "web"),
        (ChannelKind::Email, "email"),
        (ChannelKind::Api, "api"),
    ];
    let seed = AccountSeed {
        name: name.into(),
        users: Vec::new(),
        inboxes: channels
            .iter()
            .map(|(channel, label)| NewInbox {
                name: format!("{name} {label}"),
                channel: *channel,
                first_responder: FirstResponder::Bot,
                webhook_url: None,
                webhook_secret: "secret".into(),
                api_token_hash: format!("{name}-{label}-token-hash"),
                channel_config: None,
            })
            .collect(),
        bot_profile: None,
    };
    let (account, _, inboxes) = store.create_account(&seed, Timestamp::now()).await?;
    Ok(Filling {
        account: account.id,
        inboxes: inboxes
            .iter()
            .zip(channels)
            .map(|(inbox, (_, label))| (inbox.id, label))
            .collect(),
        contacts: (0..CONTACTS).map(|_| Uuid::now_v7()).collect(),
        agents: (0..40).map(|_| Uuid::now_v7()).collect(),
    })
}

fn null_or(value: Option<i64>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |value| value.to_string())
}

/// Inserts the account's contacts, then `count` resolved conversations spread over `days`,
/// each with a facts row of plausible figures.
async fn seed(
    raw: &mut RawConnection,
    filling: &Filling,
    count: usize,
    days: i64,
    end: Timestamp,
    salt: u64,
) -> Result<(), sqlx::Error> {
    let account = uuid_literal(raw, filling.account.0);
    let created = end.as_millisecond() - days * DAY_MS;
    for chunk in filling.contacts.chunks(ROWS_PER_STATEMENT) {
        let mut sql = "INSERT INTO contacts (id, account_id, name, attributes, created_at) VALUES "
            .to_owned();
        for (index, contact) in chunk.iter().enumerate() {
            let separator = if index == 0 { "" } else { "," };
            let _ = write!(
                sql,
                "{separator}({}, {account}, NULL, '{{}}', {created})",
                uuid_literal(raw, *contact)
            );
        }
        run(raw, &[sql]).await?;
    }
    let mut random = Lcg(salt);
    let span = days * DAY_MS;
    let mut written = 0;
    while written < count {
        let mut statements = Vec::new();
        for _ in 0..STATEMENTS_PER_TRANSACTION {
            let size = ROWS_PER_STATEMENT.min(count - written);
            if size == 0 {
                break;
            }
            let mut conversations =
                "INSERT INTO conversations (id, account_id, inbox_id, contact_id, status, \
                last_activity_at, created_at, resolved_at) VALUES "
                    .to_owned();
            let mut facts = "INSERT INTO conversation_facts (conversation_id, account_id, inbox_id, channel, \
                contact_id, agent_id, intent, handover_reason, opened_at, bot_first, first_response_ms, queued_at, \
                time_to_agent_ms, abandoned_at, first_human_response_ms, resolution_ms, resolved_at, reopens, \
                handle_ms, has_sla, sla_breached, csat_sent, csat_score, nps_sent, nps_score, \
                bot_customer_messages, bot_answered_messages, out_of_scope_handover, asked_again, \
                next_same_intent_at) VALUES "
                .to_owned();
            for index in 0..size {
                let separator = if index == 0 { "" } else { "," };
                let id = uuid_literal(raw, Uuid::now_v7());
                let (inbox, channel) = filling.inboxes[random.next(4) as usize];
                let inbox = uuid_literal(raw, inbox.0);
                let contact =
                    uuid_literal(raw, filling.contacts[random.next(CONTACTS as u64) as usize]);
                let opened = created + random.next(span as u64) as i64;
                let handed_over = random.chance(30);
                let abandoned = handed_over && random.chance(8);
                let resolution = 60_000 + random.next(3_600_000) as i64;
                let resolved = opened + resolution;
                let (queued, time_to_agent, agent, human, handle) = if handed_over && !abandoned {
                    let queued = opened + 30_000;
                    let wait = random.next(600_000) as i64;
                    let agent = uuid_literal(raw, filling.agents[random.next(40) as usize]);
                    (
                        Some(queued),
                        Some(wait),
                        agent,
                        Some(wait + 20_000),
                        Some(resolved - queued - wait),
                    )
                } else if abandoned {
                    (Some(opened + 30_000), None, "NULL".to_owned(), None, None)
                } else {
                    (None, None, "NULL".to_owned(), None, None)
                };
                let reason = if handed_over {
                    format!("'{}'", REASONS[random.next(4) as usize])
                } else {
                    "NULL".to_owned()
                };
                let intent = INTENTS[random.next(6) as usize];
                let csat_sent = random.chance(60);
                let csat = (csat_sent && random.chance(40)).then(|| 1 + random.next(5) as i64);
                let nps_sent = random.chance(20);
                let nps = (nps_sent && random.chance(30)).then(|| random.next(11) as i64);
                let customer = 1 + random.next(6) as i64;
                let answered = customer - random.next(customer as u64 + 1) as i64;
                let next = random
                    .chance(15)
                    .then(|| resolved + random.next(20 * DAY_MS as u64) as i64);
                let _ = write!(
                    conversations,
                    "{separator}({id}, {account}, {inbox}, {contact}, 'resolved', {resolved}, {opened}, {resolved})"
                );
                let _ = write!(
                    facts,
                    "{separator}({id}, {account}, {inbox}, '{channel}', {contact}, {agent}, '{intent}', {reason}, \
                     {opened}, 1, {first}, {queued}, {time_to_agent}, {abandoned_at}, {human}, {resolution}, \
                     {resolved}, {reopens}, {handle}, {has_sla}, {breached}, {csat_sent}, {csat}, {nps_sent}, {nps}, \
                     {customer}, {answered}, {oos}, {asked}, {next})",
                    first = 1_000 + random.next(5_000),
                    queued = null_or(queued),
                    time_to_agent = null_or(time_to_agent),
                    abandoned_at = null_or(abandoned.then_some(resolved)),
                    human = null_or(human),
                    reopens = i64::from(random.chance(5)),
                    handle = null_or(handle),
                    has_sla = i64::from(handed_over),
                    breached = i64::from(handed_over && random.chance(10)),
                    csat_sent = i64::from(csat_sent),
                    csat = null_or(csat),
                    nps_sent = i64::from(nps_sent),
                    nps = null_or(nps),
                    oos = i64::from(handed_over && random.chance(20)),
                    asked = i64::from(handed_over && random.chance(10)),
                    next = null_or(next),
                );
            }
            statements.push(conversations);
            statements.push(facts);
            written += size;
        }
        run(raw, &statements).await?;
    }
    Ok(())
}
