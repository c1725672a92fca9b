//! # Share nothing: one global, four units, three worlds
//!
//! Mirrors the seeds' lesson that processes do not share global variables (进程之间不共享全局
//! 变量): four units each add one to a global. Threads and tasks of one process share it, so
//! it ends at 4; four child processes each add one to their own copy, see 1, and the
//! parent's copy stays 0.
//!
//! What to notice: the same function runs in all three; only where its global lives differs.
//! Starting four processes costs milliseconds, where four threads cost tens of microseconds
//! and four tasks a few.
//!
//! Run it with `cargo run --example share_nothing -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run share_nothing`) runs this same file once per
//! flavour and once as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};

use twinsync::process::{self, Entry};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "share_nothing";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "4 units add 1 to one global: threads and tasks share it, processes do not";
/// What to look for in its figures.
pub const NOTICE: &str = "threads and tasks end at 4; each process sees 1 and the parent's copy stays 0; a process costs milliseconds to start (its CPU counts the children's, its peak RSS is the parent's)";

/// How many units visit.
const UNITS: u64 = 4;

// ANCHOR: global
/// One global per process: the threads and tasks of a process share it, processes do not.
static VISITS: AtomicU64 = AtomicU64::new(0);

/// Adds one to this process's `VISITS`; what it saw.
fn visit(_: ()) -> u64 {
    VISITS.fetch_add(1, Ordering::SeqCst) + 1
}

/// `visit`, as child processes find it.
pub static VISIT: Entry<(), u64> = Entry::new("share_nothing.visit", visit);
// ANCHOR_END: global

/// The scenario on a flavour, as a [`Job`].
#[derive(Debug)]
pub struct ShareNothing;

impl Job for ShareNothing {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    // ANCHOR: units
    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let before = VISITS.load(Ordering::SeqCst);
        let units: Vec<_> = (0..UNITS)
            .map(|i| f.spawn(format!("visitor-{i}"), async { visit(()) }))
            .collect();
        for unit in units {
            unit.join().await.expect("a visitor panicked");
        }
        let after = VISITS.load(Ordering::SeqCst) - before;
        Outcome::new(format!(
            "{UNITS} units each added 1 to one global: it went up by {after}"
        ))
        .figure("global", after as f64)
    }
    // ANCHOR_END: units
}

// ANCHOR: processes
/// The scenario as four child processes.
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    let before = VISITS.load(Ordering::SeqCst);
    let children = (0..UNITS)
        .map(|_| process::spawn(&VISIT, &()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = Vec::new();
    for child in children {
        seen.push(child.join()?);
    }
    let after = VISITS.load(Ordering::SeqCst) - before;
    Ok(Outcome::new(format!(
        "{UNITS} processes each added 1 to their own copy (each saw {}); the parent's went up by {after}",
        seen.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    ))
    .figure("global", after as f64))
}
// ANCHOR_END: processes

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default).
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&VISIT]); // a child process runs `visit` here and exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(ShareNothing, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
