//! # Spawn and join: starting, naming, listing and waiting for units
//!
//! Mirrors the seeds' first chapter on `threading`: `Thread(target=…, name=…).start()` and
//! `join()`, `current_thread().name`, `enumerate()` and `active_count()`, a class that
//! subclasses `Thread` and overrides `run`, and `daemon=True`. Here three named workers are
//! started, listed while they sleep and joined in order; a [`Job`] type plays the subclass; a
//! unit that panics is reported by `join` instead of taking the program down; and at the end a
//! daemon heartbeat is left behind while a normal unit still has a write to finish.
//!
//! What to notice: the code and the answer are the same on every flavour, because names, the
//! unit list and daemons belong to twinsync's units, not to the OS. On threads each worker is a
//! named OS thread; on tokio each is a task on the multi-thread runtime's worker threads; on
//! tokio-local all are tasks on the one main thread. `current()` gives each its own name all the
//! same, and the listing shows `main` and the three workers on every flavour. The panic's own
//! message still goes to stderr through Rust's panic hook, and the thread it names tells the
//! flavours apart: `doomed` on threads, a `twinsync-worker` on tokio, `main` on tokio-local. At
//! the end `run` waits out `last-write`'s 50 ms, which the runner's wall time shows, but
//! abandons the daemon heartbeat.
//!
//! Run it with `cargo run --example spawn_join -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run spawn_join`) runs this same file once per flavour, each in
//! its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::time::Duration;

use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "spawn_join";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "start, name, list and join units; a Job type; a panic reported; a daemon abandoned at the end";
/// What to look for in its figures.
pub const NOTICE: &str = "the same spawn/join/name/daemon code on every flavour; the wall time includes run() waiting for last-write, not for the daemon";

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct SpawnJoin;

impl Job for SpawnJoin {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let (names, listed) = start_and_join(&f).await;
        let downloaded = f
            .start(Download {
                file: "seeds.txt",
                chunks: 4,
            })
            .join()
            .await
            .expect("the download panicked");
        let report = panic_reported(&f).await;
        let left_running = leave_running(&f);
        Outcome::new(format!(
            "joined {}; listed while running: {listed}; job: {downloaded}; panic: {report}; \
             left at the end: {left_running}",
            names.join(", ")
        ))
        .figure("joined", names.len() as f64)
    }
}
// ANCHOR: start_and_join
/// Starts three named workers, lists the live units while they run, and joins them in order.
/// Returns what each worker said its name was, and the listing.
pub async fn start_and_join<F: Flavor>(f: &F) -> (Vec<String>, String) {
    let mut workers = Vec::new();
    for i in 1..=3 {
        let g = f.clone();
        workers.push(f.spawn(format!("worker-{i}"), async move {
            g.sleep(Duration::from_millis(20)).await;
            g.current().name().to_owned()
        }));
    }
    let listed: Vec<String> = f.units().iter().map(|u| u.name().to_owned()).collect();
    let listed = format!("{} units [{}]", f.active_count(), listed.join(" "));
    let mut names = Vec::new();
    for worker in workers {
        names.push(worker.join().await.expect("a worker panicked"));
    }
    (names, listed)
}
// ANCHOR_END: start_and_join

// ANCHOR: job
/// A unit's work as a type: Python's "subclass `Thread`, override `run`".
#[derive(Debug)]
pub struct Download {
    /// What to fetch.
    pub file: &'static str,
    /// In how many pieces.
    pub chunks: u32,
}

impl Job for Download {
    type Output = String;

    fn name(&self) -> Cow<'static, str> {
        format!("download {}", self.file).into()
    }

    async fn run<F: Flavor>(self, f: F) -> String {
        for _ in 0..self.chunks {
            f.sleep(Duration::from_millis(2)).await; // one piece arrives
        }
        format!(
            "`{}` fetched {} pieces of {}",
            f.current().name(),
            self.chunks,
            self.file
        )
    }
}
// ANCHOR_END: job

// ANCHOR: panic
/// A unit that panics does not take its flavour down: `join` reports the panic and its message.
pub async fn panic_reported<F: Flavor>(f: &F) -> String {
    let doomed = f.spawn("doomed", async {
        let disk_free: u64 = 0;
        if disk_free == 0 {
            panic!("disk full");
        }
    });
    match doomed.join().await {
        Ok(()) => "no panic (unexpected)".to_owned(),
        Err(panic) => panic.to_string(),
    }
}
// ANCHOR_END: panic

// ANCHOR: daemon
/// Leaves two units running as `main` ends: a daemon heartbeat, which `run` abandons, and a
/// normal unit finishing a last write, which `run` waits for (the runner's wall time shows the
/// wait). Returns the live units with their kind.
pub fn leave_running<F: Flavor>(f: &F) -> String {
    let g = f.clone();
    f.spawn_daemon("heartbeat", async move {
        loop {
            g.sleep(Duration::from_millis(5)).await;
        }
    });
    let g = f.clone();
    f.spawn("last-write", async move {
        g.sleep(Duration::from_millis(50)).await;
    });
    let left: Vec<String> = f
        .units()
        .iter()
        .filter(|u| u.name() != "main")
        .map(|u| {
            format!(
                "{} ({})",
                u.name(),
                if u.is_daemon() {
                    "daemon: abandoned"
                } else {
                    "waited for"
                }
            )
        })
        .collect();
    left.join(", ")
}
// ANCHOR_END: daemon

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(SpawnJoin)?);
    }
    Ok(())
}
// ANCHOR_END: main
