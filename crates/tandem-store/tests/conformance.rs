//! The storage conformance suite: every behaviour the rest of Tandem relies on, run on SQLite
//! always and on PostgreSQL when `TANDEM_TEST_DATABASE_URL` is set.

use std::collections::HashSet;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::conversation::{ConversationStatus, TransitionError};
use tandem_domain::event::{Actor, EventKind, HandoverReason};
use tandem_domain::id::{AccountId, ConversationId, InboxId};
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox};
use tandem_domain::message::{DeliveryStatus, Direction};
use tandem_domain::user::{Presence, Role, User};
use tandem_reports::tally::TallyRules;
use tandem_reports::{ConversationLog, GroupBy, Metric, Tally};
use tandem_store::testing::{TestDatabase, backends};
use tandem_store::{
    AccountSeed, AgentMessage, AuditActor, AuditFilter, AuditPage, Backend, BotHandover,
    BotTurnOutcome, BotTurnRecord, ChangeNotice, ChannelAttempt, Conflict, ConversationFilter,
    ConversationUpdate, DeliverySubject, InboundMessage, InboundOutcome, NewAuditEntry, NewInbox,
    NewLearningSuggestion, NewUnansweredQuestion, ReportScope, RoutingFacts, Store, StoreError,
    StoreOptions, SuggestionStatus, TYPING, TokenKind, UserSeed, WebhookAttempt, WebhookDelivery,
};
use uuid::Uuid;

/// One account with an admin, an agent and an API inbox whose first responder is a person.
struct Tenant {
    account_id: AccountId,
    admin: User,
    agent: User,
    inbox: Inbox,
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + seconds).expect("a valid time")
}

async fn open_store(database: &TestDatabase) -> Store {
    Store::connect(database.url(), &StoreOptions::default())
        .await
        .expect("the store opens and migrates")
}

async fn tenant(store: &Store, name: &str, webhook_url: Option<&str>) -> Tenant {
    let user = |email: &str, role| UserSeed {
        email: format!("{email}@{name}.example"),
        name: email.to_owned(),
        role,
        password_hash: "not-a-real-hash".into(),
    };
    let seed = AccountSeed {
        name: name.to_owned(),
        users: vec![user("admin", Role::Admin), user("agent", Role::Agent)],
        inboxes: vec![NewInbox {
            name: "API".into(),
            channel: ChannelKind::Api,
            first_responder: FirstResponder::Human,
            webhook_url: webhook_url.map(str::to_owned),
            webhook_secret: "secret".into(),
            api_token_hash: format!("token-hash-{name}"),
            channel_config: None,
        }],
        bot_profile: None,
    };
    let (account, mut users, mut inboxes) = store
        .create_account(&seed, at(0))
        .await
        .expect("account created");
    let agent = users.pop().expect("agent");
    let admin = users.pop().expect("admin");
    Tenant {
        account_id: account.id,
        admin,
        agent,
        inbox: inboxes.pop().expect("inbox"),
    }
}

fn inbound(inbox_id: InboxId, phone: &str, text: &str, external_id: &str) -> InboundMessage {
    InboundMessage {
        inbox_id,
        identity: Identity::parse(IdentityKind::Phone, phone, "identity").expect("a phone"),
        contact_name: Some("Maria".into()),
        text: text.into(),
        external_id: Some(external_id.into()),
        attachments: Vec::new(),
        channel_data: None,
        reply_address: None,
    }
}

/// Stores a customer message on the tenant's inbox.
async fn receive(
    store: &Store,
    tenant: &Tenant,
    phone: &str,
    text: &str,
    external_id: &str,
    now: Timestamp,
) -> InboundOutcome {
    store
        .append_inbound_message(
            tenant.account_id,
            &inbound(tenant.inbox.id, phone, text, external_id),
            now,
        )
        .await
        .expect("the inbound message is stored")
}

/// Runs `test` once per engine of this run, each on a fresh database.
macro_rules! on_every_backend {
    ($test:ident) => {
        for backend in backends() {
            let database = TestDatabase::create(backend).await;
            let store = open_store(&database).await;
            $test(&store, backend).await;
            store.close().await;
        }
    };
}

#[test]
fn both_engines_have_the_same_migrations() {
    let names = |engine: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(engine);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

#[tokio::test]
async fn migrations_are_idempotent_across_restarts() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = open_store(&database).await;
        let tenant = tenant(&store, "aurora", None).await;
        store.close().await;
        let reopened = open_store(&database).await;
        let inbox = reopened
            .inbox(tenant.account_id, tenant.inbox.id)
            .await
            .expect("data survives a restart");
        assert_eq!(inbox.name, "API", "{backend:?}");
        reopened.close().await;
    }
}

async fn other_accounts_ids_are_not_found(store: &Store, backend: Backend) {
    let mine = tenant(store, "aurora", None).await;
    let theirs = tenant(store, "boreal", None).await;
    let outcome = store
        .append_inbound_message(
            theirs.account_id,
            &inbound(theirs.inbox.id, "+5511988887777", "oi", "b-1"),
            at(1),
        )
        .await
        .expect("inbound stored");
    let conversation_id = outcome.conversation.id;
    let team = store
        .create_team(theirs.account_id, "Cards", "", &Default::default(), at(1))
        .await
        .expect("team");
    let account = mine.account_id;
    let not_found = |result: Result<(), StoreError>, what: &str| {
        assert!(
            matches!(result, Err(StoreError::NotFound { .. })),
            "{backend:?}: {what} of another account: {result:?}"
        );
    };
    not_found(
        store.inbox(account, theirs.inbox.id).await.map(drop),
        "inbox",
    );
    not_found(store.user(account, theirs.agent.id).await.map(drop), "user");
    not_found(store.team(account, team.id).await.map(drop), "team");
    not_found(
        store
            .contact(account, outcome.conversation.contact_id)
            .await
            .map(drop),
        "contact",
    );
    not_found(
        store.conversation(account, conversation_id).await.map(drop),
        "conversation",
    );
    not_found(
        store.message(account, outcome.message.id).await.map(drop),
        "message",
    );
    not_found(
        store
            .messages(account, conversation_id, None, 10)
            .await
            .map(drop),
        "transcript",
    );
    not_found(
        store.events(account, conversation_id).await.map(drop),
        "events",
    );
    not_found(
        store
            .update_conversation(
                account,
                conversation_id,
                ConversationUpdate::Resolve,
                Actor::User(mine.admin.id),
                true,
                at(2),
            )
            .await
            .map(drop),
        "conversation update",
    );
    not_found(
        store.delete_inbox(account, theirs.inbox.id).await,
        "inbox delete",
    );
    let entry = audit_entry(&mine.admin, "team.deleted", "team", team.id.0);
    not_found(
        store.delete_team(account, team.id, &entry, at(2)).await,
        "team delete",
    );
    // Assigning one's own conversation to another account's agent is refused.
    let own = store
        .append_inbound_message(
            account,
            &inbound(mine.inbox.id, "+5511977776666", "olá", "a-1"),
            at(3),
        )
        .await
        .expect("inbound stored");
    let assigned = store
        .update_conversation(
            account,
            own.conversation.id,
            ConversationUpdate::Assign {
                agent_id: theirs.agent.id,
                over_capacity: false,
            },
            Actor::User(mine.admin.id),
            true,
            at(4),
        )
        .await;
    assert!(
        matches!(
            assigned,
            Err(StoreError::InvalidReference {
                field: "agent_id",
                ..
            })
        ),
        "{backend:?}: {assigned:?}"
    );
    let listed = store
        .conversations(account, &ConversationFilter::default(), None, 100)
        .await
        .expect("list");
    assert_eq!(listed.conversations.len(), 1, "{backend:?}");
    assert_eq!(listed.conversations[0].id, own.conversation.id);
    // The other account's conversation is untouched.
    let theirs_now = store
        .conversation(theirs.account_id, conversation_id)
        .await
        .expect("still there");
    assert_eq!(theirs_now.status, ConversationStatus::Queued);
}

#[tokio::test]
async fn accounts_are_isolated() {
    on_every_backend!(other_accounts_ids_are_not_found);
}

async fn one_message_per_delivery(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", Some("http://127.0.0.1:9/hook")).await;
    let delivery = inbound(tenant.inbox.id, "+5511988887777", "meu cartão", "wamid-1");
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let store = store.clone();
            let delivery = delivery.clone();
            tokio::spawn(async move {
                store
                    .append_inbound_message(tenant.account_id, &delivery, at(1))
                    .await
            })
        })
        .collect();
    let mut message_ids = HashSet::new();
    let mut originals = 0;
    for task in tasks {
        let outcome = task
            .await
            .expect("task")
            .expect("stored or found duplicate");
        message_ids.insert(outcome.message.id);
        if !outcome.is_duplicate {
            originals += 1;
        }
    }
    assert_eq!(message_ids.len(), 1, "{backend:?}: one message");
    assert_eq!(
        originals, 1,
        "{backend:?}: exactly one delivery is the original"
    );
    let conversations = store
        .conversations(tenant.account_id, &ConversationFilter::default(), None, 100)
        .await
        .expect("list");
    assert_eq!(conversations.conversations.len(), 1, "{backend:?}");
    let transcript = store
        .messages(
            tenant.account_id,
            conversations.conversations[0].id,
            None,
            100,
        )
        .await
        .expect("transcript");
    assert_eq!(transcript.messages.len(), 1, "{backend:?}");
    let deliveries = store
        .claim_webhook_deliveries(at(2), SignedDuration::from_secs(60), 100)
        .await
        .expect("claim");
    let messages = deliveries
        .iter()
        .filter(|delivery| matches!(delivery.subject, DeliverySubject::Message(_)))
        .count();
    assert_eq!(
        messages, 0,
        "{backend:?}: inbound messages are not sent back out"
    );
}

#[tokio::test]
async fn concurrent_duplicate_deliveries_store_one_message() {
    on_every_backend!(one_message_per_delivery);
}

async fn contact_keeps_one_open_conversation(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let first = receive(store, &tenant, "+55 11 98888-7777", "oi", "m-1", at(1)).await;
    let second = receive(store, &tenant, "+5511988887777", "alguém?", "m-2", at(2)).await;
    assert_eq!(first.conversation.id, second.conversation.id, "{backend:?}");
    assert_eq!(
        first.conversation.contact_id,
        second.conversation.contact_id
    );
    assert_eq!(second.conversation.status, ConversationStatus::Queued);
    let kinds: Vec<&str> = first.events.iter().map(|event| event.kind.name()).collect();
    assert_eq!(kinds, ["opened", "queued", "routed"], "{backend:?}");

    store
        .update_conversation(
            tenant.account_id,
            first.conversation.id,
            ConversationUpdate::Resolve,
            Actor::User(tenant.agent.id),
            false,
            at(3),
        )
        .await
        .expect("resolve");
    let again = receive(store, &tenant, "+5511988887777", "voltei", "m-3", at(4)).await;
    assert_eq!(
        again.conversation.id, first.conversation.id,
        "{backend:?}: reopened"
    );
    assert_eq!(again.conversation.status, ConversationStatus::Queued);
    assert!(
        again
            .events
            .iter()
            .any(|event| event.kind.name() == "reopened"),
        "{backend:?}: {:?}",
        again.events
    );

    let later = at(4) + SignedDuration::from_hours(24 * 8);
    store
        .update_conversation(
            tenant.account_id,
            first.conversation.id,
            ConversationUpdate::Resolve,
            Actor::System,
            true,
            at(5),
        )
        .await
        .expect("resolve again");
    let fresh = receive(
        store,
        &tenant,
        "+5511988887777",
        "outra coisa",
        "m-4",
        later,
    )
    .await;
    assert_ne!(
        fresh.conversation.id, first.conversation.id,
        "{backend:?}: a new one"
    );
}

#[tokio::test]
async fn a_contact_has_one_open_conversation_per_inbox() {
    on_every_backend!(contact_keeps_one_open_conversation);
}

async fn refused_transitions_change_nothing(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let opened = receive(store, &tenant, "+5511988887777", "oi", "m-1", at(1)).await;
    let id = opened.conversation.id;
    let assign = |agent_id| ConversationUpdate::Assign {
        agent_id,
        over_capacity: false,
    };
    store
        .update_conversation(
            tenant.account_id,
            id,
            assign(tenant.agent.id),
            Actor::User(tenant.agent.id),
            false,
            at(2),
        )
        .await
        .expect("self-assign");
    let taken = store
        .update_conversation(
            tenant.account_id,
            id,
            ConversationUpdate::Resolve,
            Actor::User(tenant.admin.id),
            false,
            at(3),
        )
        .await;
    assert!(
        matches!(
            taken,
            Err(StoreError::Transition(
                TransitionError::AssignedToAnotherAgent { .. }
            ))
        ),
        "{backend:?}: {taken:?}"
    );
    store
        .update_conversation(
            tenant.account_id,
            id,
            ConversationUpdate::Resolve,
            Actor::User(tenant.agent.id),
            false,
            at(4),
        )
        .await
        .expect("the owner resolves");
    let events_before = store.events(tenant.account_id, id).await.expect("events");
    let again = store
        .update_conversation(
            tenant.account_id,
            id,
            ConversationUpdate::Unassign,
            Actor::User(tenant.agent.id),
            false,
            at(5),
        )
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Transition(
                TransitionError::IllegalTransition { .. }
            ))
        ),
        "{backend:?}: {again:?}"
    );
    let conversation = store
        .conversation(tenant.account_id, id)
        .await
        .expect("load");
    assert_eq!(
        conversation.status,
        ConversationStatus::Resolved,
        "{backend:?}"
    );
    let events_after = store.events(tenant.account_id, id).await.expect("events");
    assert_eq!(events_before.len(), events_after.len(), "{backend:?}");
    let kinds: Vec<&str> = events_after.iter().map(|event| event.kind.name()).collect();
    assert_eq!(
        kinds,
        ["opened", "queued", "routed", "assigned", "resolved"],
        "{backend:?}"
    );
    assert!(matches!(
        events_after[3].kind,
        EventKind::Assigned { agent_id } if agent_id == tenant.agent.id
    ));
}

