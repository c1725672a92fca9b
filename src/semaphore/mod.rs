//! `Semaphore` and its bounded form: Python's `threading.Semaphore` and `BoundedSemaphore`.
//!
//! One state machine serves both twins, [`ThreadSemaphore`] and [`TaskSemaphore`]; they differ
//! only in how they wait (see [`crate::wait`]) and in their default [`Policy`]: the thread twin
//! barges, as `threading.Semaphore` does, the task twin hands over in FIFO order, as
//! `asyncio.Semaphore` does; either can be chosen with `with_policy`.
//!
//! Permits come back two ways: a [`SemaphorePermit`] returns its permits when dropped, and
//! [`release`](Semaphore::release) adds permits explicitly (Python's `release()`, for permits
//! taken with [`SemaphorePermit::forget`], or never taken). The two mix freely: the semaphore
//! is only a counter, as Python's is.
//!
//! A **bounded** semaphore (Python's `BoundedSemaphore`) limits that counter: a `release` that
//! would lift it above the initial value is refused with [`Overflow`] and changes nothing. A
//! permit given back by a dropped guard cannot fail, so if stray releases already filled the
//! counter, the guard's permits are dropped at the bound (where Python would raise
//! `ValueError` at that release).
//!
//! Counts are `u32`: a semaphore holds at most `u32::MAX` permits, and going past that is an
//! [`Overflow`] too, never a wrap-around.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::error::Timeout;
use crate::policy::Policy;

mod fair;
mod permits;
mod twin;

pub(crate) use permits::{Permits, Taking};
#[cfg(feature = "tokio")]
pub use twin::TaskSemaphore;
pub use twin::{SemaphorePermit, SemaphoreTwin, ThreadSemaphore};

/// Too many permits: an explicit release past a bounded semaphore's initial count (or past
/// `u32::MAX`), or a request for more permits than a bounded semaphore can ever hold. Nothing
/// changed.
///
/// ```
/// use twinsync::Semaphore;
/// use twinsync::semaphore::ThreadSemaphore;
///
/// let pool = <ThreadSemaphore as Semaphore>::bounded(2);
/// let err = pool.release(1).unwrap_err();
/// assert_eq!((err.requested, err.limit), (1, 2));
/// assert_eq!(pool.available(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Overflow {
    /// The permits the call asked to release or acquire.
    pub requested: u32,
    /// The most permits the semaphore may hold.
    pub limit: u32,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} permit(s) would take the semaphore past its limit of {}",
            self.requested, self.limit
        )
    }
}

impl std::error::Error for Overflow {}

/// A counter of permits that units take and give back: the shared trait of
/// [`ThreadSemaphore`] and [`TaskSemaphore`]; generic code names it `F::Semaphore`.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use twinsync::{Flavor, JoinHandle, Semaphore, Threads};
///
/// // At most two units inside at once.
/// async fn two_at_a_time<F: Flavor>(f: F) -> usize {
///     let gate = Arc::new(F::Semaphore::new(2));
///     let (inside, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
///     let units: Vec<_> = (0..6)
///         .map(|i| {
///             let (g, gate, inside, peak) = (f.clone(), gate.clone(), inside.clone(), peak.clone());
///             f.spawn(format!("u{i}"), async move {
///                 let _permit = gate.acquire().await;
///                 let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
///                 peak.fetch_max(now, Ordering::SeqCst);
///                 g.sleep(std::time::Duration::from_millis(5)).await;
///                 inside.fetch_sub(1, Ordering::SeqCst);
///             })
///         })
///         .collect();
///     for u in units {
///         u.join().await.unwrap();
///     }
///     peak.load(Ordering::SeqCst)
/// }
/// assert!(Threads::new().run(two_at_a_time).unwrap() <= 2);
/// ```
pub trait Semaphore: Send + Sync {
    /// A held set of permits; dropping it gives them back.
    type Permit<'a>: PermitGuard + Send + 'a
    where
        Self: 'a;

    /// A semaphore with `permits` permits; [`release`](Semaphore::release) may raise the count
    /// past that (Python's `Semaphore`).
    ///
    /// ```
    /// use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// let s = <ThreadSemaphore as Semaphore>::new(1);
    /// s.release(5).unwrap();
    /// assert_eq!(s.available(), 6);
    /// ```
    fn new(permits: u32) -> Self
    where
        Self: Sized;

    /// A semaphore that never holds more than `permits` permits (Python's `BoundedSemaphore`).
    ///
    /// ```
    /// use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// let s = <ThreadSemaphore as Semaphore>::bounded(1);
    /// assert!(s.release(1).is_err());
    /// ```
    fn bounded(permits: u32) -> Self
    where
        Self: Sized;

    /// As [`new`](Semaphore::new), with the given [`Policy`] instead of the twin's default.
    ///
    /// ```
    /// use twinsync::{Flavor, Policy, Semaphore, Threads};
    /// let s = <<Threads as Flavor>::Semaphore as Semaphore>::with_policy(2, Policy::Fifo);
    /// assert_eq!(s.available(), 2);
    /// ```
    fn with_policy(permits: u32, policy: Policy) -> Self
    where
        Self: Sized;

    /// As [`bounded`](Semaphore::bounded), with the given [`Policy`] instead of the twin's
    /// default.
    ///
    /// ```
    /// use twinsync::{Flavor, Policy, Semaphore, Threads};
    /// let s = <<Threads as Flavor>::Semaphore as Semaphore>::bounded_with_policy(2, Policy::Fifo);
    /// assert!(s.release(1).is_err()); // bounded at 2
    /// ```
    fn bounded_with_policy(permits: u32, policy: Policy) -> Self
    where
        Self: Sized;

