//! [`QueueTwin`]: the queue handle, generic over its discipline and its way of waiting, and the
//! twins' own blocking (thread) and `async` (task) methods.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use super::Queue;
use super::core::{Shared, Side};
use super::discipline::{Discipline, Fifo, Lifo, Priority};
use super::error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
};
use crate::deadlock::WaitsFor;
use crate::error::Timeout;
use crate::sync::Arc;
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{self, Blocking, Waiter, Waiting, block_on, deadline_after};

/// A queue handle, generic over its [`Discipline`] `D` (which item leaves next) and its way of
/// waiting `W`. Use the aliases: [`ThreadQueue`], [`ThreadLifoQueue`], [`ThreadPriorityQueue`]
/// and [`TaskQueue`], [`TaskLifoQueue`], [`TaskPriorityQueue`].
///
/// A handle is an `Arc` inside: cloning it is cheap and every clone is the same queue, so hand
/// one to each producer and consumer.
///
/// ```
/// use twinsync::queue::ThreadQueue;
///
/// let q = ThreadQueue::bounded(2);
/// let producer = {
///     let q = q.clone();
///     std::thread::spawn(move || {
///         for n in 0..10 {
///             q.put(n).unwrap(); // blocks while two items wait
///         }
///         q.close();
///     })
/// };
/// let got: Vec<i32> = q.iter().collect(); // ends when closed and drained
/// assert_eq!(got, (0..10).collect::<Vec<_>>());
/// producer.join().unwrap();
/// ```
pub struct QueueTwin<T, D: Discipline<T>, W> {
    shared: Arc<Shared<T, D>>,
    waiter: PhantomData<fn() -> W>,
}

/// The thread twin of Python's `queue.Queue` (first in, first out): waiting blocks the OS thread
/// after a short spin. Its inherent `put`, `get`, `join` and their `_timeout` forms block
/// directly; [`iter`](QueueTwin::iter) consumes it as an [`Iterator`].
///
/// ```
/// use twinsync::queue::ThreadQueue;
///
/// let q = ThreadQueue::new();
/// q.put("a").unwrap();
/// q.put("b").unwrap();
/// assert_eq!(q.get(), Ok("a"));
/// ```
pub type ThreadQueue<T> = QueueTwin<T, Fifo, Blocking>;

/// The thread twin of Python's `queue.LifoQueue` (last in, first out).
///
/// ```
/// use twinsync::queue::ThreadLifoQueue;
///
/// let q = ThreadLifoQueue::new();
/// q.put("a").unwrap();
/// q.put("b").unwrap();
/// assert_eq!(q.get(), Ok("b"));
/// ```
pub type ThreadLifoQueue<T> = QueueTwin<T, Lifo, Blocking>;

/// The thread twin of Python's `queue.PriorityQueue` (smallest first, stable among equals).
///
/// ```
/// use twinsync::queue::ThreadPriorityQueue;
///
/// let q = ThreadPriorityQueue::new();
/// q.put((2, "later")).unwrap();
/// q.put((1, "sooner")).unwrap();
/// assert_eq!(q.get(), Ok((1, "sooner")));
/// ```
pub type ThreadPriorityQueue<T> = QueueTwin<T, Priority, Blocking>;

/// The task twin of Python's `queue.Queue` / `asyncio.Queue` (first in, first out): waiting
/// yields the task. Dropping a waiting `get` future loses no item, a waiting `put` future puts
/// nothing, and neither swallows a wake-up. [`stream`](QueueTwin::stream) consumes it as a
/// [`futures::Stream`].
///
/// ```
/// use twinsync::{Flavor, TokioLocal, queue::TaskQueue};
///
/// TokioLocal::new()
///     .run(|_| async {
///         let q = TaskQueue::new();
///         q.put(1).await.unwrap();
///         assert_eq!(q.get().await, Ok(1));
///     })
///     .unwrap();
/// ```
#[cfg(feature = "tokio")]
pub type TaskQueue<T> = QueueTwin<T, Fifo, Async>;

