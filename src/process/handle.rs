//! The parent's side: starting a child, and its handle (join, liveness, signals).

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::child::MARKER;
use super::entry::Entry;
use super::error::{ProcessError, StartError};
use super::frame::{self, Job, Outcome, Role, Start};

/// How to start a child process: its name and whether it is a daemon. Python's
/// `multiprocessing.Process(target, args, name, daemon)`, with the target an [`Entry`].
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry, Process};
///
/// static DOUBLE: Entry<i32, i32> = Entry::new("double", |x| 2 * x);
///
/// process::serve(&[&DOUBLE]); // a child runs its entry here and exits
/// let child = Process::new().name("doubler").start(&DOUBLE, &21).unwrap();
/// assert_eq!(child.name(), "doubler");
/// assert_eq!(child.join().unwrap(), 42);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Process {
    name: Option<String>,
    daemon: bool,
}

impl Process {
    /// A process named `Process-N` (N counts the processes started so far, from 1), not a
    /// daemon.
    pub fn new() -> Self {
        Process::default()
    }

    /// Names the process (its `current_process().name()` in the child).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Makes it a daemon: dropping its handle without joining kills it, rather than waiting
    /// for it to finish.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Starts the program again as a child that runs `entry` on `input`.
    ///
    /// Fails, with nothing started, if `entry` was not passed to
    /// [`serve`](super::serve) (or `serve` was never called), if `input` cannot be encoded
    /// or is larger than [`MAX_FRAME`](super::MAX_FRAME), or if the OS refuses a process.
    pub fn start<In: Serialize, Out: DeserializeOwned>(
        self,
        entry: &Entry<In, Out>,
        input: &In,
    ) -> Result<ProcessHandle<Out>, StartError> {
        super::check_served(entry.name())?;
        let input = frame::encode(input).map_err(StartError::Input)?;
        let name = self.name.unwrap_or_else(next_name);
        let job = Job {
            entry: entry.name().to_owned(),
            input,
        };
        let (child, link) = launch(name.clone(), Role::Once(job))?;
        Ok(ProcessHandle {
            name,
            daemon: self.daemon,
            child,
            link,
            status: None,
            joined: false,
            output: PhantomData,
        })
    }
}

/// Starts the program again as child `name` in `role`: the child and the parent's end of
/// its link.
pub(crate) fn launch(name: String, role: Role) -> Result<(Child, UnixStream), StartError> {
    let (mut link, theirs) = UnixStream::pair().map_err(StartError::Os)?;
    let program = std::env::current_exe().map_err(StartError::Os)?;
    let child = Command::new(program)
        .env(MARKER, "1")
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .spawn()
        .map_err(StartError::Os)?;
    // A child that died at once shows when its answer is read; the start is not retried.
    let _ = frame::send(&mut link, &Start { name, role });
    Ok((child, link))
}

/// The next default name, `Process-N`.
pub(crate) fn next_name() -> String {
    static STARTED: AtomicU64 = AtomicU64::new(0);
    format!("Process-{}", STARTED.fetch_add(1, Relaxed) + 1)
}

/// Starts a child process running `entry` on `input`, with the defaults of [`Process::new`].
///
/// ```rust,standalone_crate
/// use twinsync::process::{self, Entry};
///
/// static LEN: Entry<String, usize> = Entry::new("len", |s| s.len());
///
/// process::serve(&[&LEN]);
/// let child = process::spawn(&LEN, &"hello".to_owned()).unwrap();
/// assert_ne!(child.pid(), std::process::id());
/// assert_eq!(child.join().unwrap(), 5);
/// ```
pub fn spawn<In: Serialize, Out: DeserializeOwned>(
    entry: &Entry<In, Out>,
    input: &In,
) -> Result<ProcessHandle<Out>, StartError> {
    Process::new().start(entry, input)
}

/// A child process started by [`Process::start`]; joining it gives the entry's output.
///
/// Dropped without joining, the handle joins a process that is not a daemon (Python waits
/// for those when the parent ends) and kills a daemon; either way the child is reaped, so no
/// zombie is left. A child whose parent ends without either (killed, or `std::process::exit`)
/// notices its link close and exits too: no orphan is left.
pub struct ProcessHandle<Out> {
    name: String,
    daemon: bool,
    child: Child,
    link: UnixStream,
    /// How the child ended, once it has been reaped.
    status: Option<ExitStatus>,
    joined: bool,
    output: PhantomData<fn() -> Out>,
}

