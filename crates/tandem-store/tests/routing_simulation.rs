//! A deterministic routing simulation on the real store (SQLite always, PostgreSQL when
//! configured): 1,000 bot handovers with mixed intents, languages and priorities, 20 agents of
//! mixed skills and capacities coming online, going away and going offline, and resolutions,
//! with a routing pass after every step. After each pass it checks that no agent is above
//! capacity, that each assignment went to the least busy eligible agent (least-busy teams) and
//! that nothing the same team could have taken first was left waiting; at the end, that every
//! conversation was assigned exactly once per time it entered the queue. Prints its figures.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde_json::json;
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::{Actor, EventKind, HandoverReason};
use tandem_domain::id::{AccountId, ConversationId, InboxId, TeamId, UserId};
use tandem_domain::inbox::{ChannelKind, FirstResponder};
use tandem_domain::user::{Presence, Role};
use tandem_routing::team::{RoutingSpec, Strategy};
use tandem_store::testing::{TestDatabase, backends};
use tandem_store::{
    AccountSeed, BotHandover, BotTurnRecord, ConversationFilter, ConversationUpdate,
    InboundMessage, NewInbox, RoutingFacts, Store, StoreOptions, UserSeed,
};

const HANDOVERS: usize = 1000;
const AGENTS: usize = 20;

/// A small deterministic generator (xorshift64*), so every run makes the same choices.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + seconds).expect("a valid time")
}

struct World {
    account_id: AccountId,
    inbox_id: InboxId,
    agents: Vec<UserId>,
    /// Each team's members and strategy.
    teams: HashMap<TeamId, (HashSet<UserId>, Strategy)>,
}

async fn build_world(store: &Store) -> World {
    let users = (0..AGENTS)
        .map(|n| UserSeed {
            email: format!("agent{n}@sim.example"),
            name: format!("Agent {n}"),
            role: Role::Agent,
            password_hash: "not-a-real-hash".into(),
        })
        .collect();
    let seed = AccountSeed {
        name: "Simulated".into(),
        users,
        inboxes: vec![NewInbox {
            name: "Chat".into(),
            channel: ChannelKind::Api,
            first_responder: FirstResponder::Bot,
            webhook_url: None,
            webhook_secret: "secret".into(),
            api_token_hash: "sim-token-hash".into(),
            channel_config: None,
        }],
        bot_profile: None,
    };
    let (account, users, mut inboxes) = store.create_account(&seed, at(0)).await.expect("account");
    let agents: Vec<UserId> = users.iter().map(|user| user.id).collect();
    let team_specs = [
        (
            "Cards",
            RoutingSpec {
                intents: vec!["card_lost".into(), "fraud".into()],
                priority: 1,
                ..RoutingSpec::default()
            },
            0..8,
        ),
        (
            "Español",
            RoutingSpec {
                languages: vec!["es".into()],
                strategy: Strategy::RoundRobin,
                priority: 2,
                ..RoutingSpec::default()
            },
            6..12,
        ),
        (
            "General",
            RoutingSpec {
                fallback: true,
                priority: 3,
                ..RoutingSpec::default()
            },
            10..20,
        ),
    ];
    let mut teams = HashMap::new();
    for (name, spec, members) in team_specs {
        let team = store
            .create_team(account.id, name, "", &spec, at(0))
            .await
            .expect("team");
        let mut set = HashSet::new();
        for index in members {
            store
                .add_team_member(account.id, team.id, agents[index])
                .await
                .expect("member");
            set.insert(agents[index]);
        }
        teams.insert(team.id, (set, spec.strategy));
    }
    for (index, agent) in agents.iter().enumerate() {
        store
            .set_capacity(account.id, *agent, Some(1 + (index % 4) as u32))
            .await
            .expect("capacity");
    }
    World {
        account_id: account.id,
        inbox_id: inboxes.pop().expect("inbox").id,
        agents,
        teams,
    }
}

/// A customer writes and the bot hands the conversation over with these facts.
async fn hand_over(store: &Store, world: &World, n: usize, facts: RoutingFacts, now: Timestamp) {
    let inbound = InboundMessage {
        inbox_id: world.inbox_id,
        identity: Identity::parse(
            IdentityKind::Phone,
            &format!("+551190000{n:04}"),
            "identity",
        )
        .expect("a phone"),
        contact_name: None,
        text: "preciso de ajuda".into(),
        external_id: Some(format!("sim-{n}")),
        attachments: Vec::new(),
        channel_data: None,
        reply_address: None,
    };
    let outcome = store
        .append_inbound_message(world.account_id, &inbound, now)
        .await
        .expect("inbound");
    let conversation_id = outcome.conversation.id;
    let (_, memory) = store
        .bot_memory(world.account_id, conversation_id)
        .await
        .expect("memory");
    let reason = if facts.high_value {
        HandoverReason::HighValue
    } else {
        HandoverReason::CustomerRequest
    };
    let record = BotTurnRecord {
        conversation_id,
        based_on_version: memory.version,
        replies: vec!["Vou passar para uma pessoa.".into()],
        choices: Vec::new(),
        state: json!({}),
        handover: Some(BotHandover {
            reason,
            evidence: json!({"simulated": true}),
            context: json!({}),
            routing: facts,
        }),
        answers: None,
        unanswered: None,
        resolves: None,
    };
    store
        .record_bot_turn(world.account_id, &record, now)
        .await
        .expect("handover");
}

