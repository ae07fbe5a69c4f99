//! The `run` command: set up, bring customers and agents in (and idle widget sockets, when
//! asked), drive the load (`load`) through warm-up and the measured window, watch the
//! processes, and report; with a delivery policy also the webhook ledger.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail, ensure};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::{AbortHandle, JoinSet};

use crate::address::Addresses;
use crate::agent::Agent;
use crate::api::Api;
use crate::cli::{Mode, RunArgs};
use crate::customer::{Customer, Route};
use crate::delivery::DeliveryPolicy;
use crate::idle::IdleSockets;
use crate::ledger::LedgerFile;
use crate::load;
use crate::phrases::Language;
use crate::process::{Watch, check_pids};
use crate::receiver::{self, Credentials};
use crate::recorder::Window;
use crate::report::{
    DeliveryReport, DroppedTarget, IdleDuringRun, ProcessUsage, RunReport, RunSettings,
};
use crate::scenario::{Channel, CustomerProfile, Script, population};
use crate::setup::{self, Deployment, SetupRequest};
use crate::widget::{self, open_visitor, socket_url};
use crate::world::{Limits, World};

/// Widget visitors being opened at once while preparing.
const WIDGET_OPENING_CONCURRENCY: usize = 50;
/// Longest wait for every agent to be online before the load starts.
const AGENTS_ONLINE_WITHIN: Duration = Duration::from_secs(30);
/// How often progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Idle widget sockets being opened at once.
const IDLE_OPENING_CONCURRENCY: usize = 100;

/// Runs the `run` command: the report, and the delivery ledger (empty without a policy).
pub async fn run(args: RunArgs) -> anyhow::Result<(RunReport, LedgerFile)> {
    check(&args)?;
    let targets: Vec<String> = args
        .targets
        .iter()
        .map(|target| target.trim_end_matches('/').to_owned())
        .collect();
    check_pids(&args.server_pids)?;
    let tag = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() % 1_000_000) as u32;
    let addresses = Addresses::new(tag);
    let profiles = population(args.seed, args.customers, &args.mix, &args.languages);
    let has = |channel| count(&profiles, channel) > 0;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding the receiver on {}", args.listen))?;
    let callback_url = match &args.callback_url {
        Some(url) => url.clone(),
        None => format!("http://{}", listener.local_addr()?),
    };
    let api = Api::new()?;
    eprintln!("setting up on {} (run tag {tag:06})", targets[0]);
    let deployment = setup::prepare(
        &api,
        &SetupRequest {
            base: &targets[0],
            admin_email: &args.admin_email,
            admin_password: &args.password,
            callback_url: &callback_url,
            addresses,
            needs_api: has(Channel::Api),
            needs_whatsapp: has(Channel::Whatsapp),
            needs_web: has(Channel::Widget) || args.idle_widgets > 0,
            agents: args.agents,
            agent_password: &args.agent_password,
            agent_capacity: args.agent_capacity,
        },
    )
    .await?;
    let limits = Limits {
        reply_timeout: args.reply_timeout,
        agent_timeout: args.agent_timeout,
    };
    let delivery = DeliveryPolicy {
        redeliver: args.redeliver,
        give_up_after: args.redeliver_for,
        duplicate_percent: args.duplicate_percent,
        seed: args.seed,
    };
    let world = Arc::new(World::new(api, targets, addresses, limits, delivery));
    receiver::spawn(
        listener,
        world.clone(),
        Credentials {
            webhook_secret: deployment
                .api_inbox
                .as_ref()
                .map(|inbox| inbox.webhook_secret.clone()),
            graph_token: deployment
                .whatsapp_inbox
                .as_ref()
                .map(|inbox| inbox.access_token.clone()),
        },
    );
    let mut background = Vec::new();
    eprintln!(
        "opening {} widget visitors",
        count(&profiles, Channel::Widget)
    );
    let customers =
        prepare_customers(&world, &deployment, profiles, &args, &mut background).await?;
    eprintln!("bringing {} agents online", deployment.agents.len());
    start_agents(&world, &deployment, &args, &mut background).await?;
    let idle = hold_idle_widgets(&world, &deployment, args.idle_widgets).await?;
    let idle_open_at_start = idle.as_ref().map_or(0, IdleSockets::open_now);

    let load_start = Instant::now();
    let window = Window {
        start: load_start + args.warmup,
        end: load_start + args.warmup + args.duration,
    };
    world.recorder.start_window(window);
    let watching = tokio::spawn(watch_processes(args.server_pids.clone(), window));
    background.push(tokio::spawn(print_progress(world.clone(), window)).abort_handle());
    eprintln!(
        "load: warm-up {:?}, measuring {:?}",
        args.warmup, args.duration
    );
    let unfinished = match args.mode {
        Mode::Open => load::open_loop(&world, customers, args.rate, load_start, window).await,
        Mode::Closed => load::closed_loop(&world, customers, args.think_ms, window).await,
    };
    let idle_widgets = idle.map(|sockets| {
        let open_at_end = sockets.open_now();
        IdleDuringRun {
            requested: args.idle_widgets,
            open_at_start: idle_open_at_start,
            open_at_end,
            errors: sockets.close(),
        }
    });
    let duplicates_unfinished = world.finish_detached(world.limits.reply_timeout).await;
    for task in background {
        task.abort();
    }
    let (servers, generator) = watching.await.context("watching the processes")?;
    let deliveries = delivery.keeps_ledger().then(|| DeliveryReport {
        summary: world.ledger.summary(),
        dropped_targets: world
            .pool
            .drops()
            .into_iter()
            .map(|dropped| DroppedTarget {
                target: world.targets[dropped.target].clone(),
                at_seconds: dropped
                    .at
                    .saturating_duration_since(load_start)
                    .as_secs_f64(),
            })
            .collect(),
        duplicates_unfinished,
    });
    let mut report = report(&args, &world, window, unfinished, servers, generator);
    report.idle_widgets = idle_widgets;
    report.deliveries = deliveries;
    Ok((report, world.ledger.file()))
}

