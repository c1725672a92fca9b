//! # Joinable: a boss waits with `join` until every job is marked done
//!
//! Mirrors the `JoinableQueue` in the seeds' multiprocessing notes: unlike a plain queue it
//! has `join`, which waits until every item put has been taken and marked finished with
//! `task_done`. Here a boss puts 30 jobs (1 to 5 ms each, 90 ms of work in all) on a queue for
//! three workers; each worker marks every job it finishes, and the boss's `join` returns when
//! the count of unfinished jobs reaches zero. The boss then calls `task_done` once too often,
//! to show that the queue refuses it with an error, and sends the workers home as the seeds
//! do: one sentinel (`None`) per worker, each marked done too.
//!
//! What to notice: on every flavour `join` returns with all 30 jobs done and the extra
//! `task_done` is refused. On threads (OS threads) `join` usually returns after about 33 ms,
//! close to the 30 ms that 90 ms of work over three workers needs. On tokio (tasks on a
//! multi-thread runtime) and tokio-local (tasks on one thread) it takes about 10 ms longer:
//! tokio's timer counts whole milliseconds, so each short sleep lasts a little more than
//! asked. How the jobs split among the workers changes from run to run. As processes (three
//! worker processes and one queue between them) the answer is the same, and `join` takes a
//! few milliseconds more: every `get` and `task_done` is a message to the queue's owner.
//!
//! Run it with `cargo run --example joinable -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run joinable`) runs this same file once per flavour and
//! once as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use twinsync::process::{self, Entry};
use twinsync::queue::{Fifo, Queue};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "joinable";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "3 workers, 30 jobs of 1-5 ms, task_done per job; join returns when all are done";
/// What to look for in its figures.
pub const NOTICE: &str =
    "join returns only when every job is marked done; an extra task_done is an error, not a panic";

const WORKERS: usize = 3;
const JOBS: usize = 30;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Joinable;

impl Job for Joinable {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        summary(&boss_and_workers(&f, WORKERS, JOBS).await)
    }
}

/// The scenario's line and figures, however it ran.
fn summary(report: &Report) -> Outcome {
    Outcome::new(format!(
        "join returned after {:.0} ms with {} of {JOBS} jobs done (per worker {}); extra task_done: {}",
        report.waited.as_secs_f64() * 1e3,
        report.done_at_join,
        report
            .per_worker
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("/"),
        report.extra_task_done
    ))
    .figure("done_at_join", report.done_at_join as f64)
}

/// What the boss saw.
#[derive(Debug, Clone)]
pub struct Report {
    /// How long `join` waited.
    pub waited: Duration,
    /// Jobs done when `join` returned.
    pub done_at_join: usize,
    /// Jobs each worker did.
    pub per_worker: Vec<usize>,
    /// What an extra `task_done` said.
    pub extra_task_done: String,
}

// ANCHOR: boss
/// The boss puts `jobs` jobs on a queue for `workers` workers and waits with `join` until every
/// one is marked done; then puts one sentinel per worker, so that each goes home.
pub async fn boss_and_workers<F: Flavor>(f: &F, workers: usize, jobs: usize) -> Report {
    let inbox = F::Queue::<Option<usize>, Fifo>::new();
    let done = Arc::new(AtomicUsize::new(0));
    let mut crew = Vec::new();
    for w in 1..=workers {
        let (g, inbox, done) = (f.clone(), inbox.clone(), Arc::clone(&done));
        crew.push(f.spawn(format!("worker-{w}"), async move {
            let mut mine = 0;
            while let Some(job) = inbox.get().await.expect("the inbox stays open") {
                g.sleep(Duration::from_millis(1 + job as u64 % 5)).await; // the work
                done.fetch_add(1, Ordering::SeqCst);
                mine += 1;
                inbox.task_done().expect("one task_done per job taken");
            }
            inbox.task_done().expect("the sentinel was taken too");
            mine
        }));
    }
    let start = Instant::now();
    for job in 0..jobs {
        inbox.put(Some(job)).await.expect("the inbox is open");
    }
    inbox.join().await; // every job put has been marked done
    let waited = start.elapsed();
    let done_at_join = done.load(Ordering::SeqCst);
    let extra_task_done = refusal(inbox.task_done());
    for _ in 0..workers {
        inbox.put(None).await.expect("the inbox is open"); // one sentinel each: go home
    }
    let mut per_worker = Vec::new();
    for worker in crew {
        per_worker.push(worker.join().await.expect("a worker panicked"));
    }
    Report {
        waited,
        done_at_join,
        per_worker,
        extra_task_done,
    }
}
// ANCHOR_END: boss

/// What a `task_done` with nothing left unfinished said: it must be refused.
fn refusal<E: std::fmt::Display>(extra_task_done: Result<(), E>) -> String {
    match extra_task_done {
        Ok(()) => "accepted (a bug)".to_owned(),
        Err(err) => format!("refused ({err})"),
    }
}

// ANCHOR: processes
/// A worker process: takes jobs until its sentinel, does each (1 to 5 ms) and marks it done;
/// `finished` hears of each job before its `task_done`, so the boss can count them after
/// `join`. Returns how many jobs it did.
fn work((inbox, finished): (process::Queue<Option<usize>>, process::Queue<usize>)) -> usize {
    let mut mine = 0;
    while let Some(job) = inbox.get().expect("the inbox stays open") {
        std::thread::sleep(Duration::from_millis(1 + job as u64 % 5)); // the work
        finished.put(job).expect("the boss keeps `finished` open");
        mine += 1;
        inbox.task_done().expect("one task_done per job taken");
    }
    inbox.task_done().expect("the sentinel was taken too");
    mine
}
/// `work`, as child processes find it.
pub static WORK: Entry<(process::Queue<Option<usize>>, process::Queue<usize>), usize> =
    Entry::new("joinable.work", work);

/// The scenario as processes: the boss is this process, each worker a child, and the inbox a
/// queue this process owns (Python's `multiprocessing.JoinableQueue`).
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    let (inbox, finished) = (process::Queue::new(), process::Queue::new());
    let crew = (0..WORKERS)
        .map(|_| process::spawn(&WORK, &(inbox.clone(), finished.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let start = Instant::now();
    for job in 0..JOBS {
        inbox.put(Some(job))?;
    }
    inbox.join(); // every job put has been marked done
    let waited = start.elapsed();
    let done_at_join = finished.len();
    let extra_task_done = refusal(inbox.task_done());
    for _ in 0..WORKERS {
        inbox.put(None)?; // one sentinel each: go home
    }
    let per_worker = crew
        .into_iter()
        .map(|worker| worker.join())
        .collect::<Result<_, _>>()?;
    Ok(summary(&Report {
        waited,
        done_at_join,
        per_worker,
        extra_task_done,
    }))
}
// ANCHOR_END: processes
// ANCHOR_END: boss

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default).
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&WORK]); // a worker process works here, then exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(Joinable, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
