//! # Scale: how many waiting units a flavour holds, and what each costs
//!
//! Mirrors the seeds' comparison of threads and coroutines: a coroutine is far lighter than a
//! thread, is switched by the program rather than the operating system, and the more units
//! there are, the more that shows (the same notes warn that creating and destroying many
//! processes or threads costs the system dearly). Here, for N = 10, 100, 1000, …, N units are
//! started and all wait at one gate (an [`Event`]) while the process's resident memory is
//! read; then the gate opens, each unit sleeps 20 ms and ends. Each row gives the wall time
//! from the first start to the last join and the memory added per waiting unit (Linux only).
//!
//! Threads stop at N = 10,000 and the tokio flavours at 100,000; with `--full` threads go on
//! to 100,000 and the tokio flavours to 1,000,000. Near `vm.max_map_count / 4` threads Rust's
//! standard library aborts the process instead of returning an error, so the threads run stops
//! a little below that on its own (about 15,900 with the default limit) and says so; if the
//! operating system refuses a thread earlier, the row says that instead.
//!
//! What to notice: on threads every unit is an OS thread with its own stack, about 10 KB of
//! resident memory each once there are a hundred or more, and starting, waking and joining
//! them takes over 100 µs each here: 10,000 take well over a second. On tokio (tasks on a multi-thread
//! runtime) and tokio-local (tasks on one thread) a waiting unit costs a few hundred bytes,
//! and 100,000 finish in under a second; tokio-local is usually the quicker of the two, as no
//! wake-up crosses threads. The memory figures are cleanest with one flavour per process
//! (`--flavor`, or the runner): after `all` has run the threads, the tokio flavours reuse the
//! memory the threads freed, and their small rows show 0 B.
//!
//! As processes the units are child processes that wait at a gate made of a queue: 10 and
//! 100 of them (1000 with `--full`). Each costs a millisecond or more to start and a couple of
//! hundred kilobytes even counted fairly (its proportional share of the pages it shares with
//! its siblings, plus the parent's thread that serves its queue), so a thread is roughly 20
//! times lighter, and a task a thousand.
//!
//! Run it with `cargo run --example scale -- --flavor threads|tokio|tokio-local|all`, adding
//! `--full` for the big sizes (or `--flavor processes`); the runner (`cargo run --release --
//! run scale`) runs this same file once per flavour and once as processes, each in its own
//! process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twinsync::process::{self, Entry};
use twinsync::report::{Outcome, Way};
use twinsync::{Event, Flavor, FlavorKind, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "scale";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "N units wait at a gate, then sleep 20 ms: wall time and memory per N (--full for big N)";
/// What to look for in its figures.
pub const NOTICE: &str = "threads cost ~10 KB of memory and over 100 microseconds each (--full: they stop near vm.max_map_count / 4, ~16k by default); tasks cost hundreds of bytes; processes hundreds of KB and a millisecond or more";

/// How long each unit sleeps once the gate opens.
const NAP: Duration = Duration::from_millis(20);

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Scale {
    /// Whether to go on to the big sizes: 100,000 threads or 1,000,000 tasks.
    pub full: bool,
}

/// One row of the scale table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Row {
    /// All N units ran.
    Ran {
        /// Units.
        n: usize,
        /// First spawn to last join.
        wall: Duration,
        /// Resident memory added while all N waited, in KiB (`None` where the platform does not
        /// say).
        added_kib: Option<u64>,
    },
    /// The OS refused a unit, or the next thread would have crossed the OS's memory-map limit;
    /// `started` had started.
    Refused {
        /// Units asked for.
        n: usize,
        /// Units that had started when the OS said no.
        started: usize,
        /// Whether the scenario stopped at the limit itself: near `vm.max_map_count / 4` threads
        /// Rust's standard library aborts the whole process (it cannot map a new thread's signal
        /// stack) instead of returning an error, so the scenario does not step over it.
        at_map_limit: bool,
    },
}

impl Job for Scale {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let mut rows = Vec::new();
        for n in sizes(f.kind(), self.full) {
            let row = hold(&f, n).await;
            rows.push(row);
            if matches!(row, Row::Refused { .. }) {
                break;
            }
        }
        report(&rows)
    }
}

/// The scenario's line and figures from its rows, however it ran.
fn report(rows: &[Row]) -> Outcome {
    let mut outcome = Outcome::new("");
    let mut parts = Vec::new();
    for &row in rows {
        match row {
            Row::Ran { n, wall, added_kib } => {
                let ms = wall.as_secs_f64() * 1e3;
                outcome = outcome.figure(format!("wall_ms.{n}"), ms);
                let memory = match added_kib {
                    Some(kib) => {
                        let per_unit = kib as f64 * 1024.0 / n as f64;
                        outcome = outcome.figure(format!("bytes_per_unit.{n}"), per_unit);
                        format!(", {} B/unit", thousands(per_unit))
                    }
                    None => String::new(),
                };
                parts.push(format!("{n}: {ms:.0} ms{memory}"));
            }
            Row::Refused {
                n,
                started,
                at_map_limit,
            } => {
                outcome = outcome.figure("refused_at", started as f64);
                parts.push(if at_map_limit {
                    format!("{n}: stopped at N = {started}, the OS's map limit for threads")
                } else {
                    format!("{n}: refused at N = {started}")
                });
            }
        }
    }
    outcome.summary = parts.join("; ");
    outcome
}

