//! The thread flavour: one OS thread per unit, each running its own one-unit executor.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::task::{Context, Poll};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use event_listener::Event;
use parking_lot::Mutex;

use super::{Flavor, FlavorKind, JoinHandle, UnitOptions};
use crate::barrier::ThreadBarrier;
use crate::condition::ThreadCondition;
use crate::error::{Cancelled, JoinError, Panicked, SpawnError};
use crate::event::ThreadEvent;
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
#[derive(Clone, Default)]
pub struct Threads {
    registry: Arc<Registry>,
}

impl Threads {
    /// A thread flavour with an empty unit table.
    ///
    /// ```
    /// let threads = twinsync::Threads::new();
    /// # let _ = threads;
    /// ```
    pub fn new() -> Self {
        Threads::default()
    }
}

impl fmt::Debug for Threads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Threads")
            .field("active_count", &self.active_count())
            .finish()
    }
}

impl Flavor for Threads {
    type JoinHandle<T: Send + 'static> = ThreadJoinHandle<T>;
    type Mutex<T: Send> = ThreadMutex<T>;
    type Event = ThreadEvent;
    type Barrier = ThreadBarrier;
    type Condition<T: Send> = ThreadCondition<T>;
    type ReentrantMutex<T: Send + Sync> = ThreadReentrantMutex<T>;
    type Semaphore = ThreadSemaphore;
    type Queue<T: Send, D: Discipline<T>> = QueueTwin<T, D, crate::wait::Blocking>;

    fn kind(&self) -> FlavorKind {
        FlavorKind::Threads
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
        let thread_name = options.name.clone().into_owned();
        let (unit, registration) = self.registry.register(options.name, options.daemon);
        let unit_future = UnitFuture::new(unit.clone(), registration, future);
        let outcome = Arc::new(Outcome::new());
        let reported = Arc::clone(&outcome);
        let unit_here = unit.clone();
        // If the OS refuses the thread, the closure is dropped and the registration with it.
        let thread = thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
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
        wait::thread_sleep(deadline_after(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send {
        wait::thread_sleep(Some(deadline))
    }

    fn yield_now(&self) -> impl Future<Output = ()> + Send {
        YieldNow { yielded: false }
    }

    fn units(&self) -> Vec<Unit> {
        self.registry.units()
    }

    fn active_count(&self) -> usize {
        self.registry.active_count()
    }

    fn run<T, Fut, Main>(&self, main: Main) -> Result<T, Panicked>
    where
        Main: FnOnce(Self) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        // Main runs on the caller's thread, as Python's MainThread does.
        let (unit, registration) = self.registry.register("main".into(), false);
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
    async fn take(&self) -> Result<T, JoinError> {
        let taken = wait::until::<Blocking, _>(
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
        let result = block_on(self.outcome.take());
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
            outcome, thread, ..
        } = self;
        let result = outcome.take().await;
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
        self.outcome.cancel.request();
        true
    }

    fn unit(&self) -> &Unit {
        &self.unit
    }
}
