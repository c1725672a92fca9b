//! Choosing a flavour at run time: [`FlavorKind`] names the flavours compiled into this build,
//! reads them from a command line, and runs a [`Job`] on the one chosen.

use std::fmt;
use std::str::FromStr;

use super::{Flavor, Job, Threads};
#[cfg(feature = "tokio")]
use super::{Tokio, TokioLocal};
use crate::error::Panicked;

/// The flavours by name, for choosing one at run time (`--flavor threads|tokio|tokio-local`).
///
/// A closure cannot be generic, so code written once for every flavour travels as a [`Job`]:
/// [`FlavorKind::run`] runs it on the flavour named at run time.
///
/// ```
/// use twinsync::FlavorKind;
///
/// let kind: FlavorKind = "threads".parse().unwrap();
/// assert_eq!(kind, FlavorKind::Threads);
/// assert_eq!(kind.to_string(), "threads");
/// assert!("fibers".parse::<FlavorKind>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlavorKind {
    /// [`Threads`]: OS threads and blocking primitives.
    Threads,
    /// [`Tokio`]: tasks on tokio's multi-thread runtime.
    #[cfg(feature = "tokio")]
    Tokio,
    /// [`TokioLocal`]: tasks on tokio's current-thread runtime.
    #[cfg(feature = "tokio")]
    TokioLocal,
}

impl FlavorKind {
    /// Every flavour compiled into this build, in tour order.
    ///
    /// ```
    /// assert_eq!(twinsync::FlavorKind::ALL[0], twinsync::FlavorKind::Threads);
    /// ```
    pub const ALL: &'static [FlavorKind] = &[
        FlavorKind::Threads,
        #[cfg(feature = "tokio")]
        FlavorKind::Tokio,
        #[cfg(feature = "tokio")]
        FlavorKind::TokioLocal,
    ];

    /// The flavour's command-line name.
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// assert_eq!(twinsync::FlavorKind::TokioLocal.name(), "tokio-local");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            FlavorKind::Threads => "threads",
            #[cfg(feature = "tokio")]
            FlavorKind::Tokio => "tokio",
            #[cfg(feature = "tokio")]
            FlavorKind::TokioLocal => "tokio-local",
        }
    }

    /// Runs `job` on a fresh flavour of this kind, as that flavour's [`Flavor::run`] would: the
    /// job is the main unit (named `"main"`, as Python's main thread; the job's own
    /// [`name`](Job::name) is not used), and `run` returns once every non-daemon unit has
    /// finished.
    ///
    /// # Panics
    ///
    /// As [`Flavor::run`]: a tokio flavour cannot be run from inside an async runtime.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use twinsync::{Flavor, FlavorKind, Job};
    ///
    /// struct WhereAmI;
    ///
    /// impl Job for WhereAmI {
    ///     type Output = String;
    ///     fn name(&self) -> Cow<'static, str> {
    ///         "where-am-i".into()
    ///     }
    ///     async fn run<F: Flavor>(self, f: F) -> String {
    ///         format!("{} on {}", f.current().name(), f.kind())
    ///     }
    /// }
    ///
    /// for &kind in FlavorKind::ALL {
    ///     assert_eq!(kind.run(WhereAmI).unwrap(), format!("main on {kind}"));
    /// }
    /// ```
    pub fn run<J: Job>(self, job: J) -> Result<J::Output, Panicked> {
        match self {
            FlavorKind::Threads => Threads::new().run(|f| job.run(f)),
            #[cfg(feature = "tokio")]
            FlavorKind::Tokio => Tokio::new().run(|f| job.run(f)),
            #[cfg(feature = "tokio")]
            FlavorKind::TokioLocal => TokioLocal::new().run(|f| job.run(f)),
        }
    }

    /// The flavours a choice names: `"all"` is [`ALL`](FlavorKind::ALL), anything else must be
    /// one flavour's name.
    ///
    /// ```
    /// use twinsync::FlavorKind;
    ///
    /// assert_eq!(FlavorKind::select("all").unwrap(), FlavorKind::ALL);
    /// assert_eq!(FlavorKind::select("threads").unwrap(), [FlavorKind::Threads]);
    /// assert!(FlavorKind::select("fibers").is_err());
    /// ```
    pub fn select(choice: &str) -> Result<Vec<FlavorKind>, UnknownFlavor> {
        match choice {
            "all" => Ok(FlavorKind::ALL.to_vec()),
            one => one.parse().map(|kind| vec![kind]),
        }
    }

    /// The flavours chosen by `--flavor NAME` (or `--flavor=NAME`) among `args`, the command
    /// line without the program's name; every flavour when the option is absent. Any other
    /// argument is refused, so a typo is reported rather than ignored.
    ///
    /// ```
    /// use twinsync::{FlavorArgsError, FlavorKind};
    ///
    /// let args = |list: &[&str]| FlavorKind::from_args(list.iter().map(|a| a.to_string()));
    /// assert_eq!(args(&[]).unwrap(), FlavorKind::ALL);
    /// assert_eq!(args(&["--flavor", "threads"]).unwrap(), [FlavorKind::Threads]);
    /// assert_eq!(args(&["--flavor=threads"]).unwrap(), [FlavorKind::Threads]);
    /// assert_eq!(args(&["--flavor"]), Err(FlavorArgsError::MissingValue));
    /// assert!(matches!(args(&["--fast"]), Err(FlavorArgsError::Unexpected(arg)) if arg == "--fast"));
    /// assert!(args(&["--flavor", "fibers"]).unwrap_err().to_string().contains("fibers"));
    /// ```
    pub fn from_args<I>(args: I) -> Result<Vec<FlavorKind>, FlavorArgsError>
    where
        I: IntoIterator<Item = String>,
    {
        FlavorKind::select(&flavor_choice(args)?).map_err(FlavorArgsError::Unknown)
    }

    /// [`from_args`](FlavorKind::from_args) on this process's own command line: what an
    /// example's `main` calls.
    ///
    /// ```no_run
    /// for kind in twinsync::FlavorKind::from_command_line().unwrap() {
    ///     println!("running on {kind}");
    /// }
    /// ```
    pub fn from_command_line() -> Result<Vec<FlavorKind>, FlavorArgsError> {
        FlavorKind::from_args(std::env::args().skip(1))
    }
}

