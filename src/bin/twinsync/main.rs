//! The `twinsync` runner: runs the paired examples on every flavour and prints their results
//! and figures side by side.
//!
//! ```text
//! twinsync                    # the tour: every scenario on every flavour
//! twinsync list               # scenarios, what they show, and the flavours
//! twinsync run race --flavor threads
//! twinsync tour --json        # the same figures, for machines
//! ```
//!
//! The runner is a thin layer over the examples: [`catalogue`] compiles each
//! `examples/<name>.rs` in as a module, [`child`] runs one (scenario, flavour) pair per child
//! process and measures it, [`rows`] keeps the median of repeated runs, [`render`] lays the
//! report out to fit the terminal, and [`plot`] draws the curves of the book.
//!
//! A child that fails (a panicked scenario, a crash, output that is not a measurement) turns into
//! a row that shows the error; the other rows are still printed and the runner exits non-zero.

mod catalogue;
mod child;
mod plot;
mod ratios;
mod remarks;
mod render;
mod rows;
mod way;

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::catalogue::Entry;
use crate::render::Layout;
use crate::rows::Row;
use crate::way::Way;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

const LONG_ABOUT: &str = "\
Runs twinsync's paired examples as OS threads and as tokio tasks (and, where a scenario has that
form, as child processes), each (scenario, flavour) pair in its own child process, and prints each scenario's results and its wall time, CPU, peak RSS
and context switches. Without a subcommand it runs the tour: every scenario on every flavour.
The report fits the terminal (100 columns when not a terminal; --width to choose).

With --json it prints a JSON array instead, one object per pair, in run order:
  scenario              string   scenario name (see `twinsync list`)
  flavor                string   threads | tokio | tokio-local | processes
  wall_ms               number   wall-clock time of the scenario, milliseconds
  user_ms, system_ms    number   user and system CPU time of the child process, milliseconds
  peak_rss_kib          integer  peak resident set size of the child process, KiB
  voluntary_switches    integer  voluntary context switches of the child process
  involuntary_switches  integer  involuntary context switches of the child process
  summary               string   the scenario's own result line
  figures               object   the scenario's named numbers, name -> number, in a stable order
With --repeat N (N > 1) every number is the median of N runs, the summary is the run of median
wall time, and three fields are added:
  runs                  integer  N
  wall_ms_range         [min, max]
  figure_ranges         object   name -> [min, max]
A pair that failed has only scenario, flavor and error (string).";

/// Command line of the runner.
#[derive(Debug, Parser)]
#[command(version, about, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    report: ReportArgs,
}

/// How the report is run and shown; accepted before or after the subcommand.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Print the measurements as a JSON array (schema in `twinsync --help`).
    #[arg(long, global = true, conflicts_with_all = ["wide", "markdown"])]
    json: bool,
    /// One table row per pair with every column, however wide.
    #[arg(long, global = true, conflicts_with = "markdown")]
    wide: bool,
    /// Markdown tables (as the book includes them).
    #[arg(long, global = true)]
    markdown: bool,
    /// Lay the report out for this many columns (default: the terminal's, or 100).
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(40..))]
    width: Option<u16>,
    /// Run each pair N times; report the medians and the ranges.
    #[arg(long, global = true, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
    repeat: u16,
    /// Run the big sizes too (the `scale` scenario up to 1M tasks and 100k threads).
    #[arg(long, global = true)]
    full: bool,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// List the scenarios, what each shows, and the flavours.
    List,
    /// Run one scenario on one flavour or on all of them.
    Run {
        /// The scenario to run.
        #[arg(value_parser = scenario_parser())]
        scenario: &'static Entry,
        /// The flavour to run it on (or `processes`, where the scenario has that form).
        #[arg(long, default_value = "all", value_parser = way_parser())]
        flavor: Choice,
    },
    /// Run every scenario on every flavour (the default).
    Tour,
    /// Run the scenarios that have curves (`scale`, `cpu_vs_io`) on every flavour and draw
    /// them as SVG files in a directory.
    Plot {
        /// Where to write the SVG files.
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
    },
    /// Print the twins' benchmark times divided by the raw crates' from the last `cargo
    /// bench`, against the performance goals, as a Markdown table.
    Ratios {
        /// Criterion's output directory.
        #[arg(long, default_value = "target/criterion")]
        dir: PathBuf,
    },
    /// Run one pair in this process and print its measurement as one JSON line.
    #[command(hide = true)]
    Child {
        #[arg(value_parser = scenario_parser())]
        scenario: &'static Entry,
        #[arg(value_parser = way_parser())]
        flavor: Choice,
    },
}

/// The value of `--flavor`: one way, or every way the scenario runs.
#[derive(Debug, Clone, Copy)]
enum Choice {
    All,
    One(Way),
}

impl Choice {
    /// The ways it names for `entry`.
    fn ways(self, entry: &Entry) -> Vec<Way> {
        match self {
            Choice::All => way::all_for(entry),
            Choice::One(way) => vec![way],
        }
    }
}

