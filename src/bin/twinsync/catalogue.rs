//! The catalogue: every paired example, in tour order, with what the runner needs to run,
//! label, remark on and chart it.
//!
//! The examples are not copied here: each `examples/<name>.rs` is compiled into the runner as a
//! module, so `twinsync run tickets` runs exactly the code `cargo run --example tickets` runs.
//! Their own `main`s go unused in the runner, hence the `dead_code` allowance on each.

use twinsync::report::Outcome;
use twinsync::{FlavorKind, Panicked};

use crate::child::Measurement;

// Each example's `main` is its own entry point; the runner calls its `Job` instead.
#[allow(dead_code)]
#[path = "../../../examples/cancel.rs"]
mod cancel;
#[allow(dead_code)]
#[path = "../../../examples/cpu_vs_io.rs"]
mod cpu_vs_io;
#[allow(dead_code)]
#[path = "../../../examples/deadlock.rs"]
mod deadlock;
#[allow(dead_code)]
#[path = "../../../examples/joinable.rs"]
mod joinable;
#[allow(dead_code)]
#[path = "../../../examples/local.rs"]
mod local;
#[allow(dead_code)]
#[path = "../../../examples/pool.rs"]
mod pool;
#[allow(dead_code)]
#[path = "../../../examples/producer_consumer.rs"]
mod producer_consumer;
#[allow(dead_code)]
#[path = "../../../examples/queue_orders.rs"]
mod queue_orders;
#[allow(dead_code)]
#[path = "../../../examples/race.rs"]
mod race;
#[allow(dead_code)]
#[path = "../../../examples/rlock.rs"]
mod rlock;
#[allow(dead_code)]
#[path = "../../../examples/scale.rs"]
mod scale;
#[allow(dead_code)]
#[path = "../../../examples/semaphore.rs"]
mod semaphore;
#[allow(dead_code)]
#[path = "../../../examples/share_nothing.rs"]
mod share_nothing;
#[allow(dead_code)]
#[path = "../../../examples/signals.rs"]
mod signals;
#[allow(dead_code)]
#[path = "../../../examples/spawn_join.rs"]
mod spawn_join;
#[allow(dead_code)]
#[path = "../../../examples/tickets.rs"]
mod tickets;
#[allow(dead_code)]
#[path = "../../../examples/timer.rs"]
mod timer;

/// Sizes a scenario runs at: the quick default, or the tour's `--full` big ones.
pub type Full = bool;

/// One scenario in the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The name `twinsync run` and `cargo run --example` know it by.
    pub name: &'static str,
    /// One line: what it shows.
    pub about: &'static str,
    /// One line: what to look for in its figures (empty: nothing said).
    pub notice: &'static str,
    /// Runs it on a fresh flavour of the given kind.
    pub run: fn(FlavorKind, Full) -> Result<Outcome, Panicked>,
    /// Runs it as child processes, if it has that form (a column of its own).
    pub processes: Option<InProcesses>,
    /// A remark computed from every flavour's figures, under its results.
    pub remark: Option<Remark>,
    /// The charts `twinsync plot` draws from its figures.
    pub charts: &'static [Chart],
}

/// A scenario's process form: runs it as child processes.
pub type InProcesses = fn(Full) -> Result<Outcome, Box<dyn std::error::Error>>;

/// A remark from every flavour's measurement of one scenario.
pub type Remark = fn(&[&Measurement]) -> Option<String>;

/// A reference curve: y for x on a machine with this many cores.
pub type Ideal = fn(f64, f64) -> f64;

