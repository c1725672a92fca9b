//! `Lock`: Python's `threading.Lock` and `asyncio.Lock` exactly — a lock that protects no data,
//! taken with `acquire()` and given back with `release()`, possibly in another function or by
//! another unit.
//!
//! Rust's usual lock is [`Mutex`](crate::Mutex): the data lives inside, and a guard both gives
//! access and releases on drop, so a forgotten release cannot happen. Python code is written
//! the other way — `lock.acquire()` … `lock.release()`, or `with lock:` — and the seeds'
//! examples use both. `Lock` is that shape, kept safe:
//!
//! | Python | twinsync |
//! |---|---|
//! | `lock.acquire()` | `lock.acquire().await` |
//! | `lock.acquire(blocking=False)` | `lock.try_acquire()` → `bool` |
//! | `lock.acquire(timeout=t)` | `lock.acquire_timeout(t).await` → `Result<(), Timeout>` |
//! | `lock.release()` (unlocked: `RuntimeError`) | `lock.release()` → `Result<(), NotHeld>` |
//! | `with lock:` | `let _held = lock.lock().await;` (a guard; `into_held()` turns it into a bare acquire) |
//! | `lock.locked()` | `lock.is_locked()` |
//!
//! Like Python's, the lock has no owner: any unit may release it (a hand-over between units),
//! and only releasing a lock that nobody holds is an error. It is the same state machine as the
//! [`Mutex`](crate::Mutex) twins' (see [`crate::mutex`]).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use crate::error::{NotHeld, Timeout};
use crate::mutex::{Guard, RawLock, RawLocking};
use crate::policy::Policy;
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{Blocking, Wait, Waiter, block_after_failed_try, block_on, deadline_after};

/// A lock without data, acquired and released by hand: the shared trait of [`ThreadLock`] and
/// [`TaskLock`]; generic code names it `F::Lock`.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::{Flavor, JoinHandle, Lock, Threads};
///
/// // The seeds' style: acquire in one place, release in another.
/// async fn hand_over<F: Flavor>(f: F) -> bool {
///     let lock = Arc::new(F::Lock::new());
///     lock.acquire().await;
///     let other = {
///         let lock = Arc::clone(&lock);
///         f.spawn("releaser", async move { lock.release().is_ok() })
///     };
///     let released = other.join().await.unwrap(); // another unit released it
///     released && !lock.is_locked()
/// }
/// assert!(Threads::new().run(hand_over).unwrap());
/// ```
pub trait Lock: Send + Sync {
    /// The guard [`lock`](Lock::lock) gives: releases on drop.
    type Guard<'a>: Guard + Send + 'a
    where
        Self: 'a;

    /// A new, unlocked lock.
    ///
    /// ```
    /// use twinsync::{Lock, lock::ThreadLock};
    /// assert!(!<ThreadLock as Lock>::new().is_locked());
    /// ```
    fn new() -> Self
    where
        Self: Sized;

    /// A new, unlocked lock with the given [`Policy`] instead of the twin's default.
    ///
    /// ```
    /// use twinsync::{Flavor, Lock, Policy, Threads};
    /// let lock = <Threads as Flavor>::Lock::with_policy(Policy::Fifo);
    /// assert!(!lock.is_locked());
    /// ```
    fn with_policy(policy: Policy) -> Self
    where
        Self: Sized;

