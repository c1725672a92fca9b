//! # CPU versus I/O: the seeds' GIL question, asked of Rust
//!
//! Mirrors the seeds' notes on the global interpreter lock: in Python only one thread runs
//! bytecode at a time, so threads speed up I/O-bound programs but not CPU-bound ones, and the
//! notes send CPU-bound work to `multiprocessing` instead. Rust has no such lock. Here the same
//! CPU-bound job (counting primes below 300,000 by trial division) runs on 1, 2 and 4 units at
//! once, and the speed-up is how much more work per second they get done than one unit alone;
//! then 10, 100 and 1000 units each wait 20 ms (a sleep standing in for a network reply), and
//! the figure is the wall time from the first start to the last join.
//!
//! What to notice: on threads (OS threads) and on tokio (tasks on a multi-thread runtime, one
//! worker per core) the CPU-bound units run on every core at once: on a quiet two-core machine
//! two or four units do about twice the work of one, and no more than the cores allow; on a
//! busy machine the figure drops and varies. On tokio-local (tasks on one thread) the units
//! take turns and the speed-up stays about 1x, as with Python's threads under the lock. For the
//! waiting units the cost of a unit shows: tasks finish within a few milliseconds of the 20 ms
//! wait however many there are, while starting and joining 1000 OS threads takes well over
//! 100 ms in all.
//!
//! Run it with `cargo run --example cpu_vs_io -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run cpu_vs_io`) runs this same file once per flavour, each
//! in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::time::{Duration, Instant};

use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "cpu_vs_io";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "a CPU-bound job on 1/2/4 units (speed-up) and a 20 ms wait on 10/100/1000 units (wall time)";
/// What to look for in its figures.
pub const NOTICE: &str = "CPU-bound: threads and tokio speed up with cores (no GIL in Rust), tokio-local cannot; IO-bound: 1000 waiting threads cost far more than 1000 tasks";

/// Units for the CPU-bound job.
const CPU_UNITS: [usize; 3] = [1, 2, 4];
/// Units for the IO-bound job.
const IO_UNITS: [usize; 3] = [10, 100, 1000];
/// How long the IO-bound job waits.
const IO_WAIT: Duration = Duration::from_millis(20);
/// The CPU-bound job's size: primes counted below this.
const PRIME_LIMIT: u64 = 300_000;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct CpuVsIo;

impl Job for CpuVsIo {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
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

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(CpuVsIo)?);
    }
    Ok(())
}
// ANCHOR_END: main
