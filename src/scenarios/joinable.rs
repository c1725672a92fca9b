//! `joinable`: Python's `JoinableQueue` pattern. Workers take jobs, mark each done with
//! `task_done`, and the boss's `join` returns exactly when every job put has been marked done.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::queue::{Fifo, Queue};

const WORKERS: usize = 3;
const JOBS: usize = 30;

/// The `joinable` scenario.
#[derive(Debug)]
pub struct Joinable;

impl Scenario for Joinable {
    const NAME: &'static str = "joinable";
    const ABOUT: &'static str =
        "3 workers, 30 jobs of 1-5 ms, task_done per job; join returns when all are done";
    const NOTICE: &'static str = "join returns only when every job is marked done; an extra task_done is an error, not a panic";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let report = boss_and_workers(&f, WORKERS, JOBS).await;
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
/// one is marked done; then closes the queue so the workers go home.
pub async fn boss_and_workers<F: Flavor>(f: &F, workers: usize, jobs: usize) -> Report {
    let inbox = F::Queue::<usize, Fifo>::new();
    let done = Arc::new(AtomicUsize::new(0));
    let mut crew = Vec::new();
    for w in 1..=workers {
        let (g, inbox, done) = (f.clone(), inbox.clone(), Arc::clone(&done));
        crew.push(f.spawn(format!("worker-{w}"), async move {
            let mut mine = 0;
            while let Ok(job) = inbox.get().await {
                g.sleep(Duration::from_millis(1 + job as u64 % 5)).await; // the work
                done.fetch_add(1, Ordering::SeqCst);
                mine += 1;
                inbox.task_done().expect("one task_done per job taken");
            }
            mine
        }));
    }
    let start = Instant::now();
    for job in 0..jobs {
        inbox.put(job).await.expect("the inbox is open");
    }
    inbox.join().await; // every job put has been marked done
    let waited = start.elapsed();
    let done_at_join = done.load(Ordering::SeqCst);
    let extra_task_done = match inbox.task_done() {
        Ok(()) => "accepted (a bug)".to_owned(),
        Err(err) => format!("refused ({err})"),
    };
    inbox.close();
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
