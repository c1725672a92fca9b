//! The [`Flavor`] trait: what a unit of concurrency is and how waiting happens.
//!
//! | flavour | a spawned unit is | when a unit must wait |
//! |---|---|---|
//! | [`Threads`] | a named OS thread running its own one-unit executor ([`block_on`](crate::block_on)) | the executor parks the OS thread until a waker or the unit's earliest deadline wakes it |
//! | [`Tokio`] | a task on tokio's multi-thread runtime | the task yields to the scheduler |
//! | [`TokioLocal`] | a task on tokio's current-thread runtime: one OS thread, cooperative switches | the task yields |
//!
//! No twinsync future blocks inside `poll`, on any flavour: a thread unit blocks in its
//! executor, between polls. So `select!`, `join!`, [`Flavor::timeout`] and
//! [`JoinHandle::cancel`] mean the same thing on every flavour; only the cost of waiting
//! differs (a parked OS thread against a suspended task).
//!
//! Scenario code is written once, generic over `F: Flavor`, and the flavour is chosen at the call
//! site. Each flavour names its twin of every primitive as an associated type, so generic code
//! writes `F::Mutex<u32>` and gets [`ThreadMutex`](crate::mutex::ThreadMutex) or
//! [`TaskMutex`](crate::mutex::TaskMutex).

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::barrier::Barrier;
use crate::condition::Condition;
use crate::error::{JoinError, Panicked, SpawnError, Timeout};
use crate::event::Event;
use crate::lock::Lock;
use crate::mutex::Mutex;
use crate::queue::{Discipline, Queue};
use crate::reentrant::ReentrantMutex;
use crate::semaphore::Semaphore;
use crate::unit::Unit;

mod kind;
mod threads;
#[cfg(feature = "tokio")]
mod tokio;

#[cfg(feature = "runner")]
pub(crate) use kind::flavor_choice;
pub use kind::{FlavorArgsError, FlavorKind, UnknownFlavor};
pub use threads::{ThreadJoinHandle, Threads};
#[cfg(feature = "tokio")]
pub use tokio::{
    CurrentThread, MultiThread, Scheduler, TaskJoinHandle, Tokio, TokioFlavor, TokioLocal,
};

/// How a unit is started: its name and whether it is a daemon. A unit with no name (`""`, or
/// [`UnitOptions::default`]) is given one, `unit-1`, `unit-2`, … (Python's `Thread-N`).
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Threads, UnitOptions};
///
/// Threads::new()
///     .run(|f| async move {
///         let options = UnitOptions::new("heartbeat").daemon(true);
///         let handle = f.try_spawn_with(options, async { 1 }).unwrap();
///         assert_eq!(handle.join().unwrap(), 1);
///     })
///     .unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct UnitOptions {
    pub(crate) name: Cow<'static, str>,
    pub(crate) daemon: bool,
    pub(crate) on_deadlock: Option<crate::OnDeadlock>,
}

impl UnitOptions {
    /// A non-daemon unit with this name.
    ///
    /// ```
    /// let options = twinsync::UnitOptions::new(format!("worker-{}", 3));
    /// # let _ = options;
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        UnitOptions {
            name: name.into(),
            daemon: false,
            on_deadlock: None,
        }
    }

    /// Makes the unit a daemon: [`Flavor::run`] does not wait for it.
    ///
    /// ```
    /// let options = twinsync::UnitOptions::new("watchdog").daemon(true);
    /// # let _ = options;
    /// ```
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// What this unit does when its wait closes a deadlock, instead of its run's policy
    /// ([`Flavor::on_deadlock`]). A cycle is seen only if none of its units has
    /// [`OnDeadlock::Off`](crate::OnDeadlock::Off).
    ///
    /// ```
    /// use twinsync::{OnDeadlock, UnitOptions};
    /// let options = UnitOptions::new("philosopher-1").on_deadlock(OnDeadlock::Panic);
    /// # let _ = options;
    /// ```
    pub fn on_deadlock(mut self, policy: crate::OnDeadlock) -> Self {
        self.on_deadlock = Some(policy);
        self
    }
}

