//! The use cases without HTTP: an `App` over a real store (SQLite, and PostgreSQL when
//! `TANDEM_TEST_DATABASE_URL` is set) with its seams played by scripted stand-ins, which record
//! what the use cases asked of the outside world.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use tandem_app::channels::ChannelSettings;
use tandem_app::ports::{
    AddressRefused, BoxFuture, ChannelProvider, ChannelProviders, ExternalBotError, ExternalBots,
    ExternalTurn, FetchedEmail, FileContents, HttpActions, Mailboxes, Observer, OutboundPolicy,
    SystemClock, WebhookSendError, WebhookSender, WebhookSubject,
};
use tandem_app::routing_worker::RoutingSettings;
use tandem_app::sealing::Sealer;
use tandem_app::webhooks::WebhookSettings;
use tandem_app::{App, AppSettings, Ports};
use tandem_bot::profile::ExternalBot;
use tandem_bot::{ActionFailureKind, ActionRequest, ExternalReply};
use tandem_channels::config::{ChannelConfig, MailServer};
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::{Actor, EventKind, HandoverReason};
use tandem_domain::id::ConversationId;
use tandem_domain::inbox::{ChannelKind, Inbox};
use tandem_domain::message::Message;
use tandem_nlu::Language;
use tandem_store::testing::{TestDatabase, backends};
use tandem_store::{Store, StoreOptions};

/// The company's API, answering every action with one scripted status, and the requests made.
#[derive(Debug)]
struct ScriptedApi {
    status: u16,
    calls: Mutex<Vec<String>>,
}

impl HttpActions for ScriptedApi {
    fn attempt<'a>(
        &'a self,
        action: &'a ActionRequest,
        _language: Language,
    ) -> BoxFuture<'a, Result<Value, ActionFailureKind>> {
        self.calls
            .lock()
            .expect("not poisoned")
            .push(action.url.clone());
        let status = self.status;
        Box::pin(async move { Err(ActionFailureKind::Status { status }) })
    }
}

/// What the use cases reported.
#[derive(Debug, Default)]
struct Recorder {
    turns: Mutex<usize>,
    handovers: Mutex<Vec<String>>,
}

impl Observer for Recorder {
    fn bot_turn(&self, _elapsed: Duration) {
        *self.turns.lock().expect("not poisoned") += 1;
    }
    fn handover(&self, reason: &str) {
        self.handovers
            .lock()
            .expect("not poisoned")
            .push(reason.to_owned());
    }
    fn delivery(&self, _channel: &str, _outcome: &'static str) {}
    fn ai_call(&self, _: &str, _: &str, _: &str, _: (u32, u32), _: Duration) {}
}

/// Seams the tests here never reach: each fails loudly if it is called.
#[derive(Debug)]
struct Unreachable;

impl tandem_app::ports::AiProviders for Unreachable {
    fn embedded(&self) -> Option<Arc<dyn tandem_ai::LanguageModel>> {
        None
    }
    fn openai(
        &self,
        endpoint: tandem_app::ports::OpenAiEndpoint,
    ) -> Arc<dyn tandem_ai::LanguageModel> {
        unreachable!("no account here configures an AI provider: {endpoint:?}")
    }
}

impl ExternalBots for Unreachable {
    fn send<'a>(
        &'a self,
        _config: &'a ExternalBot,
        _turn: &'a ExternalTurn,
    ) -> BoxFuture<'a, Result<Option<ExternalReply>, ExternalBotError>> {
        panic!("no external bot in these tests")
    }
}

impl WebhookSender for Unreachable {
    fn send<'a>(
        &'a self,
        _url: &'a str,
        _secret: &'a str,
        _delivery: &'a tandem_app::model::WebhookDelivery,
        _subject: &'a WebhookSubject,
    ) -> BoxFuture<'a, Result<(), WebhookSendError>> {
        panic!("no inbox here has a webhook")
    }
}

impl ChannelProviders for Unreachable {
    fn provider(
        &self,
        _inbox: &Inbox,
        _config: ChannelConfig,
    ) -> Result<Box<dyn ChannelProvider>, String> {
        panic!("no provider channel in these tests")
    }

