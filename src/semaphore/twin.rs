//! The semaphore twins: one state machine, [`SemaphoreTwin`], that waits in either way, its
//! two aliases, the permits guard, and the [`Semaphore`] and [`PermitGuard`] traits' impls.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use super::{Overflow, PermitGuard, Permits, Semaphore, Taking};
use crate::error::Timeout;
use crate::policy::Policy;
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{
    Attempt, Blocking, Wait, Waiter, block_after_failed_try, block_on, deadline_after,
    without_deadline,
};

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
    crate::sync::const_fn! {
        /// A semaphore with `permits` permits that explicit releases may raise (up to `u32::MAX`),
        /// with the twin's default [`Policy`].
        ///
        /// ```
        /// assert_eq!(twinsync::semaphore::ThreadSemaphore::new(3).available(), 3);
        /// ```
        pub const fn new(permits: u32) -> Self {
            Self::with_policy(permits, W::POLICY)
        }
    }

    crate::sync::const_fn! {
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
}

impl<W> SemaphoreTwin<W> {
    crate::sync::const_fn! {
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
    }

    crate::sync::const_fn! {
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

    /// Gives back the `n` permits of a dropped guard: it cannot fail, so at the bound the
    /// surplus is dropped (see the module docs).
    fn give_back(&self, n: u32) {
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

    fn waits_for(&self) -> crate::deadlock::WaitsFor {
        crate::deadlock::WaitsFor::Permit
    }

    fn hint(&self) -> bool {
        self.taking.hint()
    }

    fn stands_in_line(&self) -> bool {
        self.taking.stands_in_line()
    }
}

impl<W: Waiter> SemaphoreTwin<W> {
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
            .unwrap_or_else(|| block_after_failed_try(self.acquiring(1)))
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
            .unwrap_or_else(|| block_after_failed_try(self.acquiring(n))))
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