    /// Waits for one permit.
    ///
    /// ```
    /// # use twinsync::{Flavor, Semaphore, Threads};
    /// async fn take_one<F: Flavor>(_f: F) -> u32 {
    ///     let s = F::Semaphore::new(3);
    ///     let _permit = s.acquire().await;
    ///     s.available()
    /// }
    /// assert_eq!(Threads::new().run(take_one).unwrap(), 2);
    /// ```
    fn acquire(&self) -> impl Future<Output = Self::Permit<'_>> + Send;

    /// Waits for `n` permits at once (all or nothing); `Err(Overflow)` at once for a bounded
    /// semaphore that can never hold `n`.
    ///
    /// ```
    /// # use twinsync::{Flavor, Semaphore, Threads};
    /// async fn take_three<F: Flavor>(_f: F) -> bool {
    ///     let s = F::Semaphore::bounded(3);
    ///     let three = s.acquire_many(3).await.unwrap();
    ///     drop(three);
    ///     s.acquire_many(4).await.is_err()
    /// }
    /// assert!(Threads::new().run(take_three).unwrap());
    /// ```
    fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<Self::Permit<'_>, Overflow>> + Send;

    /// Takes one permit if one is free right now (`acquire(blocking=False)`).
    ///
    /// ```
    /// # use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// let s = <ThreadSemaphore as Semaphore>::new(1);
    /// let held = s.try_acquire().unwrap();
    /// assert!(s.try_acquire().is_none());
    /// # drop(held);
    /// ```
    fn try_acquire(&self) -> Option<Self::Permit<'_>>;

    /// Takes `n` permits if they are all free right now.
    ///
    /// ```
    /// # use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// let s = <ThreadSemaphore as Semaphore>::new(2);
    /// assert!(s.try_acquire_many(3).is_none());
    /// assert!(s.try_acquire_many(2).is_some());
    /// ```
    fn try_acquire_many(&self, n: u32) -> Option<Self::Permit<'_>>;

    /// Waits at most `timeout` for one permit; on [`Timeout`] nothing was taken.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Semaphore, Threads, Timeout};
    /// async fn empty<F: Flavor>(_f: F) -> bool {
    ///     let s = F::Semaphore::new(0);
    ///     s.acquire_timeout(Duration::from_millis(5)).await.is_err()
    /// }
    /// assert!(Threads::new().run(empty).unwrap());
    /// ```
    fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Self::Permit<'_>, Timeout>> + Send;

    /// Adds `n` permits and wakes waiters (Python's `release(n)`); a bounded semaphore refuses
    /// to go past its initial count with [`Overflow`], and nothing changes.
    ///
    /// ```
    /// # use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// let s = <ThreadSemaphore as Semaphore>::bounded(2);
    /// s.try_acquire().unwrap().forget(); // taken the Python way: no guard
    /// s.release(1).unwrap();             // and given back explicitly
    /// assert!(s.release(1).is_err());    // one more would exceed the bound
    /// ```
    fn release(&self, n: u32) -> Result<(), Overflow>;

    /// Whether an acquire of one permit would have to wait now (Python's `locked()`); only a
    /// hint under contention.
    ///
    /// ```
    /// # use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// let s = <ThreadSemaphore as Semaphore>::new(1);
    /// let held = s.try_acquire().unwrap();
    /// assert!(Semaphore::is_locked(&s));
    /// drop(held);
    /// assert!(!Semaphore::is_locked(&s));
    /// ```
    fn is_locked(&self) -> bool;

    /// Who gets it when it is released: the [`Policy`] chosen at construction,
    /// by default Python's for the twin (`threading` barges, `asyncio` is FIFO).
    ///
    /// ```
    /// # use twinsync::{Flavor, Semaphore, Policy, Threads};
    /// async fn policy<F: Flavor>(_f: F) -> Policy {
    ///     F::Semaphore::new(1).policy()
    /// }
    /// assert_eq!(Threads::new().run(policy).unwrap(), Policy::Barging);
    /// ```
    fn policy(&self) -> crate::Policy;

    /// Permits free right now (Python's `_value`); only a hint under contention.
    ///
    /// ```
    /// # use twinsync::{Semaphore, semaphore::ThreadSemaphore};
    /// assert_eq!(<ThreadSemaphore as Semaphore>::new(4).available(), 4);
    /// ```
    fn available(&self) -> u32;
}

/// What every semaphore permit can do besides giving its permits back on drop.
///
/// ```
/// use twinsync::{Flavor, Semaphore, Threads, semaphore::PermitGuard};
///
/// async fn python_style<F: Flavor>(_f: F) -> u32 {
///     let s = F::Semaphore::bounded(2);
///     let permit = s.acquire().await;
///     assert_eq!(permit.count(), 1);
///     permit.forget(); // acquire() without a guard…
///     let left = s.available();
///     s.release(1).unwrap(); // …and release() by hand
///     left
/// }
/// assert_eq!(Threads::new().run(python_style).unwrap(), 1);
/// ```
#[must_use = "the permits are given back as soon as this is dropped"]
pub trait PermitGuard {
    /// How many permits this holds.
    ///
    /// ```
    /// # use twinsync::semaphore::{PermitGuard, ThreadSemaphore};
    /// let s = ThreadSemaphore::new(2);
    /// assert_eq!(PermitGuard::count(&s.try_acquire_many(2).unwrap()), 2);
    /// ```
    fn count(&self) -> u32;

    /// Keeps the permits without a guard; they come back only through an explicit
    /// [`Semaphore::release`].
    ///
    /// ```
    /// # use twinsync::semaphore::{PermitGuard, ThreadSemaphore};
    /// let s = ThreadSemaphore::new(1);
    /// PermitGuard::forget(s.try_acquire().unwrap());
    /// assert_eq!(s.available(), 0);
    /// ```
    fn forget(self);
}
