//! `ReentrantMutex`: Python's `threading.RLock`, the reentrancy guard.
//!
//! The unit that holds the lock may lock it again; every lock hands out its own guard, and the
//! lock is free again when the last guard of the owner is dropped. Any other unit waits.
//!
//! # Who is "the owner"?
//!
//! Ownership is keyed on the **unit** ([`crate::current`]), never on the OS thread:
//!
//! - In [`Threads`](crate::Threads) a unit is an OS thread, so this is `RLock`'s usual rule.
//! - In the tokio flavours a unit is a task, which may move to another worker thread at every
//!   `.await`; keying on the thread would let a second task on the same worker "re-enter" a lock
//!   it never took, and would lock a task out of its own lock after a migration. No async
//!   runtime offers a reentrant mutex for this reason; twinsync can, because it owns `spawn`
//!   and knows which unit is being polled.
//! - Two sub-futures of **one** unit (`futures::join!`, `select!`) *are* that unit. If one holds
//!   the lock, the other re-enters it at once instead of waiting. This is reentrancy, not a bug:
//!   a reentrant lock protects against other units, not against yourself. If sub-futures need to
//!   exclude each other, give them a plain [`Mutex`](crate::Mutex), or spawn them as units.
//! - Code outside any unit is keyed on its OS thread, and a tokio task that twinsync did not
//!   spawn on that task, with an identity of its own ([`Unit::is_foreign`](crate::Unit::is_foreign)):
//!   two raw `tokio::spawn` tasks exclude each other even on one worker thread, and a raw task
//!   that moves between workers still owns its lock.
//!
//! # Shared access only
//!
//! Guards give `&T`, since the owner may hold several at once. To change the protected value,
//! put interior mutability inside: atomics, or a `std::sync::Mutex` / [`ThreadMutex`](crate::mutex::ThreadMutex)
//! locked only briefly (never across a nested call that locks it again). Guards are `Send`
//! (they may be held across `.await`), so `T` must be `Sync`: `RefCell` does not fit.
//!
//! # How it is built
//!
//! One implementation serves both twins: a one-permit lock as the gate (the mutex's, in the
//! twin's policy), plus the owner's unit id and a depth counter. Only the owner ever writes
//! its own id, and only the owner writes the depth, so re-entry is a load and a store.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::time::Duration;

use crate::error::{NotHeld, Timeout};
use crate::mutex::RawLock;
use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{Blocking, Waiter, block_after_failed_try, block_on, deadline_after};

mod enter;

/// A mutual-exclusion lock that its owner may take again: the shared trait of
/// [`ThreadReentrantMutex`] and [`TaskReentrantMutex`]; generic code names it
/// `F::ReentrantMutex<T>`. See the [module docs](self) for what "owner" means per flavour.
///
/// ```
/// use twinsync::{Flavor, ReentrantMutex, Threads};
///
/// // Each level of the recursion takes the lock again.
/// fn depth<'a, M: ReentrantMutex<()>>(lock: &'a M, n: u32) -> futures::future::BoxFuture<'a, u32> {
///     Box::pin(async move {
///         let _guard = lock.lock().await;
///         if n == 0 { 0 } else { 1 + depth(lock, n - 1).await }
///     })
/// }
///
/// async fn main_unit<F: Flavor>(_f: F) -> u32 {
///     let lock = F::ReentrantMutex::new(());
///     depth(&lock, 5).await
/// }
/// assert_eq!(Threads::new().run(main_unit).unwrap(), 5);
/// ```
pub trait ReentrantMutex<T>: Send + Sync {
    /// The guard: shared access to `T`; the lock is released when the owner's last guard drops.
    type Guard<'a>: Deref<Target = T> + crate::mutex::Guard + Send + 'a
    where
        Self: 'a;

    /// A new, unlocked reentrant mutex.
    ///
    /// ```
    /// use twinsync::{ReentrantMutex, reentrant::ThreadReentrantMutex};
    /// let m = <ThreadReentrantMutex<u8> as ReentrantMutex<u8>>::new(7);
    /// assert_eq!(*m.try_lock().unwrap(), 7);
    /// ```
    fn new(value: T) -> Self
    where
        Self: Sized;

