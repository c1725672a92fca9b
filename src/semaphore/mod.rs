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
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use futures::FutureExt;

use crate::error::Timeout;
use crate::policy::Policy;
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{Attempt, Blocking, Wait, Waiter, block_on, deadline_after, without_deadline};

mod fair;
mod permits;

pub(crate) use permits::{Permits, Taking};

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

/// The semaphore state machine, generic over how it waits. Use the aliases
/// [`ThreadSemaphore`] and [`TaskSemaphore`].
pub struct SemaphoreTwin<W> {
    permits: Permits,
    limit: u32,
    waiter: PhantomData<fn() -> W>,
}

/// The thread twin of [`Semaphore`]: waiting blocks the OS thread (after a short spin). Its
/// inherent `acquire*` methods block directly.
///
/// ```
/// use twinsync::semaphore::ThreadSemaphore;
///
/// let s = ThreadSemaphore::new(1);
/// let permit = s.acquire(); // blocking
/// assert_eq!(s.available(), 0);
/// drop(permit);
/// assert_eq!(s.available(), 1);
/// ```
pub type ThreadSemaphore = SemaphoreTwin<Blocking>;

/// The task twin of [`Semaphore`]: waiting yields the task. Dropping a waiting future takes no
/// permit and passes on any wake-up it received.
///
/// ```
/// # twinsync::block_on(async {
/// let s = twinsync::semaphore::TaskSemaphore::new(1);
/// let permit = s.acquire().await;
/// assert!(s.try_acquire().is_none());
/// drop(permit);
/// # });
/// ```
#[cfg(feature = "tokio")]
pub type TaskSemaphore = SemaphoreTwin<Async>;

/// Permits held from a semaphore of either twin; they go back when this drops.
#[must_use = "the permits are given back as soon as this is dropped"]
pub struct SemaphorePermit<'a, W> {
    semaphore: &'a SemaphoreTwin<W>,
    count: u32,
}

impl<W: Waiter> SemaphoreTwin<W> {
    /// A semaphore with `permits` permits that explicit releases may raise (up to `u32::MAX`),
    /// with the twin's default [`Policy`].
    ///
    /// ```
    /// assert_eq!(twinsync::semaphore::ThreadSemaphore::new(3).available(), 3);
    /// ```
    pub const fn new(permits: u32) -> Self {
        Self::with_policy(permits, W::POLICY)
    }

    /// A semaphore that never holds more than `permits` permits, with the twin's default
    /// [`Policy`].
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::bounded(3);
    /// assert_eq!(s.limit(), 3);
    /// ```
    pub const fn bounded(permits: u32) -> Self {
        Self::bounded_with_policy(permits, W::POLICY)
    }
}

impl<W> SemaphoreTwin<W> {
    /// A semaphore with `permits` permits (unbounded) and the given [`Policy`].
    ///
    /// ```
    /// use twinsync::{Policy, semaphore::TaskSemaphore};
    /// let s = TaskSemaphore::with_policy(2, Policy::Barging);
    /// assert_eq!(s.policy(), Policy::Barging);
    /// ```
    pub const fn with_policy(permits: u32, policy: Policy) -> Self {
        SemaphoreTwin {
            permits: Permits::new(permits, policy),
            limit: u32::MAX,
            waiter: PhantomData,
        }
    }

    /// A bounded semaphore of `permits` permits with the given [`Policy`].
    ///
    /// ```
    /// use twinsync::{Policy, semaphore::ThreadSemaphore};
    /// let s = ThreadSemaphore::bounded_with_policy(1, Policy::Fifo);
    /// assert_eq!((s.limit(), s.policy()), (1, Policy::Fifo));
    /// ```
    pub const fn bounded_with_policy(permits: u32, policy: Policy) -> Self {
        SemaphoreTwin {
            permits: Permits::new(permits, policy),
            limit: permits,
            waiter: PhantomData,
        }
    }

    /// Which waiter a release serves: see [`Policy`].
    ///
    /// ```
    /// use twinsync::{Policy, semaphore::ThreadSemaphore};
    /// assert_eq!(ThreadSemaphore::new(1).policy(), Policy::Barging);
    /// ```
    pub fn policy(&self) -> Policy {
        self.permits.policy()
    }

    /// The most permits this semaphore may hold: the initial count if bounded, else `u32::MAX`.
    ///
    /// ```
    /// assert_eq!(twinsync::semaphore::ThreadSemaphore::new(1).limit(), u32::MAX);
    /// ```
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Permits free right now.
    ///
    /// ```
    /// assert_eq!(twinsync::semaphore::ThreadSemaphore::new(2).available(), 2);
    /// ```
    pub fn available(&self) -> u32 {
        self.permits.available()
    }

