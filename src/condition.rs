//! `Condition`: Python's `threading.Condition`, a lock with a waiting room.
//!
//! A condition has a lock (the flavour's [`Mutex`]): [`lock`](Condition::lock) takes it,
//! [`wait`](Condition::wait) gives it up while waiting for a notification and takes it back
//! before returning. [`Condition::new`] makes a fresh lock, as Python's `Condition()` does;
//! [`Condition::with_lock`] shares one, as Python's `Condition(lock)` does — several conditions
//! over one mutex, the way `queue.Queue` builds `not_empty` and `not_full`:
//!
//! ```
//! use std::sync::Arc;
//! use std::collections::VecDeque;
//! use twinsync::{Condition, Flavor, Mutex, Threads};
//!
//! async fn one_lock_two_rooms<F: Flavor>(_f: F) -> Option<u32> {
//!     let items = Arc::new(F::Mutex::new(VecDeque::new()));
//!     let not_empty = F::Condition::with_lock(Arc::clone(&items));
//!     let not_full = F::Condition::with_lock(items);
//!     not_full.lock().await.push_back(7); // either condition's lock is the same mutex
//!     not_empty.notify_one();
//!     let mut queue = not_empty.lock().await;
//!     queue.pop_front()
//! }
//! assert_eq!(Threads::new().run(one_lock_two_rooms).unwrap(), Some(7));
//! ```
//!
//! One implementation serves both twins, [`ThreadCondition`] and [`TaskCondition`], generic over
//! the mutex twin and the way of waiting.
//!
//! # No lost notifications
//!
//! A waiter starts listening *before* it unlocks, so a notification sent right after the unlock
//! still reaches it. And a notification is never swallowed by a waiter that goes away: if a
//! waiting future is dropped (cancelled, or lost a `select!`) after it was notified but before it
//! returned, it passes the notification on to the next waiter. tokio's `Notify`-based patterns
//! leave this to the user (tokio issues #2739 and #3892); here it is part of the primitive.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::DerefMut;
use std::sync::Arc;
use std::time::{Duration, Instant};

use event_listener::IntoNotification;

#[cfg(feature = "tokio")]
use crate::mutex::TaskMutex;
use crate::mutex::{Mutex, ThreadMutex};
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{self, Blocking, Waiter, block_on, deadline_after};

/// A lock plus a waiting room: the shared trait of [`ThreadCondition`] and [`TaskCondition`];
/// generic code names it `F::Condition<T>`.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::{Condition, Flavor, JoinHandle, Threads};
///
/// async fn handoff<F: Flavor>(f: F) -> u32 {
///     let mailbox = Arc::new(F::Condition::new(None::<u32>));
///     let reader = {
///         let mailbox = Arc::clone(&mailbox);
///         f.spawn("reader", async move {
///             let guard = mailbox.lock().await;
///             let mut guard = mailbox.wait_while(guard, |letter| letter.is_none()).await;
///             guard.take().unwrap()
///         })
///     };
///     *mailbox.lock().await = Some(42);
///     mailbox.notify_one();
///     reader.join().await.unwrap()
/// }
/// assert_eq!(Threads::new().run(handoff).unwrap(), 42);
/// ```
pub trait Condition<T>: Send + Sync {
    /// The condition's lock: the flavour's mutex.
    type Lock: Mutex<T>;

    /// The guard of the condition's lock.
    type Guard<'a>: DerefMut<Target = T> + crate::mutex::Guard + Send + 'a
    where
        Self: 'a;

    /// A condition whose lock protects `value`.
    ///
    /// ```
    /// use twinsync::{Condition, condition::ThreadCondition};
    /// let c = <ThreadCondition<u8> as Condition<u8>>::new(1);
    /// # let _ = c;
    /// ```
    fn new(value: T) -> Self
    where
        Self: Sized;

