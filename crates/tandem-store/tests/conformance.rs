//! The storage conformance suite: every behaviour the rest of Tandem relies on, run on SQLite
//! always and on PostgreSQL when `TANDEM_TEST_DATABASE_URL` is set.

use std::collections::HashSet;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::conversation::{ConversationStatus, TransitionError};
use tandem_domain::event::{Actor, EventKind, HandoverReason};
use tandem_domain::id::{AccountId, InboxId};
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox};
use tandem_domain::message::DeliveryStatus;
use tandem_domain::user::{Role, User};
use tandem_store::testing::{TestDatabase, backends};
use tandem_store::{
    AccountSeed, AgentMessage, Backend, BotHandover, BotTurnRecord, ChangeNotice,
    ConversationFilter, ConversationUpdate, DeliverySubject, InboundMessage, InboundOutcome,
    NewInbox, NewLearningSuggestion, NewUnansweredQuestion, RoutingFacts, Store, StoreError,
    StoreOptions, SuggestionStatus, UserSeed,
};

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
    not_found(store.delete_team(account, team.id).await, "team delete");
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
            },
            at(3),
        )
        .await
        .expect("note");
    let lease = SignedDuration::from_secs(30);
    let claimed = store
        .claim_webhook_deliveries(at(4), lease, 100)
        .await
        .expect("claim");
    let message_subjects: Vec<_> = claimed
        .iter()
        .filter_map(|delivery| match delivery.subject {
            DeliverySubject::Message(id) => Some(id),
            DeliverySubject::Event(_) => None,
        })
        .collect();
    assert_eq!(
        message_subjects,
        [reply.1.id],
        "{backend:?}: the reply goes out, the private note never does ({:?})",
        note.1.id
    );
    assert!(
        claimed
            .iter()
            .any(|d| matches!(d.subject, DeliverySubject::Event(_))),
        "{backend:?}: events are delivered too"
    );
    let again = store
        .claim_webhook_deliveries(at(5), lease, 100)
        .await
        .expect("claim during the lease");
    assert!(
        again.is_empty(),
        "{backend:?}: leased deliveries are not claimed twice"
    );

    let reply_delivery = claimed
        .iter()
        .find(|d| d.subject == DeliverySubject::Message(reply.1.id))
        .expect("reply delivery");
    store
        .complete_webhook_delivery(reply_delivery, at(6))
        .await
        .expect("complete");
    let sent = store
        .message(tenant.account_id, reply.1.id)
        .await
        .expect("reply");
    assert_eq!(
        sent.delivery_status,
        Some(DeliveryStatus::Sent),
        "{backend:?}"
    );
    for delivery in claimed.iter().filter(|d| d.id != reply_delivery.id) {
        store
            .fail_webhook_delivery(delivery, "connection refused", Some(at(100)), at(6))
            .await
            .expect("retry later");
    }
    assert_eq!(
        store.next_webhook_due().await.expect("due"),
        Some(at(100)),
        "{backend:?}"
    );
    let retried = store
        .claim_webhook_deliveries(at(100), lease, 100)
        .await
        .expect("claim the retries");
    assert_eq!(retried.len(), claimed.len() - 1, "{backend:?}");
    assert!(retried.iter().all(|d| d.attempts == 2), "{backend:?}");
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
            at(1),
        )
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict { field: "email", .. })),
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
            tenant.admin.id,
            at(3),
        )
        .await;
    assert!(
        matches!(
            clash,
            Err(StoreError::Conflict {
                code: "open_conversations_clash",
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
            tenant.admin.id,
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
    let audit = store.audit_log(tenant.account_id, 10).await.expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "contact.merged");
    assert_eq!(audit[0].actor_id, Some(tenant.admin.id));
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
                code: "not_an_agent_reply",
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
            code: "suggestion_decided",
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
            code: "profile_changed",
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
            code: "suggestion_decided",
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