#[derive(Default)]
struct Figures {
    passes: usize,
    assignments: usize,
    requeued: usize,
    resolved: usize,
    per_agent: HashMap<UserId, usize>,
}

/// One routing pass, checked against the state just before it.
async fn route_and_check(store: &Store, world: &World, now: Timestamp, figures: &mut Figures) {
    let queue = store.queue(world.account_id).await.expect("queue");
    let before = store
        .agent_statuses(world.account_id)
        .await
        .expect("agents");
    let mut load: HashMap<UserId, (u32, u32, bool)> = before
        .iter()
        .map(|s| {
            (
                s.user_id,
                (s.load, s.effective_capacity, s.presence == Presence::Online),
            )
        })
        .collect();
    let assigned = store.route(world.account_id, now).await.expect("route");
    figures.passes += 1;
    let assigned_ids: HashSet<ConversationId> = assigned.iter().map(|(c, _)| c.id).collect();
    for (conversation, _) in &assigned {
        let agent = conversation.assignee_id.expect("an assignee");
        let entry = queue
            .iter()
            .find(|entry| entry.conversation_id == conversation.id)
            .expect("it was waiting");
        let members = entry.team_id.map(|team| &world.teams[&team]);
        let eligible = |user: &UserId, (l, c, online): &(u32, u32, bool)| {
            *online && l < c && members.is_none_or(|(set, _)| set.contains(user))
        };
        let (agent_load, _, _) = load[&agent];
        assert!(eligible(&agent, &load[&agent]), "{agent} could not take it");
        if members.is_none_or(|(_, strategy)| *strategy == Strategy::LeastBusy) {
            let lightest = load
                .iter()
                .filter(|(user, state)| eligible(user, state))
                .map(|(_, (l, _, _))| *l)
                .min()
                .expect("someone eligible");
            assert_eq!(agent_load, lightest, "least-busy chose a busier agent");
        }
        for waiting in &queue {
            if waiting.team_id == entry.team_id && !assigned_ids.contains(&waiting.conversation_id)
            {
                let ahead = (waiting.priority, std::cmp::Reverse(waiting.queued_at))
                    > (entry.priority, std::cmp::Reverse(entry.queued_at));
                assert!(
                    !ahead,
                    "{} waited while a later one was taken",
                    waiting.conversation_id
                );
            }
        }
        load.get_mut(&agent).expect("agent").0 += 1;
        *figures.per_agent.entry(agent).or_default() += 1;
        figures.assignments += 1;
    }
    for status in store
        .agent_statuses(world.account_id)
        .await
        .expect("agents")
    {
        assert!(
            status.load <= status.effective_capacity,
            "{} holds {} of {}",
            status.user_id,
            status.load,
            status.effective_capacity
        );
    }
}

async fn resolve_one(store: &Store, world: &World, dice: &mut Dice, now: Timestamp) -> bool {
    let filter = ConversationFilter {
        status: Some(ConversationStatus::Assigned),
        ..ConversationFilter::default()
    };
    let page = store
        .conversations(world.account_id, &filter, None, 100)
        .await
        .expect("list");
    if page.conversations.is_empty() {
        return false;
    }
    let conversation = &page.conversations[dice.below(page.conversations.len())];
    let agent = conversation.assignee_id.expect("assignee");
    store
        .update_conversation(
            world.account_id,
            conversation.id,
            ConversationUpdate::Resolve,
            Actor::User(agent),
            false,
            now,
        )
        .await
        .expect("resolved");
    true
}