/// The task twin of Python's `queue.LifoQueue` / `asyncio.LifoQueue`.
///
/// ```
/// # twinsync::block_on(async {
/// let q = twinsync::queue::TaskLifoQueue::new();
/// q.put(1).await.unwrap();
/// q.put(2).await.unwrap();
/// assert_eq!(q.get().await, Ok(2));
/// # });
/// ```
#[cfg(feature = "tokio")]
pub type TaskLifoQueue<T> = QueueTwin<T, Lifo, Async>;

/// The task twin of Python's `queue.PriorityQueue` / `asyncio.PriorityQueue`.
///
/// ```
/// # twinsync::block_on(async {
/// let q = twinsync::queue::TaskPriorityQueue::new();
/// q.put(3).await.unwrap();
/// q.put(1).await.unwrap();
/// assert_eq!(q.get().await, Ok(1));
/// # });
/// ```
#[cfg(feature = "tokio")]
pub type TaskPriorityQueue<T> = QueueTwin<T, Priority, Async>;

impl<T, D: Discipline<T>, W> Clone for QueueTwin<T, D, W> {
    fn clone(&self) -> Self {
        QueueTwin {
            shared: Arc::clone(&self.shared),
            waiter: PhantomData,
        }
    }
}

/// A waiter's place in the waiting count; leaving it (on drop: cancelled, timed out, returned)
/// takes the waiter out of the count.
struct Registration<'a, T, D: Discipline<T>> {
    shared: &'a Shared<T, D>,
    side: Side,
    counted: bool,
}

impl<'a, T, D: Discipline<T>> Registration<'a, T, D> {
    fn new(shared: &'a Shared<T, D>, side: Side) -> Self {
        Registration {
            shared,
            side,
            counted: false,
        }
    }
}

impl<T, D: Discipline<T>> Drop for Registration<'_, T, D> {
    fn drop(&mut self) {
        self.shared.leave(self.side, &mut self.counted);
    }
}

impl<T, D: Discipline<T>, W> QueueTwin<T, D, W> {
    fn with_capacity(capacity: Option<usize>) -> Self {
        QueueTwin {
            shared: Arc::new(Shared::new(capacity)),
            waiter: PhantomData,
        }
    }

