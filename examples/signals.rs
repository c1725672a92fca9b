//! # Signals: an event, a condition and a barrier, each timed
//!
//! The seeds stop at `Lock` and `RLock`, noting only that `threading` has other synchronisation
//! objects that work in other ways. This example takes three of them, `Event`, `Condition` and
//! `Barrier`, and times what each is for. A starting gun: eight runners wait on one event and
//! `set` releases them all. A ping-pong: two units take turns through one condition, 2,000
//! round trips. And rounds: four units meet at one barrier 500 times.
//!
//! What to notice: every figure is the price of waking waiting units, and the code is the same on
//! every flavour. On threads a wake-up that finds its thread parked is a trip through the
//! kernel, and the starting gun (eight parked threads for two cores) and the barrier rounds
//! (four parties, most of them parked) show that cost: several times the tasks' figures. On
//! tokio (tasks on a multi-thread runtime) a wake-up only puts a task back in a run queue, and on
//! tokio-local (tasks on one thread) nothing crosses threads at all. The condition's ping-pong is
//! the exception: a thread twin spins for a few microseconds before it parks, and in a tight
//! ping-pong the answer usually comes within the spin, so the threads' round trip comes close to
//! the tasks' — on a busy machine, where the other thread is not running, it does not.
//!
//! Run it with `cargo run --example signals -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run signals`) runs this same file once per flavour, each in
//! its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twinsync::report::Outcome;
use twinsync::{Barrier, Condition, Event, Flavor, FlavorKind, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "signals";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "an Event wakes 8 waiters; 2000 Condition ping-pongs; 500 rounds of a 4-party Barrier";
/// What to look for in its figures.
pub const NOTICE: &str = "every figure is a wake-up: the gun and the barrier, where threads really park, cost several times more on threads; the ping-pong comes close, because a thread twin spins briefly before parking and the answer usually comes within the spin";

const RUNNERS: usize = 8;
const ROUND_TRIPS: u32 = 2000;
const PARTIES: usize = 4;
const ROUNDS: u32 = 500;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Signals;

impl Job for Signals {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let gun = start_gun(&f, RUNNERS).await;
        let pong = ping_pong(&f, ROUND_TRIPS).await;
        let rounds = barrier_rounds(&f, PARTIES, ROUNDS).await;
        let micros = |d: Duration| d.as_secs_f64() * 1e6;
        Outcome::new(format!(
            "event wakes {RUNNERS} in {:.0} µs; condition round trip {:.1} µs; barrier round {:.1} µs",
            micros(gun),
            micros(pong),
            micros(rounds)
        ))
        .figure("event_wake_all_us", micros(gun))
        .figure("condition_round_trip_us", micros(pong))
        .figure("barrier_round_us", micros(rounds))
    }
}

// ANCHOR: start_gun
/// `runners` units wait on one event; returns the time from `set` until the last one runs.
pub async fn start_gun<F: Flavor>(f: &F, runners: usize) -> Duration {
    let gun = Arc::new(F::Event::new());
    let ready = Arc::new(F::Barrier::new(runners + 1).expect("at least one party"));
    let mut handles = Vec::new();
    for i in 0..runners {
        let (gun, ready) = (Arc::clone(&gun), Arc::clone(&ready));
        handles.push(f.spawn(format!("runner-{i}"), async move {
            ready.wait().await.expect("barrier broken");
            gun.wait().await;
            Instant::now() // when this runner got going
        }));
    }
    ready.wait().await.expect("barrier broken"); // every runner is at the line
    f.sleep(Duration::from_millis(5)).await; // …and waiting on the gun
    let fired = Instant::now();
    gun.set();
    let mut last = fired;
    for handle in handles {
        last = last.max(handle.join().await.expect("a runner panicked"));
    }
    last - fired
}
// ANCHOR_END: start_gun

// ANCHOR: ping_pong
/// Two units take turns through one condition: each waits until the shared counter has its
/// parity, bumps it, and notifies the other. Returns the time per round trip.
pub async fn ping_pong<F: Flavor>(f: &F, round_trips: u32) -> Duration {
    let turn = Arc::new(F::Condition::new(0u32));
    let start = Instant::now();
    let mut players = Vec::new();
    for parity in [0, 1] {
        let turn = Arc::clone(&turn);
        players.push(f.spawn(format!("player-{parity}"), async move {
            for _ in 0..round_trips {
                let guard = turn.lock().await;
                let mut count = turn.wait_while(guard, |n| *n % 2 != parity).await;
                *count += 1;
                drop(count);
                turn.notify_one();
            }
        }));
    }
    for player in players {
        player.join().await.expect("a player panicked");
    }
    start.elapsed() / round_trips
}
// ANCHOR_END: ping_pong

// ANCHOR: barrier_rounds
/// `parties` units meet at one barrier `rounds` times; returns the time per round.
pub async fn barrier_rounds<F: Flavor>(f: &F, parties: usize, rounds: u32) -> Duration {
    let barrier = Arc::new(F::Barrier::new(parties).expect("at least one party"));
    let start = Instant::now();
    let mut handles = Vec::new();
    for i in 0..parties {
        let barrier = Arc::clone(&barrier);
        handles.push(f.spawn(format!("party-{i}"), async move {
            for _ in 0..rounds {
                barrier.wait().await.expect("barrier broken");
            }
        }));
    }
    for handle in handles {
        handle.join().await.expect("a party panicked");
    }
    start.elapsed() / rounds
}
// ANCHOR_END: barrier_rounds

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Signals)?);
    }
    Ok(())
}
// ANCHOR_END: main
