//! `pool`: the seeds' thread pool and `ThreadPoolExecutor`. Twelve downloads of different
//! lengths go through a pool of four workers: `map` returns them in the order they were
//! submitted, `as_completed` in the order they finished, and the pool's wall time is compared
//! with doing them one after another.

use std::time::{Duration, Instant};

use super::{Outcome, Scenario};
use crate::flavor::Flavor;
use crate::pool::Pool;

const WORKERS: usize = 4;
/// How long each download takes, in milliseconds.
const DOWNLOADS_MS: [u64; 12] = [40, 10, 25, 5, 35, 15, 30, 20, 5, 40, 10, 25];

/// The `pool` scenario.
#[derive(Debug)]
pub struct PoolScenario;

impl Scenario for PoolScenario {
    const NAME: &'static str = "pool";
    const ABOUT: &'static str = "12 downloads (5-40 ms) through a pool of 4 workers: map order, as_completed order, speed-up";
    const NOTICE: &'static str = "map keeps submission order, as_completed gives finishing order; waiting jobs overlap equally well on threads and tasks";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let start = Instant::now();
        let (in_order, finished) = downloads(&f, WORKERS).await;
        let elapsed = start.elapsed();
        let one_by_one: u64 = DOWNLOADS_MS.iter().sum::<u64>() * 2; // the pool runs the set twice
        let speedup = one_by_one as f64 / (elapsed.as_secs_f64() * 1e3);
        Outcome::new(format!(
            "map: {}; as_completed: {}; {:.0} ms for {one_by_one} ms of work ({speedup:.1}x with {WORKERS} workers)",
            join(&in_order),
            join(&finished),
            elapsed.as_secs_f64() * 1e3
        ))
        .figure("elapsed_ms", elapsed.as_secs_f64() * 1e3)
        .figure("speedup", speedup)
    }
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