    /// A new, unlocked reentrant mutex named `name` in deadlock reports ([`crate::deadlock`]).
    ///
    /// ```
    /// use twinsync::{Flavor, ReentrantMutex, Threads};
    /// let m = <Threads as Flavor>::ReentrantMutex::named("ledger", ());
    /// assert_eq!(m.origin().name(), Some("ledger"));
    /// ```
    fn named(name: &'static str, value: T) -> Self
    where
        Self: Sized;

    /// Where the mutex came from: its name, if it was given one, and where it was made.
    ///
    /// ```
    /// use twinsync::{Flavor, ReentrantMutex, Threads};
    /// assert_eq!(<Threads as Flavor>::ReentrantMutex::new(()).origin().name(), None);
    /// ```
    fn origin(&self) -> crate::deadlock::LockOrigin;

    /// Takes the lock, waiting if another unit holds it; returns at once if this unit does.
    ///
    /// ```
    /// # use twinsync::{Flavor, ReentrantMutex, Threads};
    /// async fn twice<F: Flavor>(_f: F) -> bool {
    ///     let m = F::ReentrantMutex::new(());
    ///     let outer = m.lock().await;
    ///     let inner = m.lock().await; // the owner re-enters
    ///     drop((inner, outer));
    ///     m.try_lock().is_some()
    /// }
    /// assert!(Threads::new().run(twice).unwrap());
    /// ```
    fn lock(&self) -> impl Future<Output = Self::Guard<'_>> + Send;

    /// Takes the lock if it is free or held by this unit; never waits.
    ///
    /// ```
    /// # use twinsync::{ReentrantMutex, reentrant::ThreadReentrantMutex};
    /// let m = ThreadReentrantMutex::new(());
    /// let a = m.try_lock().unwrap();
    /// let b = m.try_lock().unwrap(); // same unit: fine
    /// # drop((a, b));
    /// ```
    fn try_lock(&self) -> Option<Self::Guard<'_>>;

    /// Waits at most `timeout` for the lock; on [`Timeout`] nothing was taken.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, JoinHandle, ReentrantMutex, Threads};
    /// # use std::sync::Arc;
    /// async fn contested<F: Flavor>(f: F) -> bool {
    ///     let m = Arc::new(F::ReentrantMutex::new(()));
    ///     let _mine = m.lock().await;
    ///     let other = Arc::clone(&m);
    ///     let h = f.spawn("other", async move {
    ///         other.lock_timeout(Duration::from_millis(5)).await.is_err()
    ///     });
    ///     h.join().await.unwrap()
    /// }
    /// assert!(Threads::new().run(contested).unwrap());
    /// ```
    fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Self::Guard<'_>, Timeout>> + Send;

    /// Takes one level of the lock without a guard (Python's `rlock.acquire()`), waiting if
    /// another unit holds it; a later [`release`](ReentrantMutex::release) by this unit gives
    /// the level back.
    ///
    /// ```
    /// # use twinsync::{Flavor, ReentrantMutex, Threads};
    /// async fn bare<F: Flavor>(_f: F) -> bool {
    ///     let m = F::ReentrantMutex::new(());
    ///     m.acquire().await;
    ///     m.acquire().await; // the owner re-enters
    ///     m.release().unwrap();
    ///     m.release().unwrap();
    ///     !m.is_locked()
    /// }
    /// assert!(Threads::new().run(bare).unwrap());
    /// ```
    fn acquire(&self) -> impl Future<Output = ()> + Send;

    /// Takes one level without a guard if the lock is free or this unit's; never waits.
    ///
    /// ```
    /// # use twinsync::{ReentrantMutex, reentrant::ThreadReentrantMutex};
    /// let m = ThreadReentrantMutex::new(());
    /// assert!(ReentrantMutex::try_acquire(&m));
    /// ReentrantMutex::release(&m).unwrap();
    /// ```
    fn try_acquire(&self) -> bool;

    /// Waits at most `timeout` for one level without a guard; on [`Timeout`] nothing was taken.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, ReentrantMutex, Threads};
    /// async fn free<F: Flavor>(_f: F) -> bool {
    ///     let m = F::ReentrantMutex::new(());
    ///     let took = m.acquire_timeout(Duration::from_millis(5)).await.is_ok();
    ///     took && m.release().is_ok()
    /// }
    /// assert!(Threads::new().run(free).unwrap());
    /// ```
    fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), Timeout>> + Send;

    /// Gives back one level taken by [`acquire`](ReentrantMutex::acquire) (or kept by a guard's
    /// `into_held`): Python's `rlock.release()`. [`NotHeld`] if this unit does not own the lock
    /// (Python's "cannot release un-acquired lock"), or owns it only through live guards, which
    /// give their levels back themselves.
    ///
    /// ```
    /// # use twinsync::{NotHeld, ReentrantMutex, reentrant::ThreadReentrantMutex};
    /// let m = ThreadReentrantMutex::new(());
    /// assert_eq!(ReentrantMutex::release(&m), Err(NotHeld));
    /// ```
    fn release(&self) -> Result<(), NotHeld>;