    /// An unbounded queue (Python's `Queue()`, `maxsize=0`): `put` never waits.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::<u8>::new();
    /// assert_eq!(q.capacity(), None);
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(None)
    }

    /// A queue that holds at most `capacity` items (Python's `Queue(maxsize)`): `put` waits
    /// while it is full.
    ///
    /// **`maxsize=0` in Python means unbounded; here that is [`new`](Self::new).** A capacity
    /// of 0 is taken as 1, the smallest queue that can pass an item: in Rust a bound of zero
    /// reads as "no room" (crossbeam's `bounded(0)` is a rendezvous channel), and a queue with
    /// no room at all would block every put forever.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::<u8>::bounded(8);
    /// assert_eq!(q.capacity(), Some(8));
    /// assert_eq!(twinsync::queue::ThreadQueue::<u8>::bounded(0).capacity(), Some(1));
    /// ```
    pub fn bounded(capacity: usize) -> Self {
        Self::with_capacity(Some(capacity))
    }

    /// Puts `item` if there is room right now (`put_nowait`); a full or closed queue hands the
    /// item back in the error.
    ///
    /// ```
    /// use twinsync::queue::{ThreadQueue, TryPutError};
    /// let q = ThreadQueue::bounded(1);
    /// assert_eq!(q.try_put('a'), Ok(()));
    /// assert_eq!(q.try_put('b'), Err(TryPutError::Full('b')));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.shared.attempt_put(item, &mut false, false)
    }

    /// Takes the next item if there is one right now (`get_nowait`).
    ///
    /// ```
    /// use twinsync::queue::{ThreadQueue, TryGetError};
    /// let q = ThreadQueue::new();
    /// q.try_put(5).unwrap();
    /// assert_eq!(q.try_get(), Ok(5));
    /// assert_eq!(q.try_get(), Err(TryGetError::Empty));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.shared.attempt_get(&mut false, false)
    }

    /// Marks one item put earlier as processed (Python's `task_done`); when every item put has
    /// been marked, [`join`](Queue::join) returns. More calls than items put is an error, and
    /// changes nothing.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(1).unwrap();
    /// let _item = q.get().unwrap();
    /// assert_eq!(q.task_done(), Ok(()));
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.shared.task_done()
    }

    /// Items put and not yet marked done (Python's `unfinished_tasks`).
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(1).unwrap();
    /// q.get().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1); // taken, but not yet marked done
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.shared.unfinished()
    }

    /// Closes the queue (Python 3.13's `shutdown()`): every later put fails and hands its item
    /// back, gets go on taking what is left and then fail with `Closed`; units waiting to put
    /// or get are woken. Closing twice is harmless. `join` is not affected: items still in the
    /// queue, or taken and not yet marked done, keep it waiting.
    ///
    /// ```
    /// use twinsync::queue::{PutError, ThreadQueue};
    /// let q = ThreadQueue::new();
    /// q.put(1).unwrap();
    /// q.close();
    /// assert_eq!(q.put(2), Err(PutError::Closed(2)));
    /// assert_eq!(q.get(), Ok(1));
    /// assert!(q.get().is_err());
    /// ```
    pub fn close(&self) {
        drop(self.shared.close(false));
    }

    /// Closes the queue and takes every item still in it, in the order they would have left
    /// (Python 3.13's `shutdown(immediate=True)`, except that the items come back instead of
    /// being dropped). The drained items count as done for [`join`](Queue::join), as Python
    /// counts them, so a join waiting on them returns.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadLifoQueue::new();
    /// for n in 1..=3 {
    ///     q.put(n).unwrap();
    /// }
    /// assert_eq!(q.close_and_drain(), [3, 2, 1]);
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// assert!(q.is_closed());
    /// ```
    pub fn close_and_drain(&self) -> Vec<T> {
        self.shared.close(true)
    }

    /// Whether the queue was closed.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::<u8>::new();
    /// assert!(!q.is_closed());
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// How many items are in the queue right now (Python's `qsize()`); only a hint while other
    /// units put and get.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(()).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether the queue is empty right now.
    ///
    /// ```
    /// assert!(twinsync::queue::ThreadQueue::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a bounded queue is at its capacity right now (never for an unbounded one).
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::bounded(1);
    /// q.put(1).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.bounded && self.len() >= self.shared.capacity
    }

    /// The most items the queue holds, or `None` if it is unbounded.
    ///
    /// ```
    /// assert_eq!(twinsync::queue::ThreadQueue::<u8>::bounded(3).capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.shared.bounded.then_some(self.shared.capacity)
    }
}

impl<T, D: Discipline<T>, W> Default for QueueTwin<T, D, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send, D: Discipline<T>, W: Waiter> QueueTwin<T, D, W> {
    /// The put of both twins, by the waiting protocol; a timeout hands the item back.
    async fn put_until(
        &self,
        item: T,
        deadline: Option<Instant>,
    ) -> Result<(), PutTimeoutError<T>> {
        let shared = &*self.shared;
        let mut registration = Registration::new(shared, Side::Put);
        let mut held = Some(item);
        let outcome = wait::until::<W, _>(
            WaitsFor::Room,
            &shared.not_full,
            deadline,
            |registered| {
                let item = held.take()?;
                match shared.attempt_put(item, &mut registration.counted, registered) {
                    Ok(()) => Some(Ok(())),
                    Err(TryPutError::Closed(item)) => Some(Err(PutTimeoutError::Closed(item))),
                    Err(TryPutError::Full(item)) => {
                        held = Some(item);
                        None
                    }
                }
            },
            || shared.may_put(),
        )
        .await;
        match (outcome, held) {
            (Ok(done), _) => done,
            (Err(Timeout), Some(item)) => Err(PutTimeoutError::Timeout(item)),
            (Err(Timeout), None) => unreachable!("a put timed out after handing its item over"),
        }
    }

