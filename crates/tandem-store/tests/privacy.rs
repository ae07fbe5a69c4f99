//! Personal data in the store: every column of the live schema is classified in the registry,
//! an erased contact leaves no row (both engines) and no byte in the SQLite files, and
//! retention deletes or anonymises resolved conversations once, at the right time.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use serde_json::json;

use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::event::Actor;
use tandem_domain::id::AccountId;
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox};
use tandem_domain::user::{Role, User};
use tandem_store::testing::{TestDatabase, backends};
use tandem_store::{
    AccountSeed, AuditActor, AuditFilter, Backend, ConversationUpdate, InboundMessage,
    InboundOutcome, NewAuditEntry, NewInbox, Retention, RetentionAction, Store, StoreError,
    StoreOptions, UserSeed,
};

/// An audit entry of `action` by `actor`, as the application would write it.
fn by(actor: &User, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: AuditActor {
            user_id: Some(actor.id),
            email: Some(actor.email.clone()),
            name: Some(actor.name.clone()),
            ip: Some("192.0.2.7".into()),
            user_agent: None,
        },
        action: action.into(),
        subject_kind: "contact".into(),
        subject_id: None,
        before: None,
        after: None,
    }
}

struct Tenant {
    account_id: AccountId,
    admin: User,
    inbox: Inbox,
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + seconds).unwrap()
}

const DAY: i64 = 24 * 60 * 60;

async fn tenant(store: &Store, name: &str) -> Tenant {
    let seed = AccountSeed {
        name: name.to_owned(),
        users: vec![UserSeed {
            email: format!("admin@{name}.example"),
            name: "admin".into(),
            role: Role::Admin,
            password_hash: "not-a-real-hash".into(),
        }],
        inboxes: vec![NewInbox {
            name: "API".into(),
            channel: ChannelKind::Api,
            first_responder: FirstResponder::Human,
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            webhook_secret: "secret".into(),
            api_token_hash: format!("token-hash-{name}"),
            channel_config: None,
        }],
        bot_profile: None,
    };
    let (account, mut users, mut inboxes) = store.create_account(&seed, at(0)).await.unwrap();
    Tenant {
        account_id: account.id,
        admin: users.pop().unwrap(),
        inbox: inboxes.pop().unwrap(),
    }
}

async fn receive(
    store: &Store,
    tenant: &Tenant,
    phone: &str,
    text: &str,
    now: Timestamp,
) -> InboundOutcome {
    let inbound = InboundMessage {
        inbox_id: tenant.inbox.id,
        identity: Identity::parse(IdentityKind::Phone, phone, "identity").unwrap(),
        contact_name: Some(format!("Cliente {phone}")),
        text: text.into(),
        external_id: Some(format!("{phone}-{}", now.as_millisecond())),
        attachments: Vec::new(),
        channel_data: None,
        reply_address: None,
    };
    store
        .append_inbound_message(tenant.account_id, &inbound, now)
        .await
        .unwrap()
}

async fn resolve(store: &Store, tenant: &Tenant, outcome: &InboundOutcome, now: Timestamp) {
    store
        .update_conversation(
            tenant.account_id,
            outcome.conversation.id,
            ConversationUpdate::Resolve,
            Actor::User(tenant.admin.id),
            true,
            now,
        )
        .await
        .unwrap();
}

fn sqlite_path(database: &TestDatabase) -> std::path::PathBuf {
    database.url().strip_prefix("sqlite://").unwrap().into()
}

/// Every byte of the SQLite database file and its write-ahead log.
fn sqlite_bytes(database: &TestDatabase) -> Vec<u8> {
    let path = sqlite_path(database);
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn every_column_of_the_schema_is_classified_in_the_registry() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = Store::connect(database.url(), &StoreOptions::default())
            .await
            .unwrap();
        let problems = store.personal_data_registry_problems().await.unwrap();
        assert!(
            problems.is_empty(),
            "{backend:?}: the registry of personal data does not match the schema:\n{}",
            problems.join("\n")
        );
        store.close().await;
    }
}

