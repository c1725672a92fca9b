//! `Mutex`: Python's `threading.Lock`, as twins.
//!
//! One state machine serves both twins, [`ThreadMutex`] and [`TaskMutex`]; they differ only in
//! how they wait (see [`crate::wait`]):
//!
//! | | thread twin: [`ThreadMutex`] | task twin: [`TaskMutex`] |
//! |---|---|---|
//! | waiting | spins briefly, then its unit's executor parks the OS thread | the task yields; woken through its waker |
//! | `lock_timeout` | a timer on the thread's own executor | a tokio timer |
//! | plain blocking methods | yes: `lock()` without `.await` | no |
//!
//! Neither twin's future blocks inside `poll`, so `select!` and `join!` over lock waits behave
//! the same on every flavour, and dropping a waiting `lock()` future (a cancelled unit, a lost
//! `select!`) takes nothing and loses no wake-up.
//!
//! # Fairness
//!
//! Fairness is a choice, [`Policy`](crate::Policy), made at construction, with Python's
//! defaults: the thread twin **barges**, as `threading.Lock` does (a unit that asks at the
//! moment of release may take the lock ahead of a waiter that was asleep, which is much faster
//! under contention and can let one unit win many rounds in a row, though a waiter kept out
//! for half a millisecond turns it fair until served); the task twin hands over in **FIFO**
//! order, as `asyncio.Lock` does (a release goes to the oldest waiter). Either twin takes
//! either policy ([`Mutex::with_policy`]); the `tickets` scenario shows what each does to the
//! same code.
//!
//! # Waiting forms
//!
//! Every waiting operation comes in three forms, as Python's `acquire(blocking, timeout)` does:
//! [`lock`](Mutex::lock) waits, [`try_lock`](Mutex::try_lock) never waits, and
//! [`lock_timeout`](Mutex::lock_timeout) gives up with [`Timeout`] at a deadline, leaving the lock
//! as it was.

use std::future::Future;
use std::ops::DerefMut;
use std::time::Duration;

use crate::error::Timeout;

mod raw;
mod twin;

pub use twin::{MutexGuard, MutexTwin, ThreadMutex, ThreadMutexGuard};

pub(crate) use raw::{RawLock, RawLocking};
#[cfg(feature = "tokio")]
pub use twin::{TaskMutex, TaskMutexGuard};

/// What every lock guard is (of a [`Mutex`], a [`ReentrantMutex`](crate::ReentrantMutex), a
/// [`Condition`](crate::Condition)'s lock): the lock is held while it lives.
///
/// The trait exists for its `#[must_use]`: because every guard type implements it, a guard
/// dropped at once warns even in generic code, where the guard's type is only `M::Guard<'_>`.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// use twinsync::{Flavor, Mutex};
/// async fn forgot_the_guard<F: Flavor>(m: &F::Mutex<u32>) {
///     m.lock().await; // warns: unused implementer of `Guard` that must be used
/// }
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub trait Guard {}

/// A mutual-exclusion lock protecting a `T`: the shared trait of [`ThreadMutex`] and
/// [`TaskMutex`]. Generic code names it as `F::Mutex<T>`.
///
/// The lock is released when the guard is dropped. Guards are `Send`, so they may be held
/// across `.await` in units of any flavour.
///
/// ```
/// use twinsync::{Flavor, Mutex, Threads};
///
/// async fn bump<F: Flavor>(counter: &F::Mutex<u32>) -> u32 {
///     let mut guard = counter.lock().await;
///     *guard += 1;
///     *guard
/// }
///
/// Threads::new()
///     .run(|_| async {
///         let counter = <Threads as Flavor>::Mutex::new(0);
///         assert_eq!(bump::<Threads>(&counter).await, 1);
///     })
///     .unwrap();
/// ```
pub trait Mutex<T>: Send + Sync {
    /// The guard that gives `&mut T` and unlocks on drop.
    type Guard<'a>: DerefMut<Target = T> + Guard + Send + 'a
    where
        Self: 'a;

    /// A new, unlocked mutex holding `value`.
    ///
    /// ```
    /// use twinsync::{Mutex, mutex::ThreadMutex};
    /// let m = <ThreadMutex<_> as Mutex<_>>::new(vec![1, 2, 3]);
    /// assert_eq!(m.try_lock().unwrap().len(), 3);
    /// ```
    fn new(value: T) -> Self
    where
        Self: Sized;

