//! The thread flavour: one OS thread per unit, blocking waits.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use super::{Flavor, FlavorKind, JoinHandle, UnitOptions};
use crate::barrier::ThreadBarrier;
use crate::condition::ThreadCondition;
use crate::error::{Panicked, SpawnError};
use crate::event::ThreadEvent;
use crate::mutex::ThreadMutex;
use crate::queue::{Discipline, QueueTwin};
use crate::reentrant::ThreadReentrantMutex;
use crate::semaphore::ThreadSemaphore;
use crate::unit::{Registry, Unit, UnitFuture};

/// OS threads: every unit is a real, named `std::thread`, and every wait blocks that thread.
///
/// A unit runs exactly one future on its own thread with a minimal [`block_on`], so a primitive
/// that blocks inside `poll` (as every thread twin does) is honest thread semantics: it is
/// Python's `lock.acquire()`. The flip side: two sub-futures of one thread unit (`join!`) do
/// not run concurrently while one of them blocks.
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
        // If the OS refuses the thread, the closure is dropped and the registration with it.
        let thread = thread::Builder::new()
            .name(thread_name)
            .spawn(move || block_on(unit_future))
            .map_err(SpawnError::Refused)?;
        Ok(ThreadJoinHandle { unit, thread })
    }

    async fn sleep(&self, duration: Duration) {
        thread::sleep(duration)
    }

    async fn yield_now(&self) {
        thread::yield_now()
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
        self.registry.wait_idle_blocking();
        output
    }
}

/// Wakes a unit's thread by unparking it.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives one future to completion on the calling thread, parking while it is pending.
///
/// Thread twins block inside `poll`, so for them the loop turns once; the parking matters only
/// when a thread unit awaits something genuinely asynchronous.
///
/// ```
/// assert_eq!(twinsync::block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<Fut: Future>(future: Fut) -> Fut::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

/// The [`JoinHandle`] of a [`Threads`] unit: a `std::thread::JoinHandle` plus the unit.
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
    thread: thread::JoinHandle<T>,
}

impl<T> ThreadJoinHandle<T> {
    /// Blocks the calling thread until the unit finishes.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// let err = Threads::new().spawn("p", async { panic!("oops") }).join().unwrap_err();
    /// assert_eq!(err.message(), "oops");
    /// ```
    pub fn join(self) -> Result<T, Panicked> {
        let ThreadJoinHandle { unit, thread } = self;
        thread
            .join()
            .map_err(|payload| Panicked::from_payload(unit, &*payload))
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
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> JoinHandle<T> for ThreadJoinHandle<T> {
    async fn join(self) -> Result<T, Panicked> {
        ThreadJoinHandle::join(self)
    }

    fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    fn unit(&self) -> &Unit {
        &self.unit
    }
}