/// A chart of one figure family (`<prefix><x>` → y) with one curve per flavour.
#[derive(Debug, Clone, Copy)]
pub struct Chart {
    /// The SVG file's name, without `.svg`.
    pub file: &'static str,
    /// The figures' name prefix: `wall_ms.` reads `wall_ms.1000` as the point (1000, y).
    pub prefix: &'static str,
    pub title: &'static str,
    pub x_label: &'static str,
    pub y_label: &'static str,
    /// Logarithmic axes, ticked at decades (10, 100, 1k, …); else the x axis has one tick per
    /// measured x and the y axis is linear from zero.
    pub log: bool,
    /// A reference curve drawn dashed beside the measured ones: y for x on this many cores.
    pub ideal: Option<(&'static str, Ideal)>,
}

macro_rules! entry {
    ($module:ident, $job:expr) => {
        Entry {
            name: $module::NAME,
            about: $module::ABOUT,
            notice: $module::NOTICE,
            run: |kind, full| {
                let make = $job;
                kind.run(make(full))
            },
            processes: None,
            remark: None,
            charts: &[],
        }
    };
}

/// Registers the entries of every scenario's process form: in a child process started for
/// one, runs it and exits (see `twinsync::process::serve`).
pub fn serve_processes() {
    twinsync::process::serve(&[
        &share_nothing::VISIT,
        &producer_consumer::BAKE,
        &producer_consumer::EAT,
        &pool::DOWNLOAD,
        &joinable::WORK,
        &cpu_vs_io::COUNT_PRIMES,
        &cpu_vs_io::WAIT,
        &scale::WAIT_AT_GATE,
        &race::ADD,
        &tickets::WINDOW,
    ]);
}

/// Every scenario, in tour order.
pub const ALL: &[Entry] = &[
    entry!(spawn_join, |_| spawn_join::SpawnJoin),
    Entry {
        processes: Some(|_| share_nothing::in_processes()),
        ..entry!(share_nothing, |_| share_nothing::ShareNothing)
    },
    Entry {
        processes: Some(|_| race::in_processes()),
        ..entry!(race, |_| race::Race)
    },
    Entry {
        processes: Some(|_| tickets::in_processes()),
        ..entry!(tickets, |_| tickets::Tickets)
    },
    entry!(deadlock, |_| deadlock::Deadlock),
    entry!(rlock, |_| rlock::Rlock),
    entry!(semaphore, |_| semaphore::SemaphoreScenario),
    entry!(timer, |_| timer::Timers),
    entry!(cancel, |_| cancel::Cancel),
    entry!(local, |_| local::Students),
    entry!(signals, |_| signals::Signals),
    entry!(queue_orders, |_| queue_orders::QueueOrders),
    Entry {
        processes: Some(|_| producer_consumer::in_processes()),
        ..entry!(producer_consumer, |_| producer_consumer::ProducerConsumer)
    },
    Entry {
        processes: Some(|_| joinable::in_processes()),
        ..entry!(joinable, |_| joinable::Joinable)
    },
    Entry {
        processes: Some(|_| pool::in_processes()),
        ..entry!(pool, |_| pool::PoolScenario)
    },
    Entry {
        charts: &[
            Chart {
                file: "cpu_vs_io",
                prefix: "cpu_speedup.",
                title: "CPU-bound: one job split over more units",
                x_label: "units",
                y_label: "speed-up over one unit",
                log: false,
                ideal: Some(("ideal: min(units, cores)", |units, cores| units.min(cores))),
            },
            Chart {
                file: "cpu_vs_io-io",
                prefix: "io_ms.",
                title: "IO-bound: every unit waits 20 ms",
                x_label: "units",
                y_label: "wall time, ms",
                log: false,
                ideal: Some(("ideal: the 20 ms wait", |_, _| 20.0)),
            },
        ],
        processes: Some(|_| cpu_vs_io::in_processes()),
        ..entry!(cpu_vs_io, |_| cpu_vs_io::CpuVsIo)
    },
    Entry {
        remark: Some(crate::remarks::crossover),
        charts: &[
            Chart {
                file: "scale",
                prefix: "wall_ms.",
                title: "N units wait at a gate, then sleep 20 ms",
                x_label: "units",
                y_label: "wall time, ms",
                log: true,
                ideal: None,
            },
            Chart {
                file: "scale-memory",
                prefix: "bytes_per_unit.",
                title: "memory per waiting unit",
                x_label: "units",
                y_label: "peak RSS per unit, bytes",
                log: true,
                ideal: None,
            },
        ],
        processes: Some(|full| Ok(scale::in_processes(full))),
        ..entry!(scale, |full| scale::Scale { full })
    },
];

/// The scenario with this name.
pub fn find(name: &str) -> Option<&'static Entry> {
    ALL.iter().find(|entry| entry.name == name)
}