    /// Whether an acquire of one permit would have to wait now (Python's `locked()`): no
    /// permit is free, or (FIFO policy) others are already waiting.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::new(0);
    /// assert!(s.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.permits.would_wait(1)
    }

    /// Takes `n` permits if they are all free right now.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::new(2);
    /// let both = s.try_acquire_many(2).unwrap();
    /// assert_eq!(both.count(), 2);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Option<SemaphorePermit<'_, W>> {
        // `then`, not `then_some`: a permit built eagerly would give back on drop what it never
        // took.
        self.permits.try_take(n).then(|| SemaphorePermit {
            semaphore: self,
            count: n,
        })
    }

    /// Takes one permit if one is free right now.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::new(0);
    /// assert!(s.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, W>> {
        self.try_acquire_many(1)
    }

    /// Adds `n` permits and wakes waiters; refuses with [`Overflow`] to go past the limit.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::new(0);
    /// s.release(2).unwrap();
    /// assert_eq!(s.available(), 2);
    /// ```
    pub fn release(&self, n: u32) -> Result<(), Overflow> {
        if self.permits.give(n, self.limit, false) {
            Ok(())
        } else {
            Err(Overflow {
                requested: n,
                limit: self.limit,
            })
        }
    }

    /// Takes `n` permits if that needs no waiting, without a guard (the reentrant mutex's gate).
    pub(crate) fn take(&self, n: u32) -> bool {
        self.permits.try_take(n)
    }

    /// Gives back `n` permits taken without a guard, or of a dropped guard: it cannot fail, so
    /// at the bound the surplus is dropped (see the module docs).
    pub(crate) fn give_back(&self, n: u32) {
        self.permits.give(n, self.limit, true);
    }
}

/// Acquiring `n` permits of a semaphore, as the waiting protocol sees it: the permits' own
/// attempt, and a guard when it succeeds.
struct Acquiring<'a, W> {
    semaphore: &'a SemaphoreTwin<W>,
    taking: Taking<'a>,
    n: u32,
}

impl<'a, W> Attempt for Acquiring<'a, W> {
    type Output = SemaphorePermit<'a, W>;
    const CONTENDED: bool = true;

    fn event(&mut self) -> &event_listener::Event {
        self.taking.event()
    }

    #[inline]
    fn attempt(&mut self, registered: bool) -> Option<SemaphorePermit<'a, W>> {
        self.taking.attempt(registered).map(|()| SemaphorePermit {
            semaphore: self.semaphore,
            count: self.n,
        })
    }

    fn hint(&self) -> bool {
        self.taking.hint()
    }

    fn stands_in_line(&self) -> bool {
        self.taking.stands_in_line()
    }
}

impl<W: Waiter> SemaphoreTwin<W> {
    /// Moves `n` permits from free to held, waiting for them, without a guard: the caller
    /// gives them back with `give_back` (the reentrant mutex's gate).
    pub(crate) fn take_until(
        &self,
        n: u32,
        deadline: Option<Instant>,
    ) -> impl Future<Output = Result<(), Timeout>> + Send + '_ {
        self.acquire_until(n, deadline)
            .map(|taken| taken.map(std::mem::forget))
    }

    /// Acquiring `n` permits, with a deadline: the wait of both twins.
    fn acquire_until(&self, n: u32, deadline: Option<Instant>) -> Wait<W, Acquiring<'_, W>> {
        Wait::new(self.acquiring(n), deadline)
    }

    fn acquiring(&self, n: u32) -> Acquiring<'_, W> {
        Acquiring {
            semaphore: self,
            taking: self.permits.taking(n),
            n,
        }
    }

    fn check_satisfiable(&self, n: u32) -> Result<(), Overflow> {
        if n > self.limit {
            return Err(Overflow {
                requested: n,
                limit: self.limit,
            });
        }
        Ok(())
    }
}

impl ThreadSemaphore {
    /// Blocks until one permit is free and takes it.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::new(1);
    /// let _p = s.acquire();
    /// assert_eq!(s.available(), 0);
    /// ```
    #[inline]
    pub fn acquire(&self) -> SemaphorePermit<'_, Blocking> {
        self.try_acquire()
            .unwrap_or_else(|| without_deadline(block_on(self.acquire_until(1, None))))
    }

    /// Blocks until `n` permits are free and takes them all.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::bounded(2);
    /// assert_eq!(s.acquire_many(2).unwrap().count(), 2);
    /// assert!(s.acquire_many(3).is_err()); // can never be met
    /// ```
    #[inline]
    pub fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_, Blocking>, Overflow> {
        self.check_satisfiable(n)?;
        Ok(self
            .try_acquire_many(n)
            .unwrap_or_else(|| without_deadline(block_on(self.acquire_until(n, None)))))
    }

    /// Blocks at most `timeout` for one permit.
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = twinsync::semaphore::ThreadSemaphore::new(0);
    /// assert!(s.acquire_timeout(Duration::from_millis(1)).is_err());
    /// ```
    #[inline]
    pub fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_, Blocking>, Timeout> {
        block_on(self.acquire_until(1, deadline_after(timeout)))
    }
}