#[tokio::test]
async fn refused_transitions_leave_the_conversation_as_it_was() {
    on_every_backend!(refused_transitions_change_nothing);
}

async fn pages_cover_everything_once(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    for n in 0..7 {
        store
            .append_inbound_message(
                tenant.account_id,
                &inbound(
                    tenant.inbox.id,
                    &format!("+55119888800{n:02}"),
                    "oi",
                    &format!("m-{n}"),
                ),
                // Two conversations share each activity time: the id breaks the tie.
                at(n / 2),
            )
            .await
            .expect("inbound");
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .conversations(tenant.account_id, &ConversationFilter::default(), after, 3)
            .await
            .expect("page");
        assert!(page.conversations.len() <= 3);
        seen.extend(
            page.conversations
                .iter()
                .map(|c| (c.last_activity_at, c.id)),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{backend:?}");
    let unique: HashSet<_> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(unique.len(), 7, "{backend:?}: no conversation twice");
    assert!(
        seen.windows(2).all(|pair| pair[0] > pair[1]),
        "{backend:?}: most recent first"
    );
    let queued = ConversationFilter {
        status: Some(ConversationStatus::Assigned),
        ..ConversationFilter::default()
    };
    let none = store
        .conversations(tenant.account_id, &queued, None, 10)
        .await
        .expect("filtered");
    assert!(none.conversations.is_empty(), "{backend:?}");
}

#[tokio::test]
async fn conversation_pages_cover_every_conversation_once() {
    on_every_backend!(pages_cover_everything_once);
}

async fn outbox_leases_and_completes(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", Some("http://127.0.0.1:9/hook")).await;
    let opened = receive(store, &tenant, "+5511988887777", "oi", "m-1", at(1)).await;
    let reply = store
        .append_agent_message(
            tenant.account_id,
            &AgentMessage {
                conversation_id: opened.conversation.id,
                author_id: tenant.agent.id,
                text: "Olá, Maria!".into(),
                is_private: false,
                may_override: false,
                attachments: Vec::new(),
            },
            at(2),
        )
        .await
        .expect("reply");
    let note = store
        .append_agent_message(
            tenant.account_id,
            &AgentMessage {
                conversation_id: opened.conversation.id,
                author_id: tenant.agent.id,
                text: "cliente VIP".into(),
                is_private: true,
                may_override: false,
                attachments: Vec::new(),
            },
            at(3),
        )
        .await
        .expect("note");
    let other = receive(store, &tenant, "+5511977776666", "olá", "m-2", at(3)).await;
    let lease = SignedDuration::from_secs(30);
    let claimed = store
        .claim_webhook_deliveries(at(4), lease, 100)
        .await
        .expect("claim");
    let mut claimed_conversations: Vec<_> = Vec::new();
    for delivery in &claimed {
        claimed_conversations.push(delivery_conversation(store, &tenant, delivery).await);
    }
    claimed_conversations.sort();
    let mut expected = vec![opened.conversation.id, other.conversation.id];
    expected.sort();
    assert_eq!(
        claimed_conversations, expected,
        "{backend:?}: one delivery per conversation is in flight at a time"
    );
    let again = store
        .claim_webhook_deliveries(at(5), lease, 100)
        .await
        .expect("claim during the lease");
    assert!(
        again.is_empty(),
        "{backend:?}: leased deliveries are not claimed twice, and later ones wait behind them"
    );

    let mut order = Vec::new();
    let mut batch = claimed;
    let mut now = 6;
    while !batch.is_empty() {
        for delivery in &batch {
            if delivery_conversation(store, &tenant, delivery).await == opened.conversation.id {
                order.push(delivery.subject);
            }
            store
                .complete_webhook_delivery(delivery, at(now))
                .await
                .expect("complete");
        }
        now += 1;
        batch = store
            .claim_webhook_deliveries(at(now), lease, 100)
            .await
            .expect("claim the next");
    }
    let events: Vec<_> = store
        .events(tenant.account_id, opened.conversation.id)
        .await
        .expect("events")
        .into_iter()
        .map(|event| DeliverySubject::Event(event.id))
        .collect();
    let reply_at = order
        .iter()
        .position(|subject| *subject == DeliverySubject::Message(reply.1.id))
        .expect("the reply goes out");
    assert!(
        !order.contains(&DeliverySubject::Message(note.1.id)),
        "{backend:?}: the private note never goes out"
    );
    assert_eq!(
        order
            .iter()
            .filter(|s| matches!(s, DeliverySubject::Event(_)))
            .copied()
            .collect::<Vec<_>>(),
        events,
        "{backend:?}: every event goes out, in order"
    );
    assert!(
        reply_at > 0,
        "{backend:?}: the reply follows the opening events"
    );
    let sent = store
        .message(tenant.account_id, reply.1.id)
        .await
        .expect("reply");
    assert_eq!(
        sent.delivery_status,
        Some(DeliveryStatus::Sent),
        "{backend:?}"
    );

    let first = store
        .append_agent_message(
            tenant.account_id,
            &AgentMessage {
                conversation_id: opened.conversation.id,
                author_id: tenant.agent.id,
                text: "Primeira".into(),
                is_private: false,
                may_override: false,
                attachments: Vec::new(),
            },
            at(200),
        )
        .await
        .expect("first")
        .1;
    let second = store
        .append_agent_message(
            tenant.account_id,
            &AgentMessage {
                conversation_id: opened.conversation.id,
                author_id: tenant.agent.id,
                text: "Segunda".into(),
                is_private: false,
                may_override: false,
                attachments: Vec::new(),
            },
            at(201),
        )
        .await
        .expect("second")
        .1;
    let failing = store
        .claim_webhook_deliveries(at(202), lease, 100)
        .await
        .expect("claim");
    assert_eq!(failing.len(), 1, "{backend:?}");
    assert_eq!(failing[0].subject, DeliverySubject::Message(first.id));
    store
        .fail_webhook_delivery(&failing[0], "connection refused", Some(at(300)), at(203))
        .await
        .expect("retry later");
    assert!(
        store
            .claim_webhook_deliveries(at(204), lease, 100)
            .await
            .expect("claim")
            .is_empty(),
        "{backend:?}: a later message waits for the retry of an earlier one"
    );
    let retried = store
        .claim_webhook_deliveries(at(300), lease, 100)
        .await
        .expect("claim the retry");
    assert_eq!(retried.len(), 1, "{backend:?}");
    assert_eq!(retried[0].subject, DeliverySubject::Message(first.id));
    assert_eq!(retried[0].attempts, 2, "{backend:?}");
    store
        .fail_webhook_delivery(&retried[0], "gave up", None, at(301))
        .await
        .expect("give up");
    let next = store
        .claim_webhook_deliveries(at(302), lease, 100)
        .await
        .expect("claim after giving up");
    assert_eq!(
        next.iter().map(|d| d.subject).collect::<Vec<_>>(),
        [DeliverySubject::Message(second.id)],
        "{backend:?}: giving up on a delivery frees the ones behind it"
    );
}

async fn delivery_conversation(
    store: &Store,
    tenant: &Tenant,
    delivery: &WebhookDelivery,
) -> ConversationId {
    match delivery.subject {
        DeliverySubject::Message(id) => {
            store
                .message(tenant.account_id, id)
                .await
                .expect("message")
                .conversation_id
        }
        DeliverySubject::Event(id) => {
            store
                .event(tenant.account_id, id)
                .await
                .expect("event")
                .conversation_id
        }
    }
}

#[tokio::test]
async fn webhook_outbox_leases_retries_and_completes() {
    on_every_backend!(outbox_leases_and_completes);
}

async fn committed_changes_are_announced(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let mut changes = store.changes().subscribe();
    let opened = receive(store, &tenant, "+5511988887777", "oi", "m-1", at(1)).await;
    let notice = tokio::time::timeout(std::time::Duration::from_secs(10), changes.recv())
        .await
        .expect("a notice in time")
        .expect("the feed is open");
    let ChangeNotice::Changed(change) = notice else {
        panic!("{backend:?}: expected a change, got {notice:?}");
    };
    assert_eq!(change.account_id, tenant.account_id);
    assert_eq!(change.conversation_id, opened.conversation.id);
    assert_eq!(change.message_id, Some(opened.message.id), "{backend:?}");
    assert_eq!(change.events, ["opened", "queued", "routed"]);
}

#[tokio::test]
async fn committed_changes_reach_subscribers() {
    on_every_backend!(committed_changes_are_announced);
}

/// The next change announced, within a few seconds.
async fn next_change(
    changes: &mut tokio::sync::broadcast::Receiver<ChangeNotice>,
    backend: Backend,
) -> tandem_store::Change {
    let notice = tokio::time::timeout(std::time::Duration::from_secs(10), changes.recv())
        .await
        .expect("a notice in time")
        .expect("the feed is open");
    let ChangeNotice::Changed(change) = notice else {
        panic!("{backend:?}: expected a change, got {notice:?}");
    };
    change
}

async fn each_write_announces_its_messages_and_events(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let bot_inbox = NewInbox {
        name: "Site".into(),
        channel: ChannelKind::Web,
        first_responder: FirstResponder::Bot,
        webhook_url: None,
        webhook_secret: "secret".into(),
        api_token_hash: "web-token".into(),
        channel_config: None,
    };
    let inbox = store
        .create_inbox(tenant.account_id, InboxId::generate(), &bot_inbox, at(0))
        .await
        .expect("inbox created");
    // Subscribed before the first write: on PostgreSQL a notice arrives after its commit
    // returns, so one subscribed later might still hear it.
    let mut changes = store.changes().subscribe();
    let asked = store
        .append_inbound_message(
            tenant.account_id,
            &inbound(inbox.id, "+5511977776666", "quero falar com alguém", "w-1"),
            at(1),
        )
        .await
        .expect("stored");
    let received = next_change(&mut changes, backend).await;
    assert_eq!(received.message_id, Some(asked.message.id), "{backend:?}");
    let conversation = asked.conversation.id;
    let (_, memory) = store
        .bot_memory(tenant.account_id, conversation)
        .await
        .expect("memory");
    // A bot turn with two replies and a handover: one change per reply, in order, the events
    // going with the last one.
    let turn = BotTurnRecord {
        conversation_id: conversation,
        based_on_version: memory.version,
        replies: vec!["Entendi.".into(), "Vou chamar uma pessoa.".into()],
        choices: Vec::new(),
        state: serde_json::json!({}),
        handover: Some(BotHandover {
            reason: HandoverReason::CustomerRequest,
            evidence: serde_json::json!({}),
            context: serde_json::json!({}),
            routing: RoutingFacts::default(),
        }),
        answers: Some(asked.message.id),
        unanswered: None,
        resolves: None,
    };
    let BotTurnOutcome::Recorded {
        messages, events, ..
    } = store
        .record_bot_turn(tenant.account_id, &turn, at(2))
        .await
        .expect("recorded")
    else {
        panic!("{backend:?}: the conversation is the bot's");
    };
    let event_names: Vec<&str> = events.iter().map(|event| event.kind.name()).collect();
    assert_eq!(event_names, ["handover_requested", "queued", "routed"]);
    let first = next_change(&mut changes, backend).await;
    assert_eq!(
        (first.message_id, first.events.len()),
        (Some(messages[0].id), 0)
    );
    let last = next_change(&mut changes, backend).await;
    assert_eq!(last.message_id, Some(messages[1].id), "{backend:?}");
    assert_eq!(last.events, event_names, "{backend:?}");
    // A status change without a message: its events alone.
    let (_, events) = store
        .update_conversation(
            tenant.account_id,
            conversation,
            ConversationUpdate::Assign {
                agent_id: tenant.agent.id,
                over_capacity: false,
            },
            Actor::User(tenant.admin.id),
            true,
            at(3),
        )
        .await
        .expect("assigned");
    let assigned = next_change(&mut changes, backend).await;
    assert_eq!(assigned.message_id, None, "{backend:?}");
    assert_eq!(
        assigned.events,
        events
            .iter()
            .map(|event| event.kind.name())
            .collect::<Vec<_>>()
    );
    // A typing notice stores nothing and is announced all the same.
    store
        .announce_typing(tenant.account_id, conversation, tenant.agent.id)
        .await
        .expect("announced");
    let typing = next_change(&mut changes, backend).await;
    assert_eq!(
        (typing.message_id, typing.events),
        (None, vec![TYPING.to_owned()])
    );
}

#[tokio::test]
async fn writes_announce_each_message_with_the_events_on_the_last() {
    on_every_backend!(each_write_announces_its_messages_and_events);
}

async fn unique_rules_are_conflicts(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let duplicate = store
        .create_user(
            tenant.account_id,
            &UserSeed {
                email: "agent@aurora.example".into(),
                name: "Again".into(),
                role: Role::Agent,
                password_hash: "x".into(),
            },
            &audit_entry(&tenant.admin, "user.created", "user", Uuid::now_v7()),
            at(1),
        )
        .await;
    assert!(
        matches!(
            duplicate,
            Err(StoreError::Conflict {
                kind: Conflict::EmailTaken,
                field: "email",
                ..
            })
        ),
        "{backend:?}: {duplicate:?}"
    );
}

#[tokio::test]
async fn uniqueness_violations_are_typed_conflicts() {
    on_every_backend!(unique_rules_are_conflicts);
}

async fn bot_profiles_belong_to_their_account(store: &Store, backend: Backend) {
    let aurora = tenant(store, "aurora", None).await;
    let boreal = tenant(store, "boreal", None).await;
    assert_eq!(
        store.bot_profile(aurora.account_id).await.expect("read"),
        None
    );
    let first = store
        .save_bot_profile(
            aurora.account_id,
            "persona: {}",
            Some(aurora.admin.id),
            at(1),
        )
        .await
        .expect("saved");
    let second = store
        .save_bot_profile(aurora.account_id, "persona: {name: B}", None, at(2))
        .await
        .expect("replaced");
    assert_ne!(first.source, second.source);
    let read = store.bot_profile(aurora.account_id).await.expect("read");
    assert_eq!(read, Some(second), "{backend:?}: the last save wins");
    assert_eq!(
        store.bot_profile(boreal.account_id).await.expect("read"),
        None
    );
    let foreign_author = store
        .save_bot_profile(boreal.account_id, "x", Some(aurora.admin.id), at(3))
        .await;
    assert!(
        matches!(foreign_author, Err(StoreError::InvalidReference { .. })),
        "{backend:?}: {foreign_author:?}"
    );
}

#[tokio::test]
async fn each_account_has_at_most_one_bot_profile() {
    on_every_backend!(bot_profiles_belong_to_their_account);
}

/// A WhatsApp inbox of the tenant, with (opaque) sealed settings.
async fn whatsapp_inbox(store: &Store, tenant: &Tenant) -> Inbox {
    let inbox = NewInbox {
        name: "WhatsApp".into(),
        channel: ChannelKind::Whatsapp,
        first_responder: FirstResponder::Human,
        webhook_url: None,
        webhook_secret: "secret".into(),
        api_token_hash: format!("wa-token-{}", tenant.account_id),
        channel_config: Some("v1:sealed".into()),
    };
    store
        .create_inbox(tenant.account_id, InboxId::generate(), &inbox, at(0))
        .await
        .expect("inbox created")
}

async fn a_place_in_line_is_told_once_when_two_workers_saw_the_same_queue(
    store: &Store,
    backend: Backend,
) {
    let tenant = tenant(store, "lineup", None).await;
    let outcome = receive(
        store,
        &tenant,
        "+5511988880001",
        "oi",
        "wamid.line.1",
        at(1),
    )
    .await;
    let conversation_id = outcome.conversation.id;
    let seen = |entries: Vec<tandem_store::QueueEntry>| {
        entries
            .into_iter()
            .find(|entry| entry.conversation_id == conversation_id)
            .expect("the conversation waits in line")
    };
    let entry = seen(store.queue(tenant.account_id).await.expect("queue"));
    assert_eq!(entry.notified, None, "{backend:?}");

    // Two routing workers decided from the same reading; only the first tells the customer.
    let first = tell_place(store, &tenant, &entry, "Você é o número 1 da fila.", at(2)).await;
    let second = tell_place(store, &tenant, &entry, "Você é o número 1 da fila.", at(3)).await;
    assert_eq!((first, second), (true, false), "{backend:?}");

    // A worker that saw the recorded notice may tell the next one.
    let entry = seen(store.queue(tenant.account_id).await.expect("queue"));
    assert_eq!(entry.notified, Some((entry.position, at(2))), "{backend:?}");
    assert!(
        tell_place(
            store,
            &tenant,
            &entry,
            "Você ainda é o número 1 da fila.",
            at(90)
        )
        .await,
        "{backend:?}"
    );
    let bot_messages = store
        .messages(tenant.account_id, conversation_id, None, 50)
        .await
        .expect("messages")
        .messages
        .into_iter()
        .filter(|message| message.direction == Direction::Outbound)
        .count();
    assert_eq!(bot_messages, 2, "{backend:?}");
}

/// A routing worker telling `entry`'s customer their place, decided from what it read.
async fn tell_place(
    store: &Store,
    tenant: &Tenant,
    entry: &tandem_store::QueueEntry,
    text: &str,
    now: Timestamp,
) -> bool {
    store
        .record_queue_notice(
            tenant.account_id,
            entry.conversation_id,
            entry.notified,
            entry.position,
            text,
            now,
        )
        .await
        .expect("the notice is decided")
}

#[tokio::test]
async fn places_in_line_are_told_once_across_workers() {
    on_every_backend!(a_place_in_line_is_told_once_when_two_workers_saw_the_same_queue);
}

async fn channel_replies_are_queued_claimed_once_and_reported_forward_only(
    store: &Store,
    backend: Backend,
) {
    let tenant = tenant(store, "outbox", None).await;
    let inbox = whatsapp_inbox(store, &tenant).await;
    let mut customer = inbound(inbox.id, "+5511911112222", "oi", "wamid.IN1");
    customer.reply_address = Some("5511911112222".into());
    let received = store
        .append_inbound_message(tenant.account_id, &customer, at(1))
        .await
        .expect("stored");
    let conversation_id = received.conversation.id;
    assert_eq!(
        store
            .conversation_channel_address(tenant.account_id, conversation_id)
            .await
            .expect("address")
            .as_deref(),
        Some("5511911112222"),
        "{backend:?}"
    );
    let (_, reply, _) = store
        .append_agent_message(
            tenant.account_id,
            &AgentMessage {
                conversation_id,
                author_id: tenant.agent.id,
                text: "Olá!".into(),
                is_private: false,
                may_override: true,
                attachments: Vec::new(),
            },
            at(2),
        )
        .await
        .expect("reply stored");
    assert_eq!(reply.delivery_status, Some(DeliveryStatus::Pending));
    let lease = SignedDuration::from_secs(60);
    let claimed = store
        .claim_channel_deliveries(at(3), lease, 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "{backend:?}");
    assert_eq!(claimed[0].message_id, reply.id);
    assert!(
        store
            .claim_channel_deliveries(at(4), lease, 10)
            .await
            .expect("claim")
            .is_empty(),
        "{backend:?}: a leased job is not claimed twice"
    );
    let again = store
        .claim_channel_deliveries(at(64), lease, 10)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1, "{backend:?}: a lapsed lease frees the job");
    assert_eq!(again[0].attempts, 2);
    store
        .complete_channel_delivery(&again[0], "wamid.OUT1", at(65))
        .await
        .expect("completed");
    let report = |status| {
        store.record_delivery_status(tenant.account_id, inbox.id, "wamid.OUT1", status, None)
    };
    assert!(
        report(DeliveryStatus::Read).await.expect("read"),
        "{backend:?}"
    );
    assert!(
        !report(DeliveryStatus::Delivered).await.expect("late"),
        "{backend:?}: statuses only move forward"
    );
    let stored = store
        .message(tenant.account_id, reply.id)
        .await
        .expect("message");
    assert_eq!(stored.delivery_status, Some(DeliveryStatus::Read));
    assert_eq!(stored.external_id.as_deref(), Some("wamid.OUT1"));
    let other = self::tenant(store, "other-outbox", None).await;
    assert!(
        !store
            .record_delivery_status(
                other.account_id,
                inbox.id,
                "wamid.OUT1",
                DeliveryStatus::Failed,
                None
            )
            .await
            .expect("no error"),
        "{backend:?}: another account's report changes nothing"
    );
    assert!(
        store
            .claim_channel_deliveries(at(200), lease, 10)
            .await
            .expect("claim")
            .is_empty(),
        "{backend:?}: a sent job is done"
    );
}

#[tokio::test]
async fn the_channel_outbox_claims_each_job_once() {
    on_every_backend!(channel_replies_are_queued_claimed_once_and_reported_forward_only);
}

async fn channel_jobs_leave_in_order_one_conversation_at_a_time(store: &Store, backend: Backend) {
    let tenant = tenant(store, "ordered-outbox", None).await;
    let inbox = whatsapp_inbox(store, &tenant).await;
    let mut conversations = Vec::new();
    for (n, phone) in ["+5511900000001", "+5511900000002"].into_iter().enumerate() {
        let mut customer = inbound(inbox.id, phone, "oi", &format!("wamid.ORD{n}"));
        customer.reply_address = Some(phone.trim_start_matches('+').to_owned());
        let received = store
            .append_inbound_message(tenant.account_id, &customer, at(1))
            .await
            .expect("stored");
        conversations.push(received.conversation.id);
    }
    let mut replies = Vec::new();
    for (n, text) in ["um", "dois", "três"].into_iter().enumerate() {
        for conversation_id in &conversations {
            let (_, reply, _) = store
                .append_agent_message(
                    tenant.account_id,
                    &AgentMessage {
                        conversation_id: *conversation_id,
                        author_id: tenant.agent.id,
                        text: text.into(),
                        is_private: false,
                        may_override: true,
                        attachments: Vec::new(),
                    },
                    at(2 + i64::try_from(n).expect("small")),
                )
                .await
                .expect("reply stored");
            replies.push(reply);
        }
    }
    let lease = SignedDuration::from_secs(60);
    let mut sent = Vec::new();
    for round in 0..3 {
        let claimed = store
            .claim_channel_deliveries(at(10 + round), lease, 10)
            .await
            .expect("claim");
        let mut claimed_conversations: Vec<_> =
            claimed.iter().map(|job| job.conversation_id).collect();
        claimed_conversations.sort();
        let mut expected = conversations.clone();
        expected.sort();
        assert_eq!(
            claimed_conversations, expected,
            "{backend:?}: round {round} holds one job per conversation"
        );
        for job in &claimed {
            store
                .complete_channel_delivery(job, &format!("wamid.OUT{}", job.id), at(10 + round))
                .await
                .expect("completed");
            sent.push(job.message_id);
        }
    }
    for conversation_id in &conversations {
        let in_conversation = |ids: &[tandem_domain::id::MessageId]| -> Vec<_> {
            ids.iter()
                .copied()
                .filter(|id| {
                    replies
                        .iter()
                        .any(|r| r.id == *id && r.conversation_id == *conversation_id)
                })
                .collect()
        };
        let written: Vec<_> = replies.iter().map(|r| r.id).collect();
        assert_eq!(
            in_conversation(&sent),
            in_conversation(&written),
            "{backend:?}: a conversation's messages leave in the order they were written"
        );
    }
}

#[tokio::test]
async fn channel_jobs_leave_in_order() {
    on_every_backend!(channel_jobs_leave_in_order_one_conversation_at_a_time);
}

async fn one_poller_holds_an_inbox_at_a_time(store: &Store, backend: Backend) {
    let tenant = tenant(store, "poller", None).await;
    let inbox = whatsapp_inbox(store, &tenant).await;
    let first = store
        .lease_channel_cursor(tenant.account_id, inbox.id, at(0), at(120))
        .await
        .expect("lease");
    assert_eq!(first, Some(None), "{backend:?}: free, no cursor yet");
    let second = store
        .lease_channel_cursor(tenant.account_id, inbox.id, at(1), at(121))
        .await
        .expect("lease");
    assert_eq!(second, None, "{backend:?}: held by the first poller");
    store
        .save_channel_cursor(
            tenant.account_id,
            inbox.id,
            serde_json::json!({"uid_validity": 7, "last_uid": 42}),
            at(2),
        )
        .await
        .expect("saved");
    let third = store
        .lease_channel_cursor(tenant.account_id, inbox.id, at(3), at(123))
        .await
        .expect("lease");
    assert_eq!(
        third,
        Some(Some(serde_json::json!({"uid_validity": 7, "last_uid": 42}))),
        "{backend:?}"
    );
}

#[tokio::test]
async fn channel_cursors_are_leased_to_one_poller() {
    on_every_backend!(one_poller_holds_an_inbox_at_a_time);
}

async fn merging_moves_everything_and_refuses_clashes(store: &Store, backend: Backend) {
    let tenant = tenant(store, "merge", None).await;
    let a = receive(store, &tenant, "+5511933334444", "oi", "m-a", at(1)).await;
    let b = receive(store, &tenant, "+5511955556666", "olá", "m-b", at(2)).await;
    let clash = store
        .merge_contacts(
            tenant.account_id,
            a.conversation.contact_id,
            b.conversation.contact_id,
            &merge_entry(&tenant.admin),
            at(3),
        )
        .await;
    assert!(
        matches!(
            clash,
            Err(StoreError::Conflict {
                kind: Conflict::OpenConversationsClash,
                ..
            })
        ),
        "{backend:?}: {clash:?}"
    );
    store
        .update_conversation(
            tenant.account_id,
            b.conversation.id,
            ConversationUpdate::Resolve,
            Actor::User(tenant.admin.id),
            true,
            at(4),
        )
        .await
        .expect("resolved");
    let merged = store
        .merge_contacts(
            tenant.account_id,
            a.conversation.contact_id,
            b.conversation.contact_id,
            &merge_entry(&tenant.admin),
            at(5),
        )
        .await
        .expect("merged");
    assert_eq!(merged.identities.len(), 2, "{backend:?}");
    let moved = store
        .conversation(tenant.account_id, b.conversation.id)
        .await
        .expect("conversation");
    assert_eq!(moved.contact_id, a.conversation.contact_id);
    // The refused merge rolled back its entry with its change.
    let audit = store
        .audit_log(tenant.account_id, &AuditFilter::default(), None, 10)
        .await
        .expect("audit")
        .entries;
    assert_eq!(audit.len(), 1, "{backend:?}");
    assert_eq!(audit[0].action, "contact.merged");
    assert_eq!(audit[0].actor.user_id, Some(tenant.admin.id));
    assert_eq!(audit[0].subject_kind, "contact");
    assert_eq!(audit[0].subject_id, Some(a.conversation.contact_id.0));
}

fn merge_entry(admin: &User) -> NewAuditEntry {
    NewAuditEntry {
        actor: AuditActor {
            user_id: Some(admin.id),
            email: Some(admin.email.clone()),
            name: Some(admin.name.clone()),
            ip: Some("127.0.0.1".into()),
            user_agent: Some("test".into()),
        },
        action: "contact.merged".into(),
        subject_kind: "contact".into(),
        subject_id: None,
        before: None,
        after: None,
    }
}

/// An entry by `actor` about a `kind` subject, its name in `after`.
fn audit_entry(actor: &User, action: &str, kind: &str, subject: Uuid) -> NewAuditEntry {
    NewAuditEntry {
        actor: AuditActor {
            user_id: Some(actor.id),
            email: Some(actor.email.clone()),
            name: Some(actor.name.clone()),
            ip: Some("192.0.2.7".into()),
            user_agent: Some("conformance".into()),
        },
        action: action.into(),
        subject_kind: kind.into(),
        subject_id: Some(subject),
        before: Some(serde_json::json!({"name": "old"})),
        after: Some(serde_json::json!({"name": "new"})),
    }
}

async fn the_audit_log_filters_pages_and_isolates_accounts(store: &Store, backend: Backend) {
    let ours = tenant(store, "audited", None).await;
    let theirs = tenant(store, "other", None).await;
    let team = Uuid::now_v7();
    let user = Uuid::now_v7();
    let recorded = [
        (&ours.admin, "team.created", "team", team, 1),
        (&ours.admin, "team.updated", "team", team, 2),
        (
            &ours.agent,
            "conversation.assigned",
            "conversation",
            Uuid::now_v7(),
            3,
        ),
        (&ours.admin, "user.role_changed", "user", user, 4),
        (&ours.admin, "user_x.odd", "user", user, 5),
    ];
    for (actor, action, kind, subject, second) in recorded {
        store
            .record_audit(
                ours.account_id,
                &audit_entry(actor, action, kind, subject),
                at(second),
            )
            .await
            .expect("recorded");
    }
    store
        .record_audit(
            theirs.account_id,
            &audit_entry(&theirs.admin, "team.created", "team", team),
            at(1),
        )
        .await
        .expect("recorded");
    let read = |filter: AuditFilter, after: Option<Uuid>, limit: u32| async move {
        store
            .audit_log(ours.account_id, &filter, after, limit)
            .await
            .expect("audit log")
    };
    let actions = |page: &AuditPage| -> Vec<String> {
        page.entries
            .iter()
            .map(|entry| entry.action.clone())
            .collect()
    };
    let all = read(AuditFilter::default(), None, 10).await;
    assert_eq!(
        actions(&all),
        [
            "user_x.odd",
            "user.role_changed",
            "conversation.assigned",
            "team.updated",
            "team.created"
        ],
        "{backend:?}: newest first, only our account's"
    );
    assert_eq!(all.next, None);
    let newest = &all.entries[0];
    assert_eq!(newest.actor.email.as_deref(), Some("admin@audited.example"));
    assert_eq!(newest.actor.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(newest.actor.user_agent.as_deref(), Some("conformance"));
    assert_eq!(newest.before, Some(serde_json::json!({"name": "old"})));
    assert_eq!(newest.after, Some(serde_json::json!({"name": "new"})));
    assert_eq!(newest.created_at, at(5));

    // Pages of two follow one another without gaps or repeats.
    let first = read(AuditFilter::default(), None, 2).await;
    let second = read(AuditFilter::default(), first.next, 2).await;
    let third = read(AuditFilter::default(), second.next, 2).await;
    assert_eq!(
        actions(&first),
        ["user_x.odd", "user.role_changed"],
        "{backend:?}"
    );
    assert_eq!(actions(&second), ["conversation.assigned", "team.updated"]);
    assert_eq!(actions(&third), ["team.created"]);
    assert_eq!(third.next, None);

    // The prefix is literal: `user.` does not match `user_x.` (`_` is no wildcard).
    let prefix = AuditFilter {
        action_prefix: Some("user.".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&read(prefix, None, 10).await),
        ["user.role_changed"],
        "{backend:?}"
    );
    let by_agent = AuditFilter {
        actor_id: Some(ours.agent.id),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&read(by_agent, None, 10).await),
        ["conversation.assigned"]
    );
    let the_team = AuditFilter {
        subject_kind: Some("team".into()),
        subject_id: Some(team),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&read(the_team, None, 10).await),
        ["team.updated", "team.created"]
    );
    let window = AuditFilter {
        from: Some(at(2)),
        to: Some(at(4)),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&read(window, None, 10).await),
        ["conversation.assigned", "team.updated"],
        "{backend:?}: from is inclusive, to exclusive"
    );

    // Their cursor does not page through our log, and their log holds only their entry.
    let their_entry = store
        .audit_log(theirs.account_id, &AuditFilter::default(), None, 10)
        .await
        .expect("their log");
    assert_eq!(actions(&their_entry), ["team.created"], "{backend:?}");
    let foreign_cursor = read(AuditFilter::default(), Some(their_entry.entries[0].id), 10).await;
    assert!(foreign_cursor.entries.is_empty(), "{backend:?}");
}

