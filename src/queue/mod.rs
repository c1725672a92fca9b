//! `Queue`: Python's `queue.Queue`, `LifoQueue` and `PriorityQueue` (with `JoinableQueue`'s
//! `task_done`/`join` and 3.13's `shutdown`), as twins.
//!
//! One state machine serves every queue: a [`Discipline`] decides which item leaves next
//! ([`Fifo`], [`Lifo`], [`Priority`]: smallest first and stable), and the way of waiting makes
//! the twin ([`ThreadQueue`] blocks the OS thread, [`TaskQueue`] yields the task). A handle is
//! cheap to clone; every clone is the same queue.
//!
//! | Python | trait | thread twin | task twin |
//! |---|---|---|---|
//! | `queue.Queue` | [`Queue`] with [`Fifo`] | [`ThreadQueue`] | [`TaskQueue`] |
//! | `queue.LifoQueue` | [`Queue`] with [`Lifo`] | [`ThreadLifoQueue`] | [`TaskLifoQueue`] |
//! | `queue.PriorityQueue` | [`Queue`] with [`Priority`] | [`ThreadPriorityQueue`] | [`TaskPriorityQueue`] |
//!
//! Generic code names the flavour's twin `F::Queue<T, Fifo>` (or `Lifo`, `Priority`).
//!
//! # Ending a stream of work: `close`, not a sentinel
//!
//! Python code often ends consumers by putting a sentinel (`None`) per consumer. Here the
//! producer calls [`close`](Queue::close): puts fail from then on (handing the item back), gets
//! deliver what is left and then fail with [`GetError::Closed`], so a consumer is simply
//! `while let Ok(item) = queue.get().await { … }` — or, on the concrete twins, `for item in
//! &queue` ([`Iter`]) and `queue.stream()` ([`ItemStream`]). [`close_and_drain`](Queue::close_and_drain)
//! closes and hands back everything still queued: no item is ever dropped silently.
//!
//! # `task_done`, `join` and closing
//!
//! Every put counts one unfinished task; [`task_done`](Queue::task_done) marks one done, and
//! [`join`](Queue::join) waits until none is left (Python's `JoinableQueue`). `close` does not
//! change the count (items still queued must be taken and marked done, as after Python's
//! `shutdown()`); `close_and_drain` counts the drained items as done (as Python's
//! `shutdown(immediate=True)`), so a `join` waiting on them returns.
//!
//! # Cancellation
//!
//! Every task-twin wait is cancellation-safe: an item is taken only in the poll that returns
//! it, so dropping a waiting `get` (or [`ItemStream`]) loses nothing; a waiting `put` that is
//! dropped has put nothing (its item is dropped with the future, as with any channel's send
//! future); and a waiter dropped after being woken passes the wake-up on.

mod core;
pub mod discipline;
mod error;
mod store;
mod twin;

use std::future::Future;
use std::time::Duration;

pub use discipline::{Discipline, Fifo, Lifo, Priority};
pub use error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
};
pub use twin::{ItemStream, Iter, QueueTwin, ThreadLifoQueue, ThreadPriorityQueue, ThreadQueue};
#[cfg(feature = "tokio")]
pub use twin::{TaskLifoQueue, TaskPriorityQueue, TaskQueue};

use crate::error::Timeout;

/// A queue of items between units: the shared trait of [`ThreadQueue`] and [`TaskQueue`] and
/// their LIFO and priority siblings; generic code names it `F::Queue<T, D>`.
///
/// ```
/// use twinsync::queue::Fifo;
/// use twinsync::{Flavor, JoinHandle, Queue, Threads};
///
/// // The seeds' bakery: one baker, two customers, ended by closing the queue.
/// async fn bakery<F: Flavor>(f: F) -> usize {
///     let shelf = F::Queue::<u32, Fifo>::bounded(2);
///     let customers: Vec<_> = (0..2)
///         .map(|i| {
///             let shelf = shelf.clone();
///             f.spawn(format!("customer-{i}"), async move {
///                 let mut eaten = 0;
///                 while let Ok(_bread) = shelf.get().await {
///                     eaten += 1;
///                 }
///                 eaten
///             })
///         })
///         .collect();
///     for bread in 0..10 {
///         shelf.put(bread).await.unwrap(); // waits while the shelf is full
///     }
///     shelf.close();
///     let mut total = 0;
///     for c in customers {
///         total += c.join().await.unwrap();
///     }
///     total
/// }
/// assert_eq!(Threads::new().run(bakery).unwrap(), 10);
/// ```
pub trait Queue<T: Send>: Clone + Send + Sync {
    /// An unbounded queue: `put` never waits.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// let q = <ThreadQueue<u8> as Queue<u8>>::new();
    /// assert_eq!(q.capacity(), None);
    /// ```
    fn new() -> Self;

