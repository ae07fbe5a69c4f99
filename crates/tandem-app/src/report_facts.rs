//! The report-facts worker: folds the facts of conversations stored before reports existed
//! (once, at start), then keeps refolding the facts that writes marked stale, a batch per
//! account at a time, off the message path. Reports stay exact without it (they bring their
//! account's facts up to date before reading); it keeps that catch-up small.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_store::{FACTS_BATCH, Store};

/// How long the worker rests between passes that found little to do, so that the many writes
/// of a busy conversation are folded together.
const PAUSE: Duration = Duration::from_secs(1);

/// Starts the worker; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_worker(store: Store, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown.cancelled() => return,
            result = store.backfill_report_facts(500) => match result {
                Ok(folded) if folded > 0 => tracing::info!(folded, "report facts backfilled"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "backfilling report facts failed"),
            },
        }
        loop {
            let pause = match store.refold_stale_facts().await {
                // A full batch: more may be waiting, go on at once.
                Ok(refolded) if refolded >= u64::from(FACTS_BATCH) => Duration::ZERO,
                Ok(_) => PAUSE,
                Err(error) => {
                    tracing::warn!(%error, "refolding stale report facts failed");
                    PAUSE
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    })
}