    /// A condition over a lock shared with others (Python's `Condition(lock)`): waiting on it
    /// gives up and takes back that lock.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use twinsync::{Condition, Flavor, Mutex, Threads};
    /// async fn shared<F: Flavor>(_f: F) -> bool {
    ///     let lock = Arc::new(F::Mutex::new(0));
    ///     let a = F::Condition::with_lock(Arc::clone(&lock));
    ///     let b = F::Condition::with_lock(Arc::clone(&lock));
    ///     let held = a.lock().await;
    ///     let blocked = b.is_locked() && lock.is_locked(); // one lock behind both
    ///     drop(held);
    ///     blocked
    /// }
    /// assert!(Threads::new().run(shared).unwrap());
    /// ```
    fn with_lock(lock: Arc<Self::Lock>) -> Self
    where
        Self: Sized;

    /// The condition's lock, to share with another condition or to use directly.
    ///
    /// ```
    /// # use twinsync::{Condition, Flavor, Threads};
    /// async fn siblings<F: Flavor>(_f: F) {
    ///     let first = F::Condition::new(());
    ///     let second = F::Condition::with_lock(first.shared_lock());
    ///     let held = first.lock().await;
    ///     assert!(second.try_lock().is_none());
    ///     drop(held);
    /// }
    /// Threads::new().run(siblings).unwrap();
    /// ```
    fn shared_lock(&self) -> Arc<Self::Lock>;

    /// Whether some unit holds the condition's lock right now (Python: `cond._lock.locked()`).
    ///
    /// ```
    /// # use twinsync::{Condition, condition::ThreadCondition};
    /// let c = ThreadCondition::new(());
    /// let held = Condition::try_lock(&c).unwrap();
    /// assert!(Condition::is_locked(&c));
    /// # drop(held);
    /// ```
    fn is_locked(&self) -> bool;

    /// Takes the condition's lock (`with cond:`).
    ///
    /// ```
    /// # use twinsync::{Condition, Flavor, Threads};
    /// async fn bump<F: Flavor>(_f: F) -> u32 {
    ///     let c = F::Condition::new(1);
    ///     *c.lock().await += 1;
    ///     let n = *c.lock().await;
    ///     n
    /// }
    /// assert_eq!(Threads::new().run(bump).unwrap(), 2);
    /// ```
    fn lock(&self) -> impl Future<Output = Self::Guard<'_>> + Send;

    /// Takes the condition's lock if it is free right now (`cond.acquire(blocking=False)`).
    ///
    /// ```
    /// # use twinsync::{Condition, condition::ThreadCondition};
    /// let c = ThreadCondition::new(());
    /// let held = Condition::try_lock(&c).unwrap();
    /// assert!(Condition::try_lock(&c).is_none());
    /// # drop(held);
    /// ```
    fn try_lock(&self) -> Option<Self::Guard<'_>>;

    /// Unlocks, waits for a notification, and locks again (`cond.wait()`). Callers re-check
    /// their condition in a loop, or use [`wait_while`](Condition::wait_while).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use twinsync::{Condition, Flavor, JoinHandle, Threads};
    /// async fn wake<F: Flavor>(f: F) {
    ///     let c = Arc::new(F::Condition::new(false));
    ///     let waiter = {
    ///         let c = Arc::clone(&c);
    ///         f.spawn("waiter", async move {
    ///             let mut ready = c.lock().await;
    ///             while !*ready {
    ///                 ready = c.wait(ready).await;
    ///             }
    ///         })
    ///     };
    ///     *c.lock().await = true;
    ///     c.notify_all();
    ///     waiter.join().await.unwrap();
    /// }
    /// Threads::new().run(wake).unwrap();
    /// ```
    fn wait<'a>(&'a self, guard: Self::Guard<'a>) -> impl Future<Output = Self::Guard<'a>> + Send;