    /// A queue holding at most `capacity` items: `put` waits while it is full. Python's
    /// `Queue(maxsize=0)` is unbounded, which is [`new`](Queue::new) here; a capacity of 0 is
    /// taken as 1 (see [`QueueTwin::bounded`]).
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// let q = <ThreadQueue<u8> as Queue<u8>>::bounded(4);
    /// assert_eq!(q.capacity(), Some(4));
    /// ```
    fn bounded(capacity: usize) -> Self;

    /// Waits while the queue is full, then puts `item`; a closed queue hands it back in
    /// [`PutError::Closed`].
    ///
    /// ```
    /// # use twinsync::{Flavor, Queue, Threads, queue::Fifo};
    /// async fn one<F: Flavor>(_f: F) -> usize {
    ///     let q = F::Queue::<u8, Fifo>::new();
    ///     q.put(1).await.unwrap();
    ///     q.len()
    /// }
    /// assert_eq!(Threads::new().run(one).unwrap(), 1);
    /// ```
    fn put(&self, item: T) -> impl Future<Output = Result<(), PutError<T>>> + Send;

    /// Puts `item` if there is room right now (`put_nowait`); otherwise hands it back in
    /// [`TryPutError::Full`] or [`TryPutError::Closed`].
    ///
    /// ```
    /// use twinsync::queue::{ThreadQueue, TryPutError};
    /// use twinsync::Queue;
    /// let q = <ThreadQueue<u8> as Queue<u8>>::bounded(1);
    /// Queue::try_put(&q, 1).unwrap();
    /// assert_eq!(Queue::try_put(&q, 2), Err(TryPutError::Full(2)));
    /// ```
    fn try_put(&self, item: T) -> Result<(), TryPutError<T>>;

    /// As [`put`](Queue::put), waiting at most `timeout`; on
    /// [`PutTimeoutError::Timeout`] the item comes back and nothing was put.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Queue, Threads, queue::Fifo};
    /// async fn full<F: Flavor>(_f: F) -> u8 {
    ///     let q = F::Queue::<u8, Fifo>::bounded(1);
    ///     q.put(1).await.unwrap();
    ///     let err = q.put_timeout(2, Duration::from_millis(5)).await.unwrap_err();
    ///     err.into_inner()
    /// }
    /// assert_eq!(Threads::new().run(full).unwrap(), 2);
    /// ```
    fn put_timeout(
        &self,
        item: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), PutTimeoutError<T>>> + Send;

    /// Waits while the queue is empty, then takes the next item; [`GetError::Closed`] once the
    /// queue is closed and drained.
    ///
    /// ```
    /// # use twinsync::{Flavor, Queue, Threads, queue::Lifo};
    /// async fn last<F: Flavor>(_f: F) -> u8 {
    ///     let q = F::Queue::<u8, Lifo>::new();
    ///     q.put(1).await.unwrap();
    ///     q.put(2).await.unwrap();
    ///     q.get().await.unwrap()
    /// }
    /// assert_eq!(Threads::new().run(last).unwrap(), 2);
    /// ```
    fn get(&self) -> impl Future<Output = Result<T, GetError>> + Send;

    /// Takes the next item if there is one right now (`get_nowait`).
    ///
    /// ```
    /// use twinsync::queue::{ThreadQueue, TryGetError};
    /// use twinsync::Queue;
    /// let q = <ThreadQueue<u8> as Queue<u8>>::new();
    /// assert_eq!(Queue::try_get(&q), Err(TryGetError::Empty));
    /// ```
    fn try_get(&self) -> Result<T, TryGetError>;

    /// As [`get`](Queue::get), waiting at most `timeout`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Queue, Threads, queue::{Fifo, GetTimeoutError}};
    /// async fn empty<F: Flavor>(_f: F) -> Result<u8, GetTimeoutError> {
    ///     F::Queue::<u8, Fifo>::new().get_timeout(Duration::from_millis(5)).await
    /// }
    /// assert_eq!(Threads::new().run(empty).unwrap(), Err(GetTimeoutError::Timeout));
    /// ```
    fn get_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, GetTimeoutError>> + Send;

