//! What deadlock detection costs: the same locks, in runs that detect deadlocks (the default,
//! `OnDeadlock::Report`) and in runs that do not (`OnDeadlock::Off`).
//!
//! Groups `deadlock/uncontended` (one unit: lock, add one, unlock) and `deadlock/contended-2`,
//! `deadlock/contended-4` (that many units hammering one lock; waiters go to sleep, so the
//! detector's slow path runs); every figure is one lock+unlock. Ids: `threads-detect` and
//! `threads-off` (the thread twin's `Mutex` through the trait, on `Threads` units),
//! `task-detect` and `task-off` (the task twin on `Tokio` units), `reentrant-detect` and
//! `reentrant-off` (the thread twin's `ReentrantMutex`), and `parking_lot` on plain threads as
//! the yardstick.
//!
//! Uncontended, a lock never sleeps, so both ids pay only the holder's two stores; the
//! difference with the commit before detection is read by running this bench's `*-off` ids
//! against `benches/mutex.rs` of that commit (see the closing note of the issue).
//!
//! A unit whose run detects deadlocks is polled with its own waker, which counts wakes for the
//! all-asleep check. Two groups measure that: `deadlock/spawn-1000` (start 1,000 units that do
//! nothing and join them; `tokio-*` and `tokio-local-*` ids, detect and off) and
//! `deadlock/ping-pong` (two units bouncing a number through two capacity-1 queues, so every
//! hop wakes a sleeping unit; one figure is one round trip; `threads-*` and `tokio-*`).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Home, Load, Op};
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use tokio::runtime::Runtime;
use twinsync::mutex::{TaskMutex, ThreadMutex};
use twinsync::queue::Fifo;
use twinsync::reentrant::ThreadReentrantMutex;
use twinsync::{
    Flavor, JoinHandle, Mutex, OnDeadlock, Queue, ReentrantMutex, Threads, Tokio, TokioLocal,
};

/// A lock under test holding a counter: one [`Op`] takes it, adds one, releases it.
struct Bump<M>(M);

impl<M: Mutex<u64> + 'static> Op for Bump<M> {
    async fn op(&self) {
        *self.0.lock().await += 1;
    }
}

/// The reentrant mutex, entered once per op (its guard gives `&T`: the count is an atomic).
struct Enter(ThreadReentrantMutex<std::sync::atomic::AtomicU64>);

impl Op for Enter {
    async fn op(&self) {
        let guard = ReentrantMutex::lock(&self.0).await;
        guard.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

struct Raw(parking_lot::Mutex<u64>);

impl Op for Raw {
    async fn op(&self) {
        *self.0.lock() += 1;
    }
}

fn compare(group: &mut BenchmarkGroup<'_, WallTime>, load: Load, runtime: &Runtime) {
    for (suffix, policy) in [("detect", OnDeadlock::Report), ("off", OnDeadlock::Off)] {
        let threads = Threads::new().on_deadlock(policy);
        let tokio = Tokio::with_workers(2).on_deadlock(policy);
        common::bench(group, &format!("threads-{suffix}"), |iters| {
            let lock = Bump(<ThreadMutex<u64> as Mutex<u64>>::new(0));
            load.measure(Home::Threads(&threads), lock, iters)
        });
        common::bench(group, &format!("reentrant-{suffix}"), |iters| {
            let lock = Enter(ReentrantMutex::new(Default::default()));
            load.measure(Home::Threads(&threads), lock, iters)
        });
        common::bench(group, &format!("task-{suffix}"), |iters| {
            let lock = Bump(<TaskMutex<u64> as Mutex<u64>>::new(0));
            load.measure(Home::TokioUnits(&tokio, runtime), lock, iters)
        });
    }
    common::bench(group, "parking_lot", |iters| {
        load.measure(Home::OsThreads, Raw(parking_lot::Mutex::new(0)), iters)
    });
}

/// Starts 1,000 units that do nothing, then joins them in order.
async fn spawn_round<F: Flavor>(f: &F) {
    let handles: Vec<_> = (0..1000).map(|_| f.spawn("unit", async {})).collect();
    for handle in handles {
        handle.join().await.unwrap();
    }
}

/// `rounds` round trips of a number between two units through capacity-1 queues.
async fn ping_pong<F: Flavor>(f: &F, rounds: u64) -> Duration {
    let there = Arc::new(F::Queue::<u64, Fifo>::bounded(1));
    let back = Arc::new(F::Queue::<u64, Fifo>::bounded(1));
    let echo = {
        let (there, back) = (Arc::clone(&there), Arc::clone(&back));
        f.spawn("echo", async move {
            for _ in 0..rounds {
                let n = there.get().await.unwrap();
                back.put(n).await.unwrap();
            }
        })
    };
    let pinger = f.spawn("ping", async move {
        let start = Instant::now();
        for n in 0..rounds {
            there.put(n).await.unwrap();
            back.get().await.unwrap();
        }
        start.elapsed()
    });
    let elapsed = pinger.join().await.unwrap();
    echo.join().await.unwrap();
    elapsed
}

fn wakes(c: &mut Criterion) {
    let multi = common::multi_thread();
    let local = common::current_thread();
    let mut group = c.benchmark_group("deadlock/spawn-1000");
    group.throughput(Throughput::Elements(1000));
    for (suffix, policy) in [("detect", OnDeadlock::Report), ("off", OnDeadlock::Off)] {
        let tokio = Tokio::with_workers(2).on_deadlock(policy);
        group.bench_function(format!("tokio-{suffix}"), |b| {
            b.iter(|| multi.block_on(spawn_round(&tokio)))
        });
        let tokio_local = TokioLocal::new().on_deadlock(policy);
        group.bench_function(format!("tokio-local-{suffix}"), |b| {
            b.iter(|| local.block_on(spawn_round(&tokio_local)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("deadlock/ping-pong");
    group.sampling_mode(SamplingMode::Flat).sample_size(20);
    for (suffix, policy) in [("detect", OnDeadlock::Report), ("off", OnDeadlock::Off)] {
        let threads = Threads::new().on_deadlock(policy);
        group.bench_function(format!("threads-{suffix}"), |b| {
            b.iter_custom(|rounds| twinsync::block_on(ping_pong(&threads, rounds)))
        });
        let tokio = Tokio::with_workers(2).on_deadlock(policy);
        group.bench_function(format!("tokio-{suffix}"), |b| {
            b.iter_custom(|rounds| multi.block_on(ping_pong(&tokio, rounds)))
        });
    }
    group.finish();
}

fn deadlock(c: &mut Criterion) {
    let runtime = common::multi_thread();
    compare(
        &mut c.benchmark_group("deadlock/uncontended"),
        Load::Uncontended,
        &runtime,
    );
    for units in [2, 4] {
        let mut group = c.benchmark_group(format!("deadlock/contended-{units}"));
        group.sampling_mode(SamplingMode::Flat).sample_size(20);
        compare(&mut group, Load::Contended(units), &runtime);
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = deadlock, wakes
}
criterion_main!(benches);