    fn verify<'a>(
        &'a self,
        _config: &'a ChannelConfig,
    ) -> BoxFuture<'a, Option<tandem_channels::verify::Verification>> {
        panic!("no provider channel in these tests")
    }

    fn register_webhook<'a>(
        &'a self,
        _config: &'a ChannelConfig,
        _webhook_url: &'a str,
    ) -> BoxFuture<'a, Option<Result<(), String>>> {
        panic!("no provider channel in these tests")
    }

    fn fetch_media<'a>(
        &'a self,
        _config: &'a ChannelConfig,
        _attachment: &'a tandem_domain::message::Attachment,
        _max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, tandem_channels::media::MediaError>> {
        panic!("no provider channel in these tests")
    }
}

/// No file is sent or received in these tests, so none is ever kept.
impl FileContents for Unreachable {
    fn put<'a>(
        &'a self,
        _account_id: tandem_domain::id::AccountId,
        _file_id: tandem_domain::id::FileId,
        _content: &'a [u8],
    ) -> BoxFuture<'a, std::io::Result<()>> {
        panic!("no files in these tests")
    }

    fn get(
        &self,
        _account_id: tandem_domain::id::AccountId,
        _file_id: tandem_domain::id::FileId,
    ) -> BoxFuture<'_, std::io::Result<Option<Vec<u8>>>> {
        panic!("no files in these tests")
    }

    fn remove(
        &self,
        _account_id: tandem_domain::id::AccountId,
        _file_id: tandem_domain::id::FileId,
    ) -> BoxFuture<'_, std::io::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn list(
        &self,
    ) -> BoxFuture<
        '_,
        std::io::Result<Vec<(tandem_domain::id::AccountId, tandem_domain::id::FileId)>>,
    > {
        Box::pin(async { Ok(Vec::new()) })
    }
}

impl Mailboxes for Unreachable {
    fn fetch<'a>(
        &'a self,
        _server: &'a MailServer,
        _cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<(Vec<FetchedEmail>, Value), String>> {
        panic!("no e-mail inbox in these tests")
    }
}

/// The outbound policy of a deployment that lets users name any address: these tests save
/// none, and the server's own guard is tested in `tandem-server`.
#[derive(Debug)]
struct AnyAddress;

impl OutboundPolicy for AnyAddress {
    fn check_url<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<(), AddressRefused>> {
        Box::pin(async { Ok(()) })
    }

    fn check_host<'a>(
        &'a self,
        _host: &'a str,
        _port: u16,
    ) -> BoxFuture<'a, Result<(), AddressRefused>> {
        Box::pin(async { Ok(()) })
    }
}

/// An app over a fresh database with the demo account seeded, and its web-chat inbox (where
/// the bot answers first).
async fn app(
    database: &TestDatabase,
    api: Arc<ScriptedApi>,
    recorder: Arc<Recorder>,
) -> (App, Inbox) {
    let store = Store::connect(database.url(), &StoreOptions::default())
        .await
        .expect("the store opens");
    let sealer = Sealer::from_hex(&"ab".repeat(32)).expect("a key");
    let settings = AppSettings {
        auth: Default::default(),
        nps_sample_percent: 0,
        channels: Arc::new(ChannelSettings::new(sealer, "http://127.0.0.1:1".into())),
        routing: RoutingSettings {
            node: "test".into(),
            presence_grace: jiff::SignedDuration::from_secs(60),
            queue_notice_interval: jiff::SignedDuration::from_secs(60),
        },
        deliveries: WebhookSettings::default(),
        mail_poll_interval: Duration::from_secs(3600),
        max_file_bytes: 1024 * 1024,
        speech: Default::default(),
    };
    let ports = Ports {
        clock: Arc::new(SystemClock),
        http_actions: api,
        external_bots: Arc::new(Unreachable),
        webhooks: Arc::new(Unreachable),
        providers: Arc::new(Unreachable),
        mailboxes: Arc::new(Unreachable),
        outbound: Arc::new(AnyAddress),
        observer: recorder,
        mailer: None,
        ai: Arc::new(Unreachable),
        files: Arc::new(Unreachable),
        transcriber: None,
    };
    let app = App::new(store, settings, ports);
    let profile =
        tandem_bot::demo_profile_yaml_with_core_banking("http://core-banking.test", "a-key");
    let demo = app
        .seed_demo_account(Some("a-long-password".into()), profile, app.now())
        .await
        .expect("seeded")
        .expect("a new database");
    let api_inbox = app
        .api_channel_inbox(&demo.inbox_token)
        .await
        .expect("read")
        .expect("the demo's API inbox");
    let inbox = app
        .inboxes(api_inbox.account_id)
        .await
        .expect("read")
        .into_iter()
        .find(|inbox| inbox.channel == ChannelKind::Web)
        .expect("the demo's web inbox");
    (app, inbox)
}

