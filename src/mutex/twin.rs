//! [`MutexTwin`]: the lock state machine plus the protected value, generic over how it waits.
//!
//! This file holds the crate's only `unsafe` code: the value lives in an `UnsafeCell` that the
//! lock guards, exactly as in `std` or `lock_api`. The safe alternative (the value inside
//! a second lock) was measured: two atomic round trips per lock and unlock instead of one, 1.6×
//! the uncontended cost of parking_lot, where this layout is on par with it.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use event_listener::Event;

use super::raw::{RawLock, RawLocking};
use super::{Guard, Mutex};
use crate::deadlock::{LockOrigin, WaitsFor};
use crate::error::Timeout;
use crate::policy::Policy;
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{
    Attempt, Blocking, Wait, Waiter, block_after_failed_try, block_on, deadline_after,
};

/// The mutex of both twins, generic over its way of waiting `W`. Use the aliases
/// [`ThreadMutex`] and [`TaskMutex`].
pub struct MutexTwin<T: ?Sized, W> {
    lock: RawLock,
    waiter: PhantomData<fn() -> W>,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and a guard exists only while its holder
// owns `lock`, so at most one unit touches the value at a time: sharing the mutex between
// threads is sound whenever moving the value between them is (`T: Send`), as for std's Mutex.
unsafe impl<T: ?Sized + Send, W> Sync for MutexTwin<T, W> {}

/// The thread twin of [`Mutex`]: waiting spins briefly, then parks the OS thread (through the
/// unit's executor; the future itself never blocks). Its inherent `lock`, `try_lock` and
/// `lock_timeout` block directly, for code with no async at all.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::mutex::ThreadMutex;
///
/// let total = Arc::new(ThreadMutex::new(0));
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let total = Arc::clone(&total);
///         std::thread::spawn(move || {
///             for _ in 0..1000 {
///                 *total.lock() += 1; // plain blocking lock
///             }
///         })
///     })
///     .collect();
/// for w in workers {
///     w.join().unwrap();
/// }
/// assert_eq!(*total.lock(), 4000);
/// ```
pub type ThreadMutex<T> = MutexTwin<T, Blocking>;

/// The task twin of [`Mutex`]: waiting yields the task; nothing blocks the worker thread.
/// Dropping a pending `lock()` future takes nothing and passes on any wake-up it received, so
/// every wait is cancellation-safe. `lock_timeout` uses tokio's timer, so it runs inside a
/// tokio runtime (every unit of the tokio flavours does).
///
/// ```
/// use std::sync::Arc;
/// use twinsync::mutex::TaskMutex;
/// use twinsync::{Flavor, JoinHandle, TokioLocal};
///
/// TokioLocal::new()
///     .run(|f| async move {
///         let log = Arc::new(TaskMutex::new(Vec::new()));
///         let writer = {
///             let log = Arc::clone(&log);
///             f.spawn("writer", async move { log.lock().await.push("hello") })
///         };
///         writer.join().await.unwrap();
///         assert_eq!(*log.lock().await, ["hello"]);
///     })
///     .unwrap();
/// ```
#[cfg(feature = "tokio")]
pub type TaskMutex<T> = MutexTwin<T, Async>;

/// The guard of a mutex of either twin: `&mut T` while it lives; the lock is released when it
/// is dropped. It is `Send` (when `T` is), so it may be held across `.await` in any unit.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized, W> {
    mutex: &'a MutexTwin<T, W>,
    /// Makes the guard `Send`/`Sync` exactly when `&mut T` is.
    value: PhantomData<&'a mut T>,
}

/// The guard of a [`ThreadMutex`].
pub type ThreadMutexGuard<'a, T> = MutexGuard<'a, T, Blocking>;

/// The guard of a [`TaskMutex`].
#[cfg(feature = "tokio")]
pub type TaskMutexGuard<'a, T> = MutexGuard<'a, T, Async>;

impl<T, W: Waiter> MutexTwin<T, W> {
    crate::sync::const_fn! {
        /// A new, unlocked mutex with the twin's default [`Policy`] (the thread twin barges, the
        /// task twin hands over in FIFO order).
        ///
        /// ```
        /// let m = twinsync::mutex::ThreadMutex::new(0u8);
        /// assert!(!m.is_locked());
        /// ```
        #[track_caller]
        pub const fn new(value: T) -> Self {
            Self::made(value, W::POLICY, None)
        }
    }

    crate::sync::const_fn! {
        /// A new, unlocked mutex with the twin's default [`Policy`], named `name` in deadlock
        /// reports (an unnamed one is known by the place it was made).
        ///
        /// ```
        /// let fork = twinsync::mutex::ThreadMutex::named("fork-1", ());
        /// assert_eq!(fork.origin().name(), Some("fork-1"));
        /// ```
        #[track_caller]
        pub const fn named(name: &'static str, value: T) -> Self {
            Self::made(value, W::POLICY, Some(name))
        }
    }
}