    /// Whether some unit owns the lock right now (CPython's `RLock.locked()`); only a hint.
    ///
    /// ```
    /// # use twinsync::{ReentrantMutex, reentrant::ThreadReentrantMutex};
    /// let m = ThreadReentrantMutex::new(());
    /// let g = m.try_lock().unwrap();
    /// assert!(ReentrantMutex::is_locked(&m));
    /// # drop(g);
    /// ```
    fn is_locked(&self) -> bool;

    /// Whether the current unit holds the lock (CPython's `RLock._is_owned()`).
    ///
    /// ```
    /// # use twinsync::{ReentrantMutex, reentrant::ThreadReentrantMutex};
    /// let m = ThreadReentrantMutex::new(());
    /// assert!(!m.is_owned_by_current());
    /// let g = m.try_lock().unwrap();
    /// assert!(m.is_owned_by_current());
    /// # drop(g);
    /// ```
    fn is_owned_by_current(&self) -> bool;
}

/// The reentrant mutex, generic over how it waits. Use the aliases [`ThreadReentrantMutex`] and
/// [`TaskReentrantMutex`].
pub struct ReentrantMutexTwin<T, W> {
    gate: RawLock,
    waiter: PhantomData<fn() -> W>,
    /// The owning unit's id, or 0 when free (unit ids start at 1).
    owner: AtomicU64,
    /// How many levels the owner holds: its guards plus its bare acquires.
    depth: AtomicUsize,
    /// How many of those levels are bare (taken by `acquire`, or kept by `into_held`): only
    /// these may be given back by `release`. Touched only by the owner.
    bare: AtomicUsize,
    value: T,
}

/// The thread twin of [`ReentrantMutex`]: waiting blocks the OS thread. Its inherent `lock`
/// and `lock_timeout` block directly.
///
/// ```
/// use twinsync::reentrant::ThreadReentrantMutex;
///
/// let m = ThreadReentrantMutex::new(5);
/// let outer = m.lock();
/// let inner = m.lock(); // same thread: no deadlock
/// assert_eq!(*outer + *inner, 10);
/// ```
pub type ThreadReentrantMutex<T> = ReentrantMutexTwin<T, Blocking>;

/// The task twin of [`ReentrantMutex`]: keyed on the task (the unit), waiting yields.
///
/// ```
/// use twinsync::{Flavor, Tokio, reentrant::TaskReentrantMutex};
///
/// Tokio::new()
///     .run(|f| async move {
///         let m = TaskReentrantMutex::new(());
///         let outer = m.lock().await;
///         f.sleep(std::time::Duration::from_millis(1)).await; // may move to another worker
///         let inner = m.lock().await; // still the owner: re-enters
///         drop((inner, outer));
///     })
///     .unwrap();
/// ```
#[cfg(feature = "tokio")]
pub type TaskReentrantMutex<T> = ReentrantMutexTwin<T, Async>;

/// A guard of a reentrant mutex of either twin.
#[must_use = "the lock is released when the owner's last guard is dropped"]
pub struct ReentrantMutexGuard<'a, T, W> {
    mutex: &'a ReentrantMutexTwin<T, W>,
}

#[inline]
fn current_owner() -> u64 {
    crate::unit::current_id().as_u64()
}

impl<T, W> ReentrantMutexTwin<T, W> {
    crate::sync::const_fn! {
        /// A new, unlocked reentrant mutex.
        ///
        /// ```
        /// let m = twinsync::reentrant::ThreadReentrantMutex::new("shared");
        /// assert!(!m.is_owned_by_current());
        /// ```
        #[track_caller]
        pub const fn new(value: T) -> Self
        where
            W: Waiter,
        {
            Self::made(value, None)
        }
    }

