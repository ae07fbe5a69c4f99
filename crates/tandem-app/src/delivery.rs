//! The loop shared by the outbound workers (webhooks, channel providers): keep up to a fixed
//! number of deliveries in flight, claiming more whenever one finishes, a write on this node
//! queued deliveries of its kind (`Store::deliveries_queued`), or the poll interval passes. The
//! outcomes of the attempts that finished together are recorded in one store transaction (one
//! commit, one fsync on SQLite), not one each. The store hands out at most one pending delivery
//! per conversation, so the deliveries in flight belong to different conversations and each
//! conversation's stay in order; a slow receiver holds only its own conversations.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use tandem_store::StoreError;

/// Deliveries one node attempts at once.
pub const MAX_IN_FLIGHT: usize = 64;

/// One kind of outbound delivery: how to claim due jobs, attempt one, and record outcomes.
pub trait Deliverer: Clone + Send + Sync + 'static {
    /// A claimed job.
    type Job: Send + 'static;
    /// How an attempt at a job ended, still to be recorded.
    type Outcome: Send + 'static;

    /// Claims up to `limit` due jobs.
    fn claim(&self, limit: u32) -> impl Future<Output = Result<Vec<Self::Job>, StoreError>> + Send;

    /// Attempts one job; failures are outcomes, not errors.
    fn attempt(&self, job: Self::Job) -> impl Future<Output = Self::Outcome> + Send;

    /// Records the outcomes of attempts that finished together, in one transaction. A failure
    /// to record is logged: the jobs are attempted again when their leases end.
    fn record(&self, outcomes: Vec<Self::Outcome>) -> impl Future<Output = ()> + Send;
}

/// Runs `deliverer` until `shutdown` is cancelled, with at most `max_in_flight` jobs at once
/// (the outbound workers use [`MAX_IN_FLIGHT`]). Jobs still in flight then are abandoned:
/// their lease runs out and they are attempted again (delivery is at least once).
pub async fn run<D: Deliverer>(
    deliverer: D,
    mut queued: watch::Receiver<()>,
    poll_interval: Duration,
    name: &'static str,
    max_in_flight: usize,
    shutdown: CancellationToken,
) {
    let mut in_flight = JoinSet::new();
    loop {
        let room = max_in_flight.saturating_sub(in_flight.len());
        if room > 0 {
            match deliverer
                .claim(u32::try_from(room).unwrap_or(u32::MAX))
                .await
            {
                Ok(jobs) => {
                    for job in jobs {
                        let deliverer = deliverer.clone();
                        in_flight.spawn(async move { deliverer.attempt(job).await });
                    }
                }
                Err(error) => tracing::warn!(%error, worker = name, "claiming deliveries failed"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            Some(finished) = in_flight.join_next(), if !in_flight.is_empty() => {
                let mut outcomes = Vec::new();
                for finished in std::iter::once(finished).chain(std::iter::from_fn(|| in_flight.try_join_next())) {
                    match finished {
                        Ok(outcome) => outcomes.push(outcome),
                        Err(error) => tracing::error!(%error, worker = name, "a delivery task failed"),
                    }
                }
                deliverer.record(outcomes).await;
            }
            woke = queued.changed() => {
                if woke.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(poll_interval) => {}
        }
    }
}