    /// A new, unlocked mutex with the given [`Policy`](crate::Policy) instead of the twin's
    /// default.
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Policy, Threads};
    /// let m = <Threads as Flavor>::Mutex::with_policy(1, Policy::Fifo);
    /// assert_eq!(*m.try_lock().unwrap(), 1);
    /// ```
    fn with_policy(value: T, policy: crate::Policy) -> Self
    where
        Self: Sized;

    /// A new, unlocked mutex named `name` in deadlock reports ([`crate::deadlock`]); an
    /// unnamed one is known by the place it was made.
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Threads};
    /// let fork = <Threads as Flavor>::Mutex::named("fork-1", 0);
    /// assert_eq!(fork.origin().name(), Some("fork-1"));
    /// ```
    fn named(name: &'static str, value: T) -> Self
    where
        Self: Sized;

    /// Where the mutex came from: its name, if it was given one, and where it was made.
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Threads};
    /// let m = <Threads as Flavor>::Mutex::new(0);
    /// assert_eq!((m.origin().name(), m.origin().site().file()), (None, file!()));
    /// ```
    fn origin(&self) -> crate::deadlock::LockOrigin;

    /// Waits until the lock is free, then takes it (`lock.acquire()`).
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Threads};
    ///
    /// async fn add_one<F: Flavor>(_f: F) -> i32 {
    ///     let m = F::Mutex::new(1);
    ///     *m.lock().await += 1;
    ///     let n = *m.lock().await;
    ///     n
    /// }
    /// assert_eq!(Threads::new().run(add_one).unwrap(), 2);
    /// ```
    fn lock(&self) -> impl Future<Output = Self::Guard<'_>> + Send;

    /// Takes the lock if it is free right now (`lock.acquire(blocking=False)`).
    ///
    /// ```
    /// # use twinsync::{Flavor, Mutex, Threads};
    /// let m = <Threads as Flavor>::Mutex::new(());
    /// let held = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(held);
    /// assert!(m.try_lock().is_some());
    /// ```
    fn try_lock(&self) -> Option<Self::Guard<'_>>;

    /// Waits at most `timeout` for the lock (`lock.acquire(timeout=…)`); on [`Timeout`] nothing
    /// was taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::{Flavor, Mutex, Threads, Timeout};
    ///
    /// async fn impatient<F: Flavor>(_f: F) -> Option<Timeout> {
    ///     let m = F::Mutex::new(());
    ///     let _held = m.lock().await;
    ///     m.lock_timeout(Duration::from_millis(5)).await.err()
    /// }
    /// assert_eq!(Threads::new().run(impatient).unwrap(), Some(Timeout));
    /// ```
    fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Self::Guard<'_>, Timeout>> + Send;

    /// Whether some unit holds the lock right now (Python's `lock.locked()`); only a hint, since
    /// it may change at once.
    ///
    /// ```
    /// # use twinsync::{Flavor, Mutex, Threads};
    /// async fn check<F: Flavor>(_f: F) -> (bool, bool) {
    ///     let m = F::Mutex::new(());
    ///     let held = m.lock().await;
    ///     let while_held = m.is_locked();
    ///     drop(held);
    ///     (while_held, m.is_locked())
    /// }
    /// assert_eq!(Threads::new().run(check).unwrap(), (true, false));
    /// ```
    fn is_locked(&self) -> bool;

    /// Who gets it when it is released: the [`Policy`](crate::Policy) chosen at construction,
    /// by default Python's for the twin (`threading` barges, `asyncio` is FIFO).
    ///
    /// ```
    /// # use twinsync::{Flavor, Mutex, Policy, Threads};
    /// async fn policy<F: Flavor>(_f: F) -> Policy {
    ///     F::Mutex::new(()).policy()
    /// }
    /// assert_eq!(Threads::new().run(policy).unwrap(), Policy::Barging);
    /// ```
    fn policy(&self) -> crate::Policy;

    /// The protected value, through exclusive access to the mutex (no locking needed).
    ///
    /// ```
    /// # use twinsync::{Flavor, Mutex, Threads};
    /// let mut m = <Threads as Flavor>::Mutex::new(1);
    /// *m.get_mut() = 5;
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    fn get_mut(&mut self) -> &mut T;

    /// Consumes the mutex and returns the value.
    ///
    /// ```
    /// # use twinsync::{Flavor, Mutex, Threads};
    /// let m = <Threads as Flavor>::Mutex::new(String::from("ticket"));
    /// assert_eq!(m.into_inner(), "ticket");
    /// ```
    fn into_inner(self) -> T
    where
        Self: Sized;
}
