//! The tokio flavours: one tokio task per unit, waits that yield.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::{self, Runtime};

use super::{Flavor, FlavorKind, JoinHandle, UnitOptions};
use crate::barrier::TaskBarrier;
use crate::condition::TaskCondition;
use crate::deadlock::WaitsFor;
use crate::error::{Cancelled, JoinError, Panicked, SpawnError};
use crate::event::TaskEvent;
use crate::lock::TaskLock;
use crate::mutex::TaskMutex;
use crate::queue::{Discipline, QueueTwin};
use crate::reentrant::TaskReentrantMutex;
use crate::semaphore::TaskSemaphore;
use crate::unit::{Registry, Unit, UnitFuture};

/// Tokio tasks: every unit is a task, every wait yields to the scheduler. Which scheduler is the
/// `S` parameter; use the aliases [`Tokio`] and [`TokioLocal`].
///
/// Units are spawned onto the tokio runtime the caller is in, so inside [`Flavor::run`] they go
/// to the runtime `run` built, and inside an application's own runtime they go there.
///
/// ```
/// use twinsync::{Flavor, JoinHandle, TokioLocal};
///
/// let same_thread = TokioLocal::new()
///     .run(|f| async move {
///         let here = std::thread::current().id();
///         let there = f.spawn("t", async { std::thread::current().id() });
///         there.join().await.unwrap() == here
///     })
///     .unwrap();
/// assert!(same_thread); // one OS thread, many coroutines
/// ```
#[derive(Clone)]
pub struct TokioFlavor<S> {
    registry: Arc<Registry>,
    scheduler: S,
}

/// Tasks on tokio's multi-thread runtime: work-stealing across worker threads, so units run in
/// parallel and may move between threads at every `.await`.
pub type Tokio = TokioFlavor<MultiThread>;

/// Tasks on tokio's current-thread runtime: every unit shares one OS thread and switches only at
/// `.await` points: the model of Python's asyncio and of the seeds' coroutines (协程).
pub type TokioLocal = TokioFlavor<CurrentThread>;

/// Which tokio runtime [`Flavor::run`] builds for a [`TokioFlavor`]. Sealed: the two
/// implementations are [`MultiThread`] and [`CurrentThread`].
pub trait Scheduler: sealed::Sealed + Clone + Send + Sync + fmt::Debug + 'static {
    /// The flavour this scheduler makes.
    const KIND: FlavorKind;

    /// Builds the runtime `run` drives.
    fn build(&self) -> std::io::Result<Runtime>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::MultiThread {}
    impl Sealed for super::CurrentThread {}
}

/// Tokio's multi-thread scheduler with a given number of worker threads.
#[derive(Debug, Clone, Copy)]
pub struct MultiThread {
    workers: usize,
}

impl Scheduler for MultiThread {
    const KIND: FlavorKind = FlavorKind::Tokio;

    fn build(&self) -> std::io::Result<Runtime> {
        runtime::Builder::new_multi_thread()
            .worker_threads(self.workers)
            .thread_name("twinsync-worker")
            .enable_all()
            .build()
    }
}

/// Tokio's current-thread scheduler: the thread that calls `run` is the only one.
#[derive(Debug, Clone, Copy)]
pub struct CurrentThread;

impl Scheduler for CurrentThread {
    const KIND: FlavorKind = FlavorKind::TokioLocal;

    fn build(&self) -> std::io::Result<Runtime> {
        runtime::Builder::new_current_thread().enable_all().build()
    }
}

impl TokioFlavor<MultiThread> {
    /// The multi-thread flavour with one worker per core.
    ///
    /// ```
    /// let tokio = twinsync::Tokio::new();
    /// assert!(tokio.workers() >= 1);
    /// ```
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_workers(cores)
    }

    /// The multi-thread flavour with `workers` worker threads (at least one).
    ///
    /// ```
    /// assert_eq!(twinsync::Tokio::with_workers(3).workers(), 3);
    /// assert_eq!(twinsync::Tokio::with_workers(0).workers(), 1);
    /// ```
    pub fn with_workers(workers: usize) -> Self {
        TokioFlavor {
            registry: Registry::new(FlavorKind::Tokio),
            scheduler: MultiThread {
                workers: workers.max(1),
            },
        }
    }

    /// How many worker threads `run` starts.
    ///
    /// ```
    /// assert_eq!(twinsync::Tokio::with_workers(2).workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.scheduler.workers
    }
}

impl Default for TokioFlavor<MultiThread> {
    fn default() -> Self {
        Self::new()
    }
}

impl TokioFlavor<CurrentThread> {
    /// The current-thread flavour.
    ///
    /// ```
    /// let local = twinsync::TokioLocal::new();
    /// # let _ = local;
    /// ```
    pub fn new() -> Self {
        TokioFlavor {
            registry: Registry::new(FlavorKind::TokioLocal),
            scheduler: CurrentThread,
        }
    }
}