    /// As [`wait`](Condition::wait), for at most `timeout`; the flag says whether a notification
    /// came (`false`: timed out). The lock is held again either way.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Condition, Flavor, Threads};
    /// async fn nobody<F: Flavor>(_f: F) -> bool {
    ///     let c = F::Condition::new(());
    ///     let guard = c.lock().await;
    ///     let (_guard, notified) = c.wait_timeout(guard, Duration::from_millis(5)).await;
    ///     notified
    /// }
    /// assert!(!Threads::new().run(nobody).unwrap());
    /// ```
    fn wait_timeout<'a>(
        &'a self,
        guard: Self::Guard<'a>,
        timeout: Duration,
    ) -> impl Future<Output = (Self::Guard<'a>, bool)> + Send;

    /// Waits as long as `condition` holds for the protected value (std's `Condvar::wait_while`;
    /// Python's `wait_for` with the predicate negated); returns with the lock held and the
    /// condition false.
    ///
    /// In a generic `async fn` whose future must be `Send`, calling this on a condition owned by
    /// a local variable can hit a rustc limitation ("lifetime bound not satisfied", rust-lang
    /// issue 100013); share the condition through an `Arc`, as below, and it compiles.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use twinsync::{Condition, Flavor, JoinHandle, Threads};
    /// async fn countdown<F: Flavor>(f: F) -> u32 {
    ///     let left = Arc::new(F::Condition::new(3u32));
    ///     let waiter = {
    ///         let left = Arc::clone(&left);
    ///         f.spawn("waiter", async move {
    ///             let guard = left.lock().await;
    ///             *left.wait_while(guard, |n| *n > 0).await // wakes when it reaches 0
    ///         })
    ///     };
    ///     for _ in 0..3 {
    ///         *left.lock().await -= 1;
    ///         left.notify_all();
    ///     }
    ///     waiter.join().await.unwrap()
    /// }
    /// assert_eq!(Threads::new().run(countdown).unwrap(), 0);
    /// ```
    fn wait_while<'a, P>(
        &'a self,
        guard: Self::Guard<'a>,
        condition: P,
    ) -> impl Future<Output = Self::Guard<'a>> + Send
    where
        P: FnMut(&mut T) -> bool + Send + 'a;

    /// Waits until `predicate` holds, for at most `timeout` (Python's
    /// `cond.wait_for(predicate, timeout)`); returns with the lock held and the predicate's last
    /// value: `true` if it came true, `false` if the time ran out first.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Condition, condition::ThreadCondition};
    /// async fn never<C: Condition<bool>>(flag: &C) -> bool {
    ///     let guard = flag.lock().await;
    ///     let (_guard, came_true) =
    ///         flag.wait_for_timeout(guard, |set| *set, Duration::from_millis(5)).await;
    ///     came_true
    /// }
    /// assert!(!twinsync::block_on(never(&ThreadCondition::new(false))));
    /// ```
    fn wait_for_timeout<'a, P>(
        &'a self,
        guard: Self::Guard<'a>,
        predicate: P,
        timeout: Duration,
    ) -> impl Future<Output = (Self::Guard<'a>, bool)> + Send
    where
        P: FnMut(&mut T) -> bool + Send + 'a;

    /// Wakes one waiter, if any (`notify()`).
    ///
    /// ```
    /// # use twinsync::{Condition, condition::ThreadCondition};
    /// ThreadCondition::new(()).notify_one(); // nobody waits: nothing happens
    /// ```
    fn notify_one(&self);

    /// Wakes up to `n` waiters (`notify(n)`).
    ///
    /// ```
    /// # use twinsync::{Condition, condition::ThreadCondition};
    /// ThreadCondition::new(()).notify(3);
    /// ```
    fn notify(&self, n: usize);

    /// Wakes every waiter (`notify_all()`).
    ///
    /// ```
    /// # use twinsync::{Condition, condition::ThreadCondition};
    /// ThreadCondition::new(()).notify_all();
    /// ```
    fn notify_all(&self);
}

/// The condition, generic over its mutex twin `M` and its way of waiting `W`. Use the aliases
/// [`ThreadCondition`] and [`TaskCondition`].
pub struct ConditionTwin<M, W> {
    mutex: Arc<M>,
    notified: event_listener::Event,
    waiter: PhantomData<fn() -> W>,
}

/// The thread twin of [`Condition`]: a [`ThreadMutex`] and a waiting room that blocks the OS
/// thread. Its inherent `lock`, `wait`, `wait_timeout` and `wait_while` block directly.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::condition::ThreadCondition;
///
/// let pair = Arc::new(ThreadCondition::new(false));
/// let setter = {
///     let pair = Arc::clone(&pair);
///     std::thread::spawn(move || {
///         *pair.lock() = true;
///         pair.notify_one();
///     })
/// };
/// let ready = pair.wait_while(pair.lock(), |ready| !*ready);
/// assert!(*ready);
/// # drop(ready);
/// setter.join().unwrap();
/// ```
pub type ThreadCondition<T> = ConditionTwin<ThreadMutex<T>, Blocking>;

