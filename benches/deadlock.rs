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

mod common;

use common::{Home, Load, Op};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use twinsync::mutex::{TaskMutex, ThreadMutex};
use twinsync::reentrant::ThreadReentrantMutex;
use twinsync::{Flavor, Mutex, OnDeadlock, ReentrantMutex, Threads, Tokio};

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
    targets = deadlock
}
criterion_main!(benches);