impl Default for TokioFlavor<CurrentThread> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> fmt::Debug for TokioFlavor<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioFlavor")
            .field("scheduler", &self.scheduler)
            .field("active_count", &self.active_count())
            .finish()
    }
}

impl<S: Scheduler> Flavor for TokioFlavor<S> {
    type JoinHandle<T: Send + 'static> = TaskJoinHandle<T>;
    type Mutex<T: Send> = TaskMutex<T>;
    type Lock = TaskLock;
    type Event = TaskEvent;
    type Barrier = TaskBarrier;
    type Condition<T: Send> = TaskCondition<T>;
    type ReentrantMutex<T: Send + Sync> = TaskReentrantMutex<T>;
    type Semaphore = TaskSemaphore;
    type Queue<T: Send, D: Discipline<T>> = QueueTwin<T, D, crate::wait::Async>;

    fn kind(&self) -> FlavorKind {
        S::KIND
    }

    fn fresh(&self) -> Self {
        TokioFlavor {
            registry: Registry::new(S::KIND),
            scheduler: self.scheduler.clone(),
        }
    }

    fn on_deadlock(self, policy: crate::OnDeadlock) -> Self {
        self.registry.set_on_deadlock(policy);
        self
    }

    fn check_lock_order(self, on: bool) -> Self {
        self.registry.set_check_lock_order(on);
        self
    }

    fn deadlocks(&self) -> Vec<crate::Deadlock> {
        self.registry.here().deadlocks()
    }

    fn try_spawn_with<T, Fut>(
        &self,
        options: UnitOptions,
        future: Fut,
    ) -> Result<TaskJoinHandle<T>, SpawnError>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let handle = runtime::Handle::try_current().map_err(|_| SpawnError::NoRuntime)?;
        let (unit, registration) = self.registry.register(options.name, options.daemon);
        if let Some(policy) = options.on_deadlock {
            unit.set_on_deadlock(policy);
        }
        let task = handle.spawn(UnitFuture::new(unit.clone(), registration, future));
        Ok(TaskJoinHandle { unit, task })
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        crate::deadlock::Noting::timed(tokio::time::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send {
        crate::deadlock::Noting::timed(tokio::time::sleep_until(deadline.into()))
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    fn units(&self) -> Vec<Unit> {
        self.registry.here().units()
    }

    fn active_count(&self) -> usize {
        self.registry.here().active_count()
    }

    fn run<T, Fut, Main>(&self, main: Main) -> Result<T, Panicked>
    where
        Main: FnOnce(Self) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let runtime = self
            .scheduler
            .build()
            .unwrap_or_else(|err| panic!("twinsync: cannot build a tokio runtime: {err}"));
        let main_future = main(self.clone());
        let output = runtime.block_on(async {
            // Main is a task like any other, so `current()` names it and it has a task id.
            let main_unit = self.spawn("main", main_future);
            let output = main_unit.join().await.map_err(|err| match err {
                JoinError::Panicked(panicked) => panicked,
                // Nothing can cancel main: its handle never leaves this function, and the
                // runtime outlives this block. Reported as what it would mean, not hidden.
                JoinError::Cancelled(cancelled) => {
                    Panicked::new(cancelled.unit().clone(), cancelled.to_string())
                }
            });
            self.registry.wait_idle::<crate::wait::Async>().await;
            output
        });
        // Daemon tasks are abandoned, never waited for.
        runtime.shutdown_background();
        output
    }
}

/// The [`JoinHandle`] of a tokio-flavour unit: a tokio `JoinHandle` plus the unit.
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Tokio};
///
/// Tokio::new()
///     .run(|f| async move {
///         let handle = f.spawn("sum", async { (1..=10).sum::<u32>() });
///         assert_eq!(handle.join().await.unwrap(), 55);
///     })
///     .unwrap();
/// ```
pub struct TaskJoinHandle<T> {
    unit: Unit,
    task: tokio::task::JoinHandle<T>,
}

impl<T> fmt::Debug for TaskJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskJoinHandle")
            .field("unit", &self.unit)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> JoinHandle<T> for TaskJoinHandle<T> {
    fn join(self) -> impl Future<Output = Result<T, JoinError>> + Send {
        let TaskJoinHandle { unit, task } = self;
        let joined = crate::deadlock::Noting::untimed(WaitsFor::Unit(unit.clone()), task);
        async move {
            joined.await.map_err(|err| match err.try_into_panic() {
                Ok(payload) => Panicked::from_payload(unit, &*payload).into(),
                // Aborted by `cancel`, or dropped with its runtime.
                Err(_) => Cancelled::new(unit).into(),
            })
        }
    }

    fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    fn cancel(&self) -> bool {
        if self.task.is_finished() {
            return false;
        }
        crate::deadlock::cancelling(&self.unit);
        self.task.abort();
        true
    }

    fn unit(&self) -> &Unit {
        &self.unit
    }
}