/// The task twin of [`Condition`]: a [`TaskMutex`] and a waiting room that yields the task.
/// A dropped waiting future never loses a notification.
///
/// ```
/// use twinsync::{Flavor, TokioLocal, condition::TaskCondition};
///
/// TokioLocal::new()
///     .run(|_| async {
///         let c = TaskCondition::new(1);
///         let guard = c.lock().await;
///         let guard = c.wait_while(guard, |n| *n == 0).await;
///         assert_eq!(*guard, 1);
///     })
///     .unwrap();
/// ```
#[cfg(feature = "tokio")]
pub type TaskCondition<T> = ConditionTwin<TaskMutex<T>, Async>;

/// Passes a consumed notification on if the waiter that consumed it goes away before returning.
struct PassOn<'a> {
    notified: &'a event_listener::Event,
    armed: bool,
}

impl Drop for PassOn<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.notified.notify(1.additional());
        }
    }
}

impl<M, W> ConditionTwin<M, W> {
    /// Wakes one waiter, if any.
    ///
    /// ```
    /// twinsync::condition::ThreadCondition::new(()).notify_one();
    /// ```
    pub fn notify_one(&self) {
        self.notify(1);
    }

    /// Wakes up to `n` waiters that were not already woken.
    ///
    /// ```
    /// twinsync::condition::ThreadCondition::new(()).notify(2);
    /// ```
    pub fn notify(&self, n: usize) {
        self.notified.notify(n.additional());
    }

    /// Wakes every waiter.
    ///
    /// ```
    /// twinsync::condition::ThreadCondition::new(()).notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.notified.notify(usize::MAX);
    }
}

impl<M, W: Waiter> ConditionTwin<M, W> {
    fn with_value<T: Send>(value: T) -> Self
    where
        M: Mutex<T>,
    {
        Self::sharing(Arc::new(M::new(value)))
    }

    fn sharing(mutex: Arc<M>) -> Self {
        ConditionTwin {
            mutex,
            notified: event_listener::Event::new(),
            waiter: PhantomData,
        }
    }

    /// The wait of both twins: listen, unlock, wait, relock.
    async fn wait_until<'a, T: Send>(
        &'a self,
        guard: M::Guard<'a>,
        deadline: Option<Instant>,
    ) -> (M::Guard<'a>, bool)
    where
        M: Mutex<T>,
    {
        let listener = self.notified.listen();
        drop(guard);
        let notified = wait::notified::<W>(&self.notified, listener, deadline).await;
        let mut pass_on = PassOn {
            notified: &self.notified,
            armed: notified,
        };
        let guard = self.mutex.lock().await;
        pass_on.armed = false;
        (guard, notified)
    }

    async fn wait_while_until<'a, T: Send>(
        &'a self,
        mut guard: M::Guard<'a>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> M::Guard<'a>
    where
        M: Mutex<T>,
    {
        while condition(&mut guard) {
            guard = self.wait_until::<T>(guard, None).await.0;
        }
        guard
    }

    /// Python's `wait_for(predicate, timeout)`: re-waits after each notification with the
    /// time that is left, and reports the predicate's last value.
    async fn wait_for_until<'a, T: Send>(
        &'a self,
        mut guard: M::Guard<'a>,
        mut predicate: impl FnMut(&mut T) -> bool,
        deadline: Option<Instant>,
    ) -> (M::Guard<'a>, bool)
    where
        M: Mutex<T>,
    {
        loop {
            if predicate(&mut guard) {
                return (guard, true);
            }
            if deadline.is_some_and(|deadline| crate::sync::now() >= deadline) {
                return (guard, false);
            }
            guard = self.wait_until::<T>(guard, deadline).await.0;
        }
    }
}

impl<T: Send> ThreadCondition<T> {
    /// A condition whose lock protects `value`.
    ///
    /// ```
    /// let c = twinsync::condition::ThreadCondition::new(0);
    /// assert_eq!(*c.lock(), 0);
    /// ```
    pub fn new(value: T) -> Self {
        Self::with_value(value)
    }

