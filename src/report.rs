//! What a paired example reports: one line for people and named numbers for machines.
//!
//! Each example in `examples/` is a [`Job`] whose output is an [`Outcome`]. Its own
//! `main` prints the summary once per flavour; the `twinsync` runner runs the same job in a child
//! process per flavour, measures it, and shows the summary beside the figures (`--json` carries
//! the named numbers too). Library code has no need of this module; it exists for the examples
//! and comes with the `runner` feature.

use std::error::Error;
use std::fmt;
use std::str::FromStr;

use crate::flavor::flavor_choice;
use crate::{FlavorArgsError, FlavorKind, Job, UnknownFlavor};

/// What one run of a paired example found.
///
/// ```
/// use twinsync::report::Outcome;
///
/// let outcome = Outcome::new("sold 100 of 100").figure("sold", 100.0);
/// assert_eq!(outcome.to_string(), "sold 100 of 100");
/// assert_eq!(outcome.figures, [("sold".to_owned(), 100.0)]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The result in one line, as the example and the runner print it.
    pub summary: String,
    /// Named numbers behind the summary, in a stable order.
    pub figures: Vec<(String, f64)>,
}

impl Outcome {
    /// An outcome with a summary and no figures yet.
    ///
    /// ```
    /// let outcome = twinsync::report::Outcome::new("ok");
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
    /// let outcome = twinsync::report::Outcome::new("ok").figure("lost", 3.0);
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

/// A way to run a paired example: on one of the flavours, or as child processes (the examples
/// that have a form with [`process`](crate::process)es).
///
/// ```
/// use twinsync::FlavorKind;
/// use twinsync::report::Way;
///
/// let way: Way = "processes".parse().unwrap();
/// assert_eq!(way, Way::Processes);
/// assert_eq!(Way::Flavor(FlavorKind::Threads).to_string(), "threads");
/// assert!("fibers".parse::<Way>().unwrap_err().to_string().contains("processes"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Units on this flavour, all in one process.
    Flavor(FlavorKind),
    /// Child processes, one per unit.
    Processes,
}

impl Way {
    /// Its command-line name: the flavour's, or `processes`.
    ///
    /// ```
    /// assert_eq!(twinsync::report::Way::Processes.name(), "processes");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Way::Flavor(kind) => kind.name(),
            Way::Processes => "processes",
        }
    }

    /// Every flavour in tour order, then processes.
    ///
    /// ```
    /// use twinsync::report::Way;
    ///
    /// assert_eq!(Way::all().last(), Some(&Way::Processes));
    /// ```
    pub fn all() -> Vec<Way> {
        let flavors = FlavorKind::ALL.iter().map(|&kind| Way::Flavor(kind));
        flavors.chain([Way::Processes]).collect()
    }

    /// The ways a choice names: `"all"` is [`all`](Way::all), anything else one way's name.
    ///
    /// ```
    /// use twinsync::report::Way;
    ///
    /// assert_eq!(Way::select("all").unwrap(), Way::all());
    /// assert_eq!(Way::select("processes").unwrap(), [Way::Processes]);
    /// ```
    pub fn select(choice: &str) -> Result<Vec<Way>, UnknownFlavor> {
        match choice {
            "all" => Ok(Way::all()),
            one => one.parse().map(|way| vec![way]),
        }
    }

    /// The ways chosen by `--flavor NAME` among `args` (the command line without the program's
    /// name), as [`FlavorKind::from_args`] reads it; every way when the option is absent.
    ///
    /// ```
    /// use twinsync::report::Way;
    ///
    /// let args = |list: &[&str]| Way::from_args(list.iter().map(|a| a.to_string()));
    /// assert_eq!(args(&[]).unwrap(), Way::all());
    /// assert_eq!(args(&["--flavor", "processes"]).unwrap(), [Way::Processes]);
    /// assert!(args(&["--fast"]).is_err());
    /// ```
    pub fn from_args<I>(args: I) -> Result<Vec<Way>, FlavorArgsError>
    where
        I: IntoIterator<Item = String>,
    {
        Way::select(&flavor_choice(args)?).map_err(FlavorArgsError::Unknown)
    }

    /// [`from_args`](Way::from_args) on this process's own command line.
    ///
    /// ```no_run
    /// for way in twinsync::report::Way::from_command_line().unwrap() {
    ///     println!("running as {way}");
    /// }
    /// ```
    pub fn from_command_line() -> Result<Vec<Way>, FlavorArgsError> {
        Way::from_args(std::env::args().skip(1))
    }

    /// Runs an example this way: `job` on the flavour ([`FlavorKind::run`]), or its process
    /// form, `in_processes`.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use twinsync::report::{Outcome, Way};
    /// use twinsync::{Flavor, Job};
    ///
    /// struct Hello;
    ///
    /// impl Job for Hello {
    ///     type Output = Outcome;
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "hello".into()
    ///     }
    ///     async fn run<F: Flavor>(self, f: F) -> Outcome {
    ///         Outcome::new(format!("hello from {}", f.kind()))
    ///     }
    /// }
    ///
    /// let as_processes = || Ok(Outcome::new("hello from processes"));
    /// for way in Way::all() {
    ///     let outcome = way.run(Hello, as_processes).unwrap();
    ///     assert_eq!(outcome.summary, format!("hello from {way}"));
    /// }
    /// ```
    pub fn run<J>(
        self,
        job: J,
        in_processes: impl FnOnce() -> Result<Outcome, Box<dyn Error>>,
    ) -> Result<Outcome, Box<dyn Error>>
    where
        J: Job<Output = Outcome>,
    {
        match self {
            Way::Flavor(kind) => Ok(kind.run(job)?),
            Way::Processes => in_processes(),
        }
    }
}

impl FromStr for Way {
    type Err = UnknownFlavor;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "processes" => Ok(Way::Processes),
            flavor => flavor
                .parse()
                .map(Way::Flavor)
                .map_err(|_| UnknownFlavor::new(flavor, true)),
        }
    }
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that `{way:<12}` lines the ways up in columns.
        f.pad(self.name())
    }
}
