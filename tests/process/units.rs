//! Units: outputs, identities, memory not shared, every way a child can fail, and no
//! child left behind (no zombie, no orphan).

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use twinsync::process::{
    self, Entry, MAX_FRAME, Process, ProcessError, ProcessHandle, ProcessPool, Registered,
    StartError,
};

use crate::trial;

/// The entries this module's children run.
pub fn entries() -> Vec<&'static dyn Registered> {
    vec![
        &SQUARE,
        &WHO,
        &INCREMENT,
        &PANICS,
        &EXITS,
        &SLEEPS,
        &LENGTH,
        &ABANDONS,
        &LEAVES_NOTHING,
    ]
}

/// This module's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "spawn_returns_the_entrys_output",
            spawn_returns_the_entrys_output,
        ),
        trial(
            "child_knows_its_name_pid_and_parent",
            child_knows_its_name_pid_and_parent,
        ),
        trial("globals_are_not_shared", globals_are_not_shared),
        trial(
            "a_panic_is_reported_with_its_message",
            a_panic_is_reported_with_its_message,
        ),
        trial("an_exit_code_is_reported", an_exit_code_is_reported),
        trial(
            "kill_and_terminate_report_their_signal",
            kill_and_terminate_report_their_signal,
        ),
        trial(
            "join_timeout_hands_the_handle_back",
            join_timeout_hands_the_handle_back,
        ),
        trial(
            "an_unregistered_entry_starts_nothing",
            an_unregistered_entry_starts_nothing,
        ),
        trial(
            "a_huge_input_is_refused_and_a_large_one_crosses",
            a_huge_input_is_refused_and_a_large_one_crosses,
        ),
        trial("a_joined_child_is_reaped", a_joined_child_is_reaped),
        trial(
            "a_dropped_daemon_is_killed_and_reaped",
            a_dropped_daemon_is_killed_and_reaped,
        ),
        trial(
            "a_dropped_child_is_waited_for",
            a_dropped_child_is_waited_for,
        ),
        trial(
            "an_abandoned_grandchild_ends_with_its_parent",
            an_abandoned_grandchild_ends_with_its_parent,
        ),
        trial(
            "every_child_is_reaped_when_its_handles_go",
            every_child_is_reaped_when_its_handles_go,
        ),
    ]
}

pub static SQUARE: Entry<u64, u64> = Entry::new("square", |x| x * x);
pub static WHO: Entry<(), (String, u32, u32)> = Entry::new("who", |()| {
    let me = process::current_process();
    (me.name().to_owned(), me.pid(), me.parent_pid())
});
/// A process-wide global: each process has its own.
pub static COUNTER: AtomicU64 = AtomicU64::new(0);
pub static INCREMENT: Entry<(), u64> =
    Entry::new("increment", |()| COUNTER.fetch_add(1, SeqCst) + 1);
pub static PANICS: Entry<String, ()> = Entry::new("panics", |message| panic!("{message}"));
pub static EXITS: Entry<i32, ()> = Entry::new("exits", |code| std::process::exit(code));
pub static SLEEPS: Entry<u64, u64> = Entry::new("sleeps", |millis| {
    std::thread::sleep(Duration::from_millis(millis));
    millis
});
/// A string is encoded in one copy (a `Vec<u8>` byte by byte, slow in a debug build).
pub static LENGTH: Entry<String, usize> = Entry::new("length", |text| text.len());
/// Starts a grandchild that sleeps a minute, forgets its handle, and returns its pid.
pub static ABANDONS: Entry<(), u32> = Entry::new("abandons", |()| {
    let grandchild = process::spawn(&SLEEPS, &60_000).unwrap();
    let pid = grandchild.pid();
    std::mem::forget(grandchild);
    pid
});