#[tokio::test]
async fn the_audit_log_is_filtered_paged_and_kept_per_account() {
    on_every_backend!(the_audit_log_filters_pages_and_isolates_accounts);
}

async fn a_deleted_users_entries_keep_their_name_and_email(store: &Store, backend: Backend) {
    let tenant = tenant(store, "leaver", None).await;
    store
        .record_audit(
            tenant.account_id,
            &audit_entry(
                &tenant.agent,
                "conversation.assigned",
                "conversation",
                Uuid::now_v7(),
            ),
            at(1),
        )
        .await
        .expect("recorded");
    store
        .delete_user(
            tenant.account_id,
            tenant.agent.id,
            Actor::User(tenant.admin.id),
            &audit_entry(&tenant.admin, "user.deleted", "user", tenant.agent.id.0),
            at(2),
        )
        .await
        .expect("deleted");
    let entries = store
        .audit_log(tenant.account_id, &AuditFilter::default(), None, 10)
        .await
        .expect("audit log")
        .entries;
    let entry = entries
        .iter()
        .find(|entry| entry.action == "conversation.assigned")
        .expect("the agent's entry");
    assert_eq!(entry.actor.user_id, None, "{backend:?}");
    assert_eq!(entry.actor.email.as_deref(), Some("agent@leaver.example"));
    assert_eq!(entry.actor.name.as_deref(), Some("agent"));
}