/// A handle to a spawned unit: Python's `Thread.join()` and `is_alive()`, and asyncio's
/// `Task.cancel()`.
///
/// Dropping the handle detaches the unit; it keeps running. (The thread twin's handle also has
/// an inherent, blocking `join`, which concrete `Threads` code reaches first.)
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Threads};
///
/// async fn add_in_a_unit<F: Flavor>(f: F) -> i32 {
///     let handle = f.spawn("adder", async { 2 + 2 });
///     assert_eq!(handle.unit().name(), "adder");
///     handle.join().await.unwrap()
/// }
///
/// assert_eq!(Threads::new().run(add_in_a_unit).unwrap(), 4);
/// ```
pub trait JoinHandle<T>: Send + Sync + fmt::Debug {
    /// Waits for the unit to finish and returns its output, or why there is none: it panicked
    /// ([`JoinError::Panicked`], message kept) or was cancelled ([`JoinError::Cancelled`]).
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// async fn doomed<F: Flavor>(f: F) -> Option<String> {
    ///     let err = f.spawn("w", async { panic!("no more") }).join().await.unwrap_err();
    ///     err.panic_message().map(str::to_owned)
    /// }
    /// assert_eq!(Threads::new().run(doomed).unwrap().as_deref(), Some("no more"));
    /// ```
    fn join(self) -> impl Future<Output = Result<T, JoinError>> + Send;

    /// Whether the unit has finished (the negation of Python's `is_alive()`); never waits.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let handle = f.spawn("quick", async {});
    /// while !handle.is_finished() {
    ///     f.sleep(Duration::from_millis(1)).await;
    /// }
    /// # }).unwrap();
    /// ```
    fn is_finished(&self) -> bool;

    /// Asks the unit to stop (asyncio's `Task.cancel()`, Java's `Thread.interrupt()`); returns
    /// `false` if it had already finished. Never waits: [`join`](JoinHandle::join) then reports
    /// [`JoinError::Cancelled`], unless the unit finished first.
    ///
    /// The unit stops at its current (or next) twinsync wait: its future is dropped there, so
    /// every lock guard, permit and queue wait it holds is given back, and it runs no further.
    /// On the tokio flavours this is tokio's `abort`. On [`Threads`] the unit's executor is
    /// woken and drops the future; code that blocks by other means (a std lock, a CPU loop, a
    /// thread twin's plain blocking method) is not interrupted and stops at its next `.await`
    /// of a twinsync wait, as a Java thread stops at its next interruptible call.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::{Flavor, JoinHandle, Threads};
    ///
    /// async fn stop_a_sleeper<F: Flavor>(f: F) -> bool {
    ///     let g = f.clone();
    ///     let sleeper = f.spawn("sleeper", async move { g.sleep(Duration::from_secs(3600)).await });
    ///     assert!(sleeper.cancel());
    ///     sleeper.join().await.unwrap_err().is_cancelled() // at once, not in an hour
    /// }
    /// assert!(Threads::new().run(stop_a_sleeper).unwrap());
    /// ```
    fn cancel(&self) -> bool;

    /// The unit this handle joins.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let handle = f.spawn("named", async {});
    /// assert_eq!(handle.unit().name(), "named");
    /// # }).unwrap();
    /// ```
    fn unit(&self) -> &Unit;
}