pub fn spawn_returns_the_entrys_output() {
    let children: Vec<ProcessHandle<u64>> = (1..=4)
        .map(|x| process::spawn(&SQUARE, &x).unwrap())
        .collect();
    let squares: Vec<u64> = children.into_iter().map(|c| c.join().unwrap()).collect();
    assert_eq!(squares, [1, 4, 9, 16]);
}

pub fn child_knows_its_name_pid_and_parent() {
    let child = Process::new().name("worker-7").start(&WHO, &()).unwrap();
    let pid = child.pid();
    assert_eq!(child.name(), "worker-7");
    let (name, child_pid, parent_pid) = child.join().unwrap();
    assert_eq!(name, "worker-7");
    assert_eq!(child_pid, pid);
    assert_ne!(child_pid, std::process::id());
    assert_eq!(parent_pid, std::process::id());
    // Unnamed ones are numbered, as Python's `Process-N`.
    let unnamed = process::spawn(&WHO, &()).unwrap();
    assert!(unnamed.name().starts_with("Process-"), "{}", unnamed.name());
    assert_eq!(unnamed.join().unwrap().0.split('-').next(), Some("Process"));
}

pub fn globals_are_not_shared() {
    let children: Vec<_> = (0..4)
        .map(|_| process::spawn(&INCREMENT, &()).unwrap())
        .collect();
    for child in children {
        // Each child incremented its own copy, from 0.
        assert_eq!(child.join().unwrap(), 1);
    }
    assert_eq!(COUNTER.load(SeqCst), 0, "the parent's copy is untouched");
}

pub fn a_panic_is_reported_with_its_message() {
    let child = Process::new()
        .name("doomed")
        .start(&PANICS, &"disk full".to_owned());
    let error = child.unwrap().join().unwrap_err();
    assert_eq!(
        error,
        ProcessError::Panicked {
            name: "doomed".to_owned(),
            message: "disk full".to_owned()
        }
    );
    assert_eq!(error.to_string(), "process \"doomed\" panicked: disk full");
}

pub fn an_exit_code_is_reported() {
    let error = process::spawn(&EXITS, &3).unwrap().join().unwrap_err();
    assert!(
        matches!(error, ProcessError::Exited { code: 3, .. }),
        "{error}"
    );
}

pub fn kill_and_terminate_report_their_signal() {
    let mut killed = process::spawn(&SLEEPS, &60_000).unwrap();
    assert!(killed.is_alive());
    killed.kill().unwrap();
    let error = killed.join().unwrap_err();
    assert!(
        matches!(error, ProcessError::Killed { signal: 9, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("SIGKILL"), "{error}");

    let mut terminated = process::spawn(&SLEEPS, &60_000).unwrap();
    terminated.terminate().unwrap();
    let error = terminated.join().unwrap_err();
    assert!(
        matches!(error, ProcessError::Killed { signal: 15, .. }),
        "{error}"
    );
}

pub fn join_timeout_hands_the_handle_back() {
    let child = process::spawn(&SLEEPS, &400).unwrap();
    let started = Instant::now();
    let mut child = child
        .join_timeout(Duration::from_millis(20))
        .expect_err("the child sleeps longer than the timeout");
    assert!(started.elapsed() < Duration::from_millis(400));
    assert!(child.is_alive());
    let child = match child.join_timeout(Duration::from_secs(30)) {
        Ok(outcome) => outcome,
        Err(_) => panic!("the child did not finish within 30 s"),
    };
    assert_eq!(child.unwrap(), 400);
}

pub fn an_unregistered_entry_starts_nothing() {
    static STRAY: Entry<(), ()> = Entry::new("stray", |()| ());
    let error = process::spawn(&STRAY, &()).unwrap_err();
    assert!(
        matches!(error, StartError::Unregistered("stray")),
        "{error}"
    );
    assert!(error.to_string().contains("\"stray\""), "{error}");
}

pub fn a_huge_input_is_refused_and_a_large_one_crosses() {
    let huge = "x".repeat(MAX_FRAME + 1);
    let error = process::spawn(&LENGTH, &huge).unwrap_err();
    assert!(matches!(error, StartError::Input(_)), "{error}");
    assert!(
        error.to_string().contains("larger than the limit"),
        "{error}"
    );
    drop(huge);
    // Far larger than a socket's buffer: the parent writes while the child reads.
    let large = "y".repeat(8 << 20);
    assert_eq!(
        process::spawn(&LENGTH, &large).unwrap().join().unwrap(),
        8 << 20
    );
}

/// Whether `pid` names a live process or a zombie (an unreaped child).
pub fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether `pid` is gone or is a zombie: it runs no more.
pub fn not_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

pub fn a_joined_child_is_reaped() {
    let child = process::spawn(&SQUARE, &3).unwrap();
    let pid = child.pid();
    child.join().unwrap();
    assert!(!exists(pid), "the child {pid} was left a zombie");
}

pub fn a_dropped_daemon_is_killed_and_reaped() {
    let daemon = Process::new().daemon(true).start(&SLEEPS, &60_000).unwrap();
    let pid = daemon.pid();
    let started = Instant::now();
    drop(daemon);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the drop waited for it"
    );
    assert!(!exists(pid), "the daemon {pid} is still there");
}

pub fn a_dropped_child_is_waited_for() {
    let child = process::spawn(&SLEEPS, &200).unwrap();
    let pid = child.pid();
    let started = Instant::now();
    drop(child);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "the drop did not wait"
    );
    assert!(!exists(pid), "the child {pid} was left a zombie");
}

