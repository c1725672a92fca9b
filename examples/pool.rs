//! # Pool: twelve downloads through four workers, in two orders
//!
//! Mirrors the seeds' process pool (`multiprocessing.Pool(3)`, then `close()` and `join()`)
//! and their `ThreadPoolExecutor` example: a few workers are started once and take job after
//! job from a queue, instead of one new unit per job. Here twelve "downloads" (sleeps of 5 to
//! 40 ms standing in for network waits) go through a [`Pool`] of four workers twice: once with
//! `map`, which hands the results back in the order the jobs were given, and once with
//! `as_completed`, which hands them back as they finish. The wall time of both rounds is set
//! against the 520 ms they would take one after another.
//!
//! What to notice: the three flavours agree. On threads (four OS threads), tokio (four tasks on
//! a multi-thread runtime) and tokio-local (four tasks on one thread) `map` gives 0 to 11 in
//! order, `as_completed` starts with the short jobs 3 and 1, and both rounds take a little over
//! 160 ms, about 3.1 to 3.2 times faster than one by one. That is close to the best these jobs
//! allow in this order (each round ends with a 40 ms job that starts at 40 ms), so waiting jobs
//! overlap as well on one thread as on four. Jobs that finish in the same millisecond can swap
//! places in the `as_completed` order from one run to the next. As processes (a
//! [`ProcessPool`] of four worker processes, Python's `Pool(4)` with `map` and
//! `imap_unordered`) the orders and the time are the same: starting four workers costs a few
//! milliseconds, and each job's input and answer cross as a short message.
//!
//! Run it with `cargo run --example pool -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run pool`) runs this same file once per flavour and once
//! as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::time::{Duration, Instant};

use twinsync::pool::Pool;
use twinsync::process::{self, Entry, ProcessPool};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "pool";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "12 downloads (5-40 ms) through a pool of 4 workers: map order, as_completed order, speed-up";
/// What to look for in its figures.
pub const NOTICE: &str = "map keeps submission order, as_completed gives finishing order; waiting jobs overlap equally well on threads and tasks";

const WORKERS: usize = 4;
/// How long each download takes, in milliseconds.
const DOWNLOADS_MS: [u64; 12] = [40, 10, 25, 5, 35, 15, 30, 20, 5, 40, 10, 25];

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct PoolScenario;

impl Job for PoolScenario {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let start = Instant::now();
        let (in_order, finished) = downloads(&f, WORKERS).await;
        report(&in_order, &finished, start.elapsed())
    }
}

/// The scenario's line and figures: both orders, and the speed-up over one job at a time.
fn report(in_order: &[usize], finished: &[usize], elapsed: Duration) -> Outcome {
    let one_by_one: u64 = DOWNLOADS_MS.iter().sum::<u64>() * 2; // the pool runs the set twice
    let speedup = one_by_one as f64 / (elapsed.as_secs_f64() * 1e3);
    Outcome::new(format!(
        "map: {}; as_completed: {}; {:.0} ms for {one_by_one} ms of work ({speedup:.1}x with {WORKERS} workers)",
        join(in_order),
        join(finished),
        elapsed.as_secs_f64() * 1e3
    ))
    .figure("elapsed_ms", elapsed.as_secs_f64() * 1e3)
    .figure("speedup", speedup)
}

fn join(indices: &[usize]) -> String {
    let parts: Vec<String> = indices.iter().map(usize::to_string).collect();
    parts.join(" ")
}

// ANCHOR: downloads
/// Runs the downloads through a pool of `workers`, once with `map` and once with
/// `as_completed`; returns the job numbers in the order each gave them back.
pub async fn downloads<F: Flavor>(f: &F, workers: usize) -> (Vec<usize>, Vec<usize>) {
    let pool = Pool::new(f, workers).expect("at least one worker");
    let jobs = || {
        DOWNLOADS_MS.iter().enumerate().map(|(i, &ms)| {
            let g = f.clone();
            async move {
                g.sleep(Duration::from_millis(ms)).await; // waiting for the network
                i
            }
        })
    };
    let in_order = pool
        .map(jobs())
        .await
        .into_iter()
        .map(|result| result.expect("a download panicked"))
        .collect();
    let finished = pool
        .as_completed(jobs())
        .await
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    pool.join().await; // close, let the workers finish, wait for them
    (in_order, finished)
}
// ANCHOR_END: downloads

// ANCHOR: processes
/// One download in a pool worker process: waits `ms` milliseconds, returns its job number.
fn download((i, ms): (usize, u64)) -> usize {
    std::thread::sleep(Duration::from_millis(ms)); // waiting for the network
    i
}
/// `download`, as the pool's worker processes find it.
pub static DOWNLOAD: Entry<(usize, u64), usize> = Entry::new("pool.download", download);

/// The scenario as processes: the same downloads through a [`ProcessPool`] of four worker
/// processes, with `map` and then `map_unordered` (Python's `imap_unordered`); the time
/// includes starting the workers.
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    let start = Instant::now();
    let pool = ProcessPool::new(WORKERS)?;
    let jobs = || DOWNLOADS_MS.iter().copied().enumerate();
    let in_order = pool
        .map(&DOWNLOAD, jobs())?
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let finished = pool
        .map_unordered(&DOWNLOAD, jobs())?
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    pool.join(); // close, let the workers finish, wait for them
    Ok(report(&in_order, &finished, start.elapsed()))
}
// ANCHOR_END: processes

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default).
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&DOWNLOAD]); // a pool worker process runs its jobs here, then exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(PoolScenario, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
