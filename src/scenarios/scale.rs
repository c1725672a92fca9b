//! `scale`: how many waiting units a flavour can hold, and what each costs. For each N, N units
//! are started, all wait at a gate while the scenario reads the process's resident memory, then
//! each sleeps 20 ms and ends. Per N: the wall time from the first spawn to the last join, and
//! the memory the N waiting units added.
//!
//! Threads stop at 10,000 by default and the tokio flavours at 100,000; with the environment
//! variable `TWINSYNC_FULL=1` (the runner's `--full`) threads go on to 100,000 and the tokio
//! flavours to 1,000,000. When the operating system refuses a thread, the row says so: on Linux
//! that happens near `vm.max_map_count / 4` threads (about 16,000 on our machines).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Outcome, Scenario};
use crate::event::Event;
use crate::flavor::{Flavor, FlavorKind, JoinHandle};

/// How long each unit sleeps once the gate opens.
const NAP: Duration = Duration::from_millis(20);

/// The `scale` scenario.
#[derive(Debug)]
pub struct Scale;

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

impl Scenario for Scale {
    const NAME: &'static str = "scale";
    const ABOUT: &'static str = "N units wait at a gate, then sleep 20 ms: wall time and memory per N (TWINSYNC_FULL=1 for big N)";
    const NOTICE: &'static str = "threads cost ~10 KB of memory and tens of microseconds each and run out near 16k; tasks cost hundreds of bytes";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let full = std::env::var_os("TWINSYNC_FULL").is_some_and(|v| v == "1");
        let mut outcome = Outcome::new("");
        let mut parts = Vec::new();
        for n in sizes(f.kind(), full) {
            let row = hold(&f, n).await;
            match row {
                Row::Ran {
                    n, wall, added_kib, ..
                } => {
                    let ms = wall.as_secs_f64() * 1e3;
                    outcome = outcome.figure(format!("wall_ms.{n}"), ms);
                    let memory = match added_kib {
                        Some(kib) => {
                            let per_unit = kib as f64 * 1024.0 / n as f64;
                            outcome = outcome.figure(format!("bytes_per_unit.{n}"), per_unit);
                            format!(", {per_unit:.0} B/unit")
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
                    break;
                }
            }
        }
        outcome.summary = parts.join("; ");
        outcome
    }
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
