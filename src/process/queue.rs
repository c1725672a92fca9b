//! A queue between processes: Python's `multiprocessing.Queue` and `JoinableQueue`.

use std::io;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::broker::{Request, Response, Shared, Wait};
use super::frame;
use super::remote::{Place, next_id, shared_handle};
use crate::Timeout;
use crate::queue::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, ThreadQueue, TryGetError,
    TryPutError,
};

/// A FIFO queue that child processes share with the process that made it, with
/// `task_done`/`join` (Python's `JoinableQueue`); items are serde values.
///
/// The queue lives in the process that made it (the *owner*). Handing it to a child, as
/// (part of) an [`Entry`](super::Entry)'s input, gives the child a handle that reaches the
/// owner's queue over a local socket, served by a broker thread the owner starts on first
/// use. Every operation works the same through either handle, with the error types of the
/// thread and task queues (an item that is not put comes back in the error).
///
/// - A child that loses its link (the owner has ended, or dropped every handle of the
///   queue) sees the queue as closed: `put` gives the item back as `Closed(item)`, `get`
///   gives `GetError::Closed`.
/// - An item that cannot be sent (it fails to encode, or is larger than
///   [`MAX_FRAME`](super::MAX_FRAME)) is refused the same way, as `Closed(item)`.
/// - A child killed while it takes an item loses nothing: the owner puts the item back (at
///   the end of the queue). One killed while it puts never put its item.
///
/// Every call blocks the calling thread while it waits.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, Queue};
///
/// fn produce((queue, from): (Queue<u32>, u32)) {
///     for n in from..from + 3 {
///         queue.put(n).unwrap();
///     }
/// }
/// static PRODUCE: Entry<(Queue<u32>, u32), ()> = Entry::new("produce", produce);
///
/// process::serve(&[&PRODUCE]);
/// let queue = Queue::bounded(2);
/// let producers: Vec<_> = [0, 10]
///     .map(|from| process::spawn(&PRODUCE, &(queue.clone(), from)).unwrap())
///     .into();
/// let mut got: Vec<u32> = (0..6).map(|_| queue.get().unwrap()).collect();
/// for producer in producers {
///     producer.join().unwrap();
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2, 10, 11, 12]);
/// ```
pub struct Queue<T> {
    id: u64,
    place: Place<Shared>,
    item: PhantomData<fn(T) -> T>,
}

impl<T> Queue<T> {
    fn owned(queue: ThreadQueue<Vec<u8>>) -> Self {
        Self::from_place(next_id(), Place::Owner(Arc::new(queue)))
    }

    fn from_place(id: u64, place: Place<Shared>) -> Self {
        Queue {
            id,
            place,
            item: PhantomData,
        }
    }

    /// An unbounded queue (Python's `Queue()`).
    ///
    /// ```
    /// let q = twinsync::process::Queue::<u8>::new();
    /// assert_eq!(q.capacity(), None);
    /// ```
    pub fn new() -> Self {
        Self::owned(ThreadQueue::new())
    }

    /// A queue of at most `capacity` items (Python's `Queue(maxsize)`; 0 is taken as 1, as
    /// [`ThreadQueue::bounded`] does).
    ///
    /// ```
    /// let q = twinsync::process::Queue::<u8>::bounded(5);
    /// assert_eq!(q.capacity(), Some(5));
    /// ```
    pub fn bounded(capacity: usize) -> Self {
        Self::owned(ThreadQueue::bounded(capacity))
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// Puts `item`, waiting while the queue is full.
    ///
    /// ```
    /// let q = twinsync::process::Queue::new();
    /// q.put("a".to_owned()).unwrap();
    /// assert_eq!(q.get().unwrap(), "a");
    /// ```
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.send(item, Wait::Forever)
            .map_err(|(item, _)| PutError::Closed(item))
    }

