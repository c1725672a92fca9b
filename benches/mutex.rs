//! The `Mutex` twins against the locks they are built on and their rivals.
//!
//! Groups `mutex/uncontended` (one unit: lock, add one, unlock) and `mutex/contended-2`,
//! `mutex/contended-4` (that many units hammering one lock); every figure is the time of one
//! lock+unlock. Ids: `threads` (the thread twin through the `Mutex` trait, as generic code uses
//! it, on `Threads` units; barging, Python's `threading` policy), `threads-fifo` (the same with
//! `Policy::Fifo`), `threads-blocking` (its inherent blocking `lock` on plain threads), `task`
//! (the task twin on `Tokio` units; FIFO, asyncio's policy), `task-barging`, and the raw
//! baselines `std`, `parking_lot` (barging, on plain threads), `async-lock` (barging), `tokio`
//! (FIFO) (on raw tasks of a two-worker tokio runtime). So each policy has its baseline in the
//! same group: FIFO against `tokio`, barging against `parking_lot` and `async-lock`. Uncontended,
//! one loop runs on the bench thread under `twinsync::block_on` (thread-style locks) or the
//! runtime's `block_on` (async locks).
//!
//! Goals: the thread twin within 1.05× the faster of `std` and `parking_lot`; the task twin
//! within 1.0× `tokio` (FIFO) and `task-barging` within 1.05× `async-lock`, uncontended and
//! contended.

mod common;

use std::future::Future;

use common::{Home, Load, Op};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use twinsync::mutex::{TaskMutex, ThreadMutex};
use twinsync::{Mutex, Threads, Tokio};

/// A lock under test holding a counter: [`bump`](Bump::bump) takes it, adds one, releases it.
trait Bump: Send + Sync + 'static {
    fn new() -> Self;
    fn bump(&self) -> impl Future<Output = ()> + Send;
}

/// A twin used through the shared [`Mutex`] trait, as code generic over `Flavor` uses it.
struct Twin<M>(M);

impl<M: Mutex<u64> + 'static> Bump for Twin<M> {
    fn new() -> Self {
        Twin(M::new(0))
    }

    async fn bump(&self) {
        *self.0.lock().await += 1;
    }
}

/// A twin with the policy it does not use by default (`threads-fifo`, `task-barging`).
struct OtherPolicy<M>(M);

impl<M: Mutex<u64> + 'static> Bump for OtherPolicy<M> {
    fn new() -> Self {
        let default = M::new(0).policy();
        OtherPolicy(M::with_policy(0, common::other_policy(default)))
    }

    async fn bump(&self) {
        *self.0.lock().await += 1;
    }
}

/// The thread twin's inherent blocking `lock`: code with no async at all.
impl Bump for ThreadMutex<u64> {
    fn new() -> Self {
        ThreadMutex::new(0)
    }

    async fn bump(&self) {
        *self.lock() += 1;
    }
}

impl Bump for std::sync::Mutex<u64> {
    fn new() -> Self {
        std::sync::Mutex::new(0)
    }

    async fn bump(&self) {
        *self.lock().unwrap() += 1;
    }
}

impl Bump for parking_lot::Mutex<u64> {
    fn new() -> Self {
        parking_lot::Mutex::new(0)
    }

    async fn bump(&self) {
        *self.lock() += 1;
    }
}

impl Bump for async_lock::Mutex<u64> {
    fn new() -> Self {
        async_lock::Mutex::new(0)
    }

    async fn bump(&self) {
        *self.lock().await += 1;
    }
}

impl Bump for tokio::sync::Mutex<u64> {
    fn new() -> Self {
        tokio::sync::Mutex::new(0)
    }

    async fn bump(&self) {
        *self.lock().await += 1;
    }
}

/// Every lock is an [`Op`]: one bump.
impl<L: Bump> Op for L {
    fn op(&self) -> impl Future<Output = ()> + Send {
        self.bump()
    }
}

/// Runs `load` for every lock, each in its home, as one criterion group.
fn compare(group: &mut BenchmarkGroup<'_, WallTime>, load: Load, runtime: &Runtime) {
    fn one<L: Bump>(
        group: &mut BenchmarkGroup<'_, WallTime>,
        id: &str,
        load: Load,
        home: Home<'_>,
    ) {
        common::bench(group, id, |iters| load.measure(home, L::new(), iters));
    }

    let threads = Threads::new();
    let tokio = Tokio::with_workers(2);
    one::<Twin<ThreadMutex<u64>>>(group, "threads", load, Home::Threads(&threads));
    one::<OtherPolicy<ThreadMutex<u64>>>(group, "threads-fifo", load, Home::Threads(&threads));
    one::<ThreadMutex<u64>>(group, "threads-blocking", load, Home::OsThreads);
    one::<std::sync::Mutex<u64>>(group, "std", load, Home::OsThreads);
    one::<parking_lot::Mutex<u64>>(group, "parking_lot", load, Home::OsThreads);
    let tasks = Home::Tasks(runtime);
    let units = Home::TokioUnits(&tokio, runtime);
    one::<Twin<TaskMutex<u64>>>(group, "task", load, units);
    one::<OtherPolicy<TaskMutex<u64>>>(group, "task-barging", load, units);
    one::<async_lock::Mutex<u64>>(group, "async-lock", load, tasks);
    one::<tokio::sync::Mutex<u64>>(group, "tokio", load, tasks);
}

fn mutex(c: &mut Criterion) {
    let runtime = common::multi_thread();

    compare(
        &mut c.benchmark_group("mutex/uncontended"),
        Load::Uncontended,
        &runtime,
    );
    for units in [2, 4] {
        let mut group = c.benchmark_group(format!("mutex/contended-{units}"));
        // Every sample spawns its units afresh: keep samples few and long, all the same size.
        group.sampling_mode(SamplingMode::Flat).sample_size(20);
        compare(&mut group, Load::Contended(units), &runtime);
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = mutex
}
criterion_main!(benches);