/// Polls until `done` holds for the conversation (the bot answers in the background), failing
/// after ten seconds.
async fn wait_until(
    app: &App,
    inbox: &Inbox,
    conversation: ConversationId,
    done: impl Fn(ConversationStatus, &[Message]) -> bool,
) {
    for _ in 0..500 {
        let status = app
            .conversation(inbox.account_id, conversation)
            .await
            .expect("read")
            .status;
        let page = app
            .messages(inbox.account_id, conversation, None, 100)
            .await
            .expect("read");
        if done(status, &page.messages) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the conversation never got there");
}

#[tokio::test]
async fn a_customer_message_is_answered_by_the_bot_and_observed() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let recorder = Arc::new(Recorder::default());
        let api = Arc::new(ScriptedApi {
            status: 200,
            calls: Mutex::new(Vec::new()),
        });
        let (app, inbox) = app(&database, api.clone(), recorder.clone()).await;
        let (conversation, _) = app
            .visitor_wrote(&inbox, "visitor-1", "Olá, bom dia!", None, None)
            .await
            .expect("accepted");
        assert_eq!(conversation.status, ConversationStatus::Bot);
        wait_until(&app, &inbox, conversation.id, |_, messages| {
            messages.iter().any(|message| message.sender == Actor::Bot)
        })
        .await;
        app.shutdown().await;
        assert_eq!(
            *recorder.turns.lock().expect("not poisoned"),
            1,
            "{backend:?}"
        );
        assert!(recorder.handovers.lock().expect("not poisoned").is_empty());
        assert!(
            api.calls.lock().expect("not poisoned").is_empty(),
            "a greeting calls no API"
        );
    }
}

#[tokio::test]
async fn a_failing_company_api_hands_the_conversation_over_with_the_reason() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let recorder = Arc::new(Recorder::default());
        let api = Arc::new(ScriptedApi {
            status: 503,
            calls: Mutex::new(Vec::new()),
        });
        let (app, inbox) = app(&database, api.clone(), recorder.clone()).await;
        let text = "Quero a segunda via do boleto, meu CPF é 529.982.247-25";
        let (conversation, _) = app
            .visitor_wrote(&inbox, "visitor-1", text, None, None)
            .await
            .expect("accepted");
        let conversation = conversation.id;
        wait_until(&app, &inbox, conversation, |status, _| {
            status != ConversationStatus::Bot
        })
        .await;
        let events = app
            .events(inbox.account_id, conversation)
            .await
            .expect("read");
        app.shutdown().await;
        let reason = events.iter().find_map(|event| match &event.kind {
            EventKind::HandoverRequested { reason, .. } => Some(*reason),
            _ => None,
        });
        assert_eq!(reason, Some(HandoverReason::ActionFailed), "{backend:?}");
        let calls = api.calls.lock().expect("not poisoned").clone();
        assert!(
            !calls.is_empty()
                && calls
                    .iter()
                    .all(|url| url.starts_with("http://core-banking.test")),
            "{calls:?}"
        );
        assert_eq!(
            *recorder.handovers.lock().expect("not poisoned"),
            vec!["action_failed"]
        );
    }
}