#[tokio::test]
async fn audit_entries_outlive_their_actor() {
    on_every_backend!(a_deleted_users_entries_keep_their_name_and_email);
}

#[tokio::test]
async fn contacts_merge_with_an_audit_entry() {
    on_every_backend!(merging_moves_everything_and_refuses_clashes);
}

async fn a_message_written_while_the_bot_answers_is_still_unanswered(store: &Store, _: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let bot_inbox = NewInbox {
        name: "Site".into(),
        channel: ChannelKind::Web,
        first_responder: FirstResponder::Bot,
        webhook_url: None,
        webhook_secret: "secret".into(),
        api_token_hash: format!("web-token-{}", tenant.account_id),
        channel_config: None,
    };
    let inbox = store
        .create_inbox(tenant.account_id, InboxId::generate(), &bot_inbox, at(0))
        .await
        .expect("inbox created");
    let write = |text: &str, id: &str| inbound(inbox.id, "+5511988887777", text, id);
    let first = store
        .append_inbound_message(tenant.account_id, &write("oi", "w-1"), at(1))
        .await
        .expect("stored");
    let second = store
        .append_inbound_message(tenant.account_id, &write("quero uma pessoa", "w-2"), at(2))
        .await
        .expect("stored");
    let conversation = first.conversation.id;
    assert_eq!(second.conversation.id, conversation);
    let answer = |answers, version| BotTurnRecord {
        conversation_id: conversation,
        based_on_version: version,
        replies: vec!["Olá!".into()],
        choices: Vec::new(),
        state: serde_json::json!({}),
        handover: None,
        answers: Some(answers),
        unanswered: None,
        resolves: None,
    };
    let (_, memory) = store
        .bot_memory(tenant.account_id, conversation)
        .await
        .expect("memory");
    // The turn answering the first message is stored after the second arrived.
    store
        .record_bot_turn(
            tenant.account_id,
            &answer(first.message.id, memory.version),
            at(3),
        )
        .await
        .expect("recorded");
    let answered = |message| store.bot_answered(tenant.account_id, conversation, message);
    assert!(answered(first.message.id).await.expect("read"));
    assert!(
        !answered(second.message.id).await.expect("read"),
        "the reply to the first message does not answer the second"
    );
    let (_, memory) = store
        .bot_memory(tenant.account_id, conversation)
        .await
        .expect("memory");
    store
        .record_bot_turn(
            tenant.account_id,
            &answer(second.message.id, memory.version),
            at(4),
        )
        .await
        .expect("recorded");
    assert!(answered(second.message.id).await.expect("read"));
}

#[tokio::test]
async fn the_bot_answers_every_message_even_one_written_mid_turn() {
    on_every_backend!(a_message_written_while_the_bot_answers_is_still_unanswered);
}

async fn the_readiness_ping_answers(store: &Store, _: Backend) {
    store
        .ping()
        .await
        .expect("a reachable database answers the ping");
}

#[tokio::test]
async fn a_reachable_database_answers_the_readiness_ping() {
    on_every_backend!(the_readiness_ping_answers);
}

/// Two conversations on a human-first inbox, hand-computed: Maria's is taken after 60 s,
/// answered after 120 s and resolved after 600 s; João's waits and is closed unanswered after
/// 300 s (abandoned). Maria writes again on a second inbox a day later, on the same (unknown)
/// intent, so hers was not resolved at first contact. Another account's conversation is noise.
async fn reports_sum_the_facts_of_the_account(store: &Store, _: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let noise = tenant_named(store, "other").await;
    receive(store, &noise, "+5511900000000", "oi", "noise-1", at(10)).await;
    let maria = receive(store, &tenant, "+5511911111111", "oi", "m-1", at(100)).await;
    let joao = receive(store, &tenant, "+5511922222222", "alô", "j-1", at(200)).await;
    let agent = Actor::User(tenant.agent.id);
    let assign = ConversationUpdate::Assign {
        agent_id: tenant.agent.id,
        over_capacity: false,
    };
    store
        .update_conversation(
            tenant.account_id,
            maria.conversation.id,
            assign,
            agent,
            true,
            at(160),
        )
        .await
        .expect("assigned");
    let reply = AgentMessage {
        conversation_id: maria.conversation.id,
        author_id: tenant.agent.id,
        text: "Bom dia, Maria".into(),
        is_private: false,
        may_override: false,
        attachments: Vec::new(),
    };
    store
        .append_agent_message(tenant.account_id, &reply, at(220))
        .await
        .expect("replied");
    store
        .update_conversation(
            tenant.account_id,
            maria.conversation.id,
            ConversationUpdate::Resolve,
            agent,
            true,
            at(700),
        )
        .await
        .expect("resolved");
    store
        .update_conversation(
            tenant.account_id,
            joao.conversation.id,
            ConversationUpdate::Resolve,
            agent,
            true,
            at(500),
        )
        .await
        .expect("closed");
    let second_inbox = store
        .create_inbox(
            tenant.account_id,
            InboxId::generate(),
            &NewInbox {
                name: "API 2".into(),
                channel: ChannelKind::Api,
                first_responder: FirstResponder::Human,
                webhook_url: None,
                webhook_secret: "secret".into(),
                api_token_hash: "token-hash-aurora-2".into(),
                channel_config: None,
            },
            at(1),
        )
        .await
        .expect("inbox");
    let again = store
        .append_inbound_message(
            tenant.account_id,
            &inbound(second_inbox.id, "+5511911111111", "de novo", "m-2"),
            at(86_400),
        )
        .await
        .expect("stored");
    assert_ne!(again.conversation.id, maria.conversation.id);

    let scope = ReportScope {
        start: at(0),
        end: at(100_000),
        as_of: at(200_000),
        fcr_days: 7,
    };
    let total = store
        .report_total(tenant.account_id, &scope)
        .await
        .expect("total");
    assert_eq!(total.conversations, 3);
    assert_eq!(total.queued, 3);
    assert_eq!(total.time_to_agent_count, 1);
    assert_eq!(total.time_to_agent_ms, 60_000);
    assert_eq!(total.first_human_response_ms, 120_000);
    assert_eq!(total.resolved, 2);
    assert_eq!(total.resolution_ms, 600_000 + 300_000);
    // João's wait closed unanswered; the new conversation has waited silently far longer than
    // 15 minutes by "as of".
    assert_eq!(total.abandoned, 2);
    assert_eq!(total.handled, 1);
    assert_eq!(total.handle_ms, 540_000);
    assert_eq!(total.first_contact_resolved, 1);
    let early = ReportScope {
        fcr_days: 7,
        as_of: at(86_500),
        ..scope
    };
    assert_eq!(
        store
            .report_total(tenant.account_id, &early)
            .await
            .expect("total")
            .abandoned,
        1
    );

    // The SQL sums are the pure definitions: fold each log and add it up.
    let mut expected = Tally::default();
    let rules = TallyRules {
        as_of: scope.as_of,
        fcr_days: 7,
    };
    for (conversation, next) in [
        (maria.conversation.id, Some(at(86_400))),
        (joao.conversation.id, None),
        (again.conversation.id, None),
    ] {
        let opened = store
            .conversation(tenant.account_id, conversation)
            .await
            .expect("found");
        let events = store
            .events(tenant.account_id, conversation)
            .await
            .expect("events");
        let messages = store
            .messages(tenant.account_id, conversation, None, 100)
            .await
            .expect("messages")
            .messages;
        let facts = tandem_reports::facts::fold(&ConversationLog {
            opened_at: opened.created_at,
            events: &events,
            messages: &messages,
            handover_context: None,
            bot_state: None,
            has_sla: false,
            out_of_scope_questions: 0,
        });
        expected.add(&facts, next, rules);
    }
    assert_eq!(total, expected);

    let by_agent = store
        .report_groups(tenant.account_id, &scope, GroupBy::Agent)
        .await
        .expect("groups");
    let agent_key = tenant.agent.id.0.to_string();
    let counts: Vec<(Option<&str>, i64)> = by_agent
        .iter()
        .map(|(key, tally)| (key.as_deref(), tally.conversations))
        .collect();
    assert_eq!(counts, [(None, 2), (Some(agent_key.as_str()), 1)]);
    let by_channel = store
        .report_groups(tenant.account_id, &scope, GroupBy::Channel)
        .await
        .expect("groups");
    assert_eq!(by_channel.len(), 1);
    assert_eq!(by_channel[0].0.as_deref(), Some("api"));

    let slots = store
        .report_slots(tenant.account_id, &scope)
        .await
        .expect("slots");
    let mut summed = Tally::default();
    for (_, tally) in &slots {
        summed += *tally;
    }
    assert_eq!(summed, total);
    assert_eq!(
        slots.len(),
        2,
        "two quarter hours: the first day's and the next day's"
    );

    let outside = ReportScope {
        start: at(100_000),
        end: at(200_000),
        ..scope
    };
    assert_eq!(
        store
            .report_total(tenant.account_id, &outside)
            .await
            .expect("total")
            .conversations,
        0
    );
}

