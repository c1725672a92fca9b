//! `Event`: Python's `threading.Event`, a flag that units can wait for.
//!
//! One state machine serves both twins, [`ThreadEvent`] and [`TaskEvent`]; they differ only in
//! how they wait (see [`crate::wait`]).
//!
//! A waiter woken by [`set`](Event::set) returns even if [`clear`](Event::clear) follows at once,
//! before the waiter got to look at the flag (CPython issue 13502): every `set` bumps a
//! generation counter, and a waiter returns when the flag is set *or* the generation moved since
//! it started waiting.

use crate::deadlock::WaitsFor;
use crate::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{self, Blocking, Waiter, block_on, deadline_after};

/// A flag that units can set, clear and wait for: the shared trait of [`ThreadEvent`] and
/// [`TaskEvent`]; generic code names it `F::Event`.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::{Event, Flavor, JoinHandle, Threads};
///
/// async fn start_gun<F: Flavor>(f: F) -> usize {
///     let go = Arc::new(F::Event::new());
///     let runners: Vec<_> = (0..3)
///         .map(|i| {
///             let go = Arc::clone(&go);
///             f.spawn(format!("runner-{i}"), async move { go.wait().await })
///         })
///         .collect();
///     go.set(); // wakes every waiter
///     let mut finished = 0;
///     for r in runners {
///         r.join().await.unwrap();
///         finished += 1;
///     }
///     finished
/// }
/// assert_eq!(Threads::new().run(start_gun).unwrap(), 3);
/// ```
pub trait Event: Send + Sync {
    /// A new event, not set.
    ///
    /// ```
    /// use twinsync::{Event, event::ThreadEvent};
    /// assert!(!<ThreadEvent as Event>::new().is_set());
    /// ```
    fn new() -> Self
    where
        Self: Sized;

    /// Sets the flag and wakes every waiter.
    ///
    /// ```
    /// # use twinsync::{Event, event::ThreadEvent};
    /// let e = ThreadEvent::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    fn set(&self);

    /// Clears the flag; later waiters wait again.
    ///
    /// ```
    /// # use twinsync::{Event, event::ThreadEvent};
    /// let e = ThreadEvent::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    fn clear(&self);

    /// Whether the flag is set.
    ///
    /// ```
    /// # use twinsync::{Event, event::ThreadEvent};
    /// assert!(!ThreadEvent::new().is_set());
    /// ```
    fn is_set(&self) -> bool;

    /// Waits until the flag is set (returns at once if it is).
    ///
    /// ```
    /// # use twinsync::{Event, Flavor, Threads};
    /// async fn already_set<F: Flavor>(_f: F) {
    ///     let e = F::Event::new();
    ///     e.set();
    ///     e.wait().await;
    /// }
    /// Threads::new().run(already_set).unwrap();
    /// ```
    fn wait(&self) -> impl Future<Output = ()> + Send;

    /// Waits at most `timeout`; returns whether the event fired (Python's `wait(timeout)`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Event, Flavor, Threads};
    /// async fn nobody_sets<F: Flavor>(_f: F) -> bool {
    ///     F::Event::new().wait_timeout(Duration::from_millis(5)).await
    /// }
    /// assert!(!Threads::new().run(nobody_sets).unwrap());
    /// ```
    fn wait_timeout(&self, timeout: Duration) -> impl Future<Output = bool> + Send;
}

/// The event state machine, generic over how it waits. Use the aliases [`ThreadEvent`] and
/// [`TaskEvent`].
pub struct EventTwin<W> {
    /// Bit 0: the flag. The bits above: how many times the flag went from clear to set. One
    /// word, so a waiter reads both in one step: a `set` that was still under way when the wait
    /// began can never pass for a later one.
    state: AtomicU64,
    changed: event_listener::Event,
    waiter: PhantomData<fn() -> W>,
}

/// The thread twin of [`Event`]: waiting blocks the OS thread. Its inherent `wait` and
/// `wait_timeout` block directly, for code with no async at all.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::event::ThreadEvent;
///
/// let ready = Arc::new(ThreadEvent::new());
/// let setter = {
///     let ready = Arc::clone(&ready);
///     std::thread::spawn(move || ready.set())
/// };
/// ready.wait(); // blocks until the other thread sets it
/// setter.join().unwrap();
/// ```
pub type ThreadEvent = EventTwin<Blocking>;

