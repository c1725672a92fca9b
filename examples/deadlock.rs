//! # Deadlock: two locks taken in opposite orders, and three ways out
//!
//! Mirrors the seeds' deadlock lessons: two threads each need two locks, take them in opposite
//! orders, and each ends up holding one while waiting for the other; the seeds' fix asks for the
//! second lock with a time limit (`acquire(timeout=…)`) and lets go of the first when it does
//! not come. They also show a thread calling `acquire()` twice on a plain `Lock`, which hangs on
//! itself, and `RLock` as the cure. Nothing here ever hangs: every wait that could deadlock is a
//! `lock_timeout`, so a deadlock turns into a report.
//!
//! 1. Opposite orders (A→B and B→A): both units hold one lock and wait for the other. The
//!    timeout detects it; each unit releases what it holds, backs off for a different time, and
//!    tries again.
//! 2. One order for everyone (A→B and A→B): a deadlock cannot form.
//! 3. A unit that takes a plain lock it already holds waits for itself; a reentrant lock lets it
//!    in.
//!
//! What to notice: the story is the same on every flavour, because a deadlock comes from the
//! order of the locks, not from who runs them: threads blocked on OS threads, tasks on the
//! multi-thread runtime and tasks sharing one thread all deadlock when the orders cross. The
//! crossed pair usually reports one timeout (now and then, on threads, both units give up at
//! once and it reports two). Whichever unit gives up first lets the other finish, then pays its
//! own back-off and another round, so the pair is done in about 60 ms when `unit-1` (5 ms
//! back-off) gives up first and about 80 ms when `unit-2` (25 ms) does; threads and tokio show
//! both from run to run, tokio-local the 60 ms case every time. One lock order never times out
//! and takes about 20 ms, the two holds one after the other. A plain mutex taken again by its
//! owner times out; the reentrant one lets its owner in, on threads and on tasks alike.
//!
//! Run it with `cargo run --example deadlock -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run deadlock`) runs this same file once per flavour, each in
//! its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle, Mutex, ReentrantMutex};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "deadlock";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "A->B vs B->A with lock_timeout and back-off; one lock order; a self-deadlock vs a reentrant lock";
/// What to look for in its figures.
pub const NOTICE: &str = "opposite lock orders deadlock on every flavour; lock_timeout turns the hang into a retry, one lock order prevents it";

const HOLD: Duration = Duration::from_millis(10);
const PATIENCE: Duration = Duration::from_millis(30);

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Deadlock;

impl Job for Deadlock {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        // ANCHOR: variants
        let crossed = two_units::<F>(&f, [Order::AThenB, Order::BThenA]).await;
        let ordered = two_units::<F>(&f, [Order::AThenB, Order::AThenB]).await;
        // ANCHOR_END: variants
        let (plain_stuck, reentrant_ok) = self_deadlock::<F>().await;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        Outcome::new(format!(
            "A->B/B->A: {} timeout(s) broke the deadlock, done in {:.0} ms; one order: {} timeouts, {:.0} ms; \
             relocking a plain mutex: {}; reentrant: {}",
            crossed.timeouts,
            ms(crossed.elapsed),
            ordered.timeouts,
            ms(ordered.elapsed),
            if plain_stuck { "self-deadlock (timed out)" } else { "no deadlock (unexpected)" },
            if reentrant_ok { "ok" } else { "failed (unexpected)" },
        ))
        .figure("crossed_timeouts", f64::from(crossed.timeouts))
        .figure("crossed_ms", ms(crossed.elapsed))
        .figure("ordered_timeouts", f64::from(ordered.timeouts))
        .figure("ordered_ms", ms(ordered.elapsed))
        .figure("plain_self_deadlock", f64::from(u8::from(plain_stuck)))
        .figure("reentrant_ok", f64::from(u8::from(reentrant_ok)))
    }
}

/// Which lock a unit takes first.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// A, then B.
    AThenB,
    /// B, then A.
    BThenA,
}

/// What a pair of units went through.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// How many times a unit gave up waiting for its second lock.
    pub timeouts: u32,
    /// Time until both units had done their work.
    pub elapsed: Duration,
}

// ANCHOR: back_off
/// Takes both locks in `order`, holding the first for a moment before asking for the second.
/// If the second does not come within `PATIENCE`, it lets go of the first, backs off for a time
/// that differs per unit (so the two do not collide again in lockstep), and starts over.
/// Returns how many times it had to back off.
async fn take_both<F: Flavor>(
    f: &F,
    locks: &(F::Mutex<u32>, F::Mutex<u32>),
    order: Order,
    back_off: Duration,
) -> u32 {
    let (first, second) = match order {
        Order::AThenB => (&locks.0, &locks.1),
        Order::BThenA => (&locks.1, &locks.0),
    };
    let mut timeouts = 0;
    loop {
        let mut held = first.lock().await;
        f.sleep(HOLD).await; // the other unit takes its first lock meanwhile
        match second.lock_timeout(PATIENCE).await {
            Ok(mut other) => {
                *held += 1;
                *other += 1;
                return timeouts;
            }
            Err(_) => {
                timeouts += 1; // deadlock detected: release, wait, retry
                drop(held);
                f.sleep(back_off).await;
            }
        }
    }
}
// ANCHOR_END: back_off

/// Two units take the two locks in the given orders.
pub async fn two_units<F: Flavor>(f: &F, orders: [Order; 2]) -> Report {
    let locks = Arc::new((F::Mutex::new(0), F::Mutex::new(0)));
    let start = Instant::now();
    let mut handles = Vec::new();
    for (i, order) in orders.into_iter().enumerate() {
        let (g, locks) = (f.clone(), Arc::clone(&locks));
        let back_off = Duration::from_millis(5 + 20 * i as u64);
        handles.push(f.spawn(format!("unit-{}", i + 1), async move {
            take_both(&g, &locks, order, back_off).await
        }));
    }
    let mut timeouts = 0;
    for handle in handles {
        timeouts += handle.join().await.expect("a unit panicked");
    }
    Report {
        timeouts,
        elapsed: start.elapsed(),
    }
}

// ANCHOR: self_deadlock
/// A unit that holds a lock and asks for it again. A plain mutex makes it wait for itself (the
/// timeout reports it); a reentrant one lets its owner in. Returns (plain deadlocked, reentrant
/// succeeded).
pub async fn self_deadlock<F: Flavor>() -> (bool, bool) {
    let plain = F::Mutex::new(());
    let held = plain.lock().await;
    let plain_stuck = plain.lock_timeout(PATIENCE).await.is_err();
    drop(held);

    let reentrant = F::ReentrantMutex::new(());
    let outer = reentrant.lock().await;
    let reentrant_ok = reentrant.lock_timeout(PATIENCE).await.is_ok();
    drop(outer);
    (plain_stuck, reentrant_ok)
}
// ANCHOR_END: self_deadlock

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Deadlock)?);
    }
    Ok(())
}
// ANCHOR_END: main
