//! Error types shared by every twin.
//!
//! Errors are types, not strings, and none of them loses anything: a failed wait says why,
//! and (in later primitives) an item that could not be delivered is handed back inside the error.

use std::any::Any;
use std::fmt;
use std::io;

use crate::unit::Unit;

/// A deadline passed before the operation could complete.
///
/// Returned by every `*_timeout` form of a waiting operation. Nothing was acquired: the
/// primitive is left exactly as it was before the call.
///
/// ```
/// use std::time::Duration;
/// use twinsync::mutex::ThreadMutex;
///
/// let mutex = ThreadMutex::new(0);
/// let _held = mutex.lock();
/// let err = mutex.lock_timeout(Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err.to_string(), "timed out");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl std::error::Error for Timeout {}

/// A release of a lock that the caller does not hold: Python's `RuntimeError: release unlocked
/// lock` (for a `Lock`) and `cannot release un-acquired lock` (for an `RLock` held by another
/// unit). Nothing changed.
///
/// ```
/// use twinsync::{Lock, NotHeld, lock::ThreadLock};
///
/// let lock = <ThreadLock as Lock>::new();
/// assert_eq!(lock.release(), Err(NotHeld));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotHeld;

impl fmt::Display for NotHeld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("released a lock that is not held")
    }
}

impl std::error::Error for NotHeld {}

/// A unit panicked: [`Flavor::run`](crate::Flavor::run) reports a panicking main with it, and
/// [`JoinError::Panicked`] carries it for a joined unit, instead of losing the panic.
///
/// The panic message (the `&str` or `String` given to `panic!`) is kept, together with the unit
/// that panicked.
///
/// ```
/// use twinsync::{Flavor, JoinError, Threads};
///
/// let err: twinsync::Panicked = Threads::new()
///     .run(|_| async { panic!("out of tickets") })
///     .unwrap_err();
/// assert_eq!(err.unit().name(), "main");
/// assert_eq!(err.message(), "out of tickets");
///
/// let joined = Threads::new().spawn("doomed", async { panic!("closed") }).join();
/// assert!(matches!(joined, Err(JoinError::Panicked(p)) if p.unit().name() == "doomed"));
/// ```
#[derive(Debug, Clone)]
pub struct Panicked {
    unit: Unit,
    message: String,
}

impl Panicked {
    pub(crate) fn new(unit: Unit, message: String) -> Self {
        Panicked { unit, message }
    }

    pub(crate) fn from_payload(unit: Unit, payload: &(dyn Any + Send)) -> Self {
        Panicked::new(unit, panic_message(payload))
    }

    /// The unit that panicked.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// let err = Threads::new().run(|_| async { panic!("boom") }).unwrap_err();
    /// assert_eq!(err.unit().name(), "main");
    /// ```
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// The panic's message.
    ///
    /// ```
    /// # use twinsync::{Flavor, Threads};
    /// let err = Threads::new().run(|_| async { panic!("code {}", 42) }).unwrap_err();
    /// assert_eq!(err.message(), "code 42");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unit `{}` panicked: {}", self.unit.name(), self.message)
    }
}

impl std::error::Error for Panicked {}

/// Why joining a unit gave no output: it panicked, or it was cancelled.
///
/// ```
/// use twinsync::{Flavor, JoinError, JoinHandle, Threads};
///
/// async fn two_endings<F: Flavor>(f: F) {
///     let err = f.spawn("doomed", async { panic!("no more tickets") }).join().await;
///     let err: JoinError = err.unwrap_err();
///     assert_eq!(err.unit().name(), "doomed");
///     assert_eq!(err.panic_message(), Some("no more tickets"));
///
///     let g = f.clone();
///     let sleeper = f.spawn("sleeper", async move { g.sleep(std::time::Duration::MAX).await });
///     sleeper.cancel();
///     assert!(sleeper.join().await.unwrap_err().is_cancelled());
/// }
/// Threads::new().run(two_endings).unwrap();
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum JoinError {
    /// The unit panicked; the message is kept.
    Panicked(Panicked),
    /// The unit was cancelled (its handle's `cancel`, or its pool or runtime shutting down)
    /// before it finished.
    Cancelled(Cancelled),
}

impl JoinError {
    /// The unit that did not finish.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// let err = Threads::new().spawn("w", async { panic!() }).join().unwrap_err();
    /// assert_eq!(err.unit().name(), "w");
    /// ```
    pub fn unit(&self) -> &Unit {
        match self {
            JoinError::Panicked(panicked) => panicked.unit(),
            JoinError::Cancelled(cancelled) => cancelled.unit(),
        }
    }