    /// Puts `item` if there is room now (Python's `put_nowait`).
    ///
    /// ```
    /// use twinsync::queue::TryPutError;
    /// let q = twinsync::process::Queue::bounded(1);
    /// q.try_put(1).unwrap();
    /// assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.send(item, Wait::No)
            .map_err(|(item, full)| match full {
                true => TryPutError::Full(item),
                false => TryPutError::Closed(item),
            })
    }

    /// Puts `item`, waiting at most `timeout` for room.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::queue::PutTimeoutError;
    /// let q = twinsync::process::Queue::bounded(1);
    /// q.put(1).unwrap();
    /// let late = q.put_timeout(2, Duration::from_millis(10));
    /// assert_eq!(late, Err(PutTimeoutError::Timeout(2)));
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.send(item, Wait::For(timeout))
            .map_err(|(item, full)| match full {
                true => PutTimeoutError::Timeout(item),
                false => PutTimeoutError::Closed(item),
            })
    }

    /// Takes the oldest item, waiting while the queue is empty; `Closed` once it is closed
    /// and empty.
    ///
    /// ```
    /// let q = twinsync::process::Queue::new();
    /// q.put(3).unwrap();
    /// q.close();
    /// assert_eq!(q.get(), Ok(3));
    /// assert!(q.get().is_err());
    /// ```
    pub fn get(&self) -> Result<T, GetError> {
        self.receive(Wait::Forever).map_err(|_| GetError::Closed)
    }

    /// Takes the oldest item if there is one now (Python's `get_nowait`).
    ///
    /// ```
    /// use twinsync::queue::TryGetError;
    /// let q = twinsync::process::Queue::<u8>::new();
    /// assert_eq!(q.try_get(), Err(TryGetError::Empty));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.receive(Wait::No).map_err(|closed| match closed {
            true => TryGetError::Closed,
            false => TryGetError::Empty,
        })
    }

    /// Takes the oldest item, waiting at most `timeout` for one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::queue::GetTimeoutError;
    /// let q = twinsync::process::Queue::<u8>::new();
    /// assert_eq!(q.get_timeout(Duration::from_millis(10)), Err(GetTimeoutError::Timeout));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        self.receive(Wait::For(timeout))
            .map_err(|closed| match closed {
                true => GetTimeoutError::Closed,
                false => GetTimeoutError::Timeout,
            })
    }

    /// Marks one item taken earlier as processed (Python's `JoinableQueue.task_done`).
    ///
    /// ```
    /// let q = twinsync::process::Queue::new();
    /// q.put(1).unwrap();
    /// q.get().unwrap();
    /// q.task_done().unwrap();
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        match &self.place {
            Place::Owner(q) => q.task_done(),
            Place::Remote(_) => match self.request(&Request::TaskDone { queue: self.id }) {
                Ok(Response::Done) => Ok(()),
                _ => Err(TaskDoneError),
            },
        }
    }

    /// Waits until every item put has been marked processed with
    /// [`task_done`](Self::task_done).
    ///
    /// ```
    /// let q = twinsync::process::Queue::<u8>::new();
    /// q.join(); // nothing was ever put
    /// ```
    pub fn join(&self) {
        match &self.place {
            Place::Owner(q) => q.join(),
            Place::Remote(_) => {
                let join = Request::Join {
                    queue: self.id,
                    wait: Wait::Forever,
                };
                let _ = self.request(&join); // a lost link has nobody left to wait for
            }
        }
    }

    /// [`join`](Self::join), waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = twinsync::process::Queue::new();
    /// q.put(1).unwrap();
    /// assert!(q.join_timeout(Duration::from_millis(10)).is_err());
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        match &self.place {
            Place::Owner(q) => q.join_timeout(timeout),
            Place::Remote(_) => {
                let join = Request::Join {
                    queue: self.id,
                    wait: Wait::For(timeout),
                };
                match self.request(&join) {
                    Ok(Response::TimedOut) => Err(Timeout),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Items put and not yet marked processed.
    ///
    /// ```
    /// let q = twinsync::process::Queue::new();
    /// q.put('x').unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.count(
            Request::Unfinished { queue: self.id },
            Shared::unfinished_tasks,
        )
    }

    /// How many items it holds right now (Python's `qsize`); 0 if the link is lost.
    ///
    /// ```
    /// let q = twinsync::process::Queue::new();
    /// q.put(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.count(Request::Len { queue: self.id }, Shared::len)
    }

    /// Whether it holds no item right now.
    ///
    /// ```
    /// assert!(twinsync::process::Queue::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether it is at its capacity right now.
    ///
    /// ```
    /// let q = twinsync::process::Queue::bounded(1);
    /// q.put(1).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.capacity()
            .is_some_and(|capacity| self.len() >= capacity)
    }

    /// Its capacity, `None` if unbounded.
    ///
    /// ```
    /// assert_eq!(twinsync::process::Queue::<u8>::bounded(3).capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        match &self.place {
            Place::Owner(q) => q.capacity(),
            Place::Remote(_) => match self.request(&Request::Capacity { queue: self.id }) {
                Ok(Response::Capacity(capacity)) => capacity,
                _ => None,
            },
        }
    }

    /// Closes it: puts fail from now on, gets drain what is left.
    ///
    /// ```
    /// let q = twinsync::process::Queue::new();
    /// q.close();
    /// assert!(q.put(1).is_err());
    /// assert!(q.is_closed());
    /// ```
    pub fn close(&self) {
        match &self.place {
            Place::Owner(q) => q.close(),
            Place::Remote(_) => {
                let _ = self.request(&Request::Close { queue: self.id });
            }
        }
    }

    /// Whether it is closed (or, for a child, its link lost).
    ///
    /// ```
    /// assert!(!twinsync::process::Queue::<u8>::new().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        match &self.place {
            Place::Owner(q) => q.is_closed(),
            Place::Remote(_) => !matches!(
                self.request(&Request::IsClosed { queue: self.id }),
                Ok(Response::Flag(false))
            ),
        }
    }

    /// Puts `item` within `wait`; the item back, and whether the queue was full (else closed
    /// or unreachable), if not.
    fn send(&self, item: T, wait: Wait) -> Result<(), (T, bool)> {
        let Ok(bytes) = frame::encode(&item) else {
            return Err((item, false));
        };
        match &self.place {
            Place::Owner(q) => {
                let full = match wait {
                    Wait::No => match q.try_put(bytes) {
                        Ok(()) => return Ok(()),
                        Err(TryPutError::Full(_)) => true,
                        Err(TryPutError::Closed(_)) => false,
                    },
                    Wait::For(timeout) => match q.put_timeout(bytes, timeout) {
                        Ok(()) => return Ok(()),
                        Err(PutTimeoutError::Timeout(_)) => true,
                        Err(PutTimeoutError::Closed(_)) => false,
                    },
                    Wait::Forever => match q.put(bytes) {
                        Ok(()) => return Ok(()),
                        Err(PutError::Closed(_)) => false,
                    },
                };
                Err((item, full))
            }
            Place::Remote(_) => {
                let put = Request::Put {
                    queue: self.id,
                    item: bytes,
                    wait,
                };
                match self.request(&put) {
                    Ok(Response::Done) => Ok(()),
                    Ok(Response::Full(_)) => Err((item, true)),
                    _ => Err((item, false)),
                }
            }
        }
    }

    /// Takes an item within `wait`; if none, whether the queue is closed (or unreachable).
    fn receive(&self, wait: Wait) -> Result<T, bool> {
        loop {
            let bytes = match &self.place {
                Place::Owner(q) => match wait {
                    Wait::No => q.try_get().map_err(|e| e == TryGetError::Closed)?,
                    Wait::For(timeout) => q
                        .get_timeout(timeout)
                        .map_err(|e| e == GetTimeoutError::Closed)?,
                    Wait::Forever => q.get().map_err(|_| true)?,
                },
                Place::Remote(_) => match self.request(&Request::Get {
                    queue: self.id,
                    wait,
                }) {
                    Ok(Response::Item(bytes)) => bytes,
                    Ok(Response::Empty | Response::TimedOut) => return Err(false),
                    _ => return Err(true),
                },
            };
            match frame::decode(&bytes) {
                Ok(item) => return Ok(item),
                // Only a program sharing the queue under another item type puts such an
                // item: it is dropped, and counted as processed.
                Err(_) => {
                    let _ = self.task_done();
                }
            }
        }
    }

    fn count(&self, request: Request, local: fn(&Shared) -> usize) -> usize {
        match &self.place {
            Place::Owner(q) => local(q),
            Place::Remote(_) => match self.request(&request) {
                Ok(Response::Count(n)) => n,
                _ => 0,
            },
        }
    }

    /// Sends `request` to the owner's broker.
    fn request(&self, request: &Request) -> io::Result<Response> {
        match &self.place {
            Place::Remote(link) => link.request(request),
            Place::Owner(_) => Err(io::Error::other("the owner sends no requests")),
        }
    }
}

shared_handle!(Queue<T>, Queue);