async fn tenant_named(store: &Store, name: &str) -> Tenant {
    tenant(store, name, None).await
}

#[tokio::test]
async fn reports_count_hand_computed_figures_from_the_event_log() {
    on_every_backend!(reports_sum_the_facts_of_the_account);
}

async fn time_zones_are_kept_per_account(store: &Store, _: Backend) {
    let first = tenant(store, "aurora", None).await;
    let second = tenant(store, "other", None).await;
    assert_eq!(
        store
            .account_time_zone(first.account_id)
            .await
            .expect("zone"),
        "UTC"
    );
    store
        .set_account_time_zone(first.account_id, "America/Sao_Paulo")
        .await
        .expect("set");
    assert_eq!(
        store
            .account_time_zone(first.account_id)
            .await
            .expect("zone"),
        "America/Sao_Paulo"
    );
    assert_eq!(
        store
            .account_time_zone(second.account_id)
            .await
            .expect("zone"),
        "UTC"
    );
}

#[tokio::test]
async fn each_account_has_its_own_time_zone() {
    on_every_backend!(time_zones_are_kept_per_account);
}

/// Deletes every facts row behind the store's back, as a database from before reports was.
async fn forget_facts(database: &TestDatabase, backend: Backend) {
    use sqlx::Connection;
    let sql = "DELETE FROM conversation_facts";
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(database.url())
                .await
                .expect("connect");
            sqlx::query(sql).execute(&mut conn).await.expect("deleted");
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(database.url())
                .await
                .expect("connect");
            sqlx::query(sql).execute(&mut conn).await.expect("deleted");
        }
    }
}

#[tokio::test]
async fn conversations_from_before_reports_get_their_facts_backfilled() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = open_store(&database).await;
        let tenant = tenant(&store, "aurora", None).await;
        receive(&store, &tenant, "+5511911111111", "oi", "m-1", at(100)).await;
        receive(&store, &tenant, "+5511922222222", "oi", "j-1", at(200)).await;
        let scope = ReportScope {
            start: at(0),
            end: at(1_000),
            as_of: at(5_000),
            fcr_days: 7,
        };
        let before = store
            .report_total(tenant.account_id, &scope)
            .await
            .expect("total");
        assert_eq!(before.conversations, 2);
        forget_facts(&database, backend).await;
        let forgotten = store
            .report_total(tenant.account_id, &scope)
            .await
            .expect("total");
        assert_eq!(forgotten.conversations, 0);
        assert_eq!(store.backfill_report_facts(1).await.expect("backfilled"), 2);
        assert_eq!(
            store
                .report_total(tenant.account_id, &scope)
                .await
                .expect("total"),
            before
        );
        assert_eq!(
            store.backfill_report_facts(1).await.expect("nothing left"),
            0
        );
        store.close().await;
    }
}

/// Customer messages (serialised per sender) and agent replies and assignments (serialised
/// per conversation) land on one conversation at once; its facts must still be the fold of
/// its whole log, as a fresh backfill computes it.
#[tokio::test]
async fn facts_stay_whole_under_concurrent_writers() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = open_store(&database).await;
        let tenant = tenant(&store, "aurora", None).await;
        let opened = receive(&store, &tenant, "+5511911111111", "oi", "m-0", at(100)).await;
        let conversation_id = opened.conversation.id;
        let mut tasks = Vec::new();
        for n in 1..=8_i64 {
            let writer = store.clone();
            let delivery = inbound(tenant.inbox.id, "+5511911111111", "alô?", &format!("m-{n}"));
            tasks.push(tokio::spawn(async move {
                writer
                    .append_inbound_message(tenant.account_id, &delivery, at(100 + n))
                    .await
                    .map(|_| ())
            }));
            let writer = store.clone();
            let reply = AgentMessage {
                conversation_id,
                author_id: tenant.agent.id,
                text: format!("resposta {n}"),
                is_private: false,
                may_override: true,
                attachments: Vec::new(),
            };
            tasks.push(tokio::spawn(async move {
                writer
                    .append_agent_message(tenant.account_id, &reply, at(200 + n))
                    .await
                    .map(|_| ())
            }));
        }
        for task in tasks {
            task.await.expect("joined").expect("stored");
        }
        let scope = ReportScope {
            start: at(0),
            end: at(1_000),
            as_of: at(300),
            fcr_days: 7,
        };
        let live = store
            .report_total(tenant.account_id, &scope)
            .await
            .expect("total");
        assert_eq!(live.first_response_count, 1);
        assert_eq!(
            live.first_response_ms, 101_000,
            "{backend:?}: the first reply at 201 s"
        );
        forget_facts(&database, backend).await;
        assert_eq!(
            store.backfill_report_facts(10).await.expect("backfilled"),
            1
        );
        let refolded = store
            .report_total(tenant.account_id, &scope)
            .await
            .expect("total");
        assert_eq!(live, refolded, "{backend:?}");
        store.close().await;
    }
}

/// A bot inbox of `tenant` where the customer asked something the bot did not understand and
/// was handed over; the question is recorded with the turn. Returns the conversation and the
/// customer's message.
async fn unanswered_question(
    store: &Store,
    tenant: &Tenant,
    text: &str,
) -> (
    tandem_domain::id::ConversationId,
    tandem_domain::id::MessageId,
) {
    let bot_inbox = NewInbox {
        name: "Site".into(),
        channel: ChannelKind::Web,
        first_responder: FirstResponder::Bot,
        webhook_url: None,
        webhook_secret: "secret".into(),
        api_token_hash: format!("web-token-{}", tenant.account_id),
        channel_config: None,
    };
    let inbox = store
        .create_inbox(tenant.account_id, InboxId::generate(), &bot_inbox, at(0))
        .await
        .expect("inbox created");
    let asked = store
        .append_inbound_message(
            tenant.account_id,
            &inbound(inbox.id, "+5511977776666", text, "q-1"),
            at(1),
        )
        .await
        .expect("stored");
    let conversation = asked.conversation.id;
    let (_, memory) = store
        .bot_memory(tenant.account_id, conversation)
        .await
        .expect("memory");
    let turn = BotTurnRecord {
        conversation_id: conversation,
        based_on_version: memory.version,
        replies: vec!["Vou chamar uma pessoa.".into()],
        choices: Vec::new(),
        state: serde_json::json!({}),
        handover: Some(BotHandover {
            reason: HandoverReason::BotFailure,
            evidence: serde_json::json!({"trigger": "consecutive_failures"}),
            context: serde_json::json!({}),
            routing: RoutingFacts::default(),
        }),
        answers: Some(asked.message.id),
        unanswered: Some(NewUnansweredQuestion {
            language: "pt".into(),
            text: text.into(),
            reason: "out_of_scope".into(),
            confidence: 0.0625,
        }),
        resolves: None,
    };
    store
        .record_bot_turn(tenant.account_id, &turn, at(2))
        .await
        .expect("recorded");
    (conversation, asked.message.id)
}

fn new_suggestion(key: &str, proposal: serde_json::Value) -> NewLearningSuggestion {
    NewLearningSuggestion {
        group_key: key.into(),
        language: "pt".into(),
        questions: vec!["vocês têm seguro viagem?".into()],
        question_count: 1,
        proposal,
        source_message_id: None,
        source_conversation_id: None,
        created_by: None,
    }
}

async fn presence_changes_are_kept_as_periods(store: &Store, _: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let other = tenant_named(store, "boreal").await;
    let agent = tenant.agent.id;
    let by_agent = Actor::User(agent);
    for (presence, second) in [
        (Presence::Online, 10),
        (Presence::Away, 20),
        (Presence::Away, 25),
        (Presence::Online, 30),
    ] {
        store
            .set_presence(tenant.account_id, agent, presence, by_agent, at(second))
            .await
            .expect("presence set");
    }
    store
        .set_presence(
            other.account_id,
            other.agent.id,
            Presence::Online,
            Actor::User(other.agent.id),
            at(10),
        )
        .await
        .expect("presence set");
    // The agent's only connection falls silent at 30 s; the worker's expiry at 100 s (with 10 s
    // of grace) sets them offline, which ends the online period too.
    let connection = store
        .open_agent_connection(tenant.account_id, agent, "node-a", at(30))
        .await
        .expect("connection");
    store
        .close_agent_connection(connection, at(30))
        .await
        .expect("closed");
    store
        .expire_presence(at(100), SignedDuration::from_secs(10))
        .await
        .expect("expired");
    let periods: Vec<(Presence, Timestamp, Option<Timestamp>)> = store
        .presence_periods(tenant.account_id, at(0), at(1_000))
        .await
        .expect("periods")
        .into_iter()
        .map(|period| {
            assert_eq!(period.user_id, agent);
            (period.presence, period.started_at, period.ended_at)
        })
        .collect();
    assert_eq!(
        periods,
        [
            (Presence::Online, at(10), Some(at(20))),
            (Presence::Away, at(20), Some(at(30))),
            (Presence::Online, at(30), Some(at(100))),
            (Presence::Offline, at(100), None),
        ],
        "setting the same presence again starts no period"
    );
    let overlapping: Vec<Presence> = store
        .presence_periods(tenant.account_id, at(21), at(29))
        .await
        .expect("periods")
        .into_iter()
        .map(|period| period.presence)
        .collect();
    assert_eq!(overlapping, [Presence::Away]);
    let others = store
        .presence_periods(other.account_id, at(0), at(1_000))
        .await
        .expect("periods");
    assert_eq!(others.len(), 1, "each account sees its own: {others:?}");
}

#[tokio::test]
async fn presence_history_is_recorded_with_every_change() {
    on_every_backend!(presence_changes_are_kept_as_periods);
}

async fn occupancy_is_holding_time_over_online_time(store: &Store, _: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let agent = tenant.agent.id;
    let by_agent = Actor::User(agent);
    store
        .set_presence(
            tenant.account_id,
            agent,
            Presence::Online,
            by_agent,
            at(100),
        )
        .await
        .expect("online");
    // One conversation held from 200 s to 400 s; another still held since 900 s.
    for (phone, id, given, released) in [
        ("+5511911111111", "o-1", 200, Some(400)),
        ("+5511922222222", "o-2", 900, None),
    ] {
        let received = receive(store, &tenant, phone, "oi", id, at(given - 10)).await;
        let conversation = received.conversation.id;
        let update = |change, second| {
            store.update_conversation(
                tenant.account_id,
                conversation,
                change,
                by_agent,
                true,
                at(second),
            )
        };
        update(
            ConversationUpdate::Assign {
                agent_id: agent,
                over_capacity: false,
            },
            given,
        )
        .await
        .expect("assigned");
        if let Some(released) = released {
            update(ConversationUpdate::Resolve, released)
                .await
                .expect("resolved");
        }
    }
    store
        .set_presence(tenant.account_id, agent, Presence::Away, by_agent, at(600))
        .await
        .expect("away");
    store
        .set_presence(
            tenant.account_id,
            agent,
            Presence::Online,
            by_agent,
            at(800),
        )
        .await
        .expect("online again");
    // Online 100-600 and 800-now (1,000): 700 s; holding within that: 200-400 and 900-1,000.
    let whole = store
        .report_occupancy(tenant.account_id, at(0), at(2_000), at(1_000))
        .await
        .expect("occupancy");
    assert_eq!(whole[&agent].online_ms, 700_000);
    assert_eq!(whole[&agent].busy_ms, 300_000);
    // From 300 s to 850 s: online 300-600 and 800-850 (350 s), busy 300-400 (100 s).
    let clipped = store
        .report_occupancy(tenant.account_id, at(300), at(850), at(1_000))
        .await
        .expect("occupancy");
    assert_eq!(
        (clipped[&agent].online_ms, clipped[&agent].busy_ms),
        (350_000, 100_000)
    );
    let other = tenant_named(store, "boreal").await;
    assert!(
        store
            .report_occupancy(other.account_id, at(0), at(2_000), at(1_000))
            .await
            .expect("occupancy")
            .is_empty(),
        "another account sees none of it"
    );
}

