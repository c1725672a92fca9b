//! `signals`: events, conditions and barriers, each timed. A starting gun (one `Event` wakes
//! many waiters), a ping-pong between two units through a `Condition`, and rounds of a
//! `Barrier`. What each costs is how long a wake-up takes in each flavour.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Outcome, Scenario};
use crate::barrier::Barrier;
use crate::condition::Condition;
use crate::event::Event;
use crate::flavor::{Flavor, JoinHandle};

const RUNNERS: usize = 8;
const ROUND_TRIPS: u32 = 2000;
const PARTIES: usize = 4;
const ROUNDS: u32 = 500;

/// The `signals` scenario.
#[derive(Debug)]
pub struct Signals;

impl Scenario for Signals {
    const NAME: &'static str = "signals";
    const ABOUT: &'static str =
        "an Event wakes 8 waiters; 2000 Condition ping-pongs; 500 rounds of a 4-party Barrier";
    const NOTICE: &'static str = "every figure is a wake-up: tens of microseconds for a parked OS thread, well under one for a task";

    async fn run<F: Flavor>(f: F) -> Outcome {
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
