//! What the benches share: where units run ([`Home`]), the runtimes they run on, and the loops
//! that time an operation alone, under contention, or inside one unit.
//!
//! Each bench is generic over a small local trait for the things it compares; this module is
//! generic over [`Op`], the one operation a bench repeats (a lock+unlock, an acquire+release).

// Each bench is its own crate and uses its own subset of these helpers.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use futures::future::{BoxFuture, FutureExt, LocalBoxFuture};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Barrier;
use twinsync::{Flavor, JoinHandle, Threads, Tokio, TokioLocal, block_on};

/// The policy a twin does not use by default: benches measure both on both twins.
pub fn other_policy(policy: twinsync::Policy) -> twinsync::Policy {
    match policy {
        twinsync::Policy::Fifo => twinsync::Policy::Barging,
        twinsync::Policy::Barging => twinsync::Policy::Fifo,
    }
}

/// The settings every bench starts from: short warm-up, two seconds of measurement.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

/// A two-worker tokio runtime: one worker per core of the machines the goals were measured on.
pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A current-thread tokio runtime, driven by whoever calls its `block_on`.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Adds `id` to `group`, timed by `measure(iters)` (criterion's `iter_custom`).
pub fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    mut measure: impl FnMut(u64) -> Duration,
) {
    group.bench_function(id, |b| b.iter_custom(&mut measure));
}

/// The operation a bench repeats.
pub trait Op: Send + Sync + 'static {
    fn op(&self) -> impl Future<Output = ()> + Send;
}

/// How long `iters` runs of `op` take, one after the other.
pub async fn timed<O: Op>(op: &O, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        op.op().await;
    }
    start.elapsed()
}

/// Where a case's units run, and so which executor drives their futures.
#[derive(Clone, Copy)]
pub enum Home<'a> {
    /// Plain `std::thread`s, each driving its body with `twinsync::block_on`.
    OsThreads,
    /// Units of the thread flavour.
    Threads(&'a Threads),
    /// Raw tasks of a tokio runtime (multi-thread or current-thread).
    Tasks(&'a Runtime),
    /// Units of the tokio flavour, on a multi-thread runtime.
    TokioUnits(&'a Tokio, &'a Runtime),
    /// Units of the tokio-local flavour, on a current-thread runtime.
    TokioLocalUnits(&'a TokioLocal, &'a Runtime),
}

impl<'a> Home<'a> {
    /// Drives `future` on the calling thread: with `block_on` as a thread unit does, or with
    /// the runtime's `block_on`.
    pub fn block_on<T>(self, future: impl Future<Output = T>) -> T {
        match self {
            Home::OsThreads | Home::Threads(_) => block_on(future),
            Home::Tasks(runtime)
            | Home::TokioUnits(_, runtime)
            | Home::TokioLocalUnits(_, runtime) => runtime.block_on(future),
        }
    }

    /// Starts a unit running `body`; awaiting the result (inside [`block_on`](Self::block_on)
    /// of this home) waits for it and yields its output.
    pub fn spawn<T: Send + 'static>(
        self,
        body: impl Future<Output = T> + Send + 'static,
    ) -> LocalBoxFuture<'a, T> {
        match self {
            Home::OsThreads => {
                let thread = std::thread::spawn(move || block_on(body));
                async move { thread.join().unwrap() }.boxed_local()
            }
            Home::Threads(threads) => join_unit(threads.spawn("bench", body)),
            Home::Tasks(runtime) => {
                let task = runtime.spawn(body);
                async move { task.await.unwrap() }.boxed_local()
            }
            Home::TokioUnits(tokio, runtime) => {
                let _inside = runtime.enter();
                join_unit(tokio.spawn("bench", body))
            }
            Home::TokioLocalUnits(tokio_local, runtime) => {
                let _inside = runtime.enter();
                join_unit(tokio_local.spawn("bench", body))
            }
        }
    }

    /// Runs `body` as one unit of this home and returns its output.
    pub fn in_unit<T: Send + 'static>(self, body: impl Future<Output = T> + Send + 'static) -> T {
        self.block_on(self.spawn(body))
    }

    /// Runs `bodies` as units of this home, released together from a start line; the time from
    /// the release until the last of them has finished.
    pub fn time_units(self, bodies: Vec<BoxFuture<'static, ()>>) -> Duration {
        self.block_on(async {
            // tokio's barrier waits by future, so it parks threads and yields tasks alike.
            let start_line = Arc::new(Barrier::new(bodies.len() + 1));
            let finishers: Vec<_> = bodies
                .into_iter()
                .map(|body| {
                    let start_line = Arc::clone(&start_line);
                    self.spawn(async move {
                        start_line.wait().await;
                        body.await;
                    })
                })
                .collect();
            start_line.wait().await;
            let start = Instant::now();
            for finish in finishers {
                finish.await;
            }
            start.elapsed()
        })
    }
}

fn join_unit<'a, T: Send + 'static>(unit: impl JoinHandle<T> + 'a) -> LocalBoxFuture<'a, T> {
    async move { unit.join().await.unwrap() }.boxed_local()
}

/// How many units share a case's operations.
#[derive(Clone, Copy)]
pub enum Load {
    /// One loop on the bench thread, under [`Home::block_on`], with nobody else around.
    Uncontended,
    /// This many units share the operations, each running its share in a loop; the clock runs
    /// from the moment all have started until the last one has finished.
    Contended(u64),
}

impl Load {
    /// How long `iters` runs of `op` take under this load in `home`.
    pub fn measure<O: Op>(self, home: Home<'_>, op: O, iters: u64) -> Duration {
        match self {
            Load::Uncontended => home.block_on(timed(&op, iters)),
            Load::Contended(units) => {
                let each = iters.div_ceil(units);
                let op = Arc::new(op);
                let bodies = (0..units)
                    .map(|_| {
                        let op = Arc::clone(&op);
                        async move {
                            timed(&*op, each).await;
                        }
                        .boxed()
                    })
                    .collect();
                // Scale the `each * units` operations done back to the `iters` asked for.
                home.time_units(bodies)
                    .mul_f64(iters as f64 / (each * units) as f64)
            }
        }
    }
}