#[tokio::test]
async fn occupancy_is_measured_from_presence_and_holds() {
    on_every_backend!(occupancy_is_holding_time_over_online_time);
}

/// One bot turn answering `message` of `conversation`, recording it as unanswered for
/// `reason` when there is one.
async fn bot_turn(
    store: &Store,
    tenant: &Tenant,
    conversation: tandem_domain::id::ConversationId,
    message: tandem_domain::id::MessageId,
    reason: Option<&str>,
    now: Timestamp,
) {
    let (_, memory) = store
        .bot_memory(tenant.account_id, conversation)
        .await
        .expect("memory");
    let turn = BotTurnRecord {
        conversation_id: conversation,
        based_on_version: memory.version,
        replies: vec!["Pode reformular?".into()],
        choices: Vec::new(),
        state: serde_json::json!({}),
        handover: None,
        answers: Some(message),
        unanswered: reason.map(|reason| NewUnansweredQuestion {
            language: "pt".into(),
            text: "pergunta".into(),
            reason: reason.into(),
            confidence: 0.1,
        }),
        resolves: None,
    };
    store
        .record_bot_turn(tenant.account_id, &turn, now)
        .await
        .expect("recorded");
}

async fn out_of_scope_questions_count_per_bot_turn(store: &Store, _: Backend) {
    let tenant = tenant(store, "aurora", None).await;
    let other = tenant_named(store, "boreal").await;
    // The other account's out-of-scope question is not ours.
    unanswered_question(store, &other, "vocês vendem pizza?").await;
    // Our first conversation: a handover on an out-of-scope question (1 message, 1 out of scope).
    let (first, _) = unanswered_question(store, &tenant, "vocês têm seguro viagem?").await;
    let inbox = store
        .conversation(tenant.account_id, first)
        .await
        .expect("found")
        .inbox_id;
    // The second: four messages, one out of scope, one low confidence, two understood.
    for (n, reason) in [Some("out_of_scope"), Some("low_confidence"), None, None]
        .into_iter()
        .enumerate()
    {
        let n = n as i64;
        let asked = store
            .append_inbound_message(
                tenant.account_id,
                &inbound(inbox, "+5511955554444", "pergunta", &format!("s-{n}")),
                at(10 + 2 * n),
            )
            .await
            .expect("stored");
        bot_turn(
            store,
            &tenant,
            asked.conversation.id,
            asked.message.id,
            reason,
            at(11 + 2 * n),
        )
        .await;
    }
    let scope = ReportScope {
        start: at(0),
        end: at(1_000),
        as_of: at(1_000),
        fcr_days: 7,
    };
    let total = store
        .report_total(tenant.account_id, &scope)
        .await
        .expect("total");
    assert_eq!(
        (total.bot_customer_messages, total.bot_out_of_scope_messages),
        (5, 2)
    );
    assert_eq!(Metric::OutOfScopeRate.value(&total), Some(2.0 / 5.0));
    // The handover's own context did not say out of scope (it was a bot failure): the
    // handover rate reads only that context, the per-turn rate reads the recorded questions.
    assert_eq!(Metric::OutOfScopeHandoverRate.value(&total), Some(0.0));
    let others = store
        .report_total(other.account_id, &scope)
        .await
        .expect("total");
    assert_eq!(
        (
            others.bot_customer_messages,
            others.bot_out_of_scope_messages
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn out_of_scope_questions_are_counted_per_bot_turn() {
    on_every_backend!(out_of_scope_questions_count_per_bot_turn);
}

async fn unanswered_questions_are_recorded_with_the_answer_a_person_gave(
    store: &Store,
    _: Backend,
) {
    let other = tenant(store, "boreal", None).await;
    let tenant = tenant(store, "aurora", None).await;
    let text = "vocês têm seguro viagem?";
    let (conversation, question) = unanswered_question(store, &tenant, text).await;
    let reply = |text: &str, is_private| AgentMessage {
        conversation_id: conversation,
        author_id: tenant.admin.id,
        text: text.into(),
        is_private,
        may_override: true,
        attachments: Vec::new(),
    };
    let questions = store
        .learning_questions(tenant.account_id, 10)
        .await
        .expect("questions");
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0].answer, None, "nobody answered yet");
    let (_, note, _) = store
        .append_agent_message(tenant.account_id, &reply("cliente VIP", true), at(3))
        .await
        .expect("note");
    let (_, answer, _) = store
        .append_agent_message(tenant.account_id, &reply("Temos sim: R$ 30.", false), at(4))
        .await
        .expect("reply");
    store
        .append_agent_message(tenant.account_id, &reply("Algo mais?", false), at(5))
        .await
        .expect("second reply");
    let questions = store
        .learning_questions(tenant.account_id, 10)
        .await
        .expect("questions");
    assert_eq!(questions.len(), 1);
    let recorded = &questions[0];
    assert_eq!(
        (
            recorded.text.as_str(),
            recorded.language.as_str(),
            recorded.reason.as_str()
        ),
        (text, "pt", "out_of_scope")
    );
    assert_eq!(recorded.message_id, Some(question));
    assert!(
        (recorded.confidence - 0.063).abs() < 1e-6,
        "{}",
        recorded.confidence
    );
    let found = recorded.answer.as_ref().expect("answered");
    assert_eq!(
        (found.message_id, found.text.as_str()),
        (answer.id, "Temos sim: R$ 30.")
    );
    assert!(
        store
            .learning_questions(other.account_id, 10)
            .await
            .expect("questions")
            .is_empty(),
        "another account sees nothing"
    );
    let texts = store
        .recent_customer_texts(tenant.account_id, 10)
        .await
        .expect("texts");
    assert_eq!(texts, [text]);

    let (taught, asked) = store
        .teaching_pair(tenant.account_id, conversation, answer.id)
        .await
        .expect("a pair");
    assert_eq!(taught.id, answer.id);
    assert_eq!(asked.map(|message| message.id), Some(question));
    for not_a_reply in [note.id, question] {
        assert!(matches!(
            store
                .teaching_pair(tenant.account_id, conversation, not_a_reply)
                .await,
            Err(StoreError::Conflict {
                kind: Conflict::NotAnAgentReply,
                ..
            })
        ));
    }
    assert!(matches!(
        store
            .teaching_pair(other.account_id, conversation, answer.id)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn unanswered_questions_are_kept_with_their_answers() {
    on_every_backend!(unanswered_questions_are_recorded_with_the_answer_a_person_gave);
}

async fn suggestions_are_refreshed_edited_and_decided_once(store: &Store, _: Backend) {
    let other = tenant(store, "boreal", None).await;
    let tenant = tenant(store, "aurora", None).await;
    let proposal = |body: &str| serde_json::json!({"kind": "article", "body": body});
    let saved = store
        .save_learning_suggestions(
            tenant.account_id,
            &[
                new_suggestion("pt:segur viag", proposal("first")),
                NewLearningSuggestion {
                    question_count: 3,
                    ..new_suggestion("pt:invest tesour", proposal("bonds"))
                },
            ],
            at(1),
        )
        .await
        .expect("saved");
    assert!(
        saved
            .iter()
            .all(|s| s.status == SuggestionStatus::Pending && !s.edited)
    );
    let listed = store
        .learning_suggestions(tenant.account_id, Some(SuggestionStatus::Pending))
        .await
        .expect("listed");
    let keys: Vec<&str> = listed.iter().map(|s| s.group_key.as_str()).collect();
    assert_eq!(
        keys,
        ["pt:invest tesour", "pt:segur viag"],
        "most asked first"
    );
    let travel = saved[0].id;
    let edited = store
        .edit_learning_suggestion(tenant.account_id, travel, proposal("edited"), at(2))
        .await
        .expect("edited");
    assert!(edited.edited);
    let refreshed = store
        .save_learning_suggestions(
            tenant.account_id,
            &[NewLearningSuggestion {
                question_count: 5,
                ..new_suggestion("pt:segur viag", proposal("from the log"))
            }],
            at(3),
        )
        .await
        .expect("refreshed");
    assert_eq!(refreshed[0].id, travel);
    assert_eq!(refreshed[0].question_count, 5);
    assert_eq!(refreshed[0].proposal, proposal("edited"), "an edit is kept");

    let dismissed = store
        .dismiss_learning_suggestion(tenant.account_id, travel, tenant.admin.id, at(4))
        .await
        .expect("dismissed");
    assert_eq!(dismissed.status, SuggestionStatus::Dismissed);
    assert_eq!(dismissed.decided_by, Some(tenant.admin.id));
    let again = store
        .save_learning_suggestions(
            tenant.account_id,
            &[new_suggestion("pt:segur viag", proposal("again"))],
            at(5),
        )
        .await
        .expect("saved");
    assert_eq!(
        again[0].status,
        SuggestionStatus::Dismissed,
        "not brought back"
    );
    assert_eq!(again[0].question_count, 5);
    assert!(matches!(
        store
            .edit_learning_suggestion(tenant.account_id, travel, proposal("late"), at(6))
            .await,
        Err(StoreError::Conflict {
            kind: Conflict::SuggestionDecided,
            ..
        })
    ));
    assert!(matches!(
        store.learning_suggestion(other.account_id, travel).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .dismiss_learning_suggestion(other.account_id, travel, other.admin.id, at(6))
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let bonds = saved[1].id;
    let profile = store
        .save_bot_profile(tenant.account_id, "persona: {}", None, at(6))
        .await
        .expect("profile");
    assert!(matches!(
        store
            .approve_learning_suggestion(
                tenant.account_id,
                bonds,
                tenant.admin.id,
                "learned: 1",
                at(5),
                at(7)
            )
            .await,
        Err(StoreError::Conflict {
            kind: Conflict::ProfileChanged,
            ..
        })
    ));
    let (approved, written) = store
        .approve_learning_suggestion(
            tenant.account_id,
            bonds,
            tenant.admin.id,
            "learned: 1",
            profile.updated_at,
            at(8),
        )
        .await
        .expect("approved");
    assert_eq!(approved.status, SuggestionStatus::Approved);
    assert_eq!(approved.decided_at, Some(at(8)));
    let current = store
        .bot_profile(tenant.account_id)
        .await
        .expect("read")
        .expect("a profile");
    assert_eq!(current, written);
    assert_eq!(
        (current.source.as_str(), current.updated_by),
        ("learned: 1", Some(tenant.admin.id))
    );
    assert!(matches!(
        store
            .approve_learning_suggestion(
                tenant.account_id,
                bonds,
                tenant.admin.id,
                "learned: 2",
                at(8),
                at(9)
            )
            .await,
        Err(StoreError::Conflict {
            kind: Conflict::SuggestionDecided,
            ..
        })
    ));
    let approved_only = store
        .learning_suggestions(tenant.account_id, Some(SuggestionStatus::Approved))
        .await
        .expect("listed");
    assert_eq!(approved_only.len(), 1);
    assert_eq!(
        store
            .learning_suggestions(tenant.account_id, None)
            .await
            .expect("listed")
            .len(),
        2
    );
}

#[tokio::test]
async fn learning_suggestions_are_decided_once_and_never_come_back() {
    on_every_backend!(suggestions_are_refreshed_edited_and_decided_once);
}

async fn credentials_per_account_and_revocation(store: &Store, backend: Backend) {
    let aurora = tenant(store, "aurora", None).await;
    let boreal = tenant(store, "boreal", None).await;
    let namesake = store
        .create_user(
            boreal.account_id,
            &UserSeed {
                email: "agent@aurora.example".into(),
                name: "Namesake".into(),
                role: Role::Agent,
                password_hash: "boreal-hash".into(),
            },
            &audit_entry(&boreal.admin, "user.created", "user", Uuid::now_v7()),
            at(1),
        )
        .await
        .expect("an address used in another account is no conflict");
    let everywhere = store
        .credentials("agent@aurora.example", None, 5)
        .await
        .expect("read");
    assert_eq!(everywhere.len(), 2, "{backend:?}");
    let in_boreal = store
        .credentials("agent@aurora.example", Some(boreal.account_id), 5)
        .await
        .expect("read");
    assert_eq!(in_boreal.len(), 1);
    assert_eq!(in_boreal[0].0.id, namesake.id);

    // A password change keeps only the session it was made in; the namesake keeps theirs.
    let agent = &aurora.agent;
    let token = |kind, name: &'static str, hash: &'static str, expires: i64| {
        store.create_token(
            aurora.account_id,
            agent.id,
            kind,
            name,
            hash,
            Some(at(expires)),
            at(2),
        )
    };
    let kept = token(TokenKind::Session, "session", "h-kept", 1000)
        .await
        .expect("token");
    token(TokenKind::Session, "session", "h-other", 1000)
        .await
        .expect("token");
    token(TokenKind::Api, "ci", "h-api", 1000)
        .await
        .expect("token");
    token(TokenKind::Api, "old", "h-expired", 3)
        .await
        .expect("token");
    store
        .create_token(
            boreal.account_id,
            namesake.id,
            TokenKind::Api,
            "ci",
            "h-theirs",
            None,
            at(2),
        )
        .await
        .expect("token");
    let listed = store
        .user_tokens(aurora.account_id, agent.id, TokenKind::Api, at(10))
        .await
        .expect("listed");
    assert_eq!(
        listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["ci"],
        "expired tokens are not listed"
    );
    assert!(
        store
            .touch_token(kept.id, at(20), at(-40))
            .await
            .expect("touched")
    );
    assert!(
        !store
            .touch_token(kept.id, at(30), at(-30))
            .await
            .expect("not touched"),
        "recorded within the minute"
    );
    let ended = store
        .set_password(aurora.account_id, agent.id, "new-hash", Some(kept.id))
        .await
        .expect("set");
    assert_eq!(ended, 3);
    let (_, user) = store
        .authenticate("h-kept", at(40))
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(user.id, agent.id);
    for gone in ["h-other", "h-api"] {
        assert!(
            store
                .authenticate(gone, at(40))
                .await
                .expect("read")
                .is_none(),
            "{gone}"
        );
    }
    assert!(
        store
            .authenticate("h-theirs", at(40))
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(
        store
            .password_hash(aurora.account_id, agent.id)
            .await
            .expect("hash"),
        "new-hash"
    );
    assert!(
        matches!(
            store
                .set_password(boreal.account_id, agent.id, "x", None)
                .await,
            Err(StoreError::NotFound { .. })
        ),
        "another account's user is not found"
    );

    // A reset link works once, before it expires, and ends every token of the user.
    store
        .create_password_reset(aurora.account_id, agent.id, "r-1", at(100), at(50))
        .await
        .expect("stored");
    store
        .create_password_reset(aurora.account_id, agent.id, "r-late", at(60), at(50))
        .await
        .expect("stored");
    assert!(
        store
            .reset_password("r-late", "late-hash", at(61))
            .await
            .expect("read")
            .is_none(),
        "expired"
    );
    assert!(
        store
            .reset_password("r-unknown", "x", at(61))
            .await
            .expect("read")
            .is_none()
    );
    let reset = store
        .reset_password("r-1", "reset-hash", at(62))
        .await
        .expect("reset");
    assert_eq!(reset.map(|user| user.id), Some(agent.id));
    assert!(
        store
            .reset_password("r-1", "again", at(63))
            .await
            .expect("read")
            .is_none(),
        "single use"
    );
    assert!(
        store
            .authenticate("h-kept", at(64))
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(
        store
            .password_hash(aurora.account_id, agent.id)
            .await
            .expect("hash"),
        "reset-hash"
    );
}

#[tokio::test]
async fn credentials_are_per_account_and_password_changes_revoke_tokens() {
    on_every_backend!(credentials_per_account_and_revocation);
}

/// An agent's reply on `conversation_id`.
async fn reply(store: &Store, tenant: &Tenant, conversation_id: ConversationId, now: Timestamp) {
    store
        .append_agent_message(
            tenant.account_id,
            &AgentMessage {
                conversation_id,
                author_id: tenant.agent.id,
                text: "Olá!".into(),
                is_private: false,
                may_override: true,
                attachments: Vec::new(),
            },
            now,
        )
        .await
        .expect("reply stored");
}

/// Writes mark facts stale instead of refolding them; the facts worker's batches and a
/// report's catch-up must still read back exactly the fold of every conversation's whole log.
#[tokio::test]
async fn facts_read_back_exact_after_a_burst_of_writes() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = open_store(&database).await;
        let tenant = tenant(&store, "aurora", None).await;
        let mut conversations = Vec::new();
        for n in 0..6_i64 {
            let phone = format!("+55119111111{n:02}");
            for m in 0..3_i64 {
                let outcome = receive(
                    &store,
                    &tenant,
                    &phone,
                    "alô?",
                    &format!("m-{n}-{m}"),
                    at(100 + 10 * n + m),
                )
                .await;
                if m == 0 {
                    conversations.push(outcome.conversation.id);
                }
            }
        }
        for (n, conversation_id) in conversations.iter().enumerate() {
            let n = i64::try_from(n).expect("small");
            reply(&store, &tenant, *conversation_id, at(200 + n)).await;
            if n % 2 == 1 {
                store
                    .update_conversation(
                        tenant.account_id,
                        *conversation_id,
                        ConversationUpdate::Resolve,
                        Actor::User(tenant.agent.id),
                        true,
                        at(300 + n),
                    )
                    .await
                    .expect("resolved");
            }
        }
        assert_eq!(
            store.refold_stale_facts().await.expect("refolded"),
            6,
            "{backend:?}: the worker refolds each written conversation once"
        );
        assert_eq!(
            store.refold_stale_facts().await.expect("nothing stale"),
            0,
            "{backend:?}"
        );
        // More writes after the worker's pass (on the open ones): the report catches up by
        // itself.
        for (n, conversation_id) in conversations.iter().enumerate().step_by(2) {
            let n = i64::try_from(n).expect("small");
            reply(&store, &tenant, *conversation_id, at(400 + n)).await;
        }
        let scope = ReportScope {
            start: at(0),
            end: at(1_000),
            as_of: at(2_000),
            fcr_days: 7,
        };
        let live = store
            .report_total(tenant.account_id, &scope)
            .await
            .expect("total");
        assert_eq!(live.conversations, 6, "{backend:?}");
        assert_eq!(live.resolved, 3, "{backend:?}");
        assert_eq!(live.first_response_count, 6, "{backend:?}");
        let live_by_agent = store
            .report_groups(tenant.account_id, &scope, GroupBy::Agent)
            .await
            .expect("groups");
        forget_facts(&database, backend).await;
        assert_eq!(store.backfill_report_facts(4).await.expect("backfilled"), 6);
        assert_eq!(
            store
                .report_total(tenant.account_id, &scope)
                .await
                .expect("total"),
            live,
            "{backend:?}: the facts read are the fold of the whole logs"
        );
        assert_eq!(
            store
                .report_groups(tenant.account_id, &scope, GroupBy::Agent)
                .await
                .expect("groups"),
            live_by_agent,
            "{backend:?}"
        );
        store.close().await;
    }
}

/// Claims every due webhook delivery and records them all delivered, until none is left.
async fn drain_webhooks(store: &Store, now: Timestamp) {
    loop {
        let claimed = store
            .claim_webhook_deliveries(now, SignedDuration::from_secs(60), 100)
            .await
            .expect("claim");
        if claimed.is_empty() {
            return;
        }
        let delivered: Vec<_> = claimed
            .into_iter()
            .map(|delivery| (delivery, WebhookAttempt::Delivered))
            .collect();
        store
            .record_webhook_attempts(&delivered, now)
            .await
            .expect("recorded");
    }
}

async fn webhook_attempts_are_recorded_together_and_once(store: &Store, backend: Backend) {
    let tenant = tenant(store, "aurora", Some("http://127.0.0.1:9/hook")).await;
    let mut conversations = Vec::new();
    for n in 0..3 {
        let phone = format!("+551198888770{n}");
        let opened = receive(store, &tenant, &phone, "oi", &format!("m-{n}"), at(1)).await;
        conversations.push(opened.conversation.id);
    }
    drain_webhooks(store, at(2)).await;
    for conversation_id in &conversations {
        reply(store, &tenant, *conversation_id, at(3)).await;
    }
    // The replies, and then the events of their assignment, wait in order behind each other.
    let mut claimed = store
        .claim_webhook_deliveries(at(4), SignedDuration::from_secs(60), 100)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 3, "{backend:?}: one reply per conversation");
    claimed.sort_by_key(|delivery| delivery.id);
    let message_of = |delivery: &WebhookDelivery| match delivery.subject {
        DeliverySubject::Message(id) => id,
        DeliverySubject::Event(_) => panic!("{backend:?}: the reply goes first"),
    };
    let messages: Vec<_> = claimed.iter().map(message_of).collect();
    let batch = vec![
        (claimed[0].clone(), WebhookAttempt::Delivered),
        (claimed[1].clone(), WebhookAttempt::Delivered),
        (
            claimed[2].clone(),
            WebhookAttempt::Retry {
                error: "connection refused".into(),
                at: at(500),
            },
        ),
    ];
    store
        .record_webhook_attempts(&batch, at(5))
        .await
        .expect("recorded");
    // The same outcomes recorded again (a node whose lease ran out) change nothing.
    store
        .record_webhook_attempts(&batch, at(6))
        .await
        .expect("recorded again");
    let status = |n: usize| {
        let message_id = messages[n];
        async move {
            store
                .message(tenant.account_id, message_id)
                .await
                .expect("message")
                .delivery_status
        }
    };
    assert_eq!(status(0).await, Some(DeliveryStatus::Sent), "{backend:?}");
    assert_eq!(status(1).await, Some(DeliveryStatus::Sent), "{backend:?}");
    assert_eq!(
        status(2).await,
        Some(DeliveryStatus::Pending),
        "{backend:?}"
    );
    let next: Vec<_> = store
        .claim_webhook_deliveries(at(400), SignedDuration::from_secs(60), 100)
        .await
        .expect("claim");
    assert_eq!(
        next.len(),
        2,
        "{backend:?}: the delivered conversations go on; the failed one waits for its retry"
    );
    assert!(
        next.iter().all(|delivery| delivery.id != claimed[2].id),
        "{backend:?}"
    );
    let retried = store
        .claim_webhook_deliveries(at(500), SignedDuration::from_secs(60), 100)
        .await
        .expect("claim the retry");
    let retried: Vec<_> = retried
        .into_iter()
        .filter(|delivery| delivery.id == claimed[2].id)
        .collect();
    assert_eq!(retried.len(), 1, "{backend:?}");
    assert_eq!(retried[0].attempts, 2, "{backend:?}");
    store
        .record_webhook_attempts(
            &[(
                retried[0].clone(),
                WebhookAttempt::GaveUp {
                    error: "gave up".into(),
                },
            )],
            at(501),
        )
        .await
        .expect("given up");
    assert_eq!(status(2).await, Some(DeliveryStatus::Failed), "{backend:?}");
}

#[tokio::test]
async fn webhook_attempts_that_finish_together_are_recorded_in_one_batch_each_once() {
    on_every_backend!(webhook_attempts_are_recorded_together_and_once);
}

async fn channel_attempts_are_recorded_together_and_once(store: &Store, backend: Backend) {
    let tenant = tenant(store, "outbox", None).await;
    let inbox = whatsapp_inbox(store, &tenant).await;
    for n in 0..4 {
        let mut customer = inbound(
            inbox.id,
            &format!("+551191111220{n}"),
            "oi",
            &format!("wamid.IN{n}"),
        );
        customer.reply_address = Some(format!("551191111220{n}"));
        let received = store
            .append_inbound_message(tenant.account_id, &customer, at(1))
            .await
            .expect("stored");
        reply(store, &tenant, received.conversation.id, at(2)).await;
    }
    let lease = SignedDuration::from_secs(60);
    let mut claimed = store
        .claim_channel_deliveries(at(3), lease, 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 4, "{backend:?}");
    claimed.sort_by_key(|job| job.id);
    assert!(
        claimed
            .iter()
            .all(|job| job.channel == ChannelKind::Whatsapp && job.attempts == 1),
        "{backend:?}"
    );
    let batch = vec![
        (
            claimed[0].clone(),
            ChannelAttempt::Sent {
                external_id: "wamid.OUT0".into(),
            },
        ),
        (
            claimed[1].clone(),
            ChannelAttempt::Sent {
                external_id: "wamid.OUT1".into(),
            },
        ),
        (
            claimed[2].clone(),
            ChannelAttempt::Failed {
                error: "recipient not on WhatsApp".into(),
            },
        ),
        (
            claimed[3].clone(),
            ChannelAttempt::Retry {
                error: "timeout".into(),
                at: at(500),
            },
        ),
    ];
    store
        .record_channel_attempts(&batch, at(4))
        .await
        .expect("recorded");
    // Recorded again with other provider ids: a finished job keeps its first outcome.
    let mut again = batch.clone();
    again[0].1 = ChannelAttempt::Sent {
        external_id: "wamid.OTHER".into(),
    };
    again[2].1 = ChannelAttempt::Sent {
        external_id: "wamid.LATE".into(),
    };
    store
        .record_channel_attempts(&again, at(5))
        .await
        .expect("recorded again");
    let message = |n: usize| {
        let message_id = claimed[n].message_id;
        async move {
            store
                .message(tenant.account_id, message_id)
                .await
                .expect("message")
        }
    };
    let sent = message(0).await;
    assert_eq!(
        (sent.delivery_status, sent.external_id.as_deref()),
        (Some(DeliveryStatus::Sent), Some("wamid.OUT0")),
        "{backend:?}"
    );
    assert_eq!(
        message(1).await.external_id.as_deref(),
        Some("wamid.OUT1"),
        "{backend:?}"
    );
    let failed = message(2).await;
    assert_eq!(
        (
            failed.delivery_status,
            failed.delivery_error.as_deref(),
            failed.external_id
        ),
        (
            Some(DeliveryStatus::Failed),
            Some("recipient not on WhatsApp"),
            None
        ),
        "{backend:?}"
    );
    assert_eq!(
        message(3).await.delivery_status,
        Some(DeliveryStatus::Pending),
        "{backend:?}"
    );
    assert!(
        store
            .claim_channel_deliveries(at(400), lease, 10)
            .await
            .expect("claim")
            .is_empty(),
        "{backend:?}: finished jobs never come back; the retry waits for its time"
    );
    let retried = store
        .claim_channel_deliveries(at(500), lease, 10)
        .await
        .expect("claim the retry");
    assert_eq!(
        retried
            .iter()
            .map(|job| (job.id, job.attempts))
            .collect::<Vec<_>>(),
        [(claimed[3].id, 2)],
        "{backend:?}"
    );
}

#[tokio::test]
async fn channel_attempts_that_finish_together_are_recorded_in_one_batch_each_once() {
    on_every_backend!(channel_attempts_are_recorded_together_and_once);
}

/// Labels replace each other whole, filter the list, are counted per account, and another
/// account's conversation cannot be labelled.
async fn labels_tag_and_filter_conversations(store: &Store, backend: Backend) {
    let ours = tenant(store, "labels-ours", None).await;
    let theirs = tenant(store, "labels-theirs", None).await;
    let first = receive(store, &ours, "+5511900000001", "oi", "l-1", at(1))
        .await
        .conversation
        .id;
    let second = receive(store, &ours, "+5511900000002", "olá", "l-2", at(2))
        .await
        .conversation
        .id;
    let labels = |names: &[&str]| {
        names
            .iter()
            .map(|name| (*name).to_owned())
            .collect::<Vec<_>>()
    };
    let set = store
        .set_conversation_labels(
            ours.account_id,
            first,
            &labels(&["vip", "boleto", "vip"]),
            at(3),
        )
        .await
        .expect("labelled");
    assert_eq!(set, ["boleto", "vip"], "{backend:?}: sorted, once each");
    store
        .set_conversation_labels(ours.account_id, second, &labels(&["boleto"]), at(4))
        .await
        .expect("labelled");
    store
        .set_conversation_labels(ours.account_id, first, &labels(&["vip"]), at(5))
        .await
        .expect("relabelled");
    let of = store
        .conversation_labels(ours.account_id, &[first, second])
        .await
        .expect("read");
    assert_eq!(of[&first], ["vip"], "{backend:?}: replaced whole");
    assert_eq!(of[&second], ["boleto"]);
    let filter = ConversationFilter {
        label: Some("boleto".into()),
        ..ConversationFilter::default()
    };
    let listed = store
        .conversations(ours.account_id, &filter, None, 50)
        .await
        .expect("listed");
    let ids: Vec<ConversationId> = listed.conversations.iter().map(|c| c.id).collect();
    assert_eq!(ids, [second], "{backend:?}");
    assert_eq!(
        store.labels_in_use(ours.account_id).await.expect("counted"),
        [("boleto".to_owned(), 1), ("vip".to_owned(), 1)]
    );
    assert!(
        store
            .labels_in_use(theirs.account_id)
            .await
            .expect("counted")
            .is_empty()
    );
    let refused = store
        .set_conversation_labels(theirs.account_id, first, &labels(&["x"]), at(6))
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { .. })),
        "{backend:?}: {refused:?}"
    );
}

#[tokio::test]
async fn labels_tag_filter_and_stay_in_their_account() {
    on_every_backend!(labels_tag_and_filter_conversations);
}

/// Notes on a contact: newest first with their author's name, deleted one by one, never read or
/// deleted through another account.
async fn contact_notes_stay_with_their_contact(store: &Store, backend: Backend) {
    let ours = tenant(store, "notes-ours", None).await;
    let theirs = tenant(store, "notes-theirs", None).await;
    let contact = receive(store, &ours, "+5511900000011", "oi", "n-1", at(1))
        .await
        .conversation
        .contact_id;
    let first = store
        .add_contact_note(
            ours.account_id,
            contact,
            ours.agent.id,
            "Liga de manhã",
            at(2),
        )
        .await
        .expect("noted");
    assert_eq!(first.author_name.as_deref(), Some("agent"), "{backend:?}");
    store
        .add_contact_note(
            ours.account_id,
            contact,
            ours.admin.id,
            "Cliente VIP",
            at(3),
        )
        .await
        .expect("noted");
    let texts: Vec<String> = store
        .contact_notes(ours.account_id, contact)
        .await
        .expect("read")
        .into_iter()
        .map(|note| note.text)
        .collect();
    assert_eq!(
        texts,
        ["Cliente VIP", "Liga de manhã"],
        "{backend:?}: newest first"
    );
    assert!(matches!(
        store.contact_notes(theirs.account_id, contact).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .delete_contact_note(theirs.account_id, contact, first.id)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .delete_contact_note(ours.account_id, contact, first.id)
        .await
        .expect("deleted");
    assert_eq!(
        store
            .contact_notes(ours.account_id, contact)
            .await
            .expect("read")
            .len(),
        1
    );
}

#[tokio::test]
async fn notes_on_a_contact_are_listed_newest_first_and_stay_in_their_account() {
    on_every_backend!(contact_notes_stay_with_their_contact);
}

/// Saved views are a person's own: names unique per person, a limit, deleted only by their owner.
async fn saved_views_are_per_person(store: &Store, backend: Backend) {
    let ours = tenant(store, "views-ours", None).await;
    let filters = serde_json::json!({"label": "vip"})
        .as_object()
        .cloned()
        .expect("object");
    let view = store
        .save_view(ours.account_id, ours.agent.id, "VIPs", &filters, 2, at(1))
        .await
        .expect("saved");
    let taken = store
        .save_view(ours.account_id, ours.agent.id, "VIPs", &filters, 2, at(2))
        .await;
    assert!(
        matches!(
            taken,
            Err(StoreError::Conflict {
                kind: Conflict::ViewNameTaken,
                ..
            })
        ),
        "{backend:?}: {taken:?}"
    );
    store
        .save_view(ours.account_id, ours.admin.id, "VIPs", &filters, 2, at(2))
        .await
        .expect("another person's view of the same name");
    store
        .save_view(
            ours.account_id,
            ours.agent.id,
            "Abertas",
            &filters,
            2,
            at(3),
        )
        .await
        .expect("saved");
    assert!(matches!(
        store
            .save_view(
                ours.account_id,
                ours.agent.id,
                "Terceira",
                &filters,
                2,
                at(4)
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    let names: Vec<String> = store
        .saved_views(ours.account_id, ours.agent.id)
        .await
        .expect("listed")
        .into_iter()
        .map(|view| view.name)
        .collect();
    assert_eq!(names, ["Abertas", "VIPs"], "{backend:?}: by name");
    assert!(matches!(
        store
            .delete_view(ours.account_id, ours.admin.id, view.id)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .delete_view(ours.account_id, ours.agent.id, view.id)
        .await
        .expect("deleted");
    let listed = store
        .saved_views(ours.account_id, ours.agent.id)
        .await
        .expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].filters, filters);
}

#[tokio::test]
async fn saved_views_belong_to_one_person() {
    on_every_backend!(saved_views_are_per_person);
}

/// What the search index reads: every message with text once across pages, by id, contacts by
/// id, and the list narrowed to some conversations; nothing of another account.
async fn search_reads_texts_by_page_and_by_id(store: &Store, backend: Backend) {
    let ours = tenant(store, "texts-ours", None).await;
    let theirs = tenant(store, "texts-theirs", None).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let outcome = receive(
            store,
            &ours,
            &format!("+55119000001{n:02}"),
            &format!("mensagem {n}"),
            &format!("t-{n}"),
            at(n),
        )
        .await;
        ids.push((
            outcome.message.id,
            outcome.conversation.id,
            outcome.conversation.contact_id,
        ));
    }
    receive(store, &theirs, "+5511900000199", "alheia", "t-x", at(9)).await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .message_texts(ours.account_id, after, 2)
            .await
            .expect("page");
        let Some(last) = page.last() else { break };
        after = Some(last.message_id);
        seen.extend(page);
    }
    assert_eq!(seen.len(), 5, "{backend:?}: {seen:?}");
    assert!(seen.iter().all(|text| text.text.starts_with("mensagem")));
    let (message, conversation, contact) = ids[2];
    let by_id = store
        .message_texts_by_id(ours.account_id, &[message])
        .await
        .expect("by id");
    assert_eq!(by_id.len(), 1);
    assert_eq!(
        (by_id[0].conversation_id, by_id[0].contact_id),
        (conversation, contact)
    );
    assert!(
        store
            .message_texts_by_id(theirs.account_id, &[message])
            .await
            .expect("by id")
            .is_empty()
    );
    let contacts = store
        .contacts_by_id(ours.account_id, &[contact])
        .await
        .expect("contacts");
    assert_eq!(contacts[0].identities.len(), 1, "{backend:?}");
    assert!(
        store
            .contacts_by_id(theirs.account_id, &[contact])
            .await
            .expect("contacts")
            .is_empty()
    );
    let narrowed = ConversationFilter {
        ids: Some(vec![ids[0].1, ids[3].1]),
        ..ConversationFilter::default()
    };
    let listed: HashSet<ConversationId> = store
        .conversations(ours.account_id, &narrowed, None, 50)
        .await
        .expect("listed")
        .conversations
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, HashSet::from([ids[0].1, ids[3].1]), "{backend:?}");
    let none = ConversationFilter {
        ids: Some(Vec::new()),
        ..ConversationFilter::default()
    };
    assert!(
        store
            .conversations(ours.account_id, &none, None, 50)
            .await
            .expect("listed")
            .conversations
            .is_empty()
    );
}

#[tokio::test]
async fn the_search_index_reads_every_text_once_and_only_its_accounts() {
    on_every_backend!(search_reads_texts_by_page_and_by_id);
}

async fn voice_notes_are_fetched_then_transcribed_once(store: &Store, _backend: Backend) {
    use tandem_domain::message::{Attachment, AttachmentKind, Transcription};
    use tandem_store::{FetchFinished, MediaFetchOutcome, StoredFile, TranscriptionOutcome};
    let tenant = tenant(store, "voice", None).await;
    let voice_note = Attachment {
        media_id: Some("media-1".into()),
        voice: true,
        needs_transcription: true,
        ..Attachment::of_kind(AttachmentKind::Audio)
    };
    let message = InboundMessage {
        text: String::new(),
        attachments: vec![voice_note],
        ..inbound(tenant.inbox.id, "+5511900000001", "", "wamid.VOICE")
    };
    let stored = store
        .append_inbound_message(tenant.account_id, &message, at(1))
        .await
        .expect("the store answers");
    assert!(stored.message.awaits_transcription());
    let lease = SignedDuration::from_secs(60);
    assert!(
        store
            .claim_transcriptions(at(2), lease, 10)
            .await
            .expect("the store answers")
            .is_empty(),
        "nothing to transcribe before the audio is fetched"
    );
    let fetches = store
        .claim_media_fetches(at(2), lease, 10)
        .await
        .expect("the store answers");
    assert_eq!(fetches.len(), 1);
    let file = StoredFile {
        id: tandem_domain::id::FileId(Uuid::now_v7()),
        account_id: tenant.account_id,
        inbox_id: tenant.inbox.id,
        contact_id: stored.conversation.contact_id,
        conversation_id: Some(stored.conversation.id),
        message_id: Some(stored.message.id),
        kind: AttachmentKind::Audio,
        mime_type: "audio/ogg".into(),
        file_name: None,
        size_bytes: 4,
        sha256: "00".repeat(32),
        created_at: at(3),
    };
    let finished = store
        .finish_media_fetch(&fetches[0], MediaFetchOutcome::Stored(file), at(3))
        .await
        .expect("the store answers");
    assert_eq!(finished, FetchFinished::Transcribe);
    assert!(
        store
            .claim_media_fetches(at(100), lease, 10)
            .await
            .expect("the store answers")
            .is_empty(),
        "the fetch is done"
    );
    let jobs = store
        .claim_transcriptions(at(4), lease, 10)
        .await
        .expect("the store answers");
    assert_eq!(jobs.len(), 1);
    assert!(
        store
            .claim_transcriptions(at(5), lease, 10)
            .await
            .expect("the store answers")
            .is_empty(),
        "a claimed transcription is leased"
    );
    let retry = store
        .finish_transcription(&jobs[0], TranscriptionOutcome::Retry(at(30)))
        .await
        .expect("the store answers");
    assert!(retry.is_none());
    let jobs = store
        .claim_transcriptions(at(30), lease, 10)
        .await
        .expect("the store answers");
    assert_eq!(jobs.len(), 1, "a retried transcription is due at its time");
    let heard = store
        .finish_transcription(
            &jobs[0],
            TranscriptionOutcome::Transcribed {
                text: "Quero a segunda via do boleto".into(),
                language: "pt".into(),
                confidence_percent: Some(83),
            },
        )
        .await
        .expect("the store answers")
        .expect("the message as it now is");
    assert_eq!(heard.text, "Quero a segunda via do boleto");
    assert!(!heard.awaits_transcription());
    assert_eq!(
        heard.attachments[0].transcription,
        Some(Transcription::Done {
            language: "pt".into(),
            confidence_percent: Some(83)
        })
    );
    assert!(heard.attachments[0].file_id.is_some());
    assert!(
        store
            .claim_transcriptions(at(1000), lease, 10)
            .await
            .expect("the store answers")
            .is_empty(),
        "a transcription is done once"
    );
    // Another account's store calls cannot reach this message.
    let other = tenant_other(store).await;
    assert!(matches!(
        store.message(other, heard.id).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn tenant_other(store: &Store) -> AccountId {
    tenant(store, "other-voice", None).await.account_id
}

#[tokio::test]
async fn voice_notes_are_fetched_and_transcribed_as_one_job_each() {
    on_every_backend!(voice_notes_are_fetched_then_transcribed_once);
}
