//! `rlock`: a recursive function that takes the lock at every level. With a reentrant mutex the
//! owner walks straight down; with a plain mutex the second level waits for the first, which is
//! itself: a self-deadlock, caught here by a timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::mutex::Mutex;
use crate::reentrant::ReentrantMutex;

const UNITS: usize = 4;
const DEPTH: u32 = 5;

/// The `rlock` scenario.
#[derive(Debug)]
pub struct Rlock;

impl Scenario for Rlock {
    const NAME: &'static str = "rlock";
    const ABOUT: &'static str =
        "4 units walk a 5-level recursion taking the lock at every level: reentrant vs plain mutex";
    const NOTICE: &'static str = "the reentrant lock keys on the unit (thread or task), so its owner walks down; the plain mutex waits for itself at level 2";

    async fn run<F: Flavor>(f: F) -> Outcome {
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