    /// Whether the unit was cancelled (asyncio's `CancelledError`).
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// let err = Threads::new().spawn("w", async { panic!() }).join().unwrap_err();
    /// assert!(!err.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled(_))
    }

    /// Whether the unit panicked.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// assert!(Threads::new().spawn("w", async { panic!() }).join().unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// The panic's message, if the unit panicked.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// let err = Threads::new().spawn("w", async { panic!("code {}", 7) }).join().unwrap_err();
    /// assert_eq!(err.panic_message(), Some("code 7"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(panicked) => Some(panicked.message()),
            JoinError::Cancelled(_) => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(panicked) => panicked.fmt(f),
            JoinError::Cancelled(cancelled) => cancelled.fmt(f),
        }
    }
}

impl std::error::Error for JoinError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JoinError::Panicked(panicked) => Some(panicked),
            JoinError::Cancelled(cancelled) => Some(cancelled),
        }
    }
}

impl From<Panicked> for JoinError {
    fn from(panicked: Panicked) -> Self {
        JoinError::Panicked(panicked)
    }
}

impl From<Cancelled> for JoinError {
    fn from(cancelled: Cancelled) -> Self {
        JoinError::Cancelled(cancelled)
    }
}

/// A unit was cancelled before it finished: dropped at the wait it was in, so whatever it held
/// (locks, permits, queue items not yet taken) went back.
///
/// ```
/// use std::time::Duration;
/// use twinsync::{Flavor, JoinError, JoinHandle, Threads};
///
/// async fn call_off<F: Flavor>(f: F) {
///     let g = f.clone();
///     let waiter = f.spawn("waiter", async move { g.sleep(Duration::from_secs(60)).await });
///     waiter.cancel();
///     match waiter.join().await {
///         Err(JoinError::Cancelled(cancelled)) => assert_eq!(cancelled.unit().name(), "waiter"),
///         other => panic!("not cancelled: {other:?}"),
///     }
/// }
/// Threads::new().run(call_off).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Cancelled {
    unit: Unit,
}

impl Cancelled {
    pub(crate) fn new(unit: Unit) -> Self {
        Cancelled { unit }
    }

    /// The unit that was cancelled.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinError, JoinHandle, Threads};
    /// let f = Threads::new();
    /// let g = f.clone();
    /// let h = f.spawn("w", async move { g.sleep(std::time::Duration::MAX).await });
    /// h.cancel();
    /// if let Err(JoinError::Cancelled(c)) = h.join() {
    ///     assert_eq!(c.unit().name(), "w");
    /// }
    /// ```
    pub fn unit(&self) -> &Unit {
        &self.unit
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unit `{}` was cancelled", self.unit.name())
    }
}

impl std::error::Error for Cancelled {}

/// A unit could not be started.
///
/// ```
/// use twinsync::{Flavor, SpawnError};
/// # #[cfg(feature = "tokio")] {
/// // A tokio flavour spawns onto the runtime it is called from; outside one there is none.
/// let err = twinsync::Tokio::new().try_spawn("orphan", async {}).unwrap_err();
/// assert!(matches!(err, SpawnError::NoRuntime));
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SpawnError {
    /// The operating system refused to start another thread (Python's
    /// `RuntimeError: can't start new thread`). On Linux this typically happens near
    /// `vm.max_map_count / 4` live threads.
    Refused(io::Error),
    /// A tokio flavour was asked to spawn outside a tokio runtime: call it inside
    /// [`Flavor::run`](crate::Flavor::run) or inside your own runtime.
    NoRuntime,
    /// [`Threads`](crate::Threads) refused to start another OS thread: `live` unit threads are
    /// running and `limit` is the most it allows, either the limit set with
    /// [`Threads::with_thread_limit`](crate::Threads::with_thread_limit) or, by default, the
    /// number the OS would allow (about `vm.max_map_count / 4` on Linux, less a reserve). Past
    /// the OS's own limit the standard library would abort the whole process, so twinsync
    /// counts and refuses first.
    TooManyThreads {
        /// Unit threads running when the spawn was refused.
        live: usize,
        /// The most unit threads allowed at once.
        limit: usize,
    },
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Refused(err) => write!(f, "the OS refused to start a thread: {err}"),
            SpawnError::NoRuntime => {
                f.write_str("no tokio runtime to spawn onto (use Flavor::run)")
            }
            SpawnError::TooManyThreads { live, limit } => write!(
                f,
                "refused to start another OS thread: {live} unit threads are running and \
                 {limit} is the most allowed"
            ),
        }
    }
}

impl std::error::Error for SpawnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpawnError::Refused(err) => Some(err),
            SpawnError::NoRuntime | SpawnError::TooManyThreads { .. } => None,
        }
    }
}

/// The message a panic was raised with (`panic!("…")`'s text), or a note that it had none.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