/// The value of `--flavor NAME` (or `--flavor=NAME`) among `args`, `"all"` when the option is
/// absent; any other argument is refused.
pub(crate) fn flavor_choice<I>(args: I) -> Result<String, FlavorArgsError>
where
    I: IntoIterator<Item = String>,
{
    let mut args = args.into_iter();
    let mut choice = "all".to_owned();
    while let Some(arg) = args.next() {
        if arg == "--flavor" {
            choice = args.next().ok_or(FlavorArgsError::MissingValue)?;
        } else if let Some(value) = arg.strip_prefix("--flavor=") {
            choice = value.to_owned();
        } else {
            return Err(FlavorArgsError::Unexpected(arg));
        }
    }
    Ok(choice)
}

impl fmt::Display for FlavorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`, so `{kind:<12}` lines flavours up in columns.
        f.pad(self.name())
    }
}

/// The error of parsing an unknown flavour name.
///
/// ```
/// let err = "green-threads".parse::<twinsync::FlavorKind>().unwrap_err();
/// assert!(err.to_string().contains("green-threads"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFlavor {
    name: String,
    /// Whether `processes` was a valid choice too (a paired example's [`Way`](crate::report::Way)).
    processes: bool,
}

impl UnknownFlavor {
    /// `name` is no flavour's; `processes` says whether the choice could also have been
    /// `processes`.
    pub(crate) fn new(name: &str, processes: bool) -> Self {
        UnknownFlavor {
            name: name.to_owned(),
            processes,
        }
    }
}

impl fmt::Display for UnknownFlavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut known: Vec<&str> = FlavorKind::ALL.iter().map(|k| k.name()).collect();
        if self.processes {
            known.push("processes");
        }
        write!(
            f,
            "unknown flavour `{}` (known: {}, or all)",
            self.name,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownFlavor {}

impl FromStr for FlavorKind {
    type Err = UnknownFlavor;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        FlavorKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| UnknownFlavor::new(name, false))
    }
}

/// Why a command line did not choose flavours ([`FlavorKind::from_args`]).
///
/// ```
/// use twinsync::FlavorArgsError;
///
/// let err = FlavorArgsError::Unexpected("--fast".into());
/// assert_eq!(err.to_string(), "unexpected argument `--fast` (use --flavor NAME)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlavorArgsError {
    /// `--flavor` came last, with no name after it.
    MissingValue,
    /// An argument other than `--flavor NAME`.
    Unexpected(String),
    /// A name that is no flavour's, nor `all`.
    Unknown(UnknownFlavor),
}

impl fmt::Display for FlavorArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlavorArgsError::MissingValue => f.write_str("--flavor needs a value"),
            FlavorArgsError::Unexpected(arg) => {
                write!(f, "unexpected argument `{arg}` (use --flavor NAME)")
            }
            FlavorArgsError::Unknown(unknown) => unknown.fmt(f),
        }
    }
}

impl std::error::Error for FlavorArgsError {}
