//! The `idle-widgets` command: what an idle chat widget costs the server. It opens a baseline
//! of sockets first (the first visitor makes the server load its bot and language models, a
//! one-time cost that is not per connection), reads the servers' RSS, opens the rest of the K
//! visitors' sockets, which then say nothing, waits for the servers to settle, reads the RSS
//! again, and divides the growth by the sockets opened in between. `run --idle-widgets` holds
//! such sockets open (`IdleSockets`) while its load runs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::api::Api;
use crate::cli::IdleArgs;
use crate::failure::Failure;
use crate::process::{check_pids, sample};
use crate::report::{IdleReport, IdleServerUsage, per_connection};
use crate::widget::{hold_idle, open_visitor};

/// How often opening progress is printed, in sockets.
const PROGRESS_EVERY: usize = 1000;

/// Idle widget sockets being opened and held, and what failed.
#[derive(Debug)]
pub struct IdleSockets {
    api: Api,
    targets: Vec<String>,
    inbox_id: Arc<str>,
    permits: Arc<Semaphore>,
    open: Arc<AtomicUsize>,
    holding: JoinSet<()>,
    errors: BTreeMap<Failure, u64>,
}

impl IdleSockets {
    /// No sockets yet; they will go to `inbox_id` on `targets`, `concurrency` opening at once.
    pub fn new(api: Api, targets: Vec<String>, inbox_id: Arc<str>, concurrency: usize) -> Self {
        Self {
            api,
            targets,
            inbox_id,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            open: Arc::new(AtomicUsize::new(0)),
            holding: JoinSet::new(),
            errors: BTreeMap::new(),
        }
    }

    /// Opens sockets `range` (spread over the targets by number) and keeps them open.
    pub async fn open(&mut self, range: std::ops::Range<usize>) -> anyhow::Result<()> {
        let mut opening = JoinSet::new();
        for index in range {
            let (api, permits) = (self.api.clone(), self.permits.clone());
            let inbox_id = self.inbox_id.clone();
            let base = self.targets[index % self.targets.len()].clone();
            opening.spawn(async move {
                let _permit = permits.acquire_owned().await;
                open_visitor(&api, &base, &inbox_id).await
            });
        }
        let mut done = 0;
        while let Some(joined) = opening.join_next().await {
            match joined.context("opening a socket")? {
                Ok((_token, socket)) => {
                    self.open.fetch_add(1, Ordering::Relaxed);
                    let open = self.open.clone();
                    self.holding.spawn(async move {
                        hold_idle(socket).await;
                        open.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                Err(error) => *self.errors.entry(error.failure()).or_default() += 1,
            }
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                eprintln!("  {done} attempted, {} open", self.open_now());
            }
        }
        Ok(())
    }

    /// Sockets open now.
    pub fn open_now(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Closes every socket; returns the failures to open, as `operation: kind` → count.
    pub fn close(mut self) -> BTreeMap<String, u64> {
        self.holding.abort_all();
        self.errors
            .into_iter()
            .map(|(failure, count)| (failure.to_string(), count))
            .collect()
    }
}

/// Runs the `idle-widgets` command.
pub async fn idle_widgets(args: IdleArgs) -> anyhow::Result<IdleReport> {
    let targets: Vec<String> = args
        .targets
        .iter()
        .map(|target| target.trim_end_matches('/').to_owned())
        .collect();
    check_pids(&args.server_pids)?;
    let api = Api::new()?;
    let inbox_id: Arc<str> = match &args.inbox {
        Some(inbox) => Arc::from(inbox.as_str()),
        None => Arc::from(find_web_inbox(&api, &targets[0], &args).await?.as_str()),
    };
    let mut sockets = IdleSockets::new(api, targets.clone(), inbox_id, args.concurrency);
    let baseline = args.baseline.min(args.count);
    eprintln!("opening {baseline} baseline sockets");
    sockets.open(0..baseline).await?;
    tokio::time::sleep(args.settle).await;
    let before = rss(&args.server_pids)?;
    let open_before = sockets.open_now();
    eprintln!("opening {} idle widget sockets", args.count - baseline);
    sockets.open(baseline..args.count).await?;
    eprintln!("settling for {:?}", args.settle);
    tokio::time::sleep(args.settle).await;
    let after = rss(&args.server_pids)?;
    let open_after = sockets.open_now();
    let generator_rss_bytes = sample(None).map_or(0, |own| own.rss_bytes);
    if args.hold > Duration::ZERO {
        eprintln!("holding the sockets for {:?}", args.hold);
        tokio::time::sleep(args.hold).await;
    }
    let errors = sockets.close();
    let servers: Vec<IdleServerUsage> = args
        .server_pids
        .iter()
        .zip(before.iter().zip(&after))
        .map(|(&pid, (&before, &after))| IdleServerUsage {
            pid,
            rss_before_bytes: before,
            rss_after_bytes: after,
        })
        .collect();
    let growth: i64 = servers
        .iter()
        .map(|s| s.rss_after_bytes as i64 - s.rss_before_bytes as i64)
        .sum();
    let (rss_per_connection_bytes, connections_per_gib) = if servers.is_empty() {
        (None, None)
    } else {
        per_connection(growth, open_after.saturating_sub(open_before))
    };
    Ok(IdleReport {
        targets,
        requested: args.count,
        baseline: open_before,
        open: open_after,
        errors,
        servers,
        rss_per_connection_bytes,
        connections_per_gib,
        generator_rss_bytes,
    })
}

async fn find_web_inbox(api: &Api, base: &str, args: &IdleArgs) -> anyhow::Result<String> {
    let Some(password) = &args.password else {
        bail!("give --inbox, or --password to find the web inbox as the admin");
    };
    let admin = api
        .login(base, &args.admin_email, password)
        .await
        .with_context(|| format!("logging in as {}", args.admin_email))?
        .token;
    let inboxes = api.inboxes(base, &admin).await.context("listing inboxes")?;
    inboxes
        .into_iter()
        .find(|inbox| inbox.channel == "web")
        .map(|inbox| inbox.id)
        .context("the account has no web inbox")
}

fn rss(pids: &[u32]) -> anyhow::Result<Vec<u64>> {
    pids.iter()
        .map(|&pid| {
            sample(Some(pid))
                .map(|now| now.rss_bytes)
                .with_context(|| format!("reading /proc/{pid}"))
        })
        .collect()
}