    /// A new, unlocked lock named `name` in deadlock reports ([`crate::deadlock`]).
    ///
    /// ```
    /// use twinsync::{Flavor, Lock, Threads};
    /// let fork = <Threads as Flavor>::Lock::named("fork-1");
    /// assert_eq!(fork.origin().name(), Some("fork-1"));
    /// ```
    fn named(name: &'static str) -> Self
    where
        Self: Sized;

    /// Where the lock came from: its name, if it was given one, and where it was made.
    ///
    /// ```
    /// use twinsync::{Flavor, Lock, Threads};
    /// assert_eq!(<Threads as Flavor>::Lock::new().origin().name(), None);
    /// ```
    fn origin(&self) -> crate::deadlock::LockOrigin;

    /// Waits until the lock is free and takes it (`lock.acquire()`); it stays taken until a
    /// [`release`](Lock::release).
    ///
    /// ```
    /// # use twinsync::{Flavor, Lock, Threads};
    /// async fn take<F: Flavor>(_f: F) -> bool {
    ///     let lock = F::Lock::new();
    ///     lock.acquire().await;
    ///     lock.is_locked()
    /// }
    /// assert!(Threads::new().run(take).unwrap());
    /// ```
    fn acquire(&self) -> impl Future<Output = ()> + Send;

    /// Takes the lock if it is free right now (`lock.acquire(blocking=False)`).
    ///
    /// ```
    /// # use twinsync::{Lock, lock::ThreadLock};
    /// let lock = <ThreadLock as Lock>::new();
    /// assert!(Lock::try_acquire(&lock));
    /// assert!(!Lock::try_acquire(&lock));
    /// ```
    fn try_acquire(&self) -> bool;

    /// Waits at most `timeout` for the lock (`lock.acquire(timeout=…)`); on [`Timeout`] it was
    /// not taken.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Lock, Threads, Timeout};
    /// async fn busy<F: Flavor>(_f: F) -> Result<(), Timeout> {
    ///     let lock = F::Lock::new();
    ///     lock.acquire().await;
    ///     lock.acquire_timeout(Duration::from_millis(5)).await
    /// }
    /// assert_eq!(Threads::new().run(busy).unwrap(), Err(Timeout));
    /// ```
    fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), Timeout>> + Send;

    /// Releases the lock, whoever took it (`lock.release()`); [`NotHeld`] if nobody held it.
    ///
    /// ```
    /// # use twinsync::{Lock, NotHeld, lock::ThreadLock};
    /// let lock = <ThreadLock as Lock>::new();
    /// assert!(Lock::try_acquire(&lock));
    /// assert_eq!(Lock::release(&lock), Ok(()));
    /// assert_eq!(Lock::release(&lock), Err(NotHeld));
    /// ```
    fn release(&self) -> Result<(), NotHeld>;

    /// Waits for the lock and returns a guard that releases it when dropped (`with lock:`).
    ///
    /// ```
    /// # use twinsync::{Flavor, Lock, Threads};
    /// async fn scoped<F: Flavor>(_f: F) -> (bool, bool) {
    ///     let lock = F::Lock::new();
    ///     let held = lock.lock().await;
    ///     let during = lock.is_locked();
    ///     drop(held);
    ///     (during, lock.is_locked())
    /// }
    /// assert_eq!(Threads::new().run(scoped).unwrap(), (true, false));
    /// ```
    fn lock(&self) -> impl Future<Output = Self::Guard<'_>> + Send;

    /// Whether some unit holds the lock right now (`lock.locked()`); only a hint.
    ///
    /// ```
    /// # use twinsync::{Lock, lock::ThreadLock};
    /// assert!(!Lock::is_locked(&<ThreadLock as Lock>::new()));
    /// ```
    fn is_locked(&self) -> bool;

    /// Who gets it when it is released: the [`Policy`] chosen at construction,
    /// by default Python's for the twin (`threading` barges, `asyncio` is FIFO).
    ///
    /// ```
    /// # use twinsync::{Flavor, Lock, Policy, Threads};
    /// async fn policy<F: Flavor>(_f: F) -> Policy {
    ///     F::Lock::new().policy()
    /// }
    /// assert_eq!(Threads::new().run(policy).unwrap(), Policy::Barging);
    /// ```
    fn policy(&self) -> crate::Policy;
}

/// The lock of both twins, generic over how it waits. Use the aliases [`ThreadLock`] and
/// [`TaskLock`].
pub struct LockTwin<W> {
    raw: RawLock,
    waiter: PhantomData<fn() -> W>,
}

/// The thread twin of [`Lock`]: waiting spins briefly, then parks the OS thread. Its inherent
/// `acquire`, `acquire_timeout` and `lock` block directly, for code with no async at all.
///
/// ```
/// use twinsync::lock::ThreadLock;
///
/// let lock = ThreadLock::new();
/// lock.acquire(); // plain, blocking: Python's lock.acquire()
/// assert!(lock.is_locked());
/// lock.release().unwrap();
/// ```
pub type ThreadLock = LockTwin<Blocking>;