#[tokio::test]
async fn an_erased_contact_leaves_no_row_and_no_byte() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = Store::connect(database.url(), &StoreOptions::default())
            .await
            .unwrap();
        let tenant = tenant(&store, "erase").await;
        let other = receive(&store, &tenant, "+5511900000002", "keep me", at(1)).await;
        let marker = "zebra-marker-7f3a quero cancelar";
        let mine = receive(&store, &tenant, "+5511900000001", marker, at(2)).await;
        receive(&store, &tenant, "+5511900000001", marker, at(3)).await;
        let contact_id = mine.conversation.contact_id;

        let export = store
            .export_contact(
                tenant.account_id,
                contact_id,
                &by(&tenant.admin, "contact.exported"),
                at(4),
            )
            .await
            .unwrap();
        let messages = export["tables"]["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2, "{export}");
        assert_eq!(messages[0]["text"], marker);
        assert_eq!(
            export["tables"]["contacts"][0]["name"],
            "Cliente +5511900000001"
        );
        assert_eq!(
            export["tables"]["contact_identities"][0]["value"],
            "+5511900000001"
        );
        assert!(!export.to_string().contains("keep me"), "{export}");
        assert!(
            export["tables"]["webhook_deliveries"]
                .as_array()
                .unwrap()
                .len()
                >= 2
        );

        let counts = store
            .erase_contact(
                tenant.account_id,
                contact_id,
                &by(&tenant.admin, "contact.erased"),
                at(5),
            )
            .await
            .unwrap();
        assert_eq!(counts["messages"], 2);
        assert_eq!(counts["contacts"], 1);
        assert_eq!(counts["audit_log"], 1, "the export's entry is redacted");

        assert!(matches!(
            store.contact(tenant.account_id, contact_id).await,
            Err(StoreError::NotFound { .. })
        ));
        let after = store
            .export_contact(
                tenant.account_id,
                other.conversation.contact_id,
                &by(&tenant.admin, "contact.exported"),
                at(6),
            )
            .await
            .unwrap();
        assert_eq!(after["tables"]["messages"][0]["text"], "keep me");
        assert!(!after.to_string().contains("zebra-marker"));
        let log = store
            .audit_log(tenant.account_id, &AuditFilter::default(), None, 10)
            .await
            .unwrap()
            .entries;
        let erased = log.iter().find(|e| e.action == "contact.erased").unwrap();
        assert_eq!(erased.subject_id, Some(contact_id.0));
        assert_eq!(erased.actor.user_id, Some(tenant.admin.id));
        assert_eq!(erased.after.as_ref().unwrap()["rows"]["messages"], 2);
        for entry in &log {
            let text = format!("{:?} {:?}", entry.before, entry.after);
            assert!(
                !text.contains("zebra") && !text.contains("900000001"),
                "{text}"
            );
        }
        if backend == Backend::Sqlite {
            let bytes = sqlite_bytes(&database);
            assert!(
                !holds(&bytes, "zebra-marker-7f3a"),
                "the marker is in the files"
            );
            assert!(
                !holds(&bytes, "+5511900000001"),
                "the identity is in the files"
            );
            assert!(holds(&bytes, "keep me"), "the probe reads the real file");
        }
        store.close().await;
    }
}

#[tokio::test]
async fn retention_deletes_or_anonymises_resolved_conversations_once_when_due() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = Store::connect(database.url(), &StoreOptions::default())
            .await
            .unwrap();
        let deleting = tenant(&store, "deleting").await;
        let anonymising = tenant(&store, "anonymising").await;
        let forever = tenant(&store, "forever").await;
        store
            .set_account_retention(
                deleting.account_id,
                Retention {
                    days: Some(30),
                    action: RetentionAction::Delete,
                },
            )
            .await
            .unwrap();
        store
            .set_account_retention(
                anonymising.account_id,
                Retention {
                    days: Some(30),
                    action: RetentionAction::Anonymise,
                },
            )
            .await
            .unwrap();
        let text = "meu cpf é 123.456.789-09";
        let old_deleted = receive(&store, &deleting, "+5511900000011", text, at(1)).await;
        resolve(&store, &deleting, &old_deleted, at(2)).await;
        let open = receive(&store, &deleting, "+5511900000012", text, at(3)).await;
        let old_anonymised = receive(&store, &anonymising, "+5511900000021", text, at(1)).await;
        resolve(&store, &anonymising, &old_anonymised, at(2)).await;
        let kept = receive(&store, &forever, "+5511900000031", text, at(1)).await;
        resolve(&store, &forever, &kept, at(2)).await;

        // 29 days on, nothing is due.
        let early = at(2 + 29 * DAY);
        assert!(
            store
                .expired_conversations(early, 100)
                .await
                .unwrap()
                .is_empty()
        );

        let late = at(3 + 30 * DAY);
        let mut expired = store.expired_conversations(late, 100).await.unwrap();
        assert_eq!(expired.len(), 2);
        for conversation in &mut expired {
            for (_, text) in &mut conversation.messages {
                *text = text.replace("123.456.789-09", "***.***.***-09");
            }
        }
        let runs = store.apply_retention(&expired, late).await.unwrap();
        assert_eq!(runs.len(), 2);
        // Again, from a stale batch (another node's): nothing more happens.
        assert!(
            store
                .apply_retention(&expired, late)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .expired_conversations(late, 100)
                .await
                .unwrap()
                .is_empty()
        );

        assert!(matches!(
            store
                .conversation(deleting.account_id, old_deleted.conversation.id)
                .await,
            Err(StoreError::NotFound { .. })
        ));
        store
            .conversation(deleting.account_id, open.conversation.id)
            .await
            .unwrap();
        let page = store
            .messages(
                anonymising.account_id,
                old_anonymised.conversation.id,
                None,
                10,
            )
            .await
            .unwrap();
        assert_eq!(page.messages[0].text, "meu cpf é ***.***.***-09");
        let contact = store
            .contact(
                anonymising.account_id,
                old_anonymised.conversation.contact_id,
            )
            .await
            .unwrap();
        assert_eq!(contact.name, None);
        assert!(contact.identities.is_empty());
        let page = store
            .messages(forever.account_id, kept.conversation.id, None, 10)
            .await
            .unwrap();
        assert_eq!(page.messages[0].text, text);
        let log = store
            .audit_log(anonymising.account_id, &AuditFilter::default(), None, 5)
            .await
            .unwrap()
            .entries;
        assert_eq!(log[0].action, "retention.applied");
        assert_eq!(log[0].after, Some(json!({"deleted": 0, "anonymised": 1})));
        store.close().await;
    }
}
