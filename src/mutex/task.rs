//! The task twin of [`Mutex`]: a real async lock.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use super::Mutex;
use crate::error::Timeout;

/// The task twin of [`Mutex`]: `async_lock::Mutex`. Waiting yields the task; nothing blocks the
/// worker thread. Dropping a pending `lock()` future gives up the place in line and takes
/// nothing, so every wait is cancellation-safe.
///
/// `lock_timeout` uses tokio's timer, so it must run inside a tokio runtime (every unit of the
/// tokio flavours does).
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Mutex, TokioLocal};
/// use twinsync::mutex::TaskMutex;
/// use std::sync::Arc;
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
#[derive(Default)]
pub struct TaskMutex<T> {
    inner: async_lock::Mutex<T>,
}

/// The guard of a [`TaskMutex`]; the lock is released when it drops.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct TaskMutexGuard<'a, T> {
    inner: async_lock::MutexGuard<'a, T>,
}

impl<T> TaskMutex<T> {
    /// A new, unlocked mutex.
    ///
    /// ```
    /// let m = twinsync::mutex::TaskMutex::new(0u8);
    /// assert!(!m.is_locked());
    /// ```
    pub const fn new(value: T) -> Self {
        TaskMutex {
            inner: async_lock::Mutex::new(value),
        }
    }

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
        TaskMutexGuard {
            inner: self.inner.lock().await,
        }
    }

    /// Takes the lock if it is free right now.
    ///
    /// ```
    /// let m = twinsync::mutex::TaskMutex::new(());
    /// let _held = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// ```
    pub fn try_lock(&self) -> Option<TaskMutexGuard<'_, T>> {
        self.inner.try_lock().map(|inner| TaskMutexGuard { inner })
    }

    /// Waits at most `timeout` for the lock; needs a tokio runtime for the timer.
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
        tokio::time::timeout(timeout, self.lock())
            .await
            .map_err(|_| Timeout)
    }

    /// Whether some unit holds the lock right now; only a hint. (async-lock has no lock-state
    /// query, so this is an attempt to lock that is undone at once.)
    ///
    /// ```
    /// let m = twinsync::mutex::TaskMutex::new(());
    /// let held = m.try_lock();
    /// assert!(m.is_locked());
    /// # drop(held);
    /// ```
    pub fn is_locked(&self) -> bool {
        self.inner.try_lock().is_none()
    }

    /// The value, through exclusive access.
    ///
    /// ```
    /// let mut m = twinsync::mutex::TaskMutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Consumes the mutex, returning the value.
    ///
    /// ```
    /// assert_eq!(twinsync::mutex::TaskMutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: Send> Mutex<T> for TaskMutex<T> {
    type Guard<'a>
        = TaskMutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T) -> Self {
        TaskMutex::new(value)
    }

    fn lock(&self) -> impl Future<Output = TaskMutexGuard<'_, T>> + Send {
        TaskMutex::lock(self)
    }

    fn try_lock(&self) -> Option<TaskMutexGuard<'_, T>> {
        TaskMutex::try_lock(self)
    }

    fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<TaskMutexGuard<'_, T>, Timeout>> + Send {
        TaskMutex::lock_timeout(self, timeout)
    }

    fn get_mut(&mut self) -> &mut T {
        TaskMutex::get_mut(self)
    }

    fn into_inner(self) -> T {
        TaskMutex::into_inner(self)
    }
}

impl<T: fmt::Debug> fmt::Debug for TaskMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T> Deref for TaskMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for TaskMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for TaskMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}
