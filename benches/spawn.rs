//! Spawning and joining units: each flavour against the raw spawn it wraps.
//!
//! Group `spawn/1000`: start 1,000 units that do nothing, then join them in order. Ids:
//! `threads` (`Threads` units) against `std-thread` (`std::thread::spawn`); `tokio` (`Tokio`
//! units) against `tokio-raw` (`tokio::spawn`), both from `block_on` of a two-worker runtime;
//! `tokio-local` (`TokioLocal` units) against `tokio-local-raw` on a current-thread runtime.
//!
//! Goal: every flavour within 1.25× its raw spawn, so that what a unit adds (its entry in the
//! registry behind `units()`, its name, its identity) stays that cheap.

mod common;

use std::future::Future;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use twinsync::{Flavor, JoinHandle, Threads, Tokio, TokioLocal, block_on};

const UNITS: usize = 1000;

/// A way to start a unit that does nothing and to wait for it.
trait Spawner {
    type Handle;
    fn start(&self) -> Self::Handle;
    fn finish(handle: Self::Handle) -> impl Future<Output = ()>;
}

/// Every flavour, through the `Flavor` trait.
impl<F: Flavor> Spawner for F {
    type Handle = F::JoinHandle<()>;

    fn start(&self) -> Self::Handle {
        self.spawn("unit", async {})
    }

    async fn finish(handle: Self::Handle) {
        handle.join().await.unwrap();
    }
}

/// Raw `std::thread::spawn`.
struct StdThread;

impl Spawner for StdThread {
    type Handle = std::thread::JoinHandle<()>;

    fn start(&self) -> Self::Handle {
        std::thread::spawn(|| {})
    }

    async fn finish(handle: Self::Handle) {
        handle.join().unwrap();
    }
}

/// Raw `tokio::spawn` onto the runtime of the caller.
struct TokioSpawn;

impl Spawner for TokioSpawn {
    type Handle = tokio::task::JoinHandle<()>;

    fn start(&self) -> Self::Handle {
        tokio::spawn(async {})
    }

    async fn finish(handle: Self::Handle) {
        handle.await.unwrap();
    }
}

/// Starts [`UNITS`] units, then joins them in order.
async fn round<S: Spawner>(spawner: &S) {
    let handles: Vec<S::Handle> = (0..UNITS).map(|_| spawner.start()).collect();
    for handle in handles {
        S::finish(handle).await;
    }
}

fn spawn(c: &mut Criterion) {
    let multi = common::multi_thread();
    let local = common::current_thread();

    let mut group = c.benchmark_group("spawn/1000");
    group.throughput(Throughput::Elements(UNITS as u64));

    // A thousand OS threads take tens of milliseconds: few, equal samples.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let threads = Threads::new();
    group.bench_function("threads", |b| b.iter(|| block_on(round(&threads))));
    group.bench_function("std-thread", |b| b.iter(|| block_on(round(&StdThread))));

    group
        .sampling_mode(SamplingMode::Auto)
        .sample_size(50)
        .measurement_time(Duration::from_secs(2));
    let tokio = Tokio::with_workers(2);
    group.bench_function("tokio", |b| b.iter(|| multi.block_on(round(&tokio))));
    group.bench_function("tokio-raw", |b| {
        b.iter(|| multi.block_on(round(&TokioSpawn)))
    });
    let tokio_local = TokioLocal::new();
    group.bench_function("tokio-local", |b| {
        b.iter(|| local.block_on(round(&tokio_local)))
    });
    group.bench_function("tokio-local-raw", |b| {
        b.iter(|| local.block_on(round(&TokioSpawn)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = spawn
}
criterion_main!(benches);
