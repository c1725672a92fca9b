//! The `ReentrantMutex` twins against `parking_lot::ReentrantMutex`, the only raw reentrant lock
//! of the ecosystem (no async runtime has one: a task may change threads at every `.await`).
//!
//! Groups `reentrant/relock` (the owner, already holding the lock, takes it again and drops the
//! inner guard) and `reentrant/first-lock` (an unowned lock taken and released); every figure is
//! the time of one lock+unlock. The loop runs inside one unit, since the twins key ownership on
//! the unit (`twinsync::current()`). Ids: `threads` (the thread twin through the
//! `ReentrantMutex` trait, in a `Threads` unit), `threads-blocking` (its inherent blocking `lock`
//! on a plain thread, keyed on the thread's foreign identity), `task` and `task-local` (the task
//! twin through the trait, in a `Tokio` unit of a two-worker runtime and in a `TokioLocal` unit),
//! against `parking_lot` (on a plain thread) and, for scale, a plain `async_lock::Mutex`
//! lock+unlock (`async-lock-mutex`, on a raw task; it cannot relock, so it takes an unowned lock
//! in both groups).

mod common;

use std::future::Future;

use common::{Home, Op};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use twinsync::reentrant::{TaskReentrantMutex, ThreadReentrantMutex};
use twinsync::{ReentrantMutex, Threads, Tokio, TokioLocal};

/// A lock under test: [`enter`](Reentrant::enter) takes it, the guard releases it.
trait Reentrant: Send + Sync + 'static {
    type Guard<'a>;
    fn new() -> Self;
    fn enter(&self) -> impl Future<Output = Self::Guard<'_>> + Send;
}

/// Every lock is an [`Op`]: lock, then drop the guard.
impl<R: Reentrant> Op for R {
    async fn op(&self) {
        drop(self.enter().await);
    }
}

/// A twin used through the shared [`ReentrantMutex`] trait, as code generic over `Flavor` uses
/// it.
struct Twin<M>(M);

impl<M: ReentrantMutex<()> + 'static> Reentrant for Twin<M> {
    type Guard<'a> = M::Guard<'a>;

    fn new() -> Self {
        Twin(M::new(()))
    }

    fn enter(&self) -> impl Future<Output = M::Guard<'_>> + Send {
        self.0.lock()
    }
}

/// The thread twin's inherent blocking `lock`.
impl Reentrant for ThreadReentrantMutex<()> {
    type Guard<'a> = twinsync::reentrant::ReentrantMutexGuard<'a, (), twinsync::wait::Blocking>;

    fn new() -> Self {
        ThreadReentrantMutex::new(())
    }

    async fn enter(&self) -> Self::Guard<'_> {
        self.lock()
    }
}

impl Reentrant for parking_lot::ReentrantMutex<()> {
    type Guard<'a> = parking_lot::ReentrantMutexGuard<'a, ()>;

    fn new() -> Self {
        parking_lot::ReentrantMutex::new(())
    }

    async fn enter(&self) -> Self::Guard<'_> {
        self.lock()
    }
}

/// Not reentrant: only ever taken unowned, for scale.
impl Reentrant for async_lock::Mutex<()> {
    type Guard<'a> = async_lock::MutexGuard<'a, ()>;

    fn new() -> Self {
        async_lock::Mutex::new(())
    }

    fn enter(&self) -> impl Future<Output = Self::Guard<'_>> + Send {
        self.lock()
    }
}

/// Whether the unit takes the lock once before the timed loop.
#[derive(Clone, Copy)]
enum Case {
    Relock,
    FirstLock,
}

impl Case {
    /// How long `iters` lock+unlock of a fresh `R` take inside one unit of `home`.
    fn measure<R: Reentrant>(self, home: Home<'_>, iters: u64) -> std::time::Duration {
        home.in_unit(async move {
            let lock = R::new();
            if let Case::Relock = self {
                // The outer guard, held for the rest of the unit: forgotten rather than kept in
                // a local, because a `parking_lot` guard is not `Send` and may not live across
                // the loop's `.await`s. The lock is dropped still held, which is harmless.
                std::mem::forget(lock.enter().await);
            }
            common::timed(&lock, iters).await
        })
    }
}

fn compare(group: &mut BenchmarkGroup<'_, WallTime>, case: Case) {
    fn one<R: Reentrant>(
        group: &mut BenchmarkGroup<'_, WallTime>,
        id: &str,
        case: Case,
        home: Home<'_>,
    ) {
        common::bench(group, id, |iters| case.measure::<R>(home, iters));
    }

    let (multi, local) = (common::multi_thread(), common::current_thread());
    let (threads, tokio, tokio_local) = (Threads::new(), Tokio::with_workers(2), TokioLocal::new());
    one::<Twin<ThreadReentrantMutex<()>>>(group, "threads", case, Home::Threads(&threads));
    one::<ThreadReentrantMutex<()>>(group, "threads-blocking", case, Home::OsThreads);
    one::<parking_lot::ReentrantMutex<()>>(group, "parking_lot", case, Home::OsThreads);
    let tokio_units = Home::TokioUnits(&tokio, &multi);
    one::<Twin<TaskReentrantMutex<()>>>(group, "task", case, tokio_units);
    let local_units = Home::TokioLocalUnits(&tokio_local, &local);
    one::<Twin<TaskReentrantMutex<()>>>(group, "task-local", case, local_units);
    let plain = Case::FirstLock;
    one::<async_lock::Mutex<()>>(group, "async-lock-mutex", plain, Home::Tasks(&multi));
}

fn reentrant(c: &mut Criterion) {
    compare(&mut c.benchmark_group("reentrant/relock"), Case::Relock);
    compare(
        &mut c.benchmark_group("reentrant/first-lock"),
        Case::FirstLock,
    );
}

criterion_group! {
    name = benches;
    config = common::config().sample_size(50);
    targets = reentrant
}
criterion_main!(benches);
