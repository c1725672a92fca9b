//! Processes: the third way to run a unit, Python's `multiprocessing`, on Unix.
//!
//! Threads and tasks share one address space: a global that four units increment is 4
//! afterwards. A process has its own. A child process here is **the same program started
//! again** (never `fork()`ed from a multi-threaded parent, which Python 3.14 also stopped
//! doing by default), told which registered [`Entry`] to run and on what input; input and
//! output cross as serde values, postcard-encoded, over a Unix socket. Whatever the child
//! changes in its own memory stays there.
//!
//! A program that starts processes calls [`serve`] first thing in `main`, with every entry a
//! child may run: in a child, `serve` runs the entry it was sent and exits; in the parent it
//! records the list and returns. (This is Python's `if __name__ == "__main__":` guard, made
//! explicit: everything before `serve` runs again in every child.)
//!
//! ```rust,standalone_crate
//! use twinsync::process::{self, Entry};
//!
//! fn square(x: u64) -> u64 {
//!     x * x
//! }
//! static SQUARE: Entry<u64, u64> = Entry::new("square", square);
//!
//! fn main() {
//!     process::serve(&[&SQUARE]);
//!
//!     let children: Vec<_> = (1..=3)
//!         .map(|x| process::spawn(&SQUARE, &x).unwrap())
//!         .collect();
//!     let squares: Vec<u64> = children.into_iter().map(|c| c.join().unwrap()).collect();
//!     assert_eq!(squares, [1, 4, 9]);
//! }
//! ```
//!
//! A join reports how a child failed: it panicked (with the message), exited with a code,
//! was killed by a signal (which), or was lost ([`ProcessError`]). A child is never left
//! behind: its handle reaps it, and a child whose parent has gone exits by itself.
//!
//! Processes share nothing, so they talk through a [`Queue`]: made in one process, handed to
//! a child in its input, used the same way on both sides (with `task_done`/`join`, Python's
//! `JoinableQueue`).
//!
//! A [`ProcessPool`] keeps a number of worker processes for many jobs (Python's `Pool`). A
//! [`Value`] and a [`Lock`] are state that processes share through the process that made
//! them (what Python's `Manager` serves).
//!
//! `join` and the methods of the queue, pool, value and lock block the calling thread, so on a
//! task flavour call them where blocking is allowed.
//!
//! | Python | twinsync |
//! |---|---|
//! | `Process(target=f, args=(x,))`, `start()` | [`spawn(&F, &x)`](spawn), [`Process::start`] |
//! | `name`, `daemon`, `pid` | [`Process::name`], [`Process::daemon`], [`ProcessHandle::pid`] |
//! | `join()`, `join(timeout)` | [`ProcessHandle::join`], [`ProcessHandle::join_timeout`] |
//! | `is_alive()`, `terminate()`, `kill()` | [`ProcessHandle::is_alive`], [`terminate`](ProcessHandle::terminate), [`kill`](ProcessHandle::kill) |
//! | `exitcode` | [`ProcessError::Exited`], [`ProcessError::Killed`] |
//! | `current_process().name`, `os.getpid()`, `os.getppid()` | [`current_process`] |
//! | `Queue(maxsize)`, `JoinableQueue` | [`Queue::bounded`], [`Queue::new`] |
//! | `put`, `get`, `put_nowait`, `get_nowait`, `qsize`, `empty`, `full` | [`Queue::put`], [`Queue::get`], [`Queue::try_put`], [`Queue::try_get`], [`Queue::len`], [`Queue::is_empty`], [`Queue::is_full`] |
//! | `task_done`, `join` | [`Queue::task_done`], [`Queue::join`] |
//! | `Pool(n)`, `apply`, `apply_async`, `map`, `imap_unordered` | [`ProcessPool::new`], [`ProcessPool::apply`], [`ProcessPool::apply_async`], [`ProcessPool::map`], [`ProcessPool::map_unordered`] |
//! | `close`, `join`, `terminate` | [`ProcessPool::close`], [`ProcessPool::join`], [`ProcessPool::terminate`] |
//! | `Manager().Value(v)`, `.value` | [`Value::new`], [`Value::load`], [`Value::store`] |
//! | `Manager().Lock()`, `with lock:` | [`Lock::new`], [`Lock::lock`] |

use std::sync::OnceLock;

mod broker;
mod child;
mod entry;
mod error;
mod frame;
mod handle;
mod pool;
mod queue;
mod remote;
mod shared;

pub use entry::{Entry, EntryRun, Registered};
pub use error::{ProcessError, StartError};
pub use frame::MAX_FRAME;
pub use handle::{Process, ProcessHandle, spawn};
pub use pool::{AsyncResult, Completed, ProcessPool};
pub use queue::Queue;
pub use shared::{Lock, LockGuard, Value};

/// The entries registered with [`serve`] in this process.
static SERVED: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Registers the entries a child process may run. In a child started by twinsync, runs the
/// entry it was sent and exits, never returning; anywhere else, returns at once.
///
/// Call it first thing in `main`: everything before it runs again in every child. The list
/// is taken once; later calls register nothing more.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry};
///
/// static HELLO: Entry<String, String> = Entry::new("hello", |who| format!("hello, {who}"));
///
/// process::serve(&[&HELLO]);
/// let greeting = process::spawn(&HELLO, &"parent".to_owned()).unwrap().join();
/// assert_eq!(greeting.unwrap(), "hello, parent");
/// ```
pub fn serve(entries: &[&dyn Registered]) {
    let _ = SERVED.set(entries.iter().map(|entry| entry.name()).collect());
    if child::is_child() {
        std::process::exit(child::main(entries));
    }
}

/// Whether [`serve`] has been called, so that a child knows what to run.
fn check_serving() -> Result<(), StartError> {
    SERVED.get().map(drop).ok_or(StartError::NotServed)
}

/// Whether a child could run `entry`: it is in the list given to [`serve`].
fn check_served(entry: &'static str) -> Result<(), StartError> {
    match SERVED.get() {
        None => Err(StartError::NotServed),
        Some(names) if names.contains(&entry) => Ok(()),
        Some(_) => Err(StartError::Unregistered(entry)),
    }
}

/// The process this code runs in, as Python's `multiprocessing.current_process()` and
/// `os.getpid()` / `os.getppid()` tell it.
///
/// ```
/// let me = twinsync::process::current_process();
/// assert_eq!(me.name(), "MainProcess");
/// assert_eq!(me.pid(), std::process::id());
/// ```
pub fn current_process() -> CurrentProcess {
    CurrentProcess {
        name: child::name(),
        pid: std::process::id(),
        parent_pid: std::os::unix::process::parent_id(),
    }
}

/// What [`current_process`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentProcess {
    name: &'static str,
    pid: u32,
    parent_pid: u32,
}

impl CurrentProcess {
    /// Its name: the one its parent gave it, or `"MainProcess"`.
    ///
    /// ```
    /// assert_eq!(twinsync::process::current_process().name(), "MainProcess");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its process id.
    ///
    /// ```
    /// assert_eq!(twinsync::process::current_process().pid(), std::process::id());
    /// ```
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its parent's process id.
    ///
    /// ```
    /// let me = twinsync::process::current_process();
    /// assert_eq!(me.parent_pid(), std::os::unix::process::parent_id());
    /// ```
    pub fn parent_pid(&self) -> u32 {
        self.parent_pid
    }
}
