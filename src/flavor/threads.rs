//! The thread flavour: one OS thread per unit, each running its own one-unit executor.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use event_listener::Event;
use parking_lot::Mutex;

use super::{Flavor, FlavorKind, JoinHandle, UnitOptions};
use crate::barrier::ThreadBarrier;
use crate::condition::ThreadCondition;
use crate::deadlock::WaitsFor;
use crate::error::{Cancelled, JoinError, Panicked, SpawnError};
use crate::event::ThreadEvent;
use crate::lock::ThreadLock;
use crate::mutex::ThreadMutex;
use crate::queue::{Discipline, QueueTwin};
use crate::reentrant::ThreadReentrantMutex;
use crate::semaphore::ThreadSemaphore;
use crate::unit::{Registry, Unit, UnitFuture};
use crate::wait::{self, Blocking, Cancel, block_on, deadline_after};

/// OS threads: every unit is a real, named `std::thread`, and every wait blocks that thread.
///
/// A unit's thread runs the unit's future on its own one-unit executor
/// ([`block_on`](crate::block_on)). When the future waits (a lock, a queue, a sleep), the
/// thread twin spins briefly and then returns `Pending`, and the executor parks the OS thread
/// until a waker unparks it or the unit's earliest deadline passes: honest thread semantics,
/// Python's `lock.acquire()`, without ever blocking inside `poll`. So two sub-futures of one
/// thread unit (`join!`, `select!`) take turns exactly as they would in a task, and
/// [`JoinHandle::cancel`] can stop a unit at its current wait.
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Threads};
///
/// let ids = Threads::new()
///     .run(|f| async move {
///         let a = f.spawn("a", async { std::thread::current().id() });
///         let b = f.spawn("b", async { std::thread::current().id() });
///         (a.join().unwrap(), b.join().unwrap())
///     })
///     .unwrap();
/// assert_ne!(ids.0, ids.1); // two real OS threads
/// ```
#[derive(Clone)]
pub struct Threads {
    registry: Arc<Registry>,
    /// The most unit threads this value lets the process have at once.
    thread_limit: usize,
}

/// Unit threads running in this process, started by any `Threads` value.
static LIVE_THREADS: AtomicUsize = AtomicUsize::new(0);

/// How many unit threads the OS lets this process have before it refuses one — and the
/// standard library then aborts the process ("failed to allocate an alternative stack")
/// instead of returning an error. On Linux each thread takes about four memory maps (its stack
/// and guard page, its signal stack and guard page) out of `vm.max_map_count`; a reserve of
/// 500 threads' worth is kept for everything else the process maps. Where the limit is not
/// known, there is none.
fn os_thread_limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .map_or(usize::MAX, |maps| (maps / 4).saturating_sub(500))
    })
}

/// A unit thread's place in [`LIVE_THREADS`], given back when the thread's work ends.
struct ThreadSlot;

impl ThreadSlot {
    fn take(limit: usize) -> Result<Self, SpawnError> {
        LIVE_THREADS
            .fetch_update(SeqCst, SeqCst, |live| (live < limit).then_some(live + 1))
            .map(|_| ThreadSlot)
            .map_err(|live| SpawnError::TooManyThreads { live, limit })
    }
}

impl Drop for ThreadSlot {
    fn drop(&mut self) {
        LIVE_THREADS.fetch_sub(1, SeqCst);
    }
}

impl Threads {
    /// A thread flavour with an empty unit table.
    ///
    /// ```
    /// let threads = twinsync::Threads::new();
    /// # let _ = threads;
    /// ```
    pub fn new() -> Self {
        Threads {
            registry: Registry::new(FlavorKind::Threads),
            thread_limit: os_thread_limit(),
        }
    }

