//! The paired examples: each scenario is written once, generic over [`Flavor`], and run on every
//! flavour by the `twinsync` runner (`twinsync run tickets --flavor all`) and by its example
//! (`cargo run --example tickets -- --flavor all`).
//!
//! A scenario returns an [`Outcome`]: a one-line summary for people and named figures for
//! machines (the runner's `--json`).

use std::fmt;
use std::future::Future;

use crate::error::Panicked;
use crate::flavor::{Flavor, FlavorKind, Threads};
#[cfg(feature = "tokio")]
use crate::flavor::{Tokio, TokioLocal};

pub mod cancel;
pub mod cpu_vs_io;
pub mod deadlock;
pub mod joinable;
pub mod local;
pub mod pool;
pub mod producer_consumer;
pub mod queue_orders;
pub mod race;
pub mod rlock;
pub mod scale;
pub mod semaphore;
pub mod signals;
pub mod spawn_join;
pub mod tickets;
pub mod timer;

/// What one run of a scenario found.
///
/// ```
/// use twinsync::scenarios::Outcome;
///
/// let outcome = Outcome::new("sold 100 of 100").figure("sold", 100.0);
/// assert_eq!(outcome.to_string(), "sold 100 of 100");
/// assert_eq!(outcome.figures, [("sold".to_owned(), 100.0)]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The result in one line, as the runner's table shows it.
    pub summary: String,
    /// Named numbers behind the summary, in a stable order.
    pub figures: Vec<(String, f64)>,
}

impl Outcome {
    /// An outcome with a summary and no figures yet.
    ///
    /// ```
    /// let outcome = twinsync::scenarios::Outcome::new("ok");
    /// assert!(outcome.figures.is_empty());
    /// ```
    pub fn new(summary: impl Into<String>) -> Self {
        Outcome {
            summary: summary.into(),
            figures: Vec::new(),
        }
    }

    /// Adds a named figure.
    ///
    /// ```
    /// let outcome = twinsync::scenarios::Outcome::new("ok").figure("lost", 3.0);
    /// assert_eq!(outcome.figures[0].1, 3.0);
    /// ```
    pub fn figure(mut self, name: impl Into<String>, value: f64) -> Self {
        self.figures.push((name.into(), value));
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

/// A scenario: a name, a sentence, and a body generic over the flavour.
///
/// ```
/// use std::future::Future;
/// use twinsync::{Flavor, FlavorKind};
/// use twinsync::scenarios::{Outcome, Scenario, run_on};
///
/// struct Hello;
///
/// impl Scenario for Hello {
///     const NAME: &'static str = "hello";
///     const ABOUT: &'static str = "says which unit it runs in";
///     fn run<F: Flavor>(f: F) -> impl Future<Output = Outcome> + Send + 'static {
///         async move { Outcome::new(format!("{} says hello", f.current().name())) }
///     }
/// }
///
/// let outcome = run_on::<Hello>(FlavorKind::Threads).unwrap();
/// assert_eq!(outcome.summary, "main says hello");
/// ```
pub trait Scenario: 'static {
    /// The name the runner and the examples know it by.
    const NAME: &'static str;
    /// One sentence: what the scenario shows.
    const ABOUT: &'static str;
    /// One line under the runner's table: what to look for in the figures (empty: nothing said).
    const NOTICE: &'static str = "";
    /// The scenario itself; `run` is its main unit.
    fn run<F: Flavor>(f: F) -> impl Future<Output = Outcome> + Send + 'static;
}

/// Runs scenario `S` on a fresh flavour of the given kind, as [`Flavor::run`]'s main.
///
/// ```
/// use twinsync::FlavorKind;
/// use twinsync::scenarios::{run_on, race::Race};
///
/// let outcome = run_on::<Race>(FlavorKind::Threads).unwrap();
/// assert!(outcome.summary.contains("with the lock: 4000 of 4000"));
/// ```
pub fn run_on<S: Scenario>(kind: FlavorKind) -> Result<Outcome, Panicked> {
    match kind {
        FlavorKind::Threads => Threads::new().run(S::run),
        #[cfg(feature = "tokio")]
        FlavorKind::Tokio => Tokio::new().run(S::run),
        #[cfg(feature = "tokio")]
        FlavorKind::TokioLocal => TokioLocal::new().run(S::run),
    }
}

/// A scenario in the catalogue, with its body already bound to every flavour.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// [`Scenario::NAME`].
    pub name: &'static str,
    /// [`Scenario::ABOUT`].
    pub about: &'static str,
    /// [`Scenario::NOTICE`].
    pub notice: &'static str,
    /// [`run_on`] for this scenario.
    pub run: fn(FlavorKind) -> Result<Outcome, Panicked>,
}

