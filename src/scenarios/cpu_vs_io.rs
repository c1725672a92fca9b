//! `cpu_vs_io`: the seeds' GIL chapter, answered for Rust. The same CPU-bound job and the same
//! IO-bound job (a sleep standing in for a network wait) run on more and more units.
//!
//! Rust has no global interpreter lock, so CPU-bound units in `Threads` and in `Tokio` run on
//! every core at once; `TokioLocal` has one thread and runs them one after another, like
//! Python's threads under the GIL. For IO-bound units the question is the cost of a waiting unit,
//! and there coroutines win as the count grows.

use std::time::{Duration, Instant};

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};

/// Units for the CPU-bound job.
const CPU_UNITS: [usize; 3] = [1, 2, 4];
/// Units for the IO-bound job.
const IO_UNITS: [usize; 3] = [10, 100, 1000];
/// How long the IO-bound job waits.
const IO_WAIT: Duration = Duration::from_millis(20);
/// The CPU-bound job's size: primes counted below this.
const PRIME_LIMIT: u64 = 300_000;

/// The `cpu_vs_io` scenario.
#[derive(Debug)]
pub struct CpuVsIo;

impl Scenario for CpuVsIo {
    const NAME: &'static str = "cpu_vs_io";
    const ABOUT: &'static str = "a CPU-bound job on 1/2/4 units (speed-up) and a 20 ms wait on 10/100/1000 units (wall time)";
    const NOTICE: &'static str = "CPU-bound: threads and tokio speed up with cores (no GIL in Rust), tokio-local cannot; IO-bound: 1000 waiting threads cost far more than 1000 tasks";

    async fn run<F: Flavor>(f: F) -> Outcome {
        cpu_bound(&f, 1).await; // warm-up: page in code, wake the cores
        let one = cpu_bound(&f, 1).await;
        let mut cpu = Vec::new();
        let mut outcome = Outcome::new("");
        for units in CPU_UNITS {
            let took = cpu_bound(&f, units).await;
            let speedup = one.as_secs_f64() * units as f64 / took.as_secs_f64();
            cpu.push(format!("{units}: {speedup:.1}x"));
            outcome = outcome.figure(format!("cpu_speedup.{units}"), speedup);
        }
        let mut io = Vec::new();
        for units in IO_UNITS {
            let took = io_bound(&f, units).await;
            io.push(format!("{units}: {:.0} ms", took.as_secs_f64() * 1e3));
            outcome = outcome.figure(format!("io_ms.{units}"), took.as_secs_f64() * 1e3);
        }
        outcome.summary = format!(
            "CPU speed-up by units {}; {} ms wait by units {}",
            cpu.join(", "),
            IO_WAIT.as_millis(),
            io.join(", ")
        );
        outcome
    }
}

// ANCHOR: cpu_bound
/// Counts primes below `limit` by trial division: pure computation, no waiting anywhere.
pub fn count_primes(limit: u64) -> u64 {
    (2..limit)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}

/// `units` units each run the same CPU-bound job; returns the wall time for all of them.
pub async fn cpu_bound<F: Flavor>(f: &F, units: usize) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..units)
        .map(|i| f.spawn(format!("cpu-{i}"), async { count_primes(PRIME_LIMIT) }))
        .collect();
    for handle in handles {
        std::hint::black_box(handle.join().await.expect("a CPU unit panicked"));
    }
    start.elapsed()
}
// ANCHOR_END: cpu_bound

// ANCHOR: io_bound
/// `units` units each wait `IO_WAIT` (as for a network reply); returns the wall time for all.
pub async fn io_bound<F: Flavor>(f: &F, units: usize) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..units)
        .map(|i| {
            let g = f.clone();
            f.spawn(format!("io-{i}"), async move { g.sleep(IO_WAIT).await })
        })
        .collect();
    for handle in handles {
        handle.join().await.expect("an IO unit panicked");
    }
    start.elapsed()
}
// ANCHOR_END: io_bound