    crate::sync::const_fn! {
        /// A new, unlocked reentrant mutex named `name` in deadlock reports
        /// ([`crate::deadlock`]).
        ///
        /// ```
        /// let m = twinsync::reentrant::ThreadReentrantMutex::named("ledger", ());
        /// assert_eq!(m.origin().name(), Some("ledger"));
        /// ```
        #[track_caller]
        pub const fn named(name: &'static str, value: T) -> Self
        where
            W: Waiter,
        {
            Self::made(value, Some(name))
        }
    }

    crate::sync::const_fn! {
        #[track_caller]
        const fn made(value: T, name: Option<&'static str>) -> Self
        where
            W: Waiter,
        {
            ReentrantMutexTwin {
                gate: RawLock::new(W::POLICY, name),
                waiter: PhantomData,
                owner: AtomicU64::new(0),
                depth: AtomicUsize::new(0),
                bare: AtomicUsize::new(0),
                value,
            }
        }
    }

    /// Where the mutex came from: its name, if it was given one, and where it was made.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// assert_eq!(m.origin().site().file(), file!());
    /// ```
    pub fn origin(&self) -> crate::deadlock::LockOrigin {
        self.gate.origin()
    }

    /// Whether the current unit holds the lock.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// let g = m.lock();
    /// assert!(m.is_owned_by_current());
    /// # drop(g);
    /// ```
    pub fn is_owned_by_current(&self) -> bool {
        self.owner.load(Relaxed) == current_owner()
    }

    /// Takes the lock if it is free or already this unit's.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// assert!(m.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T, W>> {
        let me = current_owner();
        if self.reenter(me) {
            return Some(self.guard());
        }
        self.gate.try_lock().then(|| self.become_owner(me))
    }

    /// The value, through exclusive access.
    ///
    /// ```
    /// let mut m = twinsync::reentrant::ThreadReentrantMutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Consumes the mutex, returning the value.
    ///
    /// ```
    /// assert_eq!(twinsync::reentrant::ThreadReentrantMutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value
    }

    /// Whether some unit owns the lock right now; only a hint.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// assert!(!m.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.owner.load(Relaxed) != 0
    }

    /// Takes one bare level if the lock is free or this unit's; never waits.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// assert!(m.try_acquire());
    /// m.release().unwrap();
    /// ```
    pub fn try_acquire(&self) -> bool {
        self.try_lock()
            .map(ReentrantMutexGuard::into_held)
            .is_some()
    }

    /// Gives back one bare level of this unit's (see [`ReentrantMutex::release`]).
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// assert!(m.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), NotHeld> {
        if !self.is_owned_by_current() || self.bare.load(Relaxed) == 0 {
            return Err(NotHeld);
        }
        self.bare.fetch_sub(1, Relaxed);
        self.leave_level();
        Ok(())
    }

    /// Gives back one level; the last one frees the lock.
    #[inline]
    fn leave_level(&self) {
        // Only the owner writes the depth, so a load and a store do (no read-modify-write).
        match self.depth.load(Relaxed) {
            1 => self.free(),
            depth => self.depth.store(depth - 1, Relaxed),
        }
    }

    /// Frees the lock: the last level's release, out of line so that leaving an inner level
    /// (a relock's guard) stays a load and a store inlined in its caller.
    #[inline(never)]
    fn free(&self) {
        self.depth.store(0, Relaxed);
        self.owner.store(0, Relaxed);
        self.gate.unlock();
    }

    /// One more guard for the owner, if `me` is the owner.
    #[inline]
    fn reenter(&self, me: u64) -> bool {
        if self.owner.load(Relaxed) == me {
            // A count of live levels, each a guard or a bare acquire: it cannot reach usize::MAX.
            self.depth.store(self.depth.load(Relaxed) + 1, Relaxed);
            true
        } else {
            false
        }
    }

    /// Records `me` as owner after taking the gate's permit.
    fn become_owner(&self, me: u64) -> ReentrantMutexGuard<'_, T, W> {
        self.depth.store(1, Relaxed);
        self.owner.store(me, Relaxed);
        self.guard()
    }

    fn guard(&self) -> ReentrantMutexGuard<'_, T, W> {
        ReentrantMutexGuard { mutex: self }
    }
}

impl<T> ThreadReentrantMutex<T> {
    /// Blocks until one bare level is taken (Python's `rlock.acquire()`); give it back with
    /// [`release`](Self::release).
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// m.acquire();
    /// m.acquire();
    /// m.release().unwrap();
    /// m.release().unwrap();
    /// ```
    pub fn acquire(&self) {
        self.lock().into_held();
    }

    /// Blocks until the lock is free or this thread's own, then takes it.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// let _a = m.lock();
    /// let _b = m.lock();
    /// ```
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T, Blocking> {
        // Re-entry and a free lock need no waiting machinery at all.
        self.try_lock()
            .unwrap_or_else(|| block_after_failed_try(self.entering()))
    }

    /// Blocks at most `timeout` for the lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_ok());
    /// ```
    pub fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> Result<ReentrantMutexGuard<'_, T, Blocking>, Timeout> {
        block_on(self.lock_until(deadline_after(timeout)))
    }
}

