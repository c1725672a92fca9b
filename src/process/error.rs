//! What can go wrong starting a child process, and what a join can report.

use std::fmt;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// Why [`Process::start`](super::Process::start) started nothing.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, StartError};
///
/// static NEVER_SERVED: Entry<(), ()> = Entry::new("never-served", |()| ());
/// static SERVED: Entry<(), ()> = Entry::new("served", |()| ());
///
/// process::serve(&[&SERVED]);
/// let error = process::spawn(&NEVER_SERVED, &()).unwrap_err();
/// assert!(matches!(error, StartError::Unregistered("never-served")));
/// assert!(error.to_string().contains("process::serve"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// [`serve`](super::serve) has not been called in this program, so a child would not
    /// know what to run.
    NotServed,
    /// The entry is not in the list given to [`serve`](super::serve).
    Unregistered(&'static str),
    /// The input could not be encoded, or is larger than [`MAX_FRAME`](super::MAX_FRAME).
    Input(io::Error),
    /// The OS refused: no socket, no executable path, or no new process.
    Os(io::Error),
    /// A pool of no workers was asked for.
    NoWorkers,
    /// The pool was closed: it takes no more jobs.
    PoolClosed,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NotServed => f.write_str(
                "no entries are registered: call twinsync::process::serve(&[...]) at the \
                 start of main",
            ),
            StartError::Unregistered(entry) => write!(
                f,
                "the entry \"{entry}\" is not in the list given to twinsync::process::serve"
            ),
            StartError::Input(e) => write!(f, "the input cannot be sent: {e}"),
            StartError::Os(e) => write!(f, "the OS refused to start a process: {e}"),
            StartError::NoWorkers => f.write_str("a pool needs at least one worker"),
            StartError::PoolClosed => f.write_str("the pool is closed: it takes no more jobs"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Input(e) | StartError::Os(e) => Some(e),
            StartError::NotServed
            | StartError::Unregistered(_)
            | StartError::NoWorkers
            | StartError::PoolClosed => None,
        }
    }
}

/// Why joining a child process gave no output.
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, ProcessError};
///
/// static FAILS: Entry<(), ()> = Entry::new("fails", |()| panic!("no such file"));
///
/// process::serve(&[&FAILS]);
/// let error = process::spawn(&FAILS, &()).unwrap().join().unwrap_err();
/// assert!(matches!(&error, ProcessError::Panicked { message, .. } if message == "no such file"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessError {
    /// The entry panicked in the child, with this message.
    Panicked {
        /// The process's name.
        name: String,
        /// The panic's message.
        message: String,
    },
    /// The child exited with this code before answering (`std::process::exit` in the entry).
    Exited {
        /// The process's name.
        name: String,
        /// Its exit code.
        code: i32,
    },
    /// A signal ended the child before it answered (`kill`, `terminate`, a crash).
    Killed {
        /// The process's name.
        name: String,
        /// The signal's number (`SIGKILL` is 9, `SIGTERM` 15).
        signal: i32,
    },
    /// The child's program does not register the entry (it calls `serve` with another list).
    Unregistered {
        /// The process's name.
        name: String,
        /// The entry it was asked to run.
        entry: String,
    },
    /// The link to the child broke, or what came over it could not be decoded.
    Lost {
        /// The process's name.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

impl ProcessError {
    /// A child that ended without an answer, as `status` tells.
    pub(crate) fn ended(name: String, status: Option<ExitStatus>) -> Self {
        match status {
            Some(status) => match (status.code(), status.signal()) {
                (_, Some(signal)) => ProcessError::Killed { name, signal },
                (Some(code), None) => ProcessError::Exited { name, code },
                (None, None) => ProcessError::lost(name, format!("it ended as {status}")),
            },
            None => ProcessError::lost(name, "it could not be waited for".to_owned()),
        }
    }

    pub(crate) fn lost(name: String, reason: String) -> Self {
        ProcessError::Lost { name, reason }
    }

    /// The name of the process it is about.
    pub fn name(&self) -> &str {
        match self {
            ProcessError::Panicked { name, .. }
            | ProcessError::Exited { name, .. }
            | ProcessError::Killed { name, .. }
            | ProcessError::Unregistered { name, .. }
            | ProcessError::Lost { name, .. } => name,
        }
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Panicked { name, message } => {
                write!(f, "process \"{name}\" panicked: {message}")
            }
            ProcessError::Exited { name, code } => {
                write!(
                    f,
                    "process \"{name}\" exited with code {code} before answering"
                )
            }
            ProcessError::Killed { name, signal } => {
                let signal_name = nix::sys::signal::Signal::try_from(*signal)
                    .map_or("an unknown signal", |s| s.as_str());
                write!(
                    f,
                    "process \"{name}\" was killed by {signal_name} ({signal})"
                )
            }
            ProcessError::Unregistered { name, entry } => write!(
                f,
                "process \"{name}\" was asked to run \"{entry}\", which its program does not \
                 pass to twinsync::process::serve"
            ),
            ProcessError::Lost { name, reason } => {
                write!(f, "process \"{name}\" was lost: {reason}")
            }
        }
    }
}

impl std::error::Error for ProcessError {}
