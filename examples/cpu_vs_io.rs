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
//! As processes (one child process per unit) the CPU-bound job speeds up with the cores just
//! as threads do: Rust's threads already run in parallel, so in Rust a process buys isolation,
//! not speed. Waiting is what processes do worst: each costs about a millisecond or more to
//! start, so 100 of them take several times the 20 ms wait (and the round stops there).
//!
//! Run it with `cargo run --example cpu_vs_io -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run cpu_vs_io`) runs this same file once per flavour and
//! once as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use twinsync::process::{self, Entry};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "cpu_vs_io";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "a CPU-bound job on 1/2/4 units (speed-up) and a 20 ms wait on 10/100/1000 units (wall time)";
/// What to look for in its figures.
pub const NOTICE: &str = "CPU-bound: threads, tokio and processes speed up with cores (no GIL in Rust: processes buy isolation, not speed), tokio-local cannot; IO-bound: 1000 waiting threads cost far more than 1000 tasks, 100 processes more still";

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
        for units in CPU_UNITS {
            cpu.push((units, cpu_bound(&f, units).await));
        }
        let mut io = Vec::new();
        for units in IO_UNITS {
            io.push((units, io_bound(&f, units).await));
        }
        report(one, &cpu, &io)
    }
}

/// The scenario's line and figures from its wall times: one unit's CPU-bound job, then
/// `(units, wall time)` for the CPU-bound and the IO-bound rounds.
fn report(one: Duration, cpu: &[(usize, Duration)], io: &[(usize, Duration)]) -> Outcome {
    let mut outcome = Outcome::new("");
    let mut cpu_parts = Vec::new();
    for &(units, took) in cpu {
        let speedup = one.as_secs_f64() * units as f64 / took.as_secs_f64();
        cpu_parts.push(format!("{units}: {speedup:.1}x"));
        outcome = outcome.figure(format!("cpu_speedup.{units}"), speedup);
    }
    let mut io_parts = Vec::new();
    for &(units, took) in io {
        io_parts.push(format!("{units}: {:.0} ms", took.as_secs_f64() * 1e3));
        outcome = outcome.figure(format!("io_ms.{units}"), took.as_secs_f64() * 1e3);
    }
    outcome.summary = format!(
        "CPU speed-up by units {}; {} ms wait by units {}",
        cpu_parts.join(", "),
        IO_WAIT.as_millis(),
        io_parts.join(", ")
    );
    outcome
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

// ANCHOR: processes
/// The CPU-bound job in a child process.
pub static COUNT_PRIMES: Entry<u64, u64> = Entry::new("cpu_vs_io.count_primes", count_primes);

/// The IO-bound job in a child process: wait as for a network reply.
pub static WAIT: Entry<(), ()> = Entry::new("cpu_vs_io.wait", |()| std::thread::sleep(IO_WAIT));

/// `units` child processes run `entry` on `input` at once; the wall time from the first
/// start to the last join, starting the processes included.
fn in_children<In: Serialize, Out: DeserializeOwned>(
    entry: &Entry<In, Out>,
    input: &In,
    units: usize,
) -> Result<Duration, Box<dyn Error>> {
    let start = Instant::now();
    let children = (0..units)
        .map(|_| process::spawn(entry, input))
        .collect::<Result<Vec<_>, _>>()?;
    for child in children {
        std::hint::black_box(child.join()?);
    }
    Ok(start.elapsed())
}

/// The scenario as processes: one process per unit. The IO-bound round stops at 100
/// processes, as a thousand would each hold an open link and a few megabytes.
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    in_children(&COUNT_PRIMES, &PRIME_LIMIT, 1)?; // warm-up
    let one = in_children(&COUNT_PRIMES, &PRIME_LIMIT, 1)?;
    let cpu = CPU_UNITS
        .iter()
        .map(|&units| Ok((units, in_children(&COUNT_PRIMES, &PRIME_LIMIT, units)?)))
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;
    let io = IO_UNITS
        .iter()
        .filter(|&&units| units <= 100)
        .map(|&units| Ok((units, in_children(&WAIT, &(), units)?)))
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;
    Ok(report(one, &cpu, &io))
}
// ANCHOR_END: processes

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default).
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&COUNT_PRIMES, &WAIT]); // a child process runs its job here and exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(CpuVsIo, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