    /// Blocks until the lock is free and takes it.
    ///
    /// ```
    /// let c = twinsync::condition::ThreadCondition::new(0);
    /// *c.lock() += 1;
    /// ```
    pub fn lock(&self) -> crate::mutex::ThreadMutexGuard<'_, T> {
        self.mutex.lock()
    }

    /// A condition over a shared lock (Python's `Condition(lock)`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use twinsync::{condition::ThreadCondition, mutex::ThreadMutex};
    /// let lock = Arc::new(ThreadMutex::new(0));
    /// let c = ThreadCondition::with_lock(Arc::clone(&lock));
    /// *c.lock() = 5;
    /// assert_eq!(*lock.lock(), 5);
    /// ```
    pub fn with_lock(lock: Arc<ThreadMutex<T>>) -> Self {
        Self::sharing(lock)
    }

    /// Blocks until `predicate` holds or `timeout` passes; returns the guard and the
    /// predicate's last value (Python's `wait_for`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = twinsync::condition::ThreadCondition::new(3);
    /// let (guard, ok) = c.wait_for_timeout(c.lock(), |n| *n == 3, Duration::from_millis(1));
    /// assert!(ok && *guard == 3);
    /// ```
    pub fn wait_for_timeout<'a>(
        &'a self,
        guard: crate::mutex::ThreadMutexGuard<'a, T>,
        predicate: impl FnMut(&mut T) -> bool,
        timeout: Duration,
    ) -> (crate::mutex::ThreadMutexGuard<'a, T>, bool) {
        block_on(self.wait_for_until(guard, predicate, deadline_after(timeout)))
    }

    /// Unlocks, blocks until notified, and locks again.
    ///
    /// ```no_run
    /// let c = twinsync::condition::ThreadCondition::new(());
    /// let guard = c.wait(c.lock()); // blocks until someone notifies
    /// # drop(guard);
    /// ```
    pub fn wait<'a>(
        &'a self,
        guard: crate::mutex::ThreadMutexGuard<'a, T>,
    ) -> crate::mutex::ThreadMutexGuard<'a, T> {
        block_on(self.wait_until::<T>(guard, None)).0
    }

    /// As [`wait`](Self::wait), for at most `timeout`; the flag says whether it was notified.
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = twinsync::condition::ThreadCondition::new(());
    /// let (_guard, notified) = c.wait_timeout(c.lock(), Duration::from_millis(1));
    /// assert!(!notified);
    /// ```
    pub fn wait_timeout<'a>(
        &'a self,
        guard: crate::mutex::ThreadMutexGuard<'a, T>,
        timeout: Duration,
    ) -> (crate::mutex::ThreadMutexGuard<'a, T>, bool) {
        block_on(self.wait_until::<T>(guard, deadline_after(timeout)))
    }

    /// Blocks as long as `condition` holds.
    ///
    /// ```
    /// let c = twinsync::condition::ThreadCondition::new(5);
    /// assert_eq!(*c.wait_while(c.lock(), |n| *n == 0), 5);
    /// ```
    pub fn wait_while<'a>(
        &'a self,
        guard: crate::mutex::ThreadMutexGuard<'a, T>,
        condition: impl FnMut(&mut T) -> bool,
    ) -> crate::mutex::ThreadMutexGuard<'a, T> {
        block_on(self.wait_while_until(guard, condition))
    }
}

#[cfg(feature = "tokio")]
impl<T: Send> TaskCondition<T> {
    /// A condition whose lock protects `value`.
    ///
    /// ```
    /// let c = twinsync::condition::TaskCondition::new(0);
    /// # let _ = c;
    /// ```
    pub fn new(value: T) -> Self {
        Self::with_value(value)
    }