#[cfg(feature = "tokio")]
impl<T> TaskReentrantMutex<T> {
    /// Waits, yielding the task, until the lock is free or this task's own, then takes it.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let m = twinsync::reentrant::TaskReentrantMutex::new(());
    /// let _a = m.lock().await;
    /// let _b = m.lock().await;
    /// # });
    /// ```
    pub async fn lock(&self) -> ReentrantMutexGuard<'_, T, Async> {
        self.relock().await
    }

    /// Waits at most `timeout` for the lock (a tokio timer: call it inside a runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let m = twinsync::reentrant::TaskReentrantMutex::new(());
    /// assert!(m.lock_timeout(Duration::from_millis(1)).await.is_ok());
    /// # }).unwrap();
    /// ```
    pub async fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> Result<ReentrantMutexGuard<'_, T, Async>, Timeout> {
        self.lock_until(deadline_after(timeout)).await
    }
}

impl<T: Send + Sync, W: Waiter> ReentrantMutex<T> for ReentrantMutexTwin<T, W> {
    type Guard<'a>
        = ReentrantMutexGuard<'a, T, W>
    where
        T: 'a;

    #[track_caller]
    fn new(value: T) -> Self {
        ReentrantMutexTwin::new(value)
    }

    #[track_caller]
    fn named(name: &'static str, value: T) -> Self {
        ReentrantMutexTwin::named(name, value)
    }

    fn origin(&self) -> crate::deadlock::LockOrigin {
        ReentrantMutexTwin::origin(self)
    }

    fn lock(&self) -> impl Future<Output = ReentrantMutexGuard<'_, T, W>> + Send {
        self.relock()
    }

    fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T, W>> {
        ReentrantMutexTwin::try_lock(self)
    }

    fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<ReentrantMutexGuard<'_, T, W>, Timeout>> + Send {
        self.lock_until(deadline_after(timeout))
    }

    async fn acquire(&self) {
        self.relock().await.into_held();
    }

    fn try_acquire(&self) -> bool {
        ReentrantMutexTwin::try_acquire(self)
    }

    async fn acquire_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.lock_until(deadline_after(timeout)).await.map(|guard| {
            guard.into_held();
        })
    }

    fn release(&self) -> Result<(), NotHeld> {
        ReentrantMutexTwin::release(self)
    }

    fn is_locked(&self) -> bool {
        ReentrantMutexTwin::is_locked(self)
    }

    fn is_owned_by_current(&self) -> bool {
        ReentrantMutexTwin::is_owned_by_current(self)
    }
}

impl<T: Default, W: Waiter> Default for ReentrantMutexTwin<T, W> {
    #[track_caller]
    fn default() -> Self {
        ReentrantMutexTwin::new(T::default())
    }
}

impl<T: fmt::Debug, W> fmt::Debug for ReentrantMutexTwin<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReentrantMutex")
            .field("owner", &self.owner.load(Relaxed))
            .field("depth", &self.depth.load(Relaxed))
            .field("value", &self.value)
            .finish()
    }
}

impl<T, W> Deref for ReentrantMutexGuard<'_, T, W> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.mutex.value
    }
}

impl<'a, T, W> ReentrantMutexGuard<'a, T, W> {
    /// Keeps this level held without the guard, as a bare `acquire()` would: a later
    /// [`release`](ReentrantMutex::release) by the owner gives it back.
    ///
    /// ```
    /// let m = twinsync::reentrant::ThreadReentrantMutex::new(());
    /// m.lock().into_held();
    /// assert!(m.is_owned_by_current());
    /// m.release().unwrap();
    /// assert!(!m.is_locked());
    /// ```
    pub fn into_held(self) -> &'a ReentrantMutexTwin<T, W> {
        let mutex = self.mutex;
        mutex.bare.fetch_add(1, Relaxed);
        std::mem::forget(self);
        mutex
    }
}

impl<T, W> Drop for ReentrantMutexGuard<'_, T, W> {
    // Inline, so a relock's guard costs a load and a store in its caller (with the
    // detector's release hooks in `unlock`, it had grown past the inliner's threshold).
    #[inline]
    fn drop(&mut self) {
        self.mutex.leave_level();
    }
}

impl<T, W> crate::mutex::Guard for ReentrantMutexGuard<'_, T, W> {}

impl<T: fmt::Debug, W> fmt::Debug for ReentrantMutexGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.mutex.value, f)
    }
}