    /// The get of both twins, by the waiting protocol.
    async fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetTimeoutError> {
        let shared = &*self.shared;
        let mut registration = Registration::new(shared, Side::Get);
        wait::until::<W, _>(
            WaitsFor::Item,
            &shared.not_empty,
            deadline,
            |registered| match shared.attempt_get(&mut registration.counted, registered) {
                Ok(item) => Some(Ok(item)),
                Err(TryGetError::Closed) => Some(Err(GetTimeoutError::Closed)),
                Err(TryGetError::Empty) => None,
            },
            || shared.may_get(),
        )
        .await
        .unwrap_or(Err(GetTimeoutError::Timeout))
    }

    /// The join of both twins, by the waiting protocol.
    async fn join_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let shared = &*self.shared;
        let mut registration = Registration::new(shared, Side::Join);
        wait::until::<W, ()>(
            WaitsFor::TasksDone,
            &shared.all_done,
            deadline,
            |registered| {
                shared
                    .attempt_join(&mut registration.counted, registered)
                    .then_some(())
            },
            || shared.all_done_now(),
        )
        .await
    }
}

fn put_result<T>(result: Result<(), PutTimeoutError<T>>) -> Result<(), PutError<T>> {
    match result {
        Ok(()) => Ok(()),
        Err(PutTimeoutError::Closed(item)) => Err(PutError::Closed(item)),
        Err(PutTimeoutError::Timeout(_)) => unreachable!("a put without a deadline timed out"),
    }
}

fn get_result<T>(result: Result<T, GetTimeoutError>) -> Result<T, GetError> {
    match result {
        Ok(item) => Ok(item),
        Err(GetTimeoutError::Closed) => Err(GetError::Closed),
        Err(GetTimeoutError::Timeout) => unreachable!("a get without a deadline timed out"),
    }
}

fn join_result(result: Result<(), Timeout>) {
    crate::wait::without_deadline(result)
}

impl<T: Send, D: Discipline<T>, W: Waiter> QueueTwin<T, D, W> {
    /// A [`futures::Stream`] of the items, on either twin: each item is a `get`, and the stream
    /// ends when the queue is closed and drained. Dropping it while it waits loses no item. On
    /// a thread twin it lets a unit `select!` over a queue and a timer, as a task would.
    ///
    /// ```
    /// use futures::StreamExt;
    /// # twinsync::block_on(async {
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// q.close();
    /// let all: Vec<i32> = q.stream().collect().await;
    /// assert_eq!(all, [1, 2]);
    /// # });
    /// ```
    pub fn stream(&self) -> ItemStream<T, D, W> {
        ItemStream {
            queue: self.clone(),
            waiting: Waiting::new(None),
            counted: false,
            done: false,
        }
    }

    /// The put of both twins without a deadline. The first attempt is made here, so the
    /// common case (room in the queue) never builds the waiting state machine.
    async fn put_now_or_wait(&self, item: T) -> Result<(), PutError<T>> {
        match self.shared.attempt_put(item, &mut false, false) {
            Ok(()) => Ok(()),
            Err(TryPutError::Closed(item)) => Err(PutError::Closed(item)),
            Err(TryPutError::Full(item)) => put_result(self.put_until(item, None).await),
        }
    }

    /// The get of both twins without a deadline, first attempt inline.
    async fn get_now_or_wait(&self) -> Result<T, GetError> {
        match self.shared.attempt_get(&mut false, false) {
            Ok(item) => Ok(item),
            Err(TryGetError::Closed) => Err(GetError::Closed),
            Err(TryGetError::Empty) => get_result(self.get_until(None).await),
        }
    }
}

