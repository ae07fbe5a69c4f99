//! The two load modes over prepared customers, and the drain at the end. Open loop fires
//! arrivals on a fixed schedule whatever the server does; closed loop lets every customer write,
//! wait, think and write again.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::customer::Customer;
use crate::recorder::Window;
use crate::rng::MillisRange;
use crate::schedule::{ArrivalSchedule, lateness};
use crate::world::World;

/// Open loop: arrivals at a fixed rate, each taken by the customer idle the longest; an
/// arrival with nobody idle is dropped and counted. Returns the turns unfinished at the end.
pub async fn open_loop(
    world: &Arc<World>,
    customers: Vec<Customer>,
    rate: f64,
    load_start: Instant,
    window: Window,
) -> u64 {
    let idle = Arc::new(Mutex::new(VecDeque::from(customers)));
    let schedule = ArrivalSchedule::new(load_start, rate);
    let mut turns = JoinSet::new();
    for k in 0.. {
        let deadline = schedule.deadline(k);
        if deadline >= window.end {
            break;
        }
        tokio::time::sleep_until(deadline.into()).await;
        let fired = Instant::now();
        let customer = idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        world.recorder.at(deadline, |tallies| {
            tallies.arrival(lateness(deadline, fired), customer.is_none());
        });
        if let Some(mut customer) = customer {
            let (world, idle) = (world.clone(), idle.clone());
            turns.spawn(async move {
                customer.take_turn(&world).await;
                idle.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push_back(customer);
            });
        }
        while turns.try_join_next().is_some() {}
    }
    drain(turns, world.limits.reply_timeout).await
}

/// Closed loop: every customer writes, waits for what it expects, thinks, and writes again,
/// starting at a random point of its first think time. Returns the customers unfinished at
/// the end.
pub async fn closed_loop(
    world: &Arc<World>,
    customers: Vec<Customer>,
    think: MillisRange,
    window: Window,
) -> u64 {
    let mut tasks = JoinSet::new();
    let first_pause = MillisRange {
        low: 0,
        high: think.high,
    };
    for mut customer in customers {
        let world = world.clone();
        tasks.spawn(async move {
            tokio::time::sleep(customer.script.think(&first_pause)).await;
            while Instant::now() < window.end {
                customer.take_turn(&world).await;
                tokio::time::sleep(customer.script.think(&think)).await;
            }
        });
    }
    tokio::time::sleep_until(window.end.into()).await;
    drain(tasks, world.limits.reply_timeout).await
}

/// Lets running turns finish for up to `limit`, then stops the rest and counts them.
async fn drain(mut tasks: JoinSet<()>, limit: Duration) -> u64 {
    eprintln!("draining {} turns (at most {limit:?})", tasks.len());
    let _ = tokio::time::timeout(limit, async { while tasks.join_next().await.is_some() {} }).await;
    let unfinished = tasks.len() as u64;
    tasks.abort_all();
    unfinished
}