    /// A thread flavour that refuses ([`SpawnError::TooManyThreads`]) to start a unit while
    /// `limit` unit threads are running in the process (never more than the OS allows, see
    /// [`thread_limit`](Self::thread_limit)).
    ///
    /// ```
    /// use twinsync::{Flavor, JoinHandle, SpawnError, Threads};
    ///
    /// Threads::with_thread_limit(1)
    ///     .run(|f| async move {
    ///         let g = f.clone();
    ///         let first = f.try_spawn("first", async move { g.sleep(std::time::Duration::from_millis(50)).await });
    ///         let second = f.try_spawn("second", async {});
    ///         assert!(matches!(second, Err(SpawnError::TooManyThreads { limit: 1, .. })));
    ///         JoinHandle::join(first.unwrap()).await.unwrap();
    ///     })
    ///     .unwrap();
    /// ```
    pub fn with_thread_limit(limit: usize) -> Self {
        Threads {
            thread_limit: limit.min(os_thread_limit()),
            ..Threads::new()
        }
    }

    /// The most unit threads this flavour lets the process have at once: by default about
    /// `vm.max_map_count / 4` on Linux (less a reserve), the point past which the OS refuses a
    /// thread and the standard library aborts the process.
    ///
    /// ```
    /// assert!(twinsync::Threads::new().thread_limit() > 0);
    /// assert_eq!(twinsync::Threads::with_thread_limit(8).thread_limit(), 8);
    /// ```
    pub fn thread_limit(&self) -> usize {
        self.thread_limit
    }
}

impl Default for Threads {
    fn default() -> Self {
        Threads::new()
    }
}

impl fmt::Debug for Threads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Threads")
            .field("active_count", &self.active_count())
            .field("thread_limit", &self.thread_limit)
            .finish()
    }
}

impl Flavor for Threads {
    type JoinHandle<T: Send + 'static> = ThreadJoinHandle<T>;
    type Mutex<T: Send> = ThreadMutex<T>;
    type Lock = ThreadLock;
    type Event = ThreadEvent;
    type Barrier = ThreadBarrier;
    type Condition<T: Send> = ThreadCondition<T>;
    type ReentrantMutex<T: Send + Sync> = ThreadReentrantMutex<T>;
    type Semaphore = ThreadSemaphore;
    type Queue<T: Send, D: Discipline<T>> = QueueTwin<T, D, crate::wait::Blocking>;

    fn kind(&self) -> FlavorKind {
        FlavorKind::Threads
    }