impl<T: Send, D: Discipline<T>> QueueTwin<T, D, Blocking> {
    /// Blocks while the queue is full, then puts `item`; a closed queue hands it back.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        match self.shared.attempt_put(item, &mut false, false) {
            Ok(()) => Ok(()),
            Err(TryPutError::Closed(item)) => Err(PutError::Closed(item)),
            Err(TryPutError::Full(item)) => put_result(block_on(self.put_until(item, None))),
        }
    }

    /// Blocks at most `timeout` for room; on timeout the item comes back.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::queue::{PutTimeoutError, ThreadQueue};
    /// let q = ThreadQueue::bounded(1);
    /// q.put(1).unwrap();
    /// assert_eq!(q.put_timeout(2, Duration::from_millis(1)), Err(PutTimeoutError::Timeout(2)));
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        block_on(self.put_until(item, deadline_after(timeout)))
    }

    /// Blocks while the queue is empty, then takes the next item; fails with
    /// [`GetError::Closed`] once the queue is closed and drained.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put('x').unwrap();
    /// assert_eq!(q.get(), Ok('x'));
    /// ```
    pub fn get(&self) -> Result<T, GetError> {
        match self.shared.attempt_get(&mut false, false) {
            Ok(item) => Ok(item),
            Err(TryGetError::Closed) => Err(GetError::Closed),
            Err(TryGetError::Empty) => get_result(block_on(self.get_until(None))),
        }
    }

    /// Blocks at most `timeout` for an item.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::queue::{GetTimeoutError, ThreadQueue};
    /// let q = ThreadQueue::<u8>::new();
    /// assert_eq!(q.get_timeout(Duration::from_millis(1)), Err(GetTimeoutError::Timeout));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        block_on(self.get_until(deadline_after(timeout)))
    }

    /// Blocks until every item ever put has been marked done with
    /// [`task_done`](Self::task_done).
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// let worker = {
    ///     let q = q.clone();
    ///     std::thread::spawn(move || {
    ///         for _job in &q {
    ///             q.task_done().unwrap();
    ///         }
    ///     })
    /// };
    /// for job in 0..5 {
    ///     q.put(job).unwrap();
    /// }
    /// q.join(); // all five processed
    /// q.close();
    /// worker.join().unwrap();
    /// ```
    pub fn join(&self) {
        join_result(block_on(self.join_until(None)))
    }

    /// Blocks at most `timeout` for every item to be marked done.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(1).unwrap();
    /// assert!(q.join_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        block_on(self.join_until(deadline_after(timeout)))
    }

    /// A blocking iterator over the items: each `next` is a [`get`](Self::get), and the
    /// iterator ends when the queue is closed and drained. `for item in &queue` does the same.
    ///
    /// ```
    /// let q = twinsync::queue::ThreadQueue::new();
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// q.close();
    /// assert_eq!(q.iter().sum::<i32>(), 3);
    /// ```
    pub fn iter(&self) -> Iter<T, D> {
        Iter {
            queue: self.clone(),
            done: false,
        }
    }
}

