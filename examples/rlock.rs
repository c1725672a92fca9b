//! # RLock: a recursion that takes the same lock at every level
//!
//! Mirrors the seeds' reentrant-lock lesson: a function that holds a lock calls one that takes
//! it again (most often itself, recursively). Python's plain `Lock` then waits for itself for
//! ever; `threading.RLock` knows its owner and lets it in again, counting the holds. Here four
//! units each walk five levels of a recursion under one [`ReentrantMutex`], and then one walk
//! runs on a plain [`Mutex`], asking with `lock_timeout` so that the hang becomes an answer.
//!
//! What to notice: the reentrant lock keys on the unit, the OS thread on threads and the task on
//! the tokio flavours, so on every flavour each owner walks straight down and all 20 levels are
//! locked, while the other walkers wait their turn. On the tokio flavours a key on the thread
//! would be wrong: a task can move between tokio's worker threads, and on tokio-local all four
//! walkers share one thread. The plain mutex stops at level 2 on every flavour, once its 50 ms
//! of patience run out.
//!
//! Run it with `cargo run --example rlock -- --flavor threads|tokio|tokio-local|all`; the runner
//! (`cargo run --release -- run rlock`) runs this same file once per flavour, each in its own
//! process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle, Mutex, ReentrantMutex};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "rlock";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "4 units walk a 5-level recursion taking the lock at every level: reentrant vs plain mutex";
/// What to look for in its figures.
pub const NOTICE: &str = "the reentrant lock keys on the unit (thread or task), so its owner walks down; the plain mutex waits for itself at level 2";

const UNITS: usize = 4;
const DEPTH: u32 = 5;

/// A boxed, sendable future: an async fn that calls itself needs one, as its future would
/// otherwise contain itself.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Rlock;

impl Job for Rlock {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let levels = reentrant_walks(&f, UNITS, DEPTH).await;
        let start = Instant::now();
        let stuck_at = plain_walk::<F>(DEPTH, Duration::from_millis(50)).await;
        let lost = start.elapsed();
        Outcome::new(format!(
            "reentrant: {levels} levels locked by {UNITS} units (expected {}); plain mutex: {} after {:.0} ms",
            UNITS as u32 * DEPTH,
            match stuck_at {
                Some(level) => format!("self-deadlock at level {level}, caught by lock_timeout"),
                None => "no deadlock (unexpected)".to_owned(),
            },
            lost.as_secs_f64() * 1e3
        ))
        .figure("reentrant_levels", f64::from(levels))
        .figure("plain_stuck_at", stuck_at.map_or(0.0, f64::from))
    }
}

// ANCHOR: descend
/// Takes the reentrant lock, counts this level, and goes one level deeper, still holding it.
fn descend<M: ReentrantMutex<AtomicU32>>(lock: &M, depth: u32) -> BoxFuture<'_, ()> {
    Box::pin(async move {
        let levels = lock.lock().await; // the owner re-enters at once
        levels.fetch_add(1, Ordering::SeqCst);
        if depth > 1 {
            descend(lock, depth - 1).await;
        }
    })
}

/// `units` units each walk a recursion of `depth` levels under one reentrant lock; returns how
/// many levels were locked in all.
pub async fn reentrant_walks<F: Flavor>(f: &F, units: usize, depth: u32) -> u32 {
    let lock = Arc::new(F::ReentrantMutex::new(AtomicU32::new(0)));
    let mut handles = Vec::new();
    for i in 0..units {
        let lock = Arc::clone(&lock);
        handles.push(f.spawn(format!("walker-{i}"), async move {
            descend(&*lock, depth).await;
        }));
    }
    for handle in handles {
        handle.join().await.expect("a walker panicked");
    }
    lock.lock().await.load(Ordering::SeqCst)
}
// ANCHOR_END: descend

// ANCHOR: plain
/// The same walk on a plain mutex: level 2 asks for the lock level 1 holds. `lock_timeout`
/// turns the hang into an answer: the level that could not get in.
fn descend_plain<M: Mutex<()>>(
    lock: &M,
    level: u32,
    depth: u32,
    patience: Duration,
) -> BoxFuture<'_, Option<u32>> {
    Box::pin(async move {
        let Ok(_held) = lock.lock_timeout(patience).await else {
            return Some(level); // waited for ourselves: self-deadlock
        };
        if level < depth {
            descend_plain(lock, level + 1, depth, patience).await
        } else {
            None
        }
    })
}

/// Walks `depth` levels on a plain mutex; returns the level that deadlocked, if any.
pub async fn plain_walk<F: Flavor>(depth: u32, patience: Duration) -> Option<u32> {
    let lock = F::Mutex::new(());
    descend_plain(&lock, 1, depth, patience).await
}
// ANCHOR_END: plain

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Rlock)?);
    }
    Ok(())
}
// ANCHOR_END: main
