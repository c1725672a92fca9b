//! The `Semaphore` twins against the raw semaphores of the ecosystem.
//!
//! Groups `semaphore/uncontended` (one unit: acquire one permit, release it) and
//! `semaphore/contended-4` (two permits, four units doing acquire+release loops); every figure
//! is the time of one acquire+release. Ids:
//!
//! - thread side: `threads` (the thread twin through the `Semaphore` trait's future, on
//!   `Threads` units; barging), `threads-fifo` (the same with `Policy::Fifo`), `threads-blocking` (its inherent blocking `acquire` on plain threads),
//!   against `async-lock-blocking` (`async_lock::Semaphore::acquire_blocking` on plain threads;
//!   std has no semaphore);
//! - task side: `task` (the task twin through the trait, on `Tokio` units of a two-worker
//!   runtime; FIFO) and `task-barging`, against `async-lock` (barging) and `tokio`
//!   (`tokio::sync::Semaphore`, FIFO), on raw tasks of the same runtime.
//!
//! Uncontended, one loop runs on the bench thread under `twinsync::block_on` (thread side) or the
//! runtime's `block_on` (task side).

mod common;

use std::future::Future;

use common::{Home, Load, Op};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use twinsync::semaphore::{TaskSemaphore, ThreadSemaphore};
use twinsync::{Semaphore, Threads, Tokio};

/// The permits every semaphore starts with.
const PERMITS: u32 = 2;

/// A semaphore under test: [`cycle`](Permits::cycle) acquires one permit and releases it.
trait Permits: Send + Sync + 'static {
    fn new(permits: u32) -> Self;
    fn cycle(&self) -> impl Future<Output = ()> + Send;
}

impl<S: Permits> Op for S {
    fn op(&self) -> impl Future<Output = ()> + Send {
        self.cycle()
    }
}

/// A twin used through the shared [`Semaphore`] trait, as code generic over `Flavor` uses it.
struct Twin<S>(S);

impl<S: Semaphore + 'static> Permits for Twin<S> {
    fn new(permits: u32) -> Self {
        Twin(S::new(permits))
    }

    async fn cycle(&self) {
        drop(self.0.acquire().await);
    }
}

/// A twin with the policy it does not use by default (`threads-fifo`, `task-barging`).
struct OtherPolicy<S>(S);

impl<S: Semaphore + 'static> Permits for OtherPolicy<S> {
    fn new(permits: u32) -> Self {
        let default = S::new(permits).policy();
        OtherPolicy(S::with_policy(permits, common::other_policy(default)))
    }

    async fn cycle(&self) {
        drop(self.0.acquire().await);
    }
}

/// The thread twin's inherent blocking `acquire`.
impl Permits for ThreadSemaphore {
    fn new(permits: u32) -> Self {
        ThreadSemaphore::new(permits)
    }

    async fn cycle(&self) {
        drop(self.acquire());
    }
}

/// `async_lock`'s semaphore waited for by blocking the thread.
struct Blocking(async_lock::Semaphore);

impl Permits for Blocking {
    fn new(permits: u32) -> Self {
        Blocking(async_lock::Semaphore::new(permits as usize))
    }

    async fn cycle(&self) {
        drop(self.0.acquire_blocking());
    }
}

impl Permits for async_lock::Semaphore {
    fn new(permits: u32) -> Self {
        async_lock::Semaphore::new(permits as usize)
    }

    async fn cycle(&self) {
        drop(self.acquire().await);
    }
}

impl Permits for tokio::sync::Semaphore {
    fn new(permits: u32) -> Self {
        tokio::sync::Semaphore::new(permits as usize)
    }

    async fn cycle(&self) {
        drop(self.acquire().await.unwrap());
    }
}

/// Runs `load` for every semaphore, each in its home, as one criterion group.
fn compare(group: &mut BenchmarkGroup<'_, WallTime>, load: Load, runtime: &Runtime) {
    fn one<S: Permits>(
        group: &mut BenchmarkGroup<'_, WallTime>,
        id: &str,
        load: Load,
        home: Home<'_>,
    ) {
        common::bench(group, id, |iters| {
            load.measure(home, S::new(PERMITS), iters)
        });
    }

    let threads = Threads::new();
    let tokio = Tokio::with_workers(2);
    one::<Twin<ThreadSemaphore>>(group, "threads", load, Home::Threads(&threads));
    one::<OtherPolicy<ThreadSemaphore>>(group, "threads-fifo", load, Home::Threads(&threads));
    one::<ThreadSemaphore>(group, "threads-blocking", load, Home::OsThreads);
    one::<Blocking>(group, "async-lock-blocking", load, Home::OsThreads);
    let tasks = Home::Tasks(runtime);
    let units = Home::TokioUnits(&tokio, runtime);
    one::<Twin<TaskSemaphore>>(group, "task", load, units);
    one::<OtherPolicy<TaskSemaphore>>(group, "task-barging", load, units);
    one::<async_lock::Semaphore>(group, "async-lock", load, tasks);
    one::<tokio::sync::Semaphore>(group, "tokio", load, tasks);
}

fn semaphore(c: &mut Criterion) {
    let runtime = common::multi_thread();

    compare(
        &mut c.benchmark_group("semaphore/uncontended"),
        Load::Uncontended,
        &runtime,
    );
    let mut group = c.benchmark_group("semaphore/contended-4");
    // Every sample spawns its units afresh: keep samples few and long, all the same size.
    group.sampling_mode(SamplingMode::Flat).sample_size(20);
    compare(&mut group, Load::Contended(4), &runtime);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = semaphore
}
criterion_main!(benches);