/// A unit's work as a type: the seeds' "subclass `Thread` and override `run`" pattern. Any
/// flavour can [`start`](Flavor::start) a job; the job's name becomes the unit's name.
///
/// ```
/// use std::borrow::Cow;
/// use twinsync::{Flavor, JoinHandle, Job, Threads};
///
/// struct Countdown {
///     from: u32,
/// }
///
/// impl Job for Countdown {
///     type Output = Vec<u32>;
///
///     fn name(&self) -> Cow<'static, str> {
///         format!("countdown-{}", self.from).into()
///     }
///
///     async fn run<F: Flavor>(self, _f: F) -> Vec<u32> {
///         (1..=self.from).rev().collect()
///     }
/// }
///
/// async fn launch<F: Flavor>(f: F) -> Vec<u32> {
///     let handle = f.start(Countdown { from: 3 });
///     assert_eq!(handle.unit().name(), "countdown-3");
///     handle.join().await.unwrap()
/// }
/// assert_eq!(Threads::new().run(launch).unwrap(), [3, 2, 1]);
/// ```
pub trait Job: Send + 'static {
    /// What the job returns to whoever joins it.
    type Output: Send + 'static;

    /// The name of the unit that runs the job.
    ///
    /// ```
    /// # use std::borrow::Cow;
    /// # use twinsync::{Flavor, Job};
    /// struct Named;
    /// impl Job for Named {
    ///     type Output = ();
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "named".into()
    ///     }
    ///     async fn run<F: Flavor>(self, _f: F) {}
    /// }
    /// assert_eq!(Named.name(), "named");
    /// ```
    fn name(&self) -> Cow<'static, str>;

    /// Whether the unit is a daemon; `false` unless overridden.
    ///
    /// ```
    /// # use std::borrow::Cow;
    /// # use twinsync::{Flavor, Job};
    /// struct Background;
    /// impl Job for Background {
    ///     type Output = ();
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "background".into()
    ///     }
    ///     fn is_daemon(&self) -> bool {
    ///         true
    ///     }
    ///     async fn run<F: Flavor>(self, _f: F) {}
    /// }
    /// assert!(Background.is_daemon());
    /// ```
    fn is_daemon(&self) -> bool {
        false
    }

    /// The work itself, given the flavour it runs on.
    ///
    /// ```
    /// # use std::borrow::Cow;
    /// # use twinsync::{Flavor, Job, Threads};
    /// struct Answer;
    /// impl Job for Answer {
    ///     type Output = u8;
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "answer".into()
    ///     }
    ///     async fn run<F: Flavor>(self, _f: F) -> u8 {
    ///         42
    ///     }
    /// }
    /// assert_eq!(Threads::new().run(|f| Answer.run(f)).unwrap(), 42);
    /// ```
    fn run<F: Flavor>(self, f: F) -> impl Future<Output = Self::Output> + Send;
}