const fn entry<S: Scenario>() -> Entry {
    Entry {
        name: S::NAME,
        about: S::ABOUT,
        notice: S::NOTICE,
        run: run_on::<S>,
    }
}

/// Every scenario, in tour order.
///
/// ```
/// let names: Vec<&str> = twinsync::scenarios::ALL.iter().map(|e| e.name).collect();
/// assert!(names.contains(&"tickets"));
/// ```
pub const ALL: &[Entry] = &[
    entry::<spawn_join::SpawnJoin>(),
    entry::<race::Race>(),
    entry::<tickets::Tickets>(),
    entry::<deadlock::Deadlock>(),
    entry::<rlock::Rlock>(),
    entry::<semaphore::SemaphoreScenario>(),
    entry::<timer::Timers>(),
    entry::<cancel::Cancel>(),
    entry::<local::Students>(),
    entry::<signals::Signals>(),
    entry::<queue_orders::QueueOrders>(),
    entry::<producer_consumer::ProducerConsumer>(),
    entry::<joinable::Joinable>(),
    entry::<pool::PoolScenario>(),
    entry::<cpu_vs_io::CpuVsIo>(),
    entry::<scale::Scale>(),
];

/// The scenario with this name.
///
/// ```
/// assert!(twinsync::scenarios::find("race").is_some());
/// assert!(twinsync::scenarios::find("nope").is_none());
/// ```
pub fn find(name: &str) -> Option<&'static Entry> {
    ALL.iter().find(|entry| entry.name == name)
}

/// The `main` of every scenario example: runs `S` on the flavours named by
/// `--flavor threads|tokio|tokio-local|all` (default `all`) and prints one line per flavour.
/// Returns an error message for a bad argument or a panicked run.
///
/// ```no_run
/// fn main() -> Result<(), String> {
///     twinsync::scenarios::example_main::<twinsync::scenarios::tickets::Tickets>()
/// }
/// ```
pub fn example_main<S: Scenario>() -> Result<(), String> {
    let kinds = flavors_from_args(std::env::args().skip(1))?;
    println!("{}: {}", S::NAME, S::ABOUT);
    for kind in kinds {
        let outcome = run_on::<S>(kind).map_err(|panic| panic.to_string())?;
        println!("  {:<12} {}", kind.name(), outcome);
    }
    Ok(())
}

fn flavors_from_args(mut args: impl Iterator<Item = String>) -> Result<Vec<FlavorKind>, String> {
    let mut chosen = "all".to_owned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--flavor" => chosen = args.next().ok_or("--flavor needs a value")?,
            other => match other.strip_prefix("--flavor=") {
                Some(value) => chosen = value.to_owned(),
                None => return Err(format!("unexpected argument `{other}`; use --flavor NAME")),
            },
        }
    }
    if chosen == "all" {
        return Ok(FlavorKind::ALL.to_vec());
    }
    chosen
        .parse()
        .map(|kind| vec![kind])
        .map_err(|err: crate::flavor::UnknownFlavor| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Vec<FlavorKind>, String> {
        flavors_from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flavor_arguments() {
        assert_eq!(parse(&[]).unwrap(), FlavorKind::ALL);
        assert_eq!(
            parse(&["--flavor", "threads"]).unwrap(),
            [FlavorKind::Threads]
        );
        assert_eq!(parse(&["--flavor=threads"]).unwrap(), [FlavorKind::Threads]);
        assert!(parse(&["--flavor"]).is_err());
        assert!(
            parse(&["--flavor", "fibers"])
                .unwrap_err()
                .contains("fibers")
        );
        assert!(parse(&["--fast"]).is_err());
    }
}
