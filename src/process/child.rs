//! The child's side: a program started again by [`start`](super::Process::start) finds out
//! here that it is a child, runs the one entry it was sent, answers, and exits; a pool's
//! worker runs job after job until its link closes.
//!
//! The child's standard input is its link to the parent, a Unix socket: it is taken over at
//! once and standard input is pointed at `/dev/null` (Python's children start with theirs
//! closed too). Standard output and error are the parent's.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;

use super::entry::Registered;
use super::frame::{self, Job, Outcome, Role, Start};

/// The environment variable that marks a child process started by twinsync.
pub(crate) const MARKER: &str = "TWINSYNC_PROCESS_CHILD";

/// The exit code of a child whose parent went away before it finished.
const ORPHANED: i32 = 70;
/// The exit code of a child that could not read its start or send its answer.
const BROKEN_LINK: i32 = 71;

/// This process's name: the one its parent gave it, once it is known.
static NAME: OnceLock<String> = OnceLock::new();

/// The name of the process this code runs in: `"MainProcess"` in one that twinsync did not
/// start, as Python names it.
pub(crate) fn name() -> &'static str {
    NAME.get().map_or("MainProcess", String::as_str)
}

/// Whether this process was started as a child by twinsync.
pub(crate) fn is_child() -> bool {
    std::env::var_os(MARKER).is_some()
}

/// Runs the child's job (or a worker's jobs) and returns its exit code.
pub(crate) fn main(entries: &[&dyn Registered]) -> i32 {
    match serve_one(entries) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("twinsync: a child process lost its link to the parent: {e}");
            BROKEN_LINK
        }
    }
}

fn serve_one(entries: &[&dyn Registered]) -> io::Result<()> {
    let mut link = UnixStream::from(io::stdin().as_fd().try_clone_to_owned()?);
    if let Ok(null) = File::open("/dev/null") {
        // Best effort: if it fails, standard input stays the socket, read by nobody.
        let _ = nix::unistd::dup2_stdin(&null);
    }
    let Some(start) = frame::receive::<Start>(&mut link)? else {
        return Ok(()); // the parent went away before sending the job
    };
    let _ = NAME.set(start.name);
    match start.role {
        Role::Once(job) => {
            watch_parent(&link)?;
            frame::send(&mut link, &run(entries, job))
        }
        // A worker reads its link for jobs: the end of the link is the end of its work.
        Role::Worker => {
            while let Some(job) = frame::receive::<Job>(&mut link)? {
                frame::send(&mut link, &run(entries, job))?;
            }
            Ok(())
        }
    }
}

fn run(entries: &[&dyn Registered], job: Job) -> Outcome {
    match entries.iter().find(|e| e.name() == job.entry) {
        Some(entry) => entry.run_encoded(&job.input).0,
        None => Outcome::Unregistered(job.entry),
    }
}

/// Ends this process when the parent's end of the link closes: the parent has ended (or
/// dropped the child's handle after killing it), so nobody waits for the answer, and a child
/// that outlived its parent would be an orphan.
fn watch_parent(link: &UnixStream) -> io::Result<()> {
    let mut watch = link.try_clone()?;
    std::thread::Builder::new()
        .name("twinsync-parent-watch".to_owned())
        .spawn(move || {
            let mut byte = [0u8; 1];
            loop {
                match watch.read(&mut byte) {
                    Ok(0) => std::process::exit(ORPHANED),
                    Ok(_) => {} // the parent sends nothing after the start
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => std::process::exit(ORPHANED),
                }
            }
        })?;
    Ok(())
}