#[cfg(feature = "tokio")]
impl<T: Send, D: Discipline<T>> QueueTwin<T, D, Async> {
    /// Waits, yielding the task, while the queue is full, then puts `item`; a closed queue
    /// hands it back. Dropping the future before it completes puts nothing.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let q = twinsync::queue::TaskQueue::new();
    /// q.put(1).await.unwrap();
    /// # });
    /// ```
    pub async fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_now_or_wait(item).await
    }

    /// Waits at most `timeout` for room (a tokio timer: call it inside a runtime); on timeout
    /// the item comes back.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let q = twinsync::queue::TaskQueue::bounded(1);
    /// q.put(1).await.unwrap();
    /// let err = q.put_timeout(2, Duration::from_millis(1)).await.unwrap_err();
    /// assert_eq!(err.into_inner(), 2);
    /// # }).unwrap();
    /// ```
    pub async fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, deadline_after(timeout)).await
    }

    /// Waits, yielding the task, for the next item; fails with [`GetError::Closed`] once the
    /// queue is closed and drained. Dropping the future before it completes takes nothing.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let q = twinsync::queue::TaskQueue::new();
    /// q.put('x').await.unwrap();
    /// assert_eq!(q.get().await, Ok('x'));
    /// # });
    /// ```
    pub async fn get(&self) -> Result<T, GetError> {
        self.get_now_or_wait().await
    }

    /// Waits at most `timeout` for an item (a tokio timer: call it inside a runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let q = twinsync::queue::TaskQueue::<u8>::new();
    /// assert!(q.get_timeout(Duration::from_millis(1)).await.is_err());
    /// # }).unwrap();
    /// ```
    pub async fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        self.get_until(deadline_after(timeout)).await
    }

    /// Waits until every item ever put has been marked done.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// let q = twinsync::queue::TaskQueue::new();
    /// q.put(1).await.unwrap();
    /// q.get().await.unwrap();
    /// q.task_done().unwrap();
    /// q.join().await;
    /// # });
    /// ```
    pub async fn join(&self) {
        join_result(self.join_until(None).await)
    }

    /// Waits at most `timeout` for every item to be marked done (a tokio timer: call it inside
    /// a runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let q = twinsync::queue::TaskQueue::new();
    /// q.put(1).await.unwrap();
    /// assert!(q.join_timeout(Duration::from_millis(1)).await.is_err());
    /// # }).unwrap();
    /// ```
    pub async fn join_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.join_until(deadline_after(timeout)).await
    }
}

impl<T: Send, D: Discipline<T>, W: Waiter> Queue<T> for QueueTwin<T, D, W> {
    fn new() -> Self {
        QueueTwin::new()
    }

    fn bounded(capacity: usize) -> Self {
        QueueTwin::bounded(capacity)
    }

    fn put(&self, item: T) -> impl Future<Output = Result<(), PutError<T>>> + Send {
        self.put_now_or_wait(item)
    }

    fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        QueueTwin::try_put(self, item)
    }

    fn put_timeout(
        &self,
        item: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), PutTimeoutError<T>>> + Send {
        self.put_until(item, deadline_after(timeout))
    }

    fn get(&self) -> impl Future<Output = Result<T, GetError>> + Send {
        self.get_now_or_wait()
    }

    fn try_get(&self) -> Result<T, TryGetError> {
        QueueTwin::try_get(self)
    }

    fn get_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<T, GetTimeoutError>> + Send {
        self.get_until(deadline_after(timeout))
    }

    fn task_done(&self) -> Result<(), TaskDoneError> {
        QueueTwin::task_done(self)
    }

    async fn join(&self) {
        join_result(self.join_until(None).await)
    }

    fn join_timeout(&self, timeout: Duration) -> impl Future<Output = Result<(), Timeout>> + Send {
        self.join_until(deadline_after(timeout))
    }

    fn unfinished_tasks(&self) -> usize {
        QueueTwin::unfinished_tasks(self)
    }

    fn close(&self) {
        QueueTwin::close(self)
    }

    fn close_and_drain(&self) -> Vec<T> {
        QueueTwin::close_and_drain(self)
    }

    fn is_closed(&self) -> bool {
        QueueTwin::is_closed(self)
    }

    fn len(&self) -> usize {
        QueueTwin::len(self)
    }

    fn is_empty(&self) -> bool {
        QueueTwin::is_empty(self)
    }

    fn is_full(&self) -> bool {
        QueueTwin::is_full(self)
    }

    fn capacity(&self) -> Option<usize> {
        QueueTwin::capacity(self)
    }
}