impl<T, W> MutexTwin<T, W> {
    crate::sync::const_fn! {
        /// A new, unlocked mutex with the given [`Policy`].
        ///
        /// ```
        /// use twinsync::{Policy, mutex::ThreadMutex};
        /// let m = ThreadMutex::with_policy(0u8, Policy::Fifo);
        /// assert_eq!(m.policy(), Policy::Fifo);
        /// ```
        #[track_caller]
        pub const fn with_policy(value: T, policy: Policy) -> Self {
            Self::made(value, policy, None)
        }
    }

    crate::sync::const_fn! {
        #[track_caller]
        const fn made(value: T, policy: Policy, name: Option<&'static str>) -> Self {
            MutexTwin {
                lock: RawLock::new(policy, name),
                waiter: PhantomData,
                value: UnsafeCell::new(value),
            }
        }
    }

    /// Where the mutex came from: its name and the place it was made, as deadlock reports
    /// give them.
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(0);
    /// assert_eq!(m.origin().site().line(), line!() - 1);
    /// ```
    pub fn origin(&self) -> LockOrigin {
        self.lock.origin()
    }

    /// Consumes the mutex, returning the value.
    ///
    /// ```
    /// assert_eq!(twinsync::mutex::ThreadMutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized, W> MutexTwin<T, W> {
    /// Takes the lock if it is free right now (`lock.acquire(blocking=False)`).
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(());
    /// let _held = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, W>> {
        self.lock.try_lock().then(|| self.guard())
    }

    /// Whether some unit holds the lock right now (Python's `lock.locked()`); only a hint,
    /// since it may change at once.
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(());
    /// let held = m.lock();
    /// assert!(m.is_locked());
    /// drop(held);
    /// assert!(!m.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// Which waiter a release serves: see [`Policy`].
    ///
    /// ```
    /// use twinsync::{Policy, mutex::ThreadMutex};
    /// assert_eq!(ThreadMutex::new(()).policy(), Policy::Barging);
    /// ```
    pub fn policy(&self) -> Policy {
        self.lock.policy()
    }

    /// The value, through exclusive access to the mutex (no locking needed).
    ///
    /// ```
    /// let mut m = twinsync::mutex::ThreadMutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// A guard for a lock just taken.
    fn guard(&self) -> MutexGuard<'_, T, W> {
        MutexGuard {
            mutex: self,
            value: PhantomData,
        }
    }
}

/// Taking a mutex, as the waiting protocol sees it: the lock's own attempt, and a guard when it
/// succeeds.
struct Locking<'a, T: ?Sized, W> {
    mutex: &'a MutexTwin<T, W>,
    taking: RawLocking<'a>,
}

impl<'a, T: ?Sized, W> Locking<'a, T, W> {
    fn new(mutex: &'a MutexTwin<T, W>) -> Self {
        Locking {
            mutex,
            taking: mutex.lock.taking(),
        }
    }
}

impl<'a, T: ?Sized, W> Attempt for Locking<'a, T, W> {
    type Output = MutexGuard<'a, T, W>;
    const CONTENDED: bool = true;

    fn event(&mut self) -> &Event {
        self.taking.event()
    }

    #[inline]
    fn attempt(&mut self, registered: bool) -> Option<MutexGuard<'a, T, W>> {
        let mutex = self.mutex;
        self.taking.attempt(registered).map(|()| mutex.guard())
    }

    fn hint(&self) -> bool {
        self.taking.hint()
    }

    fn stands_in_line(&self) -> bool {
        self.taking.stands_in_line()
    }

    fn lock(&self) -> Option<&RawLock> {
        self.taking.lock()
    }

    fn waits_for(&self) -> WaitsFor {
        self.taking.waits_for()
    }
}

impl<T: ?Sized + Send, W: Waiter> MutexTwin<T, W> {
    /// The lock of both twins, with a deadline.
    fn lock_until(&self, deadline: Option<Instant>) -> Wait<W, Locking<'_, T, W>> {
        Wait::new(Locking::new(self), deadline)
    }
}