/// `x` rounded, with a comma between thousands (processes cost megabytes).
fn thousands(x: f64) -> String {
    let digits = format!("{x:.0}");
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The N of each row for a flavour.
fn sizes(kind: FlavorKind, full: bool) -> Vec<usize> {
    let threads = kind == FlavorKind::Threads;
    let most = match (threads, full) {
        (true, false) => 10_000,
        (true, true) => 100_000,
        (false, false) => 100_000,
        (false, true) => 1_000_000,
    };
    std::iter::successors(Some(10), |n| Some(n * 10))
        .take_while(|&n| n <= most)
        .collect()
}

// ANCHOR: hold
/// Starts `n` units that wait at one gate; once all are waiting, reads the memory, opens the
/// gate, and joins them. Stops early, and says so, if the OS refuses a unit.
pub async fn hold<F: Flavor>(f: &F, n: usize) -> Row {
    let gate = Arc::new(F::Event::new());
    let before = resident_kib();
    let start = Instant::now();
    let mut handles = Vec::with_capacity(n);
    let mut refused = false;
    let ceiling = if f.kind() == FlavorKind::Threads {
        thread_ceiling()
    } else {
        None
    };
    let at_map_limit = ceiling.is_some_and(|most| n > most);
    for i in 0..ceiling.map_or(n, |most| n.min(most)) {
        let (g, gate) = (f.clone(), Arc::clone(&gate));
        match f.try_spawn(format!("u{i}"), async move {
            gate.wait().await;
            g.sleep(NAP).await;
        }) {
            Ok(handle) => handles.push(handle),
            // Inside `run` the only failure left is the OS refusing a thread.
            Err(_) => {
                refused = true;
                break;
            }
        }
    }
    let during = resident_kib();
    gate.set();
    let started = handles.len();
    for handle in handles {
        handle.join().await.expect("a unit panicked");
    }
    if refused || at_map_limit {
        return Row::Refused {
            n,
            started,
            at_map_limit: !refused,
        };
    }
    Row::Ran {
        n,
        wall: start.elapsed(),
        added_kib: before.zip(during).map(|(b, d)| d.saturating_sub(b)),
    }
}
// ANCHOR_END: hold

/// How many threads this process may start before the OS's memory-map limit: each thread takes
/// about four mappings (stack, guard page, signal stack and its guard), and a few hundred are
/// kept for everything else. `None` where the platform does not say.
pub fn thread_ceiling() -> Option<usize> {
    let limit: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some((limit / 4).saturating_sub(500))
}

/// The process's resident memory in KiB, from `/proc/self/status` (Linux); `None` elsewhere.
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ANCHOR: processes
/// A waiting process: says it is ready, waits at the gate (a token on `gate`), then sleeps.
fn wait_at_gate((ready, gate): (process::Queue<()>, process::Queue<()>)) {
    ready.put(()).expect("the parent keeps `ready` open");
    gate.get().expect("the parent opens the gate");
    std::thread::sleep(NAP);
}
/// `wait_at_gate`, as child processes find it.
pub static WAIT_AT_GATE: Entry<(process::Queue<()>, process::Queue<()>), ()> =
    Entry::new("scale.wait_at_gate", wait_at_gate);

/// [`hold`] with `n` child processes. The memory added is this process's growth (it serves
/// the queues, one thread per child) plus each child's proportional share of its own pages
/// (`Pss`: pages it shares with its siblings, such as the program's code, count once in all).
pub fn hold_processes(n: usize) -> Row {
    let (ready, gate) = (process::Queue::new(), process::Queue::new());
    let before = resident_kib();
    let start = Instant::now();
    let mut children = Vec::with_capacity(n);
    for _ in 0..n {
        match process::spawn(&WAIT_AT_GATE, &(ready.clone(), gate.clone())) {
            Ok(child) => children.push(child),
            Err(_) => break, // the OS refused a process (or an open file)
        }
    }
    let started = children.len();
    let all_waiting = (0..started).all(|_| ready.get().is_ok());
    let shares: Option<u64> = children.iter().map(|c| proportional_kib(c.pid())).sum();
    let during = resident_kib();
    for _ in 0..started {
        let _ = gate.put(()); // open the gate, one token each
    }
    let joined = children.into_iter().filter_map(|c| c.join().ok()).count();
    if started < n || !all_waiting || joined < started {
        return Row::Refused {
            n,
            started,
            at_map_limit: false,
        };
    }
    let parent = before.zip(during).map(|(b, d)| d.saturating_sub(b));
    Row::Ran {
        n,
        wall: start.elapsed(),
        added_kib: parent.zip(shares).map(|(p, s)| p + s),
    }
}

/// The scenario as processes: 10 and 100 (with `full`, 1000) waiting child processes.
pub fn in_processes(full: bool) -> Outcome {
    let most = if full { 1000 } else { 100 };
    let mut rows = Vec::new();
    for n in std::iter::successors(Some(10), |n| Some(n * 10)).take_while(|&n| n <= most) {
        let row = hold_processes(n);
        rows.push(row);
        if matches!(row, Row::Refused { .. }) {
            break;
        }
    }
    report(&rows)
}
// ANCHOR_END: processes

/// A process's proportional set size in KiB, from `/proc/<pid>/smaps_rollup` (Linux 4.14 and
/// later); `None` elsewhere.
fn proportional_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default); `--full` goes on to the big sizes.
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&WAIT_AT_GATE]); // a waiting child process waits here, then exits
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|arg| arg == "--full");
    let flavor_args = args.into_iter().filter(|arg| arg != "--full");
    for way in Way::from_args(flavor_args)? {
        let outcome = way.run(Scale { full }, || Ok(in_processes(full)))?;
        println!("{way:<12} {outcome}");
    }
    Ok(())
}
// ANCHOR_END: main