/// The task twin of [`Lock`] (Python's `asyncio.Lock`): waiting yields the task.
///
/// ```
/// # twinsync::block_on(async {
/// let lock = twinsync::lock::TaskLock::new();
/// lock.acquire().await;
/// lock.release().unwrap();
/// # });
/// ```
#[cfg(feature = "tokio")]
pub type TaskLock = LockTwin<Async>;

/// A held [`Lock`]: releases it when dropped, unless [`into_held`](LockGuard::into_held) turned
/// it into a bare acquire.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, W> {
    lock: &'a LockTwin<W>,
}

impl<W> LockGuard<'_, W> {
    /// Keeps the lock held without the guard, as a bare `acquire()` would: a later
    /// [`release`](Lock::release) gives it back.
    ///
    /// ```
    /// let lock = twinsync::lock::ThreadLock::new();
    /// lock.lock().into_held();
    /// assert!(lock.is_locked());
    /// lock.release().unwrap();
    /// ```
    pub fn into_held(self) {
        std::mem::forget(self);
    }
}

impl<W> Drop for LockGuard<'_, W> {
    fn drop(&mut self) {
        self.lock.raw.unlock();
    }
}

impl<W> Guard for LockGuard<'_, W> {}

impl<W> fmt::Debug for LockGuard<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockGuard")
    }
}

impl<W: Waiter> LockTwin<W> {
    crate::sync::const_fn! {
        /// A new, unlocked lock with the twin's default [`Policy`] (the thread twin barges, as
        /// `threading.Lock`; the task twin hands over in FIFO order, as `asyncio.Lock`).
        ///
        /// ```
        /// assert!(!twinsync::lock::ThreadLock::new().is_locked());
        /// ```
        #[track_caller]
        pub const fn new() -> Self {
            Self::made(W::POLICY, None)
        }
    }

    crate::sync::const_fn! {
        /// A new, unlocked lock named `name` in deadlock reports ([`crate::deadlock`]).
        ///
        /// ```
        /// let fork = twinsync::lock::ThreadLock::named("fork-1");
        /// assert_eq!(fork.origin().name(), Some("fork-1"));
        /// ```
        #[track_caller]
        pub const fn named(name: &'static str) -> Self {
            Self::made(W::POLICY, Some(name))
        }
    }
}

impl<W> LockTwin<W> {
    crate::sync::const_fn! {
        /// A new, unlocked lock with the given [`Policy`].
        ///
        /// ```
        /// use twinsync::{Policy, lock::ThreadLock};
        /// assert_eq!(ThreadLock::with_policy(Policy::Fifo).policy(), Policy::Fifo);
        /// ```
        #[track_caller]
        pub const fn with_policy(policy: Policy) -> Self {
            Self::made(policy, None)
        }
    }

    crate::sync::const_fn! {
        #[track_caller]
        const fn made(policy: Policy, name: Option<&'static str>) -> Self {
            LockTwin {
                raw: RawLock::new(policy, name),
                waiter: PhantomData,
            }
        }
    }

    /// Where the lock came from: its name, if it was given one, and where it was made.
    ///
    /// ```
    /// let lock = twinsync::lock::ThreadLock::new();
    /// assert_eq!(lock.origin().site().file(), file!());
    /// ```
    pub fn origin(&self) -> crate::deadlock::LockOrigin {
        self.raw.origin()
    }

    /// Which waiter a release serves: see [`Policy`].
    ///
    /// ```
    /// use twinsync::{Policy, lock::ThreadLock};
    /// assert_eq!(ThreadLock::new().policy(), Policy::Barging);
    /// ```
    pub fn policy(&self) -> Policy {
        self.raw.policy()
    }

    /// Takes the lock if it is free right now.
    ///
    /// ```
    /// let lock = twinsync::lock::ThreadLock::new();
    /// assert!(lock.try_acquire());
    /// assert!(!lock.try_acquire());
    /// ```
    pub fn try_acquire(&self) -> bool {
        self.raw.try_lock()
    }

