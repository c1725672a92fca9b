//! The `Mutex` twins against the locks they are built on and their rivals.
//!
//! Groups `mutex/uncontended` (one unit: lock, add one, unlock) and `mutex/contended-2`,
//! `mutex/contended-4` (that many units hammering one lock); every figure is the time of one
//! lock+unlock. Ids: `threads` (the thread twin through the `Mutex` trait, as generic code uses
//! it, on `Threads` units), `threads-blocking` (its inherent blocking `lock` on plain threads),
//! `task` (the task twin on `Tokio` units), and the raw baselines `std`, `parking_lot` (on plain
//! threads), `async-lock`, `tokio` (on raw tasks of a two-worker tokio runtime). Uncontended,
//! one loop runs on the bench thread under `twinsync::block_on` (thread-style locks) or the
//! runtime's `block_on` (async locks).
//!
//! Goal: the thread twin within 1.05× the faster of `std` and `parking_lot`, the task twin within
//! 1.05× `async-lock`, uncontended and contended.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tokio::sync::Barrier;
use twinsync::mutex::{TaskMutex, ThreadMutex};
use twinsync::{Flavor, JoinHandle, Mutex, Threads, Tokio, block_on};

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

/// Where a case's units run, and so which executor drives its futures.
#[derive(Clone, Copy)]
enum Home<'a> {
    /// Plain `std::thread`s, each driving its body with `twinsync::block_on`.
    OsThreads,
    /// Units of the thread flavour.
    Threads(&'a Threads),
    /// Raw tasks of a tokio runtime.
    Tasks(&'a Runtime),
    /// Units of the tokio flavour, on the same runtime.
    TokioUnits(&'a Tokio, &'a Runtime),
}

impl<'a> Home<'a> {
    /// Drives `future` on the calling thread: with `block_on` as a thread unit does, or with
    /// the runtime's `block_on`.
    fn block_on<T>(self, future: impl Future<Output = T>) -> T {
        match self {
            Home::OsThreads | Home::Threads(_) => block_on(future),
            Home::Tasks(runtime) | Home::TokioUnits(_, runtime) => runtime.block_on(future),
        }
    }

    /// Starts a unit running `body`; calling the result waits for it to finish.
    fn spawn(self, body: impl Future<Output = ()> + Send + 'static) -> Box<dyn FnOnce() + 'a> {
        match self {
            Home::OsThreads => {
                let thread = std::thread::spawn(move || block_on(body));
                Box::new(move || thread.join().unwrap())
            }
            Home::Threads(threads) => {
                let unit = threads.spawn("contender", body);
                Box::new(move || unit.join().unwrap())
            }
            Home::Tasks(runtime) => {
                let task = runtime.spawn(body);
                Box::new(move || runtime.block_on(task).unwrap())
            }
            Home::TokioUnits(tokio, runtime) => {
                let unit = {
                    let _inside = runtime.enter();
                    tokio.spawn("contender", body)
                };
                Box::new(move || runtime.block_on(unit.join()).unwrap())
            }
        }
    }
}

/// A benchmark case: how long `iters` lock+unlock operations of an `L` take in `home`.
trait Case {
    fn measure<L: Bump>(&self, home: Home<'_>, iters: u64) -> Duration;
}

/// One unit locks and unlocks, with nobody else around.
struct Uncontended;

impl Case for Uncontended {
    fn measure<L: Bump>(&self, home: Home<'_>, iters: u64) -> Duration {
        let lock = L::new();
        home.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                lock.bump().await;
            }
            start.elapsed()
        })
    }
}

/// This many units share the operations; the clock runs from the moment all have started
/// until the last one has finished.
struct Contended(u64);

impl Case for Contended {
    fn measure<L: Bump>(&self, home: Home<'_>, iters: u64) -> Duration {
        let units = self.0;
        let each = iters.div_ceil(units);
        let lock = Arc::new(L::new());
        // tokio's barrier waits by future, so it parks threads and yields tasks alike.
        let start_line = Arc::new(Barrier::new(units as usize + 1));
        let finishers: Vec<_> = (0..units)
            .map(|_| {
                let lock = Arc::clone(&lock);
                let start_line = Arc::clone(&start_line);
                home.spawn(async move {
                    start_line.wait().await;
                    for _ in 0..each {
                        lock.bump().await;
                    }
                })
            })
            .collect();
        block_on(start_line.wait());
        let start = Instant::now();
        for finish in finishers {
            finish();
        }
        // Scale the `each * units` operations done back to the `iters` asked for.
        start
            .elapsed()
            .mul_f64(iters as f64 / (each * units) as f64)
    }
}

/// Runs `case` for every lock, each in its home, as one criterion group.
fn compare(group: &mut BenchmarkGroup<'_, WallTime>, case: &impl Case, runtime: &Runtime) {
    fn one<L: Bump>(
        group: &mut BenchmarkGroup<'_, WallTime>,
        id: &str,
        case: &impl Case,
        home: Home<'_>,
    ) {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| case.measure::<L>(home, iters))
        });
    }

    let threads = Threads::new();
    let tokio = Tokio::with_workers(2);
    one::<Twin<ThreadMutex<u64>>>(group, "threads", case, Home::Threads(&threads));
    one::<ThreadMutex<u64>>(group, "threads-blocking", case, Home::OsThreads);
    one::<std::sync::Mutex<u64>>(group, "std", case, Home::OsThreads);
    one::<parking_lot::Mutex<u64>>(group, "parking_lot", case, Home::OsThreads);
    let tasks = Home::Tasks(runtime);
    one::<Twin<TaskMutex<u64>>>(group, "task", case, Home::TokioUnits(&tokio, runtime));
    one::<async_lock::Mutex<u64>>(group, "async-lock", case, tasks);
    one::<tokio::sync::Mutex<u64>>(group, "tokio", case, tasks);
}

fn mutex(c: &mut Criterion) {
    // Two workers: one per core of the machines the goals were measured on.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    compare(
        &mut c.benchmark_group("mutex/uncontended"),
        &Uncontended,
        &runtime,
    );
    for units in [2, 4] {
        let mut group = c.benchmark_group(format!("mutex/contended-{units}"));
        // Every sample spawns its units afresh: keep samples few and long, all the same size.
        group.sampling_mode(SamplingMode::Flat).sample_size(20);
        compare(&mut group, &Contended(units), &runtime);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = mutex
}
criterion_main!(benches);
