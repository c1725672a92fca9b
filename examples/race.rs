//! # Race: the lost update, and the lock that prevents it
//!
//! Mirrors the seeds' shared-variable lesson (their "fake database" race): several threads each
//! copy a shared value, pause, and write back the copy plus one, so one unit's write lands on
//! top of another's and increments vanish; a `threading.Lock` around the read, pause and write
//! fixes it. Here four units make 1,000 such increments each, first with no lock, then holding
//! the flavour's [`Mutex`] across the whole step.
//!
//! What to notice: the unlocked run loses updates on every flavour, coroutines included: the
//! pause is an `.await`, and that is where another task runs. On tokio-local the four tasks take
//! turns at each yield in lockstep, so all four read a value before any of them writes it back,
//! and together they raise the counter by one per round: it ends at exactly 1,000, a single
//! unit's worth. Tokio's worker threads keep nearly the same lockstep, so it usually ends at
//! 1,000 there too. On threads, parallel cores and the OS scheduler make the loss irregular: the
//! count changes from run to run, from one unit's worth to about half of the total. With the
//! lock the count is exact on every flavour. As processes (Python's `Manager().Value` and
//! `Manager().Lock()`: four child processes, a total and a lock that this process serves) the
//! lesson holds across address spaces: unlocked, most updates are lost; locked, none are, at
//! the price of a message to the owner for every lock, load, store and release.
//!
//! Run it with `cargo run --example race -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run race`) runs this same file once per flavour and once
//! as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use twinsync::process::{self, Entry, Lock, Value};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job, JoinHandle, Mutex};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "race";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "4 units x 1000 read-pause-write increments of one counter, without and with a lock";
/// What to look for in its figures.
pub const NOTICE: &str = "every flavour loses updates without the lock (coroutines too: the pause is an .await); the tokio flavours lose them in lockstep, threads irregularly";

/// How many units race, and how many increments each makes.
const UNITS: u64 = 4;
const ROUNDS: u64 = 1000;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Race;

impl Job for Race {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let unlocked = without_lock(&f, UNITS, ROUNDS).await;
        let locked = with_lock(&f, UNITS, ROUNDS).await;
        report(unlocked, locked)
    }
}

/// The scenario's line and figures from the two counts, however they were made.
fn report(unlocked: u64, locked: u64) -> Outcome {
    let expected = UNITS * ROUNDS;
    Outcome::new(format!(
        "no lock: {unlocked} of {expected} ({} lost); with the lock: {locked} of {expected}",
        expected.saturating_sub(unlocked)
    ))
    .figure("expected", expected as f64)
    .figure("unlocked", unlocked as f64)
    .figure("locked", locked as f64)
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

// ANCHOR: processes
/// An adder process: `rounds` times, reads the shared total, yields, writes it back plus one,
/// holding `lock` around the step if there is one. Every load and store is a message to the
/// process that owns the total.
fn add((total, lock, rounds): (Value<u64>, Option<Lock>, u64)) {
    for _ in 0..rounds {
        let _held = lock
            .as_ref()
            .map(|lock| lock.lock().expect("the lock's owner is alive"));
        let seen = total.load().expect("the total's owner is alive");
        std::thread::yield_now(); // the pause in which an update is lost
        total
            .store(&(seen + 1))
            .expect("the total's owner is alive");
    }
}
/// `add`, as child processes find it.
pub static ADD: Entry<(Value<u64>, Option<Lock>, u64), ()> = Entry::new("race.add", add);

/// [`without_lock`] or [`with_lock`] with a process for every unit: the counter is a
/// [`Value`] this process owns (Python's `Manager().Value`), the lock a [`Lock`].
pub fn in_children(units: u64, rounds: u64, lock: Option<Lock>) -> Result<u64, Box<dyn Error>> {
    let total = Value::new(&0)?;
    let adders = (0..units)
        .map(|_| process::spawn(&ADD, &(total.clone(), lock.clone(), rounds)))
        .collect::<Result<Vec<_>, _>>()?;
    for adder in adders {
        adder.join()?;
    }
    Ok(total.load()?)
}

/// The scenario as processes: the same two rounds, each unit a child process.
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    let unlocked = in_children(UNITS, ROUNDS, None)?;
    let locked = in_children(UNITS, ROUNDS, Some(Lock::new()))?;
    Ok(report(unlocked, locked))
}
// ANCHOR_END: processes

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default).
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&ADD]); // an adder process adds here, then exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(Race, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