    /// Waits, yielding the task, for the lock.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let c = twinsync::condition::TaskCondition::new(0);
    /// *c.lock().await += 1;
    /// # });
    /// ```
    pub async fn lock(&self) -> crate::mutex::TaskMutexGuard<'_, T> {
        self.mutex.lock().await
    }

    /// Unlocks, waits until notified, and locks again.
    ///
    /// ```no_run
    /// # twinsync::block_on(async {
    /// let c = twinsync::condition::TaskCondition::new(());
    /// let guard = c.wait(c.lock().await).await;
    /// # drop(guard);
    /// # });
    /// ```
    pub async fn wait<'a>(
        &'a self,
        guard: crate::mutex::TaskMutexGuard<'a, T>,
    ) -> crate::mutex::TaskMutexGuard<'a, T> {
        self.wait_until::<T>(guard, None).await.0
    }

    /// As [`wait`](Self::wait), for at most `timeout` (a tokio timer: call it inside a
    /// runtime); the flag says whether it was notified.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let c = twinsync::condition::TaskCondition::new(());
    /// let (_g, notified) = c.wait_timeout(c.lock().await, Duration::from_millis(1)).await;
    /// assert!(!notified);
    /// # }).unwrap();
    /// ```
    pub async fn wait_timeout<'a>(
        &'a self,
        guard: crate::mutex::TaskMutexGuard<'a, T>,
        timeout: Duration,
    ) -> (crate::mutex::TaskMutexGuard<'a, T>, bool) {
        self.wait_until::<T>(guard, deadline_after(timeout)).await
    }

    /// Waits as long as `condition` holds.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let c = twinsync::condition::TaskCondition::new(5);
    /// assert_eq!(*c.wait_while(c.lock().await, |n| *n == 0).await, 5);
    /// # });
    /// ```
    pub async fn wait_while<'a>(
        &'a self,
        guard: crate::mutex::TaskMutexGuard<'a, T>,
        condition: impl FnMut(&mut T) -> bool,
    ) -> crate::mutex::TaskMutexGuard<'a, T> {
        self.wait_while_until(guard, condition).await
    }
}

impl<T: Send, M: Mutex<T>, W: Waiter> Condition<T> for ConditionTwin<M, W> {
    type Lock = M;
    type Guard<'a>
        = M::Guard<'a>
    where
        Self: 'a;

    fn new(value: T) -> Self {
        Self::with_value(value)
    }

    fn with_lock(lock: Arc<M>) -> Self {
        Self::sharing(lock)
    }

    fn shared_lock(&self) -> Arc<M> {
        Arc::clone(&self.mutex)
    }

    fn is_locked(&self) -> bool {
        self.mutex.is_locked()
    }

    fn wait_for_timeout<'a, P>(
        &'a self,
        guard: M::Guard<'a>,
        predicate: P,
        timeout: Duration,
    ) -> impl Future<Output = (M::Guard<'a>, bool)> + Send
    where
        P: FnMut(&mut T) -> bool + Send + 'a,
    {
        self.wait_for_until(guard, predicate, deadline_after(timeout))
    }

    fn lock(&self) -> impl Future<Output = M::Guard<'_>> + Send {
        self.mutex.lock()
    }

    fn try_lock(&self) -> Option<M::Guard<'_>> {
        self.mutex.try_lock()
    }

    async fn wait<'a>(&'a self, guard: M::Guard<'a>) -> M::Guard<'a> {
        self.wait_until::<T>(guard, None).await.0
    }

    fn wait_timeout<'a>(
        &'a self,
        guard: M::Guard<'a>,
        timeout: Duration,
    ) -> impl Future<Output = (M::Guard<'a>, bool)> + Send {
        self.wait_until::<T>(guard, deadline_after(timeout))
    }

    fn wait_while<'a, P>(
        &'a self,
        guard: M::Guard<'a>,
        condition: P,
    ) -> impl Future<Output = M::Guard<'a>> + Send
    where
        P: FnMut(&mut T) -> bool + Send + 'a,
    {
        self.wait_while_until(guard, condition)
    }

    fn notify_one(&self) {
        ConditionTwin::notify_one(self)
    }

    fn notify(&self, n: usize) {
        ConditionTwin::notify(self, n)
    }

    fn notify_all(&self) {
        ConditionTwin::notify_all(self)
    }
}

impl<M: fmt::Debug, W> fmt::Debug for ConditionTwin<M, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("mutex", &self.mutex)
            .finish_non_exhaustive()
    }
}
