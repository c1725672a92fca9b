//! `race`: the lost update. Units read a shared counter, pause, and write back what they read
//! plus one; without a lock most increments vanish, with one none do.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::mutex::Mutex;

/// How many units race, and how many increments each makes.
const UNITS: u64 = 4;
const ROUNDS: u64 = 1000;

/// The `race` scenario.
#[derive(Debug)]
pub struct Race;

impl Scenario for Race {
    const NAME: &'static str = "race";
    const ABOUT: &'static str =
        "4 units x 1000 read-pause-write increments of one counter, without and with a lock";
    const NOTICE: &'static str = "every flavour loses updates without the lock (coroutines too: the pause is an .await); the tokio flavours lose them in lockstep, threads irregularly";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let expected = UNITS * ROUNDS;
        let unlocked = without_lock(&f, UNITS, ROUNDS).await;
        let locked = with_lock(&f, UNITS, ROUNDS).await;
        Outcome::new(format!(
            "no lock: {unlocked} of {expected} ({} lost); with the lock: {locked} of {expected}",
            expected - unlocked
        ))
        .figure("expected", expected as f64)
        .figure("unlocked", unlocked as f64)
        .figure("locked", locked as f64)
    }
}

// ANCHOR: without_lock
/// Each unit reads, yields, then writes what it read plus one. The counter is an atomic, so this
/// is safe Rust, but `load` then `store` is two steps: another unit can slip in between.
pub async fn without_lock<F: Flavor>(f: &F, units: u64, rounds: u64) -> u64 {
    let counter = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for i in 0..units {
        let (f2, counter) = (f.clone(), Arc::clone(&counter));
        handles.push(f.spawn(format!("adder-{i}"), async move {
            for _ in 0..rounds {
                let seen = counter.load(Ordering::SeqCst);
                f2.yield_now().await; // the pause in which an update is lost
                counter.store(seen + 1, Ordering::SeqCst);
            }
        }));
    }
    for handle in handles {
        handle.join().await.expect("an adder panicked");
    }
    counter.load(Ordering::SeqCst)
}
// ANCHOR_END: without_lock

// ANCHOR: with_lock
/// The same read, pause and write, under the flavour's `Mutex`: the pause happens while the lock
/// is held, so no other unit can read a value that is about to be overwritten.
pub async fn with_lock<F: Flavor>(f: &F, units: u64, rounds: u64) -> u64 {
    let counter = Arc::new(F::Mutex::new(0u64));
    let mut handles = Vec::new();
    for i in 0..units {
        let (f2, counter) = (f.clone(), Arc::clone(&counter));
        handles.push(f.spawn(format!("adder-{i}"), async move {
            for _ in 0..rounds {
                let mut guard = counter.lock().await;
                let seen = *guard;
                f2.yield_now().await;
                *guard = seen + 1;
            }
        }));
    }
    for handle in handles {
        handle.join().await.expect("an adder panicked");
    }
    *counter.lock().await
}
// ANCHOR_END: with_lock