impl<T: ?Sized + Send> ThreadMutex<T> {
    /// Blocks the calling thread until the lock is free, then takes it.
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(1);
    /// *m.lock() *= 10;
    /// assert_eq!(*m.lock(), 10);
    /// ```
    #[inline]
    pub fn lock(&self) -> ThreadMutexGuard<'_, T> {
        match self.try_lock() {
            Some(guard) => guard,
            None => block_after_failed_try(Locking::new(self)),
        }
    }

    /// Blocks at most `timeout` for the lock; on [`Timeout`] nothing was taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = twinsync::mutex::ThreadMutex::new(());
    /// let held = m.lock();
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_err());
    /// drop(held);
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_ok());
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Result<ThreadMutexGuard<'_, T>, Timeout> {
        block_on(self.lock_until(deadline_after(timeout)))
    }
}

#[cfg(feature = "tokio")]
impl<T: ?Sized + Send> TaskMutex<T> {
    /// Waits (yielding the task) until the lock is free, then takes it.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let m = twinsync::mutex::TaskMutex::new(1);
    /// *m.lock().await += 1;
    /// assert_eq!(*m.lock().await, 2);
    /// # });
    /// ```
    pub async fn lock(&self) -> TaskMutexGuard<'_, T> {
        Wait::<Async, _>::forever(Locking::new(self)).await
    }

    /// Waits at most `timeout` for the lock (a tokio timer: call it inside a runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal, Timeout};
    /// # TokioLocal::new().run(|_| async {
    /// let m = twinsync::mutex::TaskMutex::new(());
    /// let held = m.lock().await;
    /// assert_eq!(m.lock_timeout(Duration::from_millis(5)).await.err(), Some(Timeout));
    /// drop(held);
    /// assert!(m.lock_timeout(Duration::from_millis(5)).await.is_ok());
    /// # }).unwrap();
    /// ```
    pub async fn lock_timeout(&self, timeout: Duration) -> Result<TaskMutexGuard<'_, T>, Timeout> {
        self.lock_until(deadline_after(timeout)).await
    }
}

impl<T: Send, W: Waiter> Mutex<T> for MutexTwin<T, W> {
    type Guard<'a>
        = MutexGuard<'a, T, W>
    where
        T: 'a;

    #[track_caller]
    fn new(value: T) -> Self {
        MutexTwin::new(value)
    }

    #[track_caller]
    fn with_policy(value: T, policy: Policy) -> Self {
        MutexTwin::with_policy(value, policy)
    }

    #[track_caller]
    fn named(name: &'static str, value: T) -> Self {
        MutexTwin::named(name, value)
    }

    fn origin(&self) -> LockOrigin {
        MutexTwin::origin(self)
    }

    fn lock(&self) -> impl Future<Output = MutexGuard<'_, T, W>> + Send {
        Wait::<W, _>::forever(Locking::new(self))
    }

    fn try_lock(&self) -> Option<MutexGuard<'_, T, W>> {
        MutexTwin::try_lock(self)
    }

    fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<MutexGuard<'_, T, W>, Timeout>> + Send {
        self.lock_until(deadline_after(timeout))
    }

    fn is_locked(&self) -> bool {
        MutexTwin::is_locked(self)
    }

    fn policy(&self) -> crate::Policy {
        MutexTwin::policy(self)
    }

    fn get_mut(&mut self) -> &mut T {
        MutexTwin::get_mut(self)
    }

    fn into_inner(self) -> T {
        MutexTwin::into_inner(self)
    }
}

impl<T: ?Sized, W> Guard for MutexGuard<'_, T, W> {}

impl<T: Default, W: Waiter> Default for MutexTwin<T, W> {
    #[track_caller]
    fn default() -> Self {
        MutexTwin::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug, W> fmt::Debug for MutexTwin<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => out.field("data", &&*guard),
            None => out.field("data", &format_args!("<locked>")),
        };
        out.finish()
    }
}

impl<T: ?Sized, W> Deref for MutexGuard<'_, T, W> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard's holder owns the lock (a guard is made only after taking it and
        // releases it only on drop), so no other reference to the value exists.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized, W> DerefMut for MutexGuard<'_, T, W> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only access through the guard.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized, W> Drop for MutexGuard<'_, T, W> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.lock.unlock();
    }
}

impl<T: ?Sized + fmt::Debug, W> fmt::Debug for MutexGuard<'_, T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    //! The unsafe cell under Miri: `cargo +nightly miri test --lib mutex`.

    use std::sync::Arc;

    use super::ThreadMutex;

    #[test]
    fn guards_exclude_each_other_across_threads() {
        let total = Arc::new(ThreadMutex::new(0u32));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let total = Arc::clone(&total);
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        *total.lock() += 1;
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(*total.lock(), 60);
    }

    #[test]
    fn guard_of_an_unsized_value() {
        let slice: &ThreadMutex<[u8]> = &ThreadMutex::new([1, 2, 3]);
        slice.lock()[0] = 9;
        assert_eq!(&*slice.lock(), &[9, 2, 3]);
    }
}
