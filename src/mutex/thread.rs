//! The thread twin of [`Mutex`]: a real blocking lock.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use super::Mutex;
use crate::error::Timeout;

/// The thread twin of [`Mutex`]: `parking_lot::Mutex`, which spins briefly and then parks the
/// OS thread. Its inherent methods block (usable with no async at all); the [`Mutex`] trait's
/// methods return futures that block inside `poll`.
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
#[derive(Default)]
pub struct ThreadMutex<T> {
    inner: parking_lot::Mutex<T>,
}

/// The guard of a [`ThreadMutex`]; the lock is released when it drops.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ThreadMutexGuard<'a, T> {
    inner: parking_lot::MutexGuard<'a, T>,
}

impl<T> ThreadMutex<T> {
    /// A new, unlocked mutex.
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(0u8);
    /// assert!(!m.is_locked());
    /// ```
    pub const fn new(value: T) -> Self {
        ThreadMutex {
            inner: parking_lot::Mutex::new(value),
        }
    }

    /// Blocks the calling thread until the lock is free, then takes it.
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(1);
    /// *m.lock() *= 10;
    /// assert_eq!(*m.lock(), 10);
    /// ```
    pub fn lock(&self) -> ThreadMutexGuard<'_, T> {
        ThreadMutexGuard {
            inner: self.inner.lock(),
        }
    }

    /// Takes the lock if it is free right now.
    ///
    /// ```
    /// let m = twinsync::mutex::ThreadMutex::new(());
    /// let _held = m.lock();
    /// assert!(m.try_lock().is_none());
    /// ```
    pub fn try_lock(&self) -> Option<ThreadMutexGuard<'_, T>> {
        self.inner
            .try_lock()
            .map(|inner| ThreadMutexGuard { inner })
    }

    /// Blocks at most `timeout` for the lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = twinsync::mutex::ThreadMutex::new(());
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_ok());
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Result<ThreadMutexGuard<'_, T>, Timeout> {
        self.inner
            .try_lock_for(timeout)
            .map(|inner| ThreadMutexGuard { inner })
            .ok_or(Timeout)
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
        self.inner.is_locked()
    }

    /// The value, through exclusive access.
    ///
    /// ```
    /// let mut m = twinsync::mutex::ThreadMutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Consumes the mutex, returning the value.
    ///
    /// ```
    /// assert_eq!(twinsync::mutex::ThreadMutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: Send> Mutex<T> for ThreadMutex<T> {
    type Guard<'a>
        = ThreadMutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        ThreadMutex::new(value)
    }

    // Blocks when polled, not when created: the future is inert until awaited.
    async fn lock(&self) -> ThreadMutexGuard<'_, T> {
        ThreadMutex::lock(self)
    }

    fn try_lock(&self) -> Option<ThreadMutexGuard<'_, T>> {
        ThreadMutex::try_lock(self)
    }

    async fn lock_timeout(&self, timeout: Duration) -> Result<ThreadMutexGuard<'_, T>, Timeout> {
        ThreadMutex::lock_timeout(self, timeout)
    }

    fn get_mut(&mut self) -> &mut T {
        ThreadMutex::get_mut(self)
    }

    fn into_inner(self) -> T {
        ThreadMutex::into_inner(self)
    }
}

impl<T: fmt::Debug> fmt::Debug for ThreadMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T> Deref for ThreadMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for ThreadMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for ThreadMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}