    /// Marks one item put earlier as processed; more calls than items put give
    /// [`TaskDoneError`] and change nothing.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// let q = <ThreadQueue<u8> as Queue<u8>>::new();
    /// assert!(Queue::task_done(&q).is_err());
    /// ```
    fn task_done(&self) -> Result<(), TaskDoneError>;

    /// Waits until every item ever put has been marked done (Python's `Queue.join`).
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Queue, Threads, queue::Fifo};
    /// async fn workers<F: Flavor>(f: F) -> usize {
    ///     let jobs = F::Queue::<u32, Fifo>::new();
    ///     for i in 0..2 {
    ///         let jobs = jobs.clone();
    ///         f.spawn_daemon(format!("worker-{i}"), async move {
    ///             while let Ok(_job) = jobs.get().await {
    ///                 jobs.task_done().unwrap();
    ///             }
    ///         });
    ///     }
    ///     for job in 0..20 {
    ///         jobs.put(job).await.unwrap();
    ///     }
    ///     jobs.join().await; // every job processed
    ///     jobs.unfinished_tasks()
    /// }
    /// assert_eq!(Threads::new().run(workers).unwrap(), 0);
    /// ```
    fn join(&self) -> impl Future<Output = ()> + Send;

    /// As [`join`](Queue::join), waiting at most `timeout`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, Queue, Threads, queue::Fifo};
    /// async fn pending<F: Flavor>(_f: F) -> bool {
    ///     let q = F::Queue::<u8, Fifo>::new();
    ///     q.put(1).await.unwrap();
    ///     q.join_timeout(Duration::from_millis(5)).await.is_err()
    /// }
    /// assert!(Threads::new().run(pending).unwrap());
    /// ```
    fn join_timeout(&self, timeout: Duration) -> impl Future<Output = Result<(), Timeout>> + Send;

    /// Items put and not yet marked done (Python's `unfinished_tasks`).
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// let q = <ThreadQueue<u8> as Queue<u8>>::new();
    /// Queue::try_put(&q, 1).unwrap();
    /// assert_eq!(Queue::unfinished_tasks(&q), 1);
    /// ```
    fn unfinished_tasks(&self) -> usize;

    /// Closes the queue: later puts fail handing their item back; gets take what is left,
    /// then fail with `Closed`; waiting putters and getters are woken. See the
    /// [module docs](self) for what it means for `join`.
    ///
    /// ```
    /// use twinsync::{Queue, queue::{ThreadQueue, TryPutError}};
    /// let q = <ThreadQueue<u8> as Queue<u8>>::new();
    /// Queue::close(&q);
    /// assert_eq!(Queue::try_put(&q, 1), Err(TryPutError::Closed(1)));
    /// ```
    fn close(&self);

    /// Closes the queue and returns every item still in it, in the order they would have
    /// left; they count as done for `join`.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadPriorityQueue};
    /// let q = <ThreadPriorityQueue<u8> as Queue<u8>>::new();
    /// for n in [2, 3, 1] {
    ///     Queue::try_put(&q, n).unwrap();
    /// }
    /// assert_eq!(Queue::close_and_drain(&q), [1, 2, 3]);
    /// ```
    fn close_and_drain(&self) -> Vec<T>;

    /// Whether the queue was closed.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// assert!(!Queue::is_closed(&<ThreadQueue<u8> as Queue<u8>>::new()));
    /// ```
    fn is_closed(&self) -> bool;

    /// Items in the queue right now (`qsize()`); only a hint while others put and get.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// assert_eq!(Queue::len(&<ThreadQueue<u8> as Queue<u8>>::new()), 0);
    /// ```
    fn len(&self) -> usize;

    /// Whether the queue is empty right now.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// assert!(Queue::is_empty(&<ThreadQueue<u8> as Queue<u8>>::new()));
    /// ```
    fn is_empty(&self) -> bool;

    /// Whether a bounded queue is at capacity right now (never for an unbounded one).
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// assert!(!Queue::is_full(&<ThreadQueue<u8> as Queue<u8>>::new()));
    /// ```
    fn is_full(&self) -> bool;

    /// The most items the queue holds; `None` when unbounded.
    ///
    /// ```
    /// use twinsync::{Queue, queue::ThreadQueue};
    /// assert_eq!(Queue::capacity(&<ThreadQueue<u8> as Queue<u8>>::bounded(2)), Some(2));
    /// ```
    fn capacity(&self) -> Option<usize>;
}
