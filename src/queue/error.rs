//! The queue's errors: one per operation, each handing back the item it could not deliver.
//!
//! Their `Debug` output never prints the item (as std's `SendError`), so `unwrap` works for item
//! types that are not `Debug`.

use std::fmt;

/// [`put`](super::Queue::put) failed: the queue is closed. The item comes back.
///
/// ```
/// use twinsync::queue::{PutError, ThreadQueue};
///
/// let q = ThreadQueue::new();
/// q.close();
/// assert_eq!(q.put("late"), Err(PutError::Closed("late")));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PutError<T> {
    /// The queue was closed; the item was not put.
    Closed(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// # use twinsync::queue::PutError;
    /// assert_eq!(PutError::Closed(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Closed(item) => item,
        }
    }
}

/// [`try_put`](super::Queue::try_put) failed: full or closed. The item comes back.
///
/// ```
/// use twinsync::queue::{ThreadQueue, TryPutError};
///
/// let q = ThreadQueue::bounded(1);
/// q.try_put(1).unwrap();
/// assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
/// q.close();
/// assert_eq!(q.try_put(3), Err(TryPutError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryPutError<T> {
    /// The queue was at its capacity.
    Full(T),
    /// The queue was closed.
    Closed(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// # use twinsync::queue::TryPutError;
    /// assert_eq!(TryPutError::Full('x').into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::Closed(item) => item,
        }
    }

    /// Whether the queue was closed (rather than full).
    ///
    /// ```
    /// # use twinsync::queue::TryPutError;
    /// assert!(TryPutError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TryPutError::Closed(_))
    }
}

/// [`put_timeout`](super::Queue::put_timeout) failed: the queue stayed full until the deadline,
/// or was closed. The item comes back.
///
/// ```
/// use std::time::Duration;
/// use twinsync::queue::{PutTimeoutError, ThreadQueue};
///
/// let q = ThreadQueue::bounded(1);
/// q.put(1).unwrap();
/// let err = q.put_timeout(2, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, PutTimeoutError::Timeout(2));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PutTimeoutError<T> {
    /// The queue stayed full until the deadline.
    Timeout(T),
    /// The queue was closed.
    Closed(T),
}

impl<T> PutTimeoutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// # use twinsync::queue::PutTimeoutError;
    /// assert_eq!(PutTimeoutError::Timeout(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutTimeoutError::Timeout(item) | PutTimeoutError::Closed(item) => item,
        }
    }

    /// Whether the queue was closed (rather than the deadline passing).
    ///
    /// ```
    /// # use twinsync::queue::PutTimeoutError;
    /// assert!(!PutTimeoutError::Timeout(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, PutTimeoutError::Closed(_))
    }
}

/// [`get`](super::Queue::get) failed: the queue is closed and every item left in it was taken.
/// This is the end of the stream, the clean replacement for a sentinel value.
///
/// ```
/// use twinsync::queue::{GetError, ThreadQueue};
///
/// let q = ThreadQueue::new();
/// q.put(1).unwrap();
/// q.close();
/// assert_eq!(q.get(), Ok(1)); // what was put before the close is still delivered
/// assert_eq!(q.get(), Err(GetError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GetError {
    /// The queue is closed and empty.
    Closed,
}

/// [`try_get`](super::Queue::try_get) failed: empty right now, or closed and drained.
///
/// ```
/// use twinsync::queue::{ThreadQueue, TryGetError};
///
/// let q = ThreadQueue::<u8>::new();
/// assert_eq!(q.try_get(), Err(TryGetError::Empty));
/// q.close();
/// assert_eq!(q.try_get(), Err(TryGetError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryGetError {
    /// The queue was empty (and still open: an item may come later).
    Empty,
    /// The queue is closed and empty: no item will ever come.
    Closed,
}

/// [`get_timeout`](super::Queue::get_timeout) failed: nothing came before the deadline, or the
/// queue is closed and drained.
///
/// ```
/// use std::time::Duration;
/// use twinsync::queue::{GetTimeoutError, ThreadQueue};
///
/// let q = ThreadQueue::<u8>::new();
/// assert_eq!(q.get_timeout(Duration::from_millis(1)), Err(GetTimeoutError::Timeout));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GetTimeoutError {
    /// The queue stayed empty until the deadline.
    Timeout,
    /// The queue is closed and empty.
    Closed,
}

/// [`task_done`](super::Queue::task_done) was called more times than items were put (Python
/// raises `ValueError` here). Nothing changed.
///
/// ```
/// use twinsync::queue::{TaskDoneError, ThreadQueue};
///
/// let q = ThreadQueue::<u8>::new();
/// assert_eq!(q.task_done(), Err(TaskDoneError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskDoneError;

macro_rules! item_error_debug {
    ($ty:ident: $($variant:ident),+) => {
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($ty::$variant(_) => f.write_str(concat!(stringify!($variant), "(..)")),)+
                }
            }
        }
    };
}

item_error_debug!(PutError: Closed);
item_error_debug!(TryPutError: Full, Closed);
item_error_debug!(PutTimeoutError: Timeout, Closed);

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("put on a closed queue")
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "put on a full queue",
            TryPutError::Closed(_) => "put on a closed queue",
        })
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutTimeoutError::Timeout(_) => "timed out waiting for room in the queue",
            PutTimeoutError::Closed(_) => "put on a closed queue",
        })
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("get on a closed and empty queue")
    }
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryGetError::Empty => "get on an empty queue",
            TryGetError::Closed => "get on a closed and empty queue",
        })
    }
}

impl fmt::Display for GetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetTimeoutError::Timeout => "timed out waiting for an item",
            GetTimeoutError::Closed => "get on a closed and empty queue",
        })
    }
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were put")
    }
}

impl<T> std::error::Error for PutError<T> {}
impl<T> std::error::Error for TryPutError<T> {}
impl<T> std::error::Error for PutTimeoutError<T> {}
impl std::error::Error for GetError {}
impl std::error::Error for TryGetError {}
impl std::error::Error for GetTimeoutError {}
impl std::error::Error for TaskDoneError {}

impl<T> From<PutError<T>> for TryPutError<T> {
    fn from(err: PutError<T>) -> Self {
        TryPutError::Closed(err.into_inner())
    }
}

impl From<GetError> for TryGetError {
    fn from(_: GetError) -> Self {
        TryGetError::Closed
    }
}