fn scenario_parser() -> impl TypedValueParser<Value = &'static Entry> {
    PossibleValuesParser::new(catalogue::ALL.iter().map(|entry| entry.name))
        .try_map(|name| catalogue::find(&name).ok_or(format!("unknown scenario `{name}`")))
}

/// `--flavor`: a flavour's name, `processes`, or `all`.
fn way_parser() -> impl TypedValueParser<Value = Choice> {
    PossibleValuesParser::new(way::names().chain(["all"])).try_map(|name| match name.as_str() {
        "all" => Ok(Choice::All),
        one => one
            .parse()
            .map(Choice::One)
            .map_err(|err: twinsync::UnknownFlavor| err.to_string()),
    })
}

fn main() -> ExitCode {
    // A child process of a scenario's process form runs its entry here and exits.
    catalogue::serve_processes();
    let cli = Cli::parse();
    let args = &cli.report;
    let (pairs, plot_dir): (Vec<(&'static Entry, Way)>, _) = match cli.command {
        Some(Cmd::List) => return list(args.width),
        Some(Cmd::Ratios { ref dir }) => {
            return ratios::table(dir)
                .map_or_else(fail, |table| emit(table).unwrap_or_else(|code| code));
        }
        Some(Cmd::Child { scenario, flavor }) => {
            let Choice::One(way) = flavor else {
                return fail("a child runs one flavour");
            };
            return child::child(scenario, way, args.full)
                .map_or_else(fail, |line| emit(line).unwrap_or_else(|code| code));
        }
        Some(Cmd::Run { scenario, flavor }) => (
            flavor
                .ways(scenario)
                .into_iter()
                .map(|way| (scenario, way))
                .collect(),
            None,
        ),
        Some(Cmd::Plot { ref out_dir }) => {
            let charted = catalogue::ALL
                .iter()
                .filter(|entry| !entry.charts.is_empty());
            (every_flavor(charted), Some(out_dir))
        }
        Some(Cmd::Tour) | None => (every_flavor(catalogue::ALL.iter()), None),
    };

    let rows = run_all(&pairs, args);
    let failed = rows.iter().any(|row| row.measured().is_none());
    let printed = if args.json {
        match serde_json::to_string_pretty(&rows) {
            Ok(json) => emit(json),
            Err(err) => return fail(format!("cannot encode the measurements: {err}")),
        }
    } else {
        let layout = if args.wide {
            Layout::Wide
        } else if args.markdown {
            Layout::Markdown
        } else {
            Layout::Blocks {
                width: args.width.unwrap_or_else(render::default_width),
            }
        };
        emit(render::report(&rows, layout))
    };
    if let Err(code) = printed {
        return code;
    }
    if let Some(dir) = plot_dir {
        match plot::draw_all(&rows, dir) {
            Ok(files) => files
                .iter()
                .for_each(|file| eprintln!("wrote {}", file.display())),
            Err(err) => return fail(err),
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn every_flavor<'a>(
    entries: impl Iterator<Item = &'static Entry> + 'a,
) -> Vec<(&'static Entry, Way)> {
    entries
        .flat_map(|entry| way::all_for(entry).into_iter().map(move |way| (entry, way)))
        .collect()
}

/// Runs every pair in order, `--repeat` times each, with a progress bar on stderr.
fn run_all(pairs: &[(&'static Entry, Way)], args: &ReportArgs) -> Vec<Row> {
    let progress = match pairs.len() {
        0 | 1 => ProgressBar::hidden(),
        n => ProgressBar::new(n as u64),
    };
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}");
    progress.set_style(style.unwrap_or_else(|_| ProgressStyle::default_bar()));
    let mut rows = Vec::with_capacity(pairs.len());
    for &(entry, way) in pairs {
        progress.set_message(format!("{} on {way}", entry.name));
        rows.push(Row::measure(
            entry,
            way,
            args.full,
            usize::from(args.repeat),
        ));
        progress.inc(1);
    }
    progress.finish_and_clear();
    rows
}

/// Prints `text` and a newline on stdout. A reader that went away (`twinsync list | head`) is
/// no error: the runner stops quietly, as other command-line tools do; any other failure to
/// write is reported.
fn emit(text: impl fmt::Display) -> Result<ExitCode, ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(err) => Err(fail(format!("cannot write the report: {err}"))),
    }
}

/// Reports `message` on stderr and returns the failing exit code.
fn fail(message: impl fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// `twinsync list`.
fn list(width: Option<u16>) -> ExitCode {
    let about: Vec<(&str, &str)> = catalogue::ALL
        .iter()
        .map(|entry| (entry.name, entry.about))
        .collect();
    let width = width.unwrap_or_else(render::default_width);
    let flavors: Vec<&str> = way::names().collect();
    let text = format!(
        "scenarios (each is examples/<name>.rs):\n{}\nflavours: {} (or all; processes where a scenario has that form)",
        render::two_columns(&about, width),
        flavors.join(", ")
    );
    emit(text).unwrap_or_else(|code| code)
}