pub fn an_abandoned_grandchild_ends_with_its_parent() {
    let grandchild = process::spawn(&ABANDONS, &()).unwrap().join().unwrap();
    // Its parent has exited; the grandchild notices its link close and exits too (then
    // whoever adopted it reaps it).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !not_running(grandchild) {
        assert!(
            Instant::now() < deadline,
            "the grandchild {grandchild} outlived its parent by 10 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The processes whose parent is `pid`, zombies included, from `/proc`.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // After the name in parentheses: the state, then the parent's pid.
                let rest = stat.rsplit(')').next().unwrap_or_default();
                rest.split_whitespace().nth(1) == Some(&pid.to_string())
            })
        })
        .collect()
}

/// In a child of its own (so that no other test's children are counted): starts children
/// every way there is and lets every handle go; returns its children before, at the peak and
/// after.
pub static LEAVES_NOTHING: Entry<(), (usize, usize, usize)> = Entry::new("leaves-nothing", |()| {
    let me = std::process::id();
    let before = children_of(me).len();
    let joined = process::spawn(&SQUARE, &2).unwrap();
    let daemon = Process::new().daemon(true).start(&SLEEPS, &60_000).unwrap();
    let dropped = process::spawn(&SLEEPS, &50).unwrap();
    let mut killed = process::spawn(&SLEEPS, &60_000).unwrap();
    let failed = process::spawn(&PANICS, &"on purpose".to_owned()).unwrap();
    let pool = ProcessPool::new(2).unwrap();
    let running = pool.apply_async(&SLEEPS, &60_000).unwrap();
    let peak = children_of(me).len();
    assert_eq!(joined.join().unwrap(), 4);
    drop(daemon);
    drop(dropped);
    killed.kill().unwrap();
    assert!(matches!(killed.join(), Err(ProcessError::Killed { .. })));
    assert!(matches!(failed.join(), Err(ProcessError::Panicked { .. })));
    pool.terminate();
    assert!(running.get().is_err());
    (before, peak, children_of(me).len())
});

pub fn every_child_is_reaped_when_its_handles_go() {
    let (before, peak, after) = process::spawn(&LEAVES_NOTHING, &())
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(before, 0);
    assert_eq!(peak, 7, "five children and two pool workers");
    assert_eq!(
        after, 0,
        "a child outlived its handle, or was left a zombie"
    );
}