/// Opens `count` idle widget sockets on the web inbox, spread over the targets, to hold while
/// the load runs.
async fn hold_idle_widgets(
    world: &World,
    deployment: &Deployment,
    count: usize,
) -> anyhow::Result<Option<IdleSockets>> {
    if count == 0 {
        return Ok(None);
    }
    let inbox_id = deployment.web_inbox_id.as_deref().context("no web inbox")?;
    let mut sockets = IdleSockets::new(
        world.api.clone(),
        world.targets.clone(),
        Arc::from(inbox_id),
        IDLE_OPENING_CONCURRENCY,
    );
    eprintln!("opening {count} idle widget sockets, held during the run");
    sockets.open(0..count).await?;
    eprintln!("{} idle widget sockets open", sockets.open_now());
    Ok(Some(sockets))
}

fn check(args: &RunArgs) -> anyhow::Result<()> {
    ensure!(args.customers > 0, "--customers must be at least 1");
    ensure!(
        args.mode == Mode::Closed || args.rate > 0.0,
        "--rate must be positive"
    );
    ensure!(
        args.handover_share == 0 || args.agents > 0,
        "requests for a person need agents: give --agents or --handover-share 0"
    );
    ensure!(
        args.agent_password.chars().count() >= 10,
        "--agent-password must have at least 10 characters"
    );
    ensure!(
        args.duration > Duration::ZERO,
        "--duration must be positive"
    );
    ensure!(
        args.ledger.is_none() || args.redeliver || args.duplicate_percent > 0,
        "--ledger needs --redeliver or --duplicate-percent"
    );
    Ok(())
}

fn count(profiles: &[CustomerProfile], channel: Channel) -> usize {
    profiles.iter().filter(|p| p.channel == channel).count()
}

/// Builds every customer's route; widget customers get their visitor and socket now, so the
/// load does not include opening them.
async fn prepare_customers(
    world: &Arc<World>,
    deployment: &Deployment,
    profiles: Vec<CustomerProfile>,
    args: &RunArgs,
    background: &mut Vec<AbortHandle>,
) -> anyhow::Result<Vec<Customer>> {
    let api_inbox = deployment.api_inbox.clone().map(Arc::new);
    let whatsapp_inbox = deployment.whatsapp_inbox.clone().map(Arc::new);
    let web_inbox: Option<Arc<str>> = deployment.web_inbox_id.as_deref().map(Arc::from);
    let mut visitors = open_visitors(world, &profiles, web_inbox.as_ref()).await?;
    let mut customers = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let index = profile.index;
        let route = match profile.channel {
            Channel::Api => Route::Api {
                inbox: api_inbox.clone().context("no API inbox")?,
                identity: world.addresses.api_identity(index),
            },
            Channel::Whatsapp => Route::Whatsapp {
                inbox: whatsapp_inbox.clone().context("no WhatsApp inbox")?,
                number: world.addresses.whatsapp_number(index),
            },
            Channel::Widget => {
                let inbox_id = web_inbox.clone().context("no web inbox")?;
                let (visitor_token, socket) = visitors
                    .remove(&index)
                    .context("a widget visitor is missing")?;
                let url = socket_url(world.target(index), &inbox_id, &visitor_token);
                let follow = widget::follow(world.clone(), index, url, socket);
                background.push(tokio::spawn(follow).abort_handle());
                Route::Widget {
                    inbox_id,
                    visitor_token,
                }
            }
        };
        customers.push(Customer {
            script: Script::new(args.seed, &profile, args.handover_share),
            profile,
            route,
        });
    }
    Ok(customers)
}