    /// Releases the lock, whoever holds it; [`NotHeld`] if nobody does.
    ///
    /// ```
    /// let lock = twinsync::lock::ThreadLock::new();
    /// assert!(lock.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), NotHeld> {
        self.raw.try_unlock().then_some(()).ok_or(NotHeld)
    }

    /// Whether some unit holds the lock right now; only a hint.
    ///
    /// ```
    /// assert!(!twinsync::lock::ThreadLock::new().is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    fn guard(&self) -> LockGuard<'_, W> {
        LockGuard { lock: self }
    }
}

impl<W: Waiter> LockTwin<W> {
    fn acquire_until(&self, deadline: Option<Instant>) -> Wait<W, RawLocking<'_>> {
        Wait::new(self.raw.taking(), deadline)
    }
}

impl ThreadLock {
    /// Blocks until the lock is free and takes it.
    ///
    /// ```
    /// let lock = twinsync::lock::ThreadLock::new();
    /// lock.acquire();
    /// assert!(lock.is_locked());
    /// ```
    pub fn acquire(&self) {
        if !self.try_acquire() {
            block_after_failed_try(self.raw.taking());
        }
    }

    /// Blocks at most `timeout` for the lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = twinsync::lock::ThreadLock::new();
    /// lock.acquire();
    /// assert!(lock.acquire_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        block_on(self.acquire_until(deadline_after(timeout)))
    }

    /// Blocks until the lock is free and returns a guard that releases it.
    ///
    /// ```
    /// let lock = twinsync::lock::ThreadLock::new();
    /// let held = lock.lock();
    /// assert!(lock.is_locked());
    /// # drop(held);
    /// ```
    pub fn lock(&self) -> LockGuard<'_, Blocking> {
        self.acquire();
        self.guard()
    }
}

#[cfg(feature = "tokio")]
impl TaskLock {
    /// Waits (yielding the task) until the lock is free and takes it.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let lock = twinsync::lock::TaskLock::new();
    /// lock.acquire().await;
    /// assert!(lock.is_locked());
    /// # });
    /// ```
    pub async fn acquire(&self) {
        Wait::<Async, _>::forever(self.raw.taking()).await
    }

    /// Waits at most `timeout` for the lock (a tokio timer: call it inside a runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let lock = twinsync::lock::TaskLock::new();
    /// assert!(lock.acquire_timeout(Duration::from_millis(1)).await.is_ok());
    /// # }).unwrap();
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.acquire_until(deadline_after(timeout)).await
    }

    /// Waits for the lock and returns a guard that releases it.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let lock = twinsync::lock::TaskLock::new();
    /// let held = lock.lock().await;
    /// # drop(held);
    /// # });
    /// ```
    pub async fn lock(&self) -> LockGuard<'_, Async> {
        self.acquire().await;
        self.guard()
    }
}

impl<W: Waiter> Lock for LockTwin<W> {
    type Guard<'a> = LockGuard<'a, W>;

    #[track_caller]
    fn new() -> Self {
        LockTwin::new()
    }

    #[track_caller]
    fn with_policy(policy: Policy) -> Self {
        LockTwin::with_policy(policy)
    }

    #[track_caller]
    fn named(name: &'static str) -> Self {
        LockTwin::named(name)
    }

    fn origin(&self) -> crate::deadlock::LockOrigin {
        LockTwin::origin(self)
    }

    fn acquire(&self) -> impl Future<Output = ()> + Send {
        Wait::<W, _>::forever(self.raw.taking())
    }

    fn try_acquire(&self) -> bool {
        LockTwin::try_acquire(self)
    }

    fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), Timeout>> + Send {
        self.acquire_until(deadline_after(timeout))
    }

    fn release(&self) -> Result<(), NotHeld> {
        LockTwin::release(self)
    }

    async fn lock(&self) -> LockGuard<'_, W> {
        Wait::<W, _>::forever(self.raw.taking()).await;
        self.guard()
    }

    fn is_locked(&self) -> bool {
        LockTwin::is_locked(self)
    }

    fn policy(&self) -> crate::Policy {
        LockTwin::policy(self)
    }
}

impl<W: Waiter> Default for LockTwin<W> {
    #[track_caller]
    fn default() -> Self {
        LockTwin::new()
    }
}

impl<W> fmt::Debug for LockTwin<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.is_locked())
            .finish()
    }
}