async fn simulate(store: &Store, backend: tandem_store::Backend) {
    let world = build_world(store).await;
    let mut dice = Dice(0x5EED_1234_ABCD_0042);
    let mut figures = Figures::default();
    let intents = [
        Some("card_lost"),
        Some("fraud"),
        Some("balance"),
        Some("pix"),
        None,
    ];
    let languages = ["pt", "pt", "es", "en"];
    let mut handovers = 0;
    let mut second = 0;
    while handovers < HANDOVERS {
        second += 1;
        let now = at(second);
        let roll = dice.below(100);
        if roll < 50 {
            let facts = RoutingFacts {
                intent: intents[dice.below(intents.len())].map(str::to_owned),
                language: Some(languages[dice.below(languages.len())].to_owned()),
                high_value: dice.chance(10),
                negative_sentiment: dice.chance(15),
            };
            hand_over(store, &world, handovers, facts, now).await;
            handovers += 1;
        } else if roll < 88 {
            if resolve_one(store, &world, &mut dice, now).await {
                figures.resolved += 1;
            }
        } else {
            let agent = world.agents[dice.below(world.agents.len())];
            let presence = match dice.below(10) {
                0..=5 => Presence::Online,
                6..=7 => Presence::Away,
                _ => Presence::Offline,
            };
            let requeued = store
                .set_presence(world.account_id, agent, presence, Actor::User(agent), now)
                .await
                .expect("presence");
            figures.requeued += requeued.len();
        }
        route_and_check(store, &world, now, &mut figures).await;
    }
    for agent in &world.agents {
        store
            .set_presence(
                world.account_id,
                *agent,
                Presence::Online,
                Actor::User(*agent),
                at(second),
            )
            .await
            .expect("online");
    }
    loop {
        second += 1;
        route_and_check(store, &world, at(second), &mut figures).await;
        if !resolve_one(store, &world, &mut dice, at(second)).await {
            break;
        }
        figures.resolved += 1;
    }
    assert!(
        store
            .queue(world.account_id)
            .await
            .expect("queue")
            .is_empty()
    );

    let mut waits: Vec<(bool, i64)> = Vec::new();
    let filter = ConversationFilter::default();
    let mut after = None;
    let mut conversations = Vec::new();
    loop {
        let page = store
            .conversations(world.account_id, &filter, after, 100)
            .await
            .expect("list");
        conversations.extend(page.conversations);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(conversations.len(), HANDOVERS);
    for conversation in &conversations {
        assert_eq!(conversation.status, ConversationStatus::Resolved);
        let events = store
            .events(world.account_id, conversation.id)
            .await
            .expect("events");
        let count = |name: &str| events.iter().filter(|e| e.kind.name() == name).count();
        assert_eq!(
            count("assigned"),
            1 + count("unassigned"),
            "{backend:?}: {} was assigned once per time it entered the queue",
            conversation.id
        );
        let routed = events
            .iter()
            .find_map(|e| match e.kind {
                EventKind::Routed { priority, .. } => Some((e.created_at, priority)),
                _ => None,
            })
            .expect("routed");
        let first_assigned = events
            .iter()
            .find(|e| e.kind.name() == "assigned")
            .expect("assigned")
            .created_at;
        waits.push((
            routed.1 >= 20,
            first_assigned.duration_since(routed.0).as_secs(),
        ));
    }
    let mean = |high: bool| {
        let picked: Vec<i64> = waits.iter().filter(|w| w.0 == high).map(|w| w.1).collect();
        picked.iter().sum::<i64>() as f64 / picked.len().max(1) as f64
    };
    let (high_wait, normal_wait) = (mean(true), mean(false));
    assert!(
        high_wait < normal_wait,
        "{backend:?}: high-value customers wait less ({high_wait:.1} s vs {normal_wait:.1} s)"
    );
    let mut all: Vec<i64> = waits.iter().map(|w| w.1).collect();
    all.sort_unstable();
    let per_capacity: Vec<f64> = world
        .agents
        .iter()
        .enumerate()
        .map(|(index, agent)| {
            figures.per_agent.get(agent).copied().unwrap_or(0) as f64 / (1 + index % 4) as f64
        })
        .collect();
    let spread = |values: &[f64]| {
        values.iter().cloned().fold(f64::MAX, f64::min)..=values.iter().cloned().fold(0.0, f64::max)
    };
    println!(
        "{backend:?}: {HANDOVERS} handovers, {AGENTS} agents, {} simulated seconds, {} routing passes; \
         {} assignments ({} after an agent went offline), {} resolutions; wait in queue p50 {} s, p95 {} s, max {} s; \
         mean wait high-value {high_wait:.1} s vs others {normal_wait:.1} s; assignments per unit of capacity {:?}",
        second,
        figures.passes,
        figures.assignments,
        figures.requeued,
        figures.resolved,
        all[all.len() / 2],
        all[all.len() * 95 / 100],
        all[all.len() - 1],
        spread(&per_capacity),
    );
}

#[tokio::test]
async fn a_thousand_handovers_are_each_assigned_once_within_capacity_and_in_order() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let store = Store::connect(database.url(), &StoreOptions::default())
            .await
            .expect("store");
        simulate(&store, backend).await;
        store.close().await;
    }
}