impl<Out> fmt::Debug for ProcessHandle<Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessHandle")
            .field("name", &self.name)
            .field("pid", &self.child.id())
            .field("daemon", &self.daemon)
            .finish_non_exhaustive()
    }
}

impl<Out: DeserializeOwned> ProcessHandle<Out> {
    /// The name the process was given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is a daemon (see [`Process::daemon`]).
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Whether the child is still running.
    pub fn is_alive(&mut self) -> bool {
        self.reap_if_ended().is_none()
    }

    /// Asks the child to end (`SIGTERM`), as Python's `terminate`. A child that has already
    /// ended is left alone.
    pub fn terminate(&mut self) -> std::io::Result<()> {
        if self.reap_if_ended().is_some() {
            return Ok(());
        }
        // Not reaped yet, so the pid is still this child's, even if it has just exited.
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap_or(i32::MAX));
        kill(pid, Signal::SIGTERM).map_err(std::io::Error::from)
    }

    /// Ends the child at once (`SIGKILL`), as Python's `kill`. A child that has already ended
    /// is left alone.
    pub fn kill(&mut self) -> std::io::Result<()> {
        if self.reap_if_ended().is_some() {
            return Ok(());
        }
        self.child.kill()
    }

    /// Waits for the child to end: the entry's output, or how the child failed.
    pub fn join(mut self) -> Result<Out, ProcessError> {
        self.finish()
    }

    /// [`join`](Self::join), waiting at most `timeout`; the handle back if the child is
    /// still running then (Python's `join(timeout)`, after which `is_alive()` tells).
    pub fn join_timeout(mut self, timeout: Duration) -> Result<Result<Out, ProcessError>, Self> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            // `poll` takes at most 65.5 s; a longer wait takes several.
            let millis = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
            let mut ready = [PollFd::new(self.link.as_fd(), PollFlags::POLLIN)];
            match poll(&mut ready, PollTimeout::from(millis)) {
                Ok(0) if left.is_zero() => return Err(self),
                Ok(0) | Err(Errno::EINTR) => {}
                // Readable: the answer has begun (the child writes it in one go) or the link
                // closed. Either way `finish` no longer waits long.
                _ => return Ok(self.finish()),
            }
        }
    }

    /// Reads the child's answer, reaps it, and tells what came of it.
    fn finish(&mut self) -> Result<Out, ProcessError> {
        self.joined = true;
        let name = self.name.clone();
        let answer = frame::receive::<Outcome>(&mut self.link);
        let status = self.reap();
        let outcome = match answer {
            Ok(Some(outcome)) => outcome,
            Ok(None) => return Err(ProcessError::ended(name, status)),
            Err(e) => {
                return Err(match status {
                    Some(status) if !status.success() => ProcessError::ended(name, Some(status)),
                    _ => ProcessError::lost(name, e.to_string()),
                });
            }
        };
        answer_of(name, outcome)
    }

    /// Waits for the child to exit and reaps it (once).
    fn reap(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.wait().ok();
        }
        self.status
    }

    /// Reaps the child if it has exited.
    fn reap_if_ended(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }
}

/// What the child `name` answered, as a join gives it.
pub(crate) fn answer_of<Out: DeserializeOwned>(
    name: String,
    outcome: Outcome,
) -> Result<Out, ProcessError> {
    match outcome {
        Outcome::Returned(bytes) => {
            frame::decode(&bytes).map_err(|e| ProcessError::lost(name, format!("its output: {e}")))
        }
        Outcome::Panicked(message) => Err(ProcessError::Panicked { name, message }),
        Outcome::Unregistered(entry) => Err(ProcessError::Unregistered { name, entry }),
        Outcome::Undecodable(what) => Err(ProcessError::lost(name, what)),
    }
}

impl<Out> Drop for ProcessHandle<Out> {
    fn drop(&mut self) {
        if self.joined || self.status.is_some() {
            return;
        }
        if self.daemon {
            let _ = self.child.kill();
        } else {
            // Read (and drop) the answer first: a child blocked writing a large one would
            // otherwise never exit.
            let _ = frame::receive::<Outcome>(&mut self.link);
        }
        let _ = self.child.wait();
    }
}