/// The task twin of [`Event`]: waiting yields the task. Dropping a waiting future is harmless.
///
/// ```
/// use twinsync::{Flavor, TokioLocal, event::TaskEvent};
///
/// TokioLocal::new()
///     .run(|_| async {
///         let e = TaskEvent::new();
///         e.set();
///         e.wait().await;
///     })
///     .unwrap();
/// ```
#[cfg(feature = "tokio")]
pub type TaskEvent = EventTwin<Async>;

/// The flag bit of [`EventTwin::state`]; the generation counts in units of [`GENERATION`].
const FLAG: u64 = 1;
const GENERATION: u64 = 2;

impl<W: Waiter> EventTwin<W> {
    crate::sync::const_fn! {
        /// A new event, not set.
        ///
        /// ```
        /// let e = twinsync::event::ThreadEvent::new();
        /// assert!(!e.is_set());
        /// ```
        pub const fn new() -> Self {
            EventTwin {
                state: AtomicU64::new(0),
                changed: event_listener::Event::new(),
                waiter: PhantomData,
            }
        }
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// ```
    /// let e = twinsync::event::ThreadEvent::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        let raised = self.state.fetch_update(SeqCst, SeqCst, |state| {
            (state & FLAG == 0).then_some((state + GENERATION) | FLAG)
        });
        if raised.is_ok() {
            self.changed.notify(usize::MAX);
        }
    }

    /// Clears the flag.
    ///
    /// ```
    /// let e = twinsync::event::ThreadEvent::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.fetch_and(!FLAG, SeqCst);
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// assert!(!twinsync::event::ThreadEvent::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.load(SeqCst) & FLAG != 0
    }

    /// The wait of both twins; returns whether the event fired before `deadline`.
    async fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let start = self.state.load(SeqCst);
        let fired = || {
            let now = self.state.load(SeqCst);
            now & FLAG != 0 || (now ^ start) & !FLAG != 0
        };
        if wait::ready_soon::<W>(&self.changed, deadline, fired) {
            return true;
        }
        wait::until_true::<W>(WaitsFor::Event, &self.changed, deadline, fired)
            .await
            .is_ok()
    }
}

impl ThreadEvent {
    /// Blocks the calling thread until the flag is set.
    ///
    /// ```
    /// let e = twinsync::event::ThreadEvent::new();
    /// e.set();
    /// e.wait();
    /// ```
    pub fn wait(&self) {
        block_on(self.wait_until(None));
    }

    /// Blocks at most `timeout`; returns whether the event fired.
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = twinsync::event::ThreadEvent::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(1)));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        block_on(self.wait_until(deadline_after(timeout)))
    }
}

#[cfg(feature = "tokio")]
impl TaskEvent {
    /// Waits, yielding the task, until the flag is set.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let e = twinsync::event::TaskEvent::new();
    /// e.set();
    /// e.wait().await;
    /// # });
    /// ```
    pub async fn wait(&self) {
        self.wait_until(None).await;
    }

    /// Waits at most `timeout` (a tokio timer: call it inside a tokio runtime); returns whether
    /// the event fired.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let e = twinsync::event::TaskEvent::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(1)).await);
    /// # }).unwrap();
    /// ```
    pub async fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(deadline_after(timeout)).await
    }
}

impl<W: Waiter> Event for EventTwin<W> {
    fn new() -> Self {
        EventTwin::new()
    }

    fn set(&self) {
        EventTwin::set(self)
    }

    fn clear(&self) {
        EventTwin::clear(self)
    }

    fn is_set(&self) -> bool {
        EventTwin::is_set(self)
    }

    async fn wait(&self) {
        self.wait_until(None).await;
    }

    fn wait_timeout(&self, timeout: Duration) -> impl Future<Output = bool> + Send {
        self.wait_until(deadline_after(timeout))
    }
}

impl<W: Waiter> Default for EventTwin<W> {
    fn default() -> Self {
        EventTwin::new()
    }
}

impl<W> fmt::Debug for EventTwin<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &(self.state.load(SeqCst) & FLAG != 0))
            .finish()
    }
}