impl<T, D: Discipline<T>, W> fmt::Debug for QueueTwin<T, D, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.shared.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.shared.is_closed())
            .field("unfinished_tasks", &self.shared.unfinished())
            .finish()
    }
}

/// The thread twin's blocking iterator over a queue's items; it ends when the queue is closed
/// and drained. Made by [`QueueTwin::iter`] or `for item in &queue`.
///
/// ```
/// let q = twinsync::queue::ThreadQueue::new();
/// q.put("only").unwrap();
/// q.close();
/// let mut items = q.iter();
/// assert_eq!(items.next(), Some("only"));
/// assert_eq!(items.next(), None);
/// ```
pub struct Iter<T, D: Discipline<T>> {
    queue: QueueTwin<T, D, Blocking>,
    done: bool,
}

impl<T: Send, D: Discipline<T>> Iterator for Iter<T, D> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.done {
            return None;
        }
        let item = self.queue.get().ok();
        self.done = item.is_none();
        item
    }
}

impl<T: Send, D: Discipline<T>> std::iter::FusedIterator for Iter<T, D> {}

impl<T: Send, D: Discipline<T>> IntoIterator for &QueueTwin<T, D, Blocking> {
    type Item = T;
    type IntoIter = Iter<T, D>;

    fn into_iter(self) -> Iter<T, D> {
        self.iter()
    }
}

impl<T: Send, D: Discipline<T>> IntoIterator for QueueTwin<T, D, Blocking> {
    type Item = T;
    type IntoIter = Iter<T, D>;

    fn into_iter(self) -> Iter<T, D> {
        Iter {
            queue: self,
            done: false,
        }
    }
}

impl<T, D: Discipline<T>> fmt::Debug for Iter<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("queue", &self.queue)
            .field("done", &self.done)
            .finish()
    }
}

/// A queue's items as a [`futures::Stream`], from [`QueueTwin::stream`]; it ends when the
/// queue is closed and drained.
///
/// ```
/// use futures::StreamExt;
/// # twinsync::block_on(async {
/// let q = twinsync::queue::ThreadLifoQueue::new();
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// q.close();
/// assert_eq!(q.stream().collect::<Vec<_>>().await, [2, 1]);
/// # });
/// ```
pub struct ItemStream<T, D: Discipline<T>, W: Waiter> {
    queue: QueueTwin<T, D, W>,
    waiting: Waiting<W>,
    counted: bool,
    done: bool,
}

impl<T: Send, D: Discipline<T>, W: Waiter> futures::Stream for ItemStream<T, D, W> {
    type Item = T;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        use std::task::Poll;
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let shared = &*this.queue.shared;
        let counted = &mut this.counted;
        let mut getting = wait::Closures::new(
            WaitsFor::Item,
            &shared.not_empty,
            |registered| match shared.attempt_get(counted, registered) {
                Ok(item) => Some(Some(item)),
                Err(TryGetError::Closed) => Some(None),
                Err(TryGetError::Empty) => None,
            },
            || shared.may_get(),
        );
        let polled = this.waiting.poll(cx, &mut getting);
        match polled {
            Poll::Ready(item) => {
                // The next item is a new wait; a stream has no deadline, so no timeout came.
                this.waiting = Waiting::new(None);
                let item = item.unwrap_or(None);
                this.done = item.is_none();
                Poll::Ready(item)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: Send, D: Discipline<T>, W: Waiter> futures::stream::FusedStream for ItemStream<T, D, W> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T, D: Discipline<T>, W: Waiter> Drop for ItemStream<T, D, W> {
    fn drop(&mut self) {
        self.queue.shared.leave(Side::Get, &mut self.counted);
    }
}

impl<T, D: Discipline<T>, W: Waiter> fmt::Debug for ItemStream<T, D, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("queue", &self.queue)
            .field("done", &self.done)
            .finish()
    }
}