/// Opens the widget customers' visitors and sockets, a few at a time.
async fn open_visitors(
    world: &Arc<World>,
    profiles: &[CustomerProfile],
    web_inbox: Option<&Arc<str>>,
) -> anyhow::Result<BTreeMap<usize, (String, widget::Socket)>> {
    let mut opened = BTreeMap::new();
    let Some(inbox_id) = web_inbox else {
        return Ok(opened);
    };
    let permits = Arc::new(Semaphore::new(WIDGET_OPENING_CONCURRENCY));
    let mut opening = JoinSet::new();
    for profile in profiles.iter().filter(|p| p.channel == Channel::Widget) {
        let (world, permits, inbox_id) = (world.clone(), permits.clone(), inbox_id.clone());
        let index = profile.index;
        opening.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let visitor = open_visitor(&world.api, world.target(index), &inbox_id).await;
            (index, visitor)
        });
    }
    while let Some(joined) = opening.join_next().await {
        let (index, visitor) = joined.context("opening a widget visitor")?;
        let visitor = visitor.with_context(|| format!("widget customer {index}"))?;
        opened.insert(index, visitor);
    }
    Ok(opened)
}

/// Starts every agent and waits until all are online.
async fn start_agents(
    world: &Arc<World>,
    deployment: &Deployment,
    args: &RunArgs,
    background: &mut Vec<AbortHandle>,
) -> anyhow::Result<()> {
    let mut online = Vec::new();
    for (index, account) in deployment.agents.iter().enumerate() {
        let (told, heard) = oneshot::channel();
        let agent = Agent {
            account: account.clone(),
            index,
            think: args.agent_think_ms,
            seed: args.seed,
        };
        background.push(tokio::spawn(agent.work(world.clone(), told)).abort_handle());
        online.push((account.email.clone(), heard));
    }
    for (email, heard) in online {
        match tokio::time::timeout(AGENTS_ONLINE_WITHIN, heard).await {
            Ok(Ok(())) => {}
            _ => bail!("agent {email} did not get online within {AGENTS_ONLINE_WITHIN:?}"),
        }
    }
    Ok(())
}

/// Follows the servers and the generator over the window: first reading at its start, the
/// peak every second, last reading at its end. A server that cannot be read at the start is
/// left out (and said so).
async fn watch_processes(
    pids: Vec<u32>,
    window: Window,
) -> (Vec<ProcessUsage>, Option<ProcessUsage>) {
    tokio::time::sleep_until(window.start.into()).await;
    let mut servers: Vec<Watch> = pids
        .into_iter()
        .filter_map(|pid| match Watch::begin(Some(pid)) {
            Ok(watch) => Some(watch),
            Err(error) => {
                eprintln!("server pid {pid} is not followed: {error}");
                None
            }
        })
        .collect();
    let mut generator = Watch::begin(None).ok();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    while Instant::now() < window.end {
        tick.tick().await;
        servers.iter_mut().for_each(Watch::observe);
        if let Some(generator) = &mut generator {
            generator.observe();
        }
    }
    let elapsed = window.length();
    let servers = servers
        .into_iter()
        .map(|watch| watch.end(elapsed))
        .collect();
    (servers, generator.map(|watch| watch.end(elapsed)))
}

async fn print_progress(world: Arc<World>, window: Window) {
    let started = Instant::now();
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = Instant::now();
        let phase = if now < window.start {
            "warm-up"
        } else if now < window.end {
            "measuring"
        } else {
            "draining"
        };
        let (accepted, failures) = world.recorder.read(|tallies| {
            (
                tallies.messages(window.length()).accepted,
                tallies.failure_count(),
            )
        });
        eprintln!(
            "  {:>4.0}s {phase:<9} accepted {accepted}  waiting {}  errors {failures}",
            (now - started).as_secs_f64(),
            world.board.pending(),
        );
    }
}

fn report(
    args: &RunArgs,
    world: &World,
    window: Window,
    unfinished: u64,
    servers: Vec<ProcessUsage>,
    generator: Option<ProcessUsage>,
) -> RunReport {
    let open = args.mode == Mode::Open;
    let settings = RunSettings {
        mode: if open { "open" } else { "closed" },
        seed: args.seed,
        targets: world.targets.clone(),
        customers: args.customers,
        agents: args.agents,
        mix: Channel::ALL
            .iter()
            .map(|&channel| (channel, args.mix.weight(channel)))
            .collect(),
        languages: Language::ALL
            .iter()
            .map(|&language| (language.code(), args.languages.weight(language)))
            .collect(),
        handover_percent: args.handover_share,
        rate_per_second: open.then_some(args.rate),
        think_ms: (!open).then_some([args.think_ms.low, args.think_ms.high]),
        warmup_seconds: args.warmup.as_secs_f64(),
        duration_seconds: args.duration.as_secs_f64(),
    };
    world.recorder.read(|tallies| RunReport {
        settings,
        messages: tallies.messages(window.length()),
        arrivals: open.then(|| tallies.arrivals()),
        latency: tallies.latencies(),
        errors: tallies.failures(),
        unfinished_at_end: unfinished,
        servers,
        generator,
        idle_widgets: None,
        deliveries: None,
    })
}
