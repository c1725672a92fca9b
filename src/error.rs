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

/// A unit panicked; joining it reports the panic instead of losing it.
///
/// The panic message (the `&str` or `String` given to `panic!`) is kept, together with the unit
/// that panicked.
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Threads};
///
/// let message = Threads::new()
///     .run(|f| async move {
///         let handle = f.spawn("doomed", async { panic!("out of tickets") });
///         let err: twinsync::Panicked = handle.join().unwrap_err();
///         assert_eq!(err.unit().name(), "doomed");
///         err.message().to_owned()
///     })
///     .unwrap();
/// assert_eq!(message, "out of tickets");
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
        let message = if let Some(text) = payload.downcast_ref::<&'static str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "a panic with a non-string payload".to_owned()
        };
        Panicked::new(unit, message)
    }

    /// The unit that panicked.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let err = f.spawn("worker-7", async { panic!("boom") }).join().unwrap_err();
    /// assert_eq!(err.unit().name(), "worker-7");
    /// # }).unwrap();
    /// ```
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// The panic's message.
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let err = f.spawn("w", async { panic!("code {}", 42) }).join().unwrap_err();
    /// assert_eq!(err.message(), "code 42");
    /// # }).unwrap();
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
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Refused(err) => write!(f, "the OS refused to start a thread: {err}"),
            SpawnError::NoRuntime => {
                f.write_str("no tokio runtime to spawn onto (use Flavor::run)")
            }
        }
    }
}

impl std::error::Error for SpawnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpawnError::Refused(err) => Some(err),
            SpawnError::NoRuntime => None,
        }
    }
}