    fn fresh(&self) -> Self {
        Threads {
            registry: Registry::new(FlavorKind::Threads),
            thread_limit: self.thread_limit,
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
    ) -> Result<ThreadJoinHandle<T>, SpawnError>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let slot = ThreadSlot::take(self.thread_limit)?;
        let (unit, registration) = self.registry.register(options.name, options.daemon);
        if let Some(policy) = options.on_deadlock {
            unit.set_on_deadlock(policy);
        }
        let thread_name = unit.name().to_owned();
        let unit_future = UnitFuture::new(unit.clone(), registration, future);
        let outcome = Arc::new(Outcome::new());
        let reported = Arc::clone(&outcome);
        let unit_here = unit.clone();
        // If the OS refuses the thread, the closure is dropped and the registration with it.
        let thread = thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let _slot = slot;
                let ran = panic::catch_unwind(AssertUnwindSafe(|| {
                    wait::run_unit(unit_future, &reported.cancel)
                }));
                reported.finish(match ran {
                    Ok(Some(output)) => Ok(output),
                    Ok(None) => Err(Cancelled::new(unit_here).into()),
                    Err(payload) => Err(Panicked::from_payload(unit_here, &*payload).into()),
                });
            })
            .map_err(SpawnError::Refused)?;
        Ok(ThreadJoinHandle {
            unit,
            outcome,
            thread,
        })
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        crate::deadlock::Noting::timed(wait::thread_sleep(deadline_after(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send {
        crate::deadlock::Noting::timed(wait::thread_sleep(Some(deadline)))
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send {
        YieldNow { yielded: false }
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
        // Main runs on the caller's thread, as Python's MainThread does.
        let (unit, registration) = self.registry.register_here("main".into(), false);
        let main_future = UnitFuture::new(unit.clone(), registration, main(self.clone()));
        let output = panic::catch_unwind(AssertUnwindSafe(|| block_on(main_future)))
            .map_err(|payload| Panicked::from_payload(unit, &*payload));
        block_on(self.registry.wait_idle::<Blocking>());
        output
    }
}

/// `yield_now` of a thread unit: pending once (other futures of the unit get their turn), and
/// the OS thread offers its core to other threads.
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        thread::yield_now();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// What a thread unit leaves for its joiner: its output or why there is none, and its cancel
/// switch.
struct Outcome<T> {
    result: Mutex<Option<Result<T, JoinError>>>,
    finished: AtomicBool,
    done: Event,
    cancel: Cancel,
}

impl<T> Outcome<T> {
    fn new() -> Self {
        Outcome {
            result: Mutex::new(None),
            finished: AtomicBool::new(false),
            done: Event::new(),
            cancel: Cancel::default(),
        }
    }

    fn finish(&self, result: Result<T, JoinError>) {
        *self.result.lock() = Some(result);
        self.finished.store(true, SeqCst);
        self.done.notify(usize::MAX);
    }

    fn is_finished(&self) -> bool {
        self.finished.load(SeqCst)
    }

    /// Waits, by the waiting protocol, for the unit to finish and takes its result.
    async fn take(&self, unit: &Unit) -> Result<T, JoinError> {
        let taken = wait::until::<Blocking, _>(
            WaitsFor::Unit(unit.clone()),
            &self.done,
            None,
            |_| self.result.lock().take(),
            || self.is_finished(),
        );
        wait::without_deadline(taken.await)
    }
}

/// The [`JoinHandle`] of a [`Threads`] unit: the unit, its outcome and its OS thread.
///
/// Besides the trait's `join().await`, it has a plain blocking [`join`](Self::join) for code
/// with no async at all.
///
/// ```
/// use twinsync::{Flavor, Threads};
///
/// let handle = Threads::new().spawn("plain", async { 5 });
/// assert_eq!(handle.join().unwrap(), 5); // inherent, blocking
/// ```
pub struct ThreadJoinHandle<T> {
    unit: Unit,
    outcome: Arc<Outcome<T>>,
    thread: thread::JoinHandle<()>,
}

impl<T> ThreadJoinHandle<T> {
    /// Blocks the calling thread until the unit finishes, and until its OS thread has ended.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// let err = Threads::new().spawn("p", async { panic!("oops") }).join().unwrap_err();
    /// assert_eq!(err.panic_message(), Some("oops"));
    /// ```
    pub fn join(self) -> Result<T, JoinError> {
        let result = block_on(self.outcome.take(&self.unit));
        // The unit has reported: its thread only has its own exit left to do.
        let _ = self.thread.join();
        result
    }

    /// The OS thread running the unit.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// let handle = Threads::new().spawn("os-named", async {});
    /// assert_eq!(handle.thread().name(), Some("os-named"));
    /// # handle.join().unwrap();
    /// ```
    pub fn thread(&self) -> &Thread {
        self.thread.thread()
    }
}

impl<T> fmt::Debug for ThreadJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadJoinHandle")
            .field("unit", &self.unit)
            .field("finished", &self.outcome.is_finished())
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> JoinHandle<T> for ThreadJoinHandle<T> {
    async fn join(self) -> Result<T, JoinError> {
        let ThreadJoinHandle {
            unit,
            outcome,
            thread,
        } = self;
        let result = outcome.take(&unit).await;
        // Reap the OS thread if it is already gone; otherwise it is detached and ends by itself
        // in a moment (joining here would block inside `poll`).
        if thread.is_finished() {
            let _ = thread.join();
        }
        result
    }

    fn is_finished(&self) -> bool {
        self.outcome.is_finished()
    }

    fn cancel(&self) -> bool {
        if self.outcome.is_finished() {
            return false;
        }
        crate::deadlock::cancelling(&self.unit);
        self.outcome.cancel.request();
        true
    }

    fn unit(&self) -> &Unit {
        &self.unit
    }
}