#[cfg(feature = "tokio")]
impl TaskSemaphore {
    /// Waits, yielding the task, for one permit.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let s = twinsync::semaphore::TaskSemaphore::new(1);
    /// let _p = s.acquire().await;
    /// # });
    /// ```
    pub async fn acquire(&self) -> SemaphorePermit<'_, Async> {
        without_deadline(self.acquire_until(1, None).await)
    }

    /// Waits for `n` permits at once.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let s = twinsync::semaphore::TaskSemaphore::new(2);
    /// assert_eq!(s.acquire_many(2).await.unwrap().count(), 2);
    /// # });
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_, Async>, Overflow> {
        self.check_satisfiable(n)?;
        Ok(without_deadline(self.acquire_until(n, None).await))
    }

    /// Waits at most `timeout` for one permit (a tokio timer: call it inside a runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let s = twinsync::semaphore::TaskSemaphore::new(0);
    /// assert!(s.acquire_timeout(Duration::from_millis(1)).await.is_err());
    /// # }).unwrap();
    /// ```
    pub async fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_, Async>, Timeout> {
        self.acquire_until(1, deadline_after(timeout)).await
    }
}

impl<W: Waiter> Semaphore for SemaphoreTwin<W> {
    type Permit<'a> = SemaphorePermit<'a, W>;

    fn new(permits: u32) -> Self {
        SemaphoreTwin::new(permits)
    }

    fn bounded(permits: u32) -> Self {
        SemaphoreTwin::bounded(permits)
    }

    fn with_policy(permits: u32, policy: Policy) -> Self {
        SemaphoreTwin::with_policy(permits, policy)
    }

    fn bounded_with_policy(permits: u32, policy: Policy) -> Self {
        SemaphoreTwin::bounded_with_policy(permits, policy)
    }

    fn acquire(&self) -> impl Future<Output = SemaphorePermit<'_, W>> + Send {
        Wait::<W, _>::forever(self.acquiring(1))
    }

    async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_, W>, Overflow> {
        self.check_satisfiable(n)?;
        Ok(without_deadline(self.acquire_until(n, None).await))
    }

    fn try_acquire(&self) -> Option<SemaphorePermit<'_, W>> {
        SemaphoreTwin::try_acquire(self)
    }

    fn try_acquire_many(&self, n: u32) -> Option<SemaphorePermit<'_, W>> {
        SemaphoreTwin::try_acquire_many(self, n)
    }

    fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<SemaphorePermit<'_, W>, Timeout>> + Send {
        self.acquire_until(1, deadline_after(timeout))
    }

    fn release(&self, n: u32) -> Result<(), Overflow> {
        SemaphoreTwin::release(self, n)
    }

    fn is_locked(&self) -> bool {
        SemaphoreTwin::is_locked(self)
    }

    fn policy(&self) -> crate::Policy {
        SemaphoreTwin::policy(self)
    }

    fn available(&self) -> u32 {
        SemaphoreTwin::available(self)
    }
}

impl<W> fmt::Debug for SemaphoreTwin<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("limit", &self.limit)
            .field("policy", &self.policy())
            .finish()
    }
}

impl<W> SemaphorePermit<'_, W> {
    /// How many permits this holds.
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::new(5);
    /// assert_eq!(s.try_acquire_many(3).unwrap().count(), 3);
    /// ```
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Keeps the permits taken without a guard, as Python's `acquire()` does: they come back
    /// only through an explicit [`release`](Semaphore::release).
    ///
    /// ```
    /// let s = twinsync::semaphore::ThreadSemaphore::bounded(1);
    /// s.acquire().forget();
    /// assert_eq!(s.available(), 0);
    /// s.release(1).unwrap();
    /// assert_eq!(s.available(), 1);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl<W> PermitGuard for SemaphorePermit<'_, W> {
    fn count(&self) -> u32 {
        SemaphorePermit::count(self)
    }

    fn forget(self) {
        SemaphorePermit::forget(self)
    }
}

impl<W> Drop for SemaphorePermit<'_, W> {
    fn drop(&mut self) {
        self.semaphore.give_back(self.count);
    }
}

impl<W> fmt::Debug for SemaphorePermit<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("count", &self.count)
            .finish()
    }
}
