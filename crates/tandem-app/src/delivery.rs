//! The loop shared by the outbound workers (webhooks, channel providers): keep up to a fixed
//! number of deliveries in flight, claiming more whenever one finishes, a change is announced,
//! or the poll interval passes. The store hands out at most one pending delivery per
//! conversation, so the deliveries in flight belong to different conversations and each
//! conversation's stay in order; a slow receiver holds only its own conversations.

use std::future::Future;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use tandem_store::StoreError;

/// Deliveries one node attempts at once.
pub const MAX_IN_FLIGHT: usize = 64;

/// One kind of outbound delivery: how to claim due jobs and how to attempt one.
pub trait Deliverer: Clone + Send + Sync + 'static {
    /// A claimed job.
    type Job: Send + 'static;

    /// Claims up to `limit` due jobs.
    fn claim(&self, limit: u32) -> impl Future<Output = Result<Vec<Self::Job>, StoreError>> + Send;

    /// Attempts one job and records its outcome; failures are recorded, not returned.
    fn deliver(&self, job: Self::Job) -> impl Future<Output = ()> + Send;
}

/// Runs `deliverer` until `shutdown` is cancelled. Jobs still in flight then are abandoned:
/// their lease runs out and they are attempted again (delivery is at least once).
pub async fn run<D: Deliverer, N: Clone>(
    deliverer: D,
    mut changes: broadcast::Receiver<N>,
    poll_interval: Duration,
    name: &'static str,
    shutdown: CancellationToken,
) {
    let mut in_flight = JoinSet::new();
    loop {
        let room = MAX_IN_FLIGHT - in_flight.len();
        if room > 0 {
            match deliverer
                .claim(u32::try_from(room).unwrap_or(u32::MAX))
                .await
            {
                Ok(jobs) => {
                    for job in jobs {
                        let deliverer = deliverer.clone();
                        in_flight.spawn(async move { deliverer.deliver(job).await });
                    }
                }
                Err(error) => tracing::warn!(%error, worker = name, "claiming deliveries failed"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            Some(finished) = in_flight.join_next(), if !in_flight.is_empty() => {
                for finished in std::iter::once(finished).chain(std::iter::from_fn(|| in_flight.try_join_next())) {
                    if let Err(error) = finished {
                        tracing::error!(%error, worker = name, "a delivery task failed");
                    }
                }
            }
            woke = changes.recv() => {
                if matches!(woke, Err(broadcast::error::RecvError::Closed)) {
                    return;
                }
                while !matches!(
                    changes.try_recv(),
                    Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
                ) {}
            }
            () = tokio::time::sleep(poll_interval) => {}
        }
    }
}