/// What a unit of concurrency is and how waiting happens; see the [module docs](self).
///
/// ```
/// use std::sync::Arc;
/// use twinsync::{Flavor, JoinHandle, Mutex};
///
/// // Written once…
/// async fn count_to<F: Flavor>(f: F, units: u32, each: u32) -> u32 {
///     let total = Arc::new(F::Mutex::new(0));
///     let mut handles = Vec::new();
///     for i in 0..units {
///         let total = Arc::clone(&total);
///         handles.push(f.spawn(format!("counter-{i}"), async move {
///             for _ in 0..each {
///                 *total.lock().await += 1;
///             }
///         }));
///     }
///     for handle in handles {
///         handle.join().await.unwrap();
///     }
///     let n = *total.lock().await;
///     n
/// }
///
/// // …run as OS threads, and as coroutines.
/// assert_eq!(twinsync::Threads::new().run(|f| count_to(f, 4, 100)).unwrap(), 400);
/// # #[cfg(feature = "tokio")]
/// assert_eq!(twinsync::TokioLocal::new().run(|f| count_to(f, 4, 100)).unwrap(), 400);
/// ```
pub trait Flavor: Clone + Send + Sync + fmt::Debug + 'static {
    /// The handle [`spawn`](Flavor::spawn) returns.
    type JoinHandle<T: Send + 'static>: JoinHandle<T>;

    /// This flavour's twin of Python's `threading.Lock` guarding a value (Rust's shape).
    type Mutex<T: Send>: Mutex<T>;

    /// This flavour's twin of Python's `threading.Lock` with bare `acquire()`/`release()`.
    type Lock: Lock;

    /// This flavour's twin of Python's `threading.Event`.
    type Event: Event;

    /// This flavour's twin of Python's `threading.Barrier`.
    type Barrier: Barrier;

    /// This flavour's twin of Python's `threading.Condition`, over a `Self::Mutex<T>` (its own,
    /// or one shared with [`Condition::with_lock`]).
    type Condition<T: Send>: Condition<T, Lock = Self::Mutex<T>>;

    /// This flavour's twin of Python's `threading.RLock`, keyed on the unit.
    type ReentrantMutex<T: Send + Sync>: ReentrantMutex<T>;

    /// This flavour's twin of Python's `threading.Semaphore` and `BoundedSemaphore`.
    type Semaphore: Semaphore;

    /// This flavour's twin of Python's `queue.Queue` (`D` = [`Fifo`](crate::queue::Fifo)),
    /// `LifoQueue` ([`Lifo`](crate::queue::Lifo)) and `PriorityQueue`
    /// ([`Priority`](crate::queue::Priority)).
    type Queue<T: Send, D: Discipline<T>>: Queue<T>;

    /// A flavour value made like this one (same kind, same threads or workers) but with its
    /// own table of units and its own deadlock settings and reports, all at their defaults; a
    /// clone shares them instead.
    ///
    /// ```
    /// use twinsync::{Flavor, OnDeadlock, Tokio};
    /// let tokio = Tokio::with_workers(2).on_deadlock(OnDeadlock::Off);
    /// let fresh = tokio.fresh();
    /// assert_eq!(fresh.workers(), 2);
    /// # let _ = fresh.run(|_| async {}).unwrap();
    /// ```
    fn fresh(&self) -> Self;

    /// Which flavour this is.
    ///
    /// ```
    /// use twinsync::{Flavor, FlavorKind, Threads};
    /// assert_eq!(Threads::new().kind(), FlavorKind::Threads);
    /// ```
    fn kind(&self) -> FlavorKind;

    /// This flavour with `policy` for deadlocks its units close ([`crate::deadlock`]); the
    /// default is [`OnDeadlock::Report`](crate::OnDeadlock::Report). It applies to the units
    /// started after the call, so set it before [`run`](Flavor::run).
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, OnDeadlock, Threads};
    /// let outcome = Threads::new().on_deadlock(OnDeadlock::Panic).run(|_| async {
    ///     let m = <Threads as Flavor>::Mutex::named("m", ());
    ///     let _held = m.lock();
    ///     let _again = m.lock(); // a Mutex is not reentrant: waits for itself
    /// });
    /// assert!(outcome.unwrap_err().to_string().contains(r#"waits for "m""#));
    /// ```
    fn on_deadlock(self, policy: crate::OnDeadlock) -> Self;

    /// This flavour with the lock-order check on or off (off by default; for tests). Units
    /// started after the call record the order in which they take locks, and taking two
    /// locks in an order that inverts one seen before (in any unit) is reported at once as a
    /// *potential* deadlock ([`Deadlock::is_potential`](crate::Deadlock::is_potential)),
    /// printed on standard error and kept in [`deadlocks`](Flavor::deadlocks), even when the
    /// run did not hang. It never panics: see [`crate::deadlock`].
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Threads};
    /// let threads = Threads::new().check_lock_order(true);
    /// threads.clone().run(|_| async {
    ///     let a = <Threads as Flavor>::Mutex::named("a", ());
    ///     let b = <Threads as Flavor>::Mutex::named("b", ());
    ///     drop((a.lock(), b.lock())); // a, then b
    ///     let _b = b.lock();
    ///     let _a = a.lock(); // b, then a: could deadlock against the first order
    /// }).unwrap();
    /// assert!(threads.deadlocks()[0].is_potential());
    /// ```
    fn check_lock_order(self, on: bool) -> Self;

    /// The deadlocks the units of this flavour's runs have closed, oldest first (under every
    /// policy but [`Off`](crate::OnDeadlock::Off)).
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// let threads = Threads::new();
    /// threads.clone().run(|_| async {}).unwrap();
    /// assert!(threads.deadlocks().is_empty());
    /// ```
    fn deadlocks(&self) -> Vec<crate::Deadlock>;

    /// Starts a unit running `future` with the given options, or says why it could not.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads, UnitOptions};
    /// # Threads::new().run(|f| async move {
    /// let handle = f.try_spawn_with(UnitOptions::new("w"), async { 7 }).unwrap();
    /// assert_eq!(handle.join().unwrap(), 7);
    /// # }).unwrap();
    /// ```
    fn try_spawn_with<T, Fut>(
        &self,
        options: UnitOptions,
        future: Fut,
    ) -> Result<Self::JoinHandle<T>, SpawnError>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static;

    /// Starts a named, non-daemon unit, or says why it could not (Python's `Thread.start()`).
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// match f.try_spawn("worker", async { 1 }) {
    ///     Ok(handle) => assert_eq!(handle.join().unwrap(), 1),
    ///     Err(refused) => eprintln!("could not start: {refused}"),
    /// }
    /// # }).unwrap();
    /// ```
    fn try_spawn<T, Fut>(
        &self,
        name: impl Into<Cow<'static, str>>,
        future: Fut,
    ) -> Result<Self::JoinHandle<T>, SpawnError>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.try_spawn_with(UnitOptions::new(name), future)
    }

    /// Starts a named, non-daemon unit.
    ///
    /// # Panics
    ///
    /// If the unit cannot be started (see [`SpawnError`]), like `std::thread::spawn`; use
    /// [`try_spawn`](Flavor::try_spawn) to handle that case.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let handle = f.spawn("worker", async { "done" });
    /// assert_eq!(handle.join().unwrap(), "done");
    /// # }).unwrap();
    /// ```
    fn spawn<T, Fut>(&self, name: impl Into<Cow<'static, str>>, future: Fut) -> Self::JoinHandle<T>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.try_spawn_with(UnitOptions::new(name), future)
            .unwrap_or_else(|err| panic!("twinsync: failed to spawn a unit: {err}"))
    }

    /// Starts a named daemon unit: [`run`](Flavor::run) will not wait for it, and abandons it
    /// when everything else has finished (Python's `daemon=True`).
    ///
    /// # Panics
    ///
    /// As [`spawn`](Flavor::spawn).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Threads};
    /// Threads::new()
    ///     .run(|f| async move {
    ///         let g = f.clone();
    ///         f.spawn_daemon("forever", async move {
    ///             loop {
    ///                 g.sleep(Duration::from_millis(5)).await;
    ///             }
    ///         });
    ///     })
    ///     .unwrap(); // returns: the daemon is not waited for
    /// ```
    fn spawn_daemon<T, Fut>(
        &self,
        name: impl Into<Cow<'static, str>>,
        future: Fut,
    ) -> Self::JoinHandle<T>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.try_spawn_with(UnitOptions::new(name).daemon(true), future)
            .unwrap_or_else(|err| panic!("twinsync: failed to spawn a daemon unit: {err}"))
    }

    /// Starts a [`Job`] as a unit named by the job, or says why it could not.
    ///
    /// ```
    /// # use std::borrow::Cow;
    /// # use twinsync::{Flavor, JoinHandle, Job, Threads};
    /// struct Hello;
    /// impl Job for Hello {
    ///     type Output = String;
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "greeter".into()
    ///     }
    ///     async fn run<F: Flavor>(self, f: F) -> String {
    ///         format!("hello from {}", f.current().name())
    ///     }
    /// }
    /// async fn main_unit<F: Flavor>(f: F) -> String {
    ///     f.try_start(Hello).unwrap().join().await.unwrap()
    /// }
    /// assert_eq!(Threads::new().run(main_unit).unwrap(), "hello from greeter");
    /// ```
    fn try_start<J: Job>(&self, job: J) -> Result<Self::JoinHandle<J::Output>, SpawnError> {
        let options = UnitOptions::new(job.name()).daemon(job.is_daemon());
        self.try_spawn_with(options, job.run(self.clone()))
    }

    /// Starts a [`Job`] as a unit named by the job.
    ///
    /// # Panics
    ///
    /// As [`spawn`](Flavor::spawn).
    ///
    /// ```
    /// # use std::borrow::Cow;
    /// # use twinsync::{Flavor, JoinHandle, Job, Threads};
    /// struct Two;
    /// impl Job for Two {
    ///     type Output = u8;
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "two".into()
    ///     }
    ///     async fn run<F: Flavor>(self, _f: F) -> u8 {
    ///         2
    ///     }
    /// }
    /// async fn main_unit<F: Flavor>(f: F) -> u8 {
    ///     f.start(Two).join().await.unwrap()
    /// }
    /// assert_eq!(Threads::new().run(main_unit).unwrap(), 2);
    /// ```
    fn start<J: Job>(&self, job: J) -> Self::JoinHandle<J::Output> {
        self.try_start(job)
            .unwrap_or_else(|err| panic!("twinsync: failed to start a job: {err}"))
    }

    /// Waits for `duration` (Python's `time.sleep`): in [`Threads`] the unit's executor parks
    /// the OS thread until then, in the tokio flavours the task yields to a tokio timer. A
    /// duration past representable time (`Duration::MAX`) sleeps forever — until cancelled, or
    /// outraced in a `select!`.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use twinsync::{Flavor, Threads};
    /// # Threads::new().run(|f| async move {
    /// let start = Instant::now();
    /// f.sleep(Duration::from_millis(10)).await;
    /// assert!(start.elapsed() >= Duration::from_millis(10));
    /// # }).unwrap();
    /// ```
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Waits until `deadline` (at once if it has passed).
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use twinsync::{Flavor, Threads};
    /// # Threads::new().run(|f| async move {
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// f.sleep_until(deadline).await;
    /// assert!(Instant::now() >= deadline);
    /// # }).unwrap();
    /// ```
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send;

    /// Runs `future` for at most `duration`: its output, or [`Timeout`] (and `future` is
    /// dropped at its current wait, which every twinsync wait survives without loss). The same
    /// on every flavour: on [`Threads`] the deadline is a timer on the unit's own executor.
    ///
    /// A future that is ready at its first poll costs no timer at all.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::{Flavor, Queue, Threads, Timeout};
    ///
    /// async fn impatient<F: Flavor>(f: F) -> (Result<i32, Timeout>, Result<u8, Timeout>) {
    ///     let q = F::Queue::<i32, twinsync::queue::Fifo>::new();
    ///     let nothing = f.timeout(Duration::from_millis(20), async { q.get().await.unwrap() });
    ///     (nothing.await, f.timeout(Duration::from_secs(1), async { 7 }).await)
    /// }
    /// assert_eq!(Threads::new().run(impatient).unwrap(), (Err(Timeout), Ok(7)));
    /// ```
    fn timeout<Fut>(
        &self,
        duration: Duration,
        future: Fut,
    ) -> impl Future<Output = Result<Fut::Output, Timeout>> + Send
    where
        Fut: Future + Send,
    {
        let deadline = crate::wait::deadline_after(duration);
        async move {
            let mut future = pin!(future);
            let mut timer = pin!(None);
            poll_fn(|cx| {
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Ok(output));
                }
                let Some(deadline) = deadline else {
                    return Poll::Pending; // no representable deadline: wait as long as it takes
                };
                if timer.is_none() {
                    timer.set(Some(self.sleep_until(deadline)));
                }
                match timer.as_mut().as_pin_mut() {
                    Some(timer) => timer.poll(cx).map(|()| Err(Timeout)),
                    None => Poll::Pending,
                }
            })
            .await
        }
    }

    /// Gives other units a chance to run (`time.sleep(0)`, `asyncio.sleep(0)`): the future is
    /// pending once, so other futures of the same unit (`join!`) run too, and on [`Threads`]
    /// the OS thread also yields its core.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// # Threads::new().run(|f| async move {
    /// f.yield_now().await;
    /// # }).unwrap();
    /// ```
    fn yield_now(&self) -> impl Future<Output = ()> + Send;

    /// The unit this code runs in (Python's `current_thread()`); the same as [`crate::current`].
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// Threads::new()
    ///     .run(|f| async move { assert_eq!(f.current().name(), "main") })
    ///     .unwrap();
    /// ```
    fn current(&self) -> Unit {
        crate::unit::current()
    }

    /// The live units this flavour value started, oldest first, with names and daemon flags
    /// (Python's `threading.enumerate()`); [`run`](Flavor::run)'s main is one of them.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// Threads::new()
    ///     .run(|f| async move {
    ///         let names: Vec<String> = f.units().iter().map(|u| u.name().to_owned()).collect();
    ///         assert_eq!(names, ["main"]);
    ///     })
    ///     .unwrap();
    /// ```
    fn units(&self) -> Vec<Unit>;

    /// How many units are live (Python's `threading.active_count()`): `units().len()` without
    /// building the list.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// Threads::new()
    ///     .run(|f| async move { assert_eq!(f.active_count(), 1) })
    ///     .unwrap();
    /// ```
    fn active_count(&self) -> usize;

    /// The entry point: runs `main` as a unit named `"main"`, then waits until every
    /// non-daemon unit has finished, and returns `main`'s output (or its panic). Daemon units are
    /// abandoned: [`Threads`] leaves their OS threads running until the process exits, the tokio
    /// flavours drop their tasks with the runtime.
    ///
    /// `main` receives a clone of the flavour, ready to be moved into spawned units.
    ///
    /// # Panics
    ///
    /// The tokio flavours build a fresh runtime here, so, like tokio's `block_on`, `run` panics
    /// when called from inside an async runtime or when the runtime cannot be built.
    ///
    /// ```
    /// use twinsync::{Flavor, Threads};
    ///
    /// let answer = Threads::new().run(|_f| async { 42 }).unwrap();
    /// assert_eq!(answer, 42);
    /// ```
    fn run<T, Fut, Main>(&self, main: Main) -> Result<T, Panicked>
    where
        Main: FnOnce(Self) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static;
}
