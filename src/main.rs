//! The `twinsync` runner: runs the paired scenarios on every flavour and prints their figures
//! side by side.
//!
//! ```text
//! twinsync                    # the tour: every scenario on every flavour
//! twinsync list               # scenarios, what they show, and the flavours
//! twinsync run race --flavor threads
//! twinsync tour --json        # the same figures, for machines
//! ```
//!
//! # One child process per pair
//!
//! Each (scenario, flavour) pair runs in its own child process: the runner re-invokes itself
//! ([`std::env::current_exe`]) with the hidden subcommand `child <scenario> <flavor>`, one pair at
//! a time so pairs never compete for the CPU. The child times the scenario with
//! [`Instant`], reads its own `getrusage(RUSAGE_SELF)` once the scenario has finished, and prints
//! one [`Measurement`] as a JSON line on stdout. Peak RSS, CPU time and context switches are
//! therefore the pair's own, not the sum of everything the runner ran before it.
//!
//! A child that fails (a panicked scenario, a crash, output that is not a measurement) turns into
//! a row that shows the error; the other rows are still printed and the runner exits non-zero.

use std::fmt;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width, presets};
use indicatif::{ProgressBar, ProgressStyle};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::{TimeVal, TimeValLike};
use serde::{Deserialize, Serialize};
use twinsync::FlavorKind;
use twinsync::scenarios::{self, Entry};

const LONG_ABOUT: &str = "\
Runs twinsync's paired scenarios as OS threads and as tokio tasks, each (scenario, flavour) pair
in its own child process, and prints wall time, CPU, peak RSS and context switches side by side.
Without a subcommand it runs the tour: every scenario on every flavour.

With --json it prints a JSON array instead of the table, one object per pair, in run order:
  scenario              string   scenario name (see `twinsync list`)
  flavor                string   threads | tokio | tokio-local
  wall_ms               number   wall-clock time of the scenario, milliseconds
  user_ms, system_ms    number   user and system CPU time of the child process, milliseconds
  peak_rss_kib          integer  peak resident set size of the child process, KiB
  voluntary_switches    integer  voluntary context switches of the child process
  involuntary_switches  integer  involuntary context switches of the child process
  summary               string   the scenario's own result line
  figures               object   the scenario's named numbers, name -> number, in a stable order
A pair that failed has only scenario, flavor and error (string).";

/// Command line of the runner.
#[derive(Debug, Parser)]
#[command(version, about, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Print the measurements as a JSON array (schema in `twinsync --help`).
    #[arg(long, global = true)]
    json: bool,
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
        /// The flavour to run it on.
        #[arg(long, default_value = "all", value_parser = flavor_parser())]
        flavor: Flavors,
    },
    /// Run every scenario on every flavour (the default).
    Tour,
    /// Run `scale` and `cpu_vs_io` on every flavour and draw their curves as SVG files
    /// (`scale.svg`, `cpu_vs_io.svg`) in a directory.
    Plot {
        /// Where to write the SVG files.
        #[arg(long, default_value = ".")]
        out_dir: std::path::PathBuf,
    },
    /// Run one pair in this process and print its measurement as one JSON line.
    #[command(hide = true)]
    Child {
        #[arg(value_parser = scenario_parser())]
        scenario: &'static Entry,
        flavor: FlavorKind,
    },
}

/// The value of `--flavor`: one flavour, or `all`.
#[derive(Debug, Clone, Copy)]
enum Flavors {
    All,
    One(FlavorKind),
}

fn scenario_parser() -> impl TypedValueParser<Value = &'static Entry> {
    PossibleValuesParser::new(scenarios::ALL.iter().map(|entry| entry.name))
        .try_map(|name| scenarios::find(&name).ok_or(format!("unknown scenario `{name}`")))
}

fn flavor_parser() -> impl TypedValueParser<Value = Flavors> {
    let names = FlavorKind::ALL.iter().map(|kind| kind.name());
    PossibleValuesParser::new(names.chain(["all"])).try_map(|name| match name.as_str() {
        "all" => Ok(Flavors::All),
        one => one.parse().map(Flavors::One),
    })
}

/// What one child measured for one pair; travels child → parent as one JSON line and is the
/// `--json` row of a successful pair (schema in [`LONG_ABOUT`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Measurement {
    scenario: String,
    flavor: String,
    wall_ms: f64,
    user_ms: f64,
    system_ms: f64,
    peak_rss_kib: u64,
    voluntary_switches: u64,
    involuntary_switches: u64,
    summary: String,
    #[serde(with = "ordered_map")]
    figures: Vec<(String, f64)>,
}

/// One pair's row: its measurement, or why there is none.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Row {
    Measured(Measurement),
    Failed {
        scenario: &'static str,
        flavor: &'static str,
        error: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let pairs: Vec<(&Entry, FlavorKind)> = match cli.command {
        Some(Cmd::List) => return list(),
        Some(Cmd::Child { scenario, flavor }) => {
            return child(scenario, flavor).map_or_else(fail, |line| {
                println!("{line}");
                ExitCode::SUCCESS
            });
        }
        Some(Cmd::Run { scenario, flavor }) => {
            let kinds = match flavor {
                Flavors::All => FlavorKind::ALL.to_vec(),
                Flavors::One(kind) => vec![kind],
            };
            kinds.into_iter().map(|kind| (scenario, kind)).collect()
        }
        Some(Cmd::Plot { ref out_dir }) => {
            let rows: Vec<Row> = ["scale", "cpu_vs_io"]
                .into_iter()
                .filter_map(scenarios::find)
                .flat_map(|entry| FlavorKind::ALL.iter().map(move |&kind| (entry, kind)))
                .map(|(entry, kind)| match run_child(entry, kind, cli.full) {
                    Ok(measurement) => Row::Measured(measurement),
                    Err(error) => Row::Failed {
                        scenario: entry.name,
                        flavor: kind.name(),
                        error,
                    },
                })
                .collect();
            println!("{}", render(&rows));
            return match plot::draw_all(&rows, out_dir) {
                Ok(files) => {
                    for file in files {
                        println!("wrote {}", file.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => fail(err),
            };
        }
        Some(Cmd::Tour) | None => scenarios::ALL
            .iter()
            .flat_map(|entry| FlavorKind::ALL.iter().map(move |&kind| (entry, kind)))
            .collect(),
    };

    let progress = match pairs.len() {
        0 | 1 => ProgressBar::hidden(),
        n => ProgressBar::new(n as u64),
    };
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}");
    progress.set_style(style.unwrap_or_else(|_| ProgressStyle::default_bar()));
    let mut failed = false;
    let mut rows = Vec::with_capacity(pairs.len());
    for (entry, kind) in pairs {
        progress.set_message(format!("{} on {kind}", entry.name));
        rows.push(match run_child(entry, kind, cli.full) {
            Ok(measurement) => Row::Measured(measurement),
            Err(error) => {
                failed = true;
                let (scenario, flavor) = (entry.name, kind.name());
                Row::Failed {
                    scenario,
                    flavor,
                    error,
                }
            }
        });
        progress.inc(1);
    }
    progress.finish_and_clear();

    if cli.json {
        match serde_json::to_string_pretty(&rows) {
            Ok(json) => println!("{json}"),
            Err(err) => return fail(format!("cannot encode the measurements: {err}")),
        }
    } else {
        println!("{}", render(&rows));
        for line in notices(&rows) {
            println!("{line}");
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Reports `message` on stderr and returns the failing exit code.
fn fail(message: impl fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// `twinsync list`.
fn list() -> ExitCode {
    let width = scenarios::ALL.iter().map(|e| e.name.len()).max();
    let width = width.unwrap_or(0);
    println!("scenarios:");
    for entry in scenarios::ALL {
        println!("  {:width$}  {}", entry.name, entry.about);
    }
    let flavors: Vec<&str> = FlavorKind::ALL.iter().map(|kind| kind.name()).collect();
    println!("flavours: {} (or all)", flavors.join(", "));
    ExitCode::SUCCESS
}

/// The hidden `child` subcommand: runs one pair in this process and returns its
/// [`Measurement`] as one JSON line, or why it failed (a panic is reported, not propagated).
fn child(entry: &Entry, kind: FlavorKind) -> Result<String, String> {
    let start = Instant::now();
    let outcome = (entry.run)(kind).map_err(|panicked| panicked.to_string())?;
    let wall = start.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_SELF).map_err(|err| format!("getrusage: {err}"))?;
    let count = |n: std::ffi::c_long| u64::try_from(n).unwrap_or(0);
    let millis = |t: TimeVal| t.num_microseconds() as f64 / 1000.0;
    let measurement = Measurement {
        scenario: entry.name.to_owned(),
        flavor: kind.name().to_owned(),
        wall_ms: wall.as_secs_f64() * 1000.0,
        user_ms: millis(usage.user_time()),
        system_ms: millis(usage.system_time()),
        peak_rss_kib: count(usage.max_rss()), // Linux reports KiB
        voluntary_switches: count(usage.voluntary_context_switches()),
        involuntary_switches: count(usage.involuntary_context_switches()),
        summary: outcome.summary,
        figures: outcome.figures,
    };
    serde_json::to_string(&measurement).map_err(|err| format!("cannot encode: {err}"))
}

/// Runs one pair in a child process and returns its measurement, or the error text for its row.
fn run_child(entry: &Entry, kind: FlavorKind, full: bool) -> Result<Measurement, String> {
    let exe = std::env::current_exe().map_err(|err| format!("cannot find the runner: {err}"))?;
    let output = Command::new(exe)
        .args(["child", entry.name, kind.name()])
        .env("TWINSYNC_FULL", if full { "1" } else { "0" })
        // A backtrace captured for a scenario's deliberate panic costs tens of MiB and
        // milliseconds, which would be measured as the scenario's own; the row keeps the message.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot start the child: {err}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(match failure_reason(&stderr) {
            Some(reason) => reason.to_owned(),
            None => format!("child {}", output.status),
        });
    }
    parse_child_output(&String::from_utf8_lossy(&output.stdout))
}

/// Why a child failed, from its stderr: its own `error: …` line (a panicked scenario, a usage
/// error), else the message after the panic hook's `… panicked at …` line.
fn failure_reason(stderr: &str) -> Option<&str> {
    let lines: Vec<&str> = stderr.lines().collect();
    let own = lines
        .iter()
        .rev()
        .find_map(|line| line.strip_prefix("error: "));
    own.or_else(|| {
        let mut pairs = lines.windows(2).rev();
        pairs
            .find(|pair| pair[0].contains(" panicked at "))
            .map(|pair| pair[1])
    })
}

/// Reads the measurement from the last non-empty line of a child's stdout.
fn parse_child_output(stdout: &str) -> Result<Measurement, String> {
    let line = stdout.lines().rev().find(|line| !line.trim().is_empty());
    let line = line.ok_or("the child printed no measurement")?;
    serde_json::from_str(line).map_err(|err| format!("unparsable child output: {err}"))
}

/// The "what to notice" lines under the table: each scenario's own sentence, and for `scale`
/// the crossover computed from the figures.
fn notices(rows: &[Row]) -> Vec<String> {
    let mut seen = Vec::new();
    let mut lines = Vec::new();
    for row in rows {
        let Row::Measured(m) = row else { continue };
        if seen.contains(&m.scenario) {
            continue;
        }
        seen.push(m.scenario.clone());
        if let Some(entry) = scenarios::find(&m.scenario).filter(|e| !e.notice.is_empty()) {
            lines.push(format!("* {}: {}", entry.name, entry.notice));
        }
        if m.scenario == "scale" {
            lines.extend(crossover(rows));
        }
    }
    lines
}

/// A tokio flavour must beat threads by at least 10% to count as overtaking them: below that,
/// the difference is within run-to-run noise.
const CROSSOVER_MARGIN: f64 = 0.9;

/// Where coroutines overtake threads in `scale`: the smallest N at which a tokio flavour's wall
/// time beats the threads', and the N at which the OS refused a thread.
fn crossover(rows: &[Row]) -> Option<String> {
    let scale: Vec<&Measurement> = rows
        .iter()
        .filter_map(|row| match row {
            Row::Measured(m) if m.scenario == "scale" => Some(m),
            _ => None,
        })
        .collect();
    let figure = |m: &Measurement, name: &str| {
        m.figures
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, value)| value)
    };
    let threads = scale.iter().find(|m| m.flavor == "threads")?;
    let mut crossing = None;
    for (name, thread_ms) in &threads.figures {
        let Some(n) = name.strip_prefix("wall_ms.") else {
            continue;
        };
        let faster = scale
            .iter()
            .filter(|m| m.flavor != "threads")
            .filter_map(|m| figure(m, name).map(|ms| (m.flavor.as_str(), ms)))
            .filter(|&(_, ms)| ms < *thread_ms * CROSSOVER_MARGIN)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((flavor, ms)) = faster {
            crossing = Some(format!(
                "coroutines overtake threads from N = {n}: {flavor} {ms:.0} ms vs threads {thread_ms:.0} ms"
            ));
            break;
        }
    }
    let crossing = crossing.unwrap_or_else(|| "threads kept up at every N measured".to_owned());
    let refused = figure(threads, "refused_at")
        .map(|n| format!("; threads stopped at N = {}", n as u64))
        .unwrap_or_default();
    Some(format!("  scale crossover: {crossing}{refused}"))
}

/// The `plot` subcommand's charts.
mod plot {
    use std::path::{Path, PathBuf};

    use plotters::prelude::*;

    use super::{Measurement, Row};

    /// One curve: a flavour's (x, y) points.
    type Curve = (String, Vec<(f64, f64)>);

    /// Draws `scale.svg` (wall time by units) and `cpu_vs_io.svg` (CPU speed-up by units) from
    /// the rows' figures; returns the files written.
    pub fn draw_all(rows: &[Row], dir: &Path) -> Result<Vec<PathBuf>, String> {
        let charts = [
            (
                "scale",
                "wall_ms.",
                "scale: N units wait, then sleep 20 ms",
                "units (log)",
                "wall time, ms (log)",
                true,
            ),
            (
                "cpu_vs_io",
                "cpu_speedup.",
                "cpu_vs_io: a CPU-bound job on more units",
                "units",
                "speed-up",
                false,
            ),
        ];
        let mut written = Vec::new();
        for (scenario, prefix, title, x_label, y_label, log) in charts {
            let curves = curves(rows, scenario, prefix);
            if curves.is_empty() {
                return Err(format!("no figures for {scenario}: did it run?"));
            }
            let file = dir.join(format!("{scenario}.svg"));
            draw(&file, title, x_label, y_label, log, &curves).map_err(|err| err.to_string())?;
            written.push(file);
        }
        Ok(written)
    }

    /// Each flavour's points from the figures named `<prefix><x>`.
    fn curves(rows: &[Row], scenario: &str, prefix: &str) -> Vec<Curve> {
        rows.iter()
            .filter_map(|row| match row {
                Row::Measured(m) if m.scenario == scenario => Some(m),
                _ => None,
            })
            .map(|m: &Measurement| {
                let points = m
                    .figures
                    .iter()
                    .filter_map(|(name, y)| Some((name.strip_prefix(prefix)?.parse().ok()?, *y)))
                    .collect();
                (m.flavor.clone(), points)
            })
            .collect()
    }

    fn draw(
        file: &Path,
        title: &str,
        x_label: &str,
        y_label: &str,
        log: bool,
        curves: &[Curve],
    ) -> Result<(), Box<dyn std::error::Error>> {
        let points = curves.iter().flat_map(|(_, p)| p.iter());
        let (x_max, y_max) =
            points.fold((1.0f64, 1.0f64), |(x, y), &(px, py)| (x.max(px), y.max(py)));
        let root = SVGBackend::new(file, (720, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60);
        let palette = [RED, BLUE, GREEN];
        macro_rules! finish {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(x_label)
                    .y_desc(y_label)
                    .draw()?;
                for (i, (flavor, points)) in curves.iter().enumerate() {
                    let color = palette[i % palette.len()];
                    chart
                        .draw_series(LineSeries::new(
                            points.iter().copied(),
                            color.stroke_width(2),
                        ))?
                        .label(flavor.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK)
                    .draw()?;
            }};
        }
        if log {
            finish!(builder.build_cartesian_2d(
                (1.0..x_max * 2.0).log_scale(),
                (1.0..y_max * 2.0).log_scale()
            )?);
        } else {
            finish!(builder.build_cartesian_2d(0.0..x_max + 0.5, 0.0..y_max.max(2.0) + 0.5)?);
        }
        root.present()?;
        Ok(())
    }
}

/// The side-by-side table of all rows, figures right-aligned.
fn render(rows: &[Row]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(HEADER);
    for row in rows {
        table.add_row(match row {
            Row::Measured(m) => vec![
                m.scenario.clone(),
                m.flavor.clone(),
                Millis(m.wall_ms).to_string(),
                Millis(m.user_ms).to_string(),
                Millis(m.system_ms).to_string(),
                Kib(m.peak_rss_kib).to_string(),
                m.voluntary_switches.to_string(),
                m.involuntary_switches.to_string(),
                m.summary.clone(),
            ],
            Row::Failed {
                scenario,
                flavor,
                error,
            } => {
                let mut cells = vec![(*scenario).to_owned(), (*flavor).to_owned()];
                cells.extend(std::iter::repeat_n("-".to_owned(), HEADER.len() - 3));
                cells.push(format!("FAILED: {error}"));
                cells
            }
        });
    }
    // On a narrow terminal only the result column wraps, and never below 30 characters.
    let last = HEADER.len() - 1;
    for (index, column) in table.column_iter_mut().enumerate() {
        if index == last {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(30)));
        } else {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
        if (2..last).contains(&index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// The table's columns: two names, six figures, the scenario's result.
const HEADER: [&str; 9] = [
    "scenario",
    "flavour",
    "wall",
    "user CPU",
    "sys CPU",
    "peak RSS",
    "vol. cs",
    "invol. cs",
    "result",
];

/// A duration in milliseconds, shown as `123.4 ms` or, from ten seconds on, `12.35 s`.
struct Millis(f64);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ms if ms < 10_000.0 => write!(f, "{ms:.1} ms"),
            ms => write!(f, "{:.2} s", ms / 1000.0),
        }
    }
}

/// A size in KiB, shown as `12.3 MiB`.
struct Kib(u64);

impl fmt::Display for Kib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} MiB", self.0 as f64 / 1024.0)
    }
}

/// Serde for `Vec<(String, f64)>` as a JSON object that keeps the order of its entries.
/// A non-finite figure is written as `null` by `serde_json` and read back as NaN.
mod ordered_map {
    use std::fmt;

    use serde::de::{MapAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(pairs: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(pairs.iter().map(|(name, value)| (name, value)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, f64)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of named numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, Option<f64>>()? {
                    pairs.push((name, value.unwrap_or(f64::NAN)));
                }
                Ok(pairs)
            }
        }
        d.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_sizes() {
        assert_eq!(Millis(0.04).to_string(), "0.0 ms");
        assert_eq!(Millis(123.44).to_string(), "123.4 ms");
        assert_eq!(Millis(12_345.0).to_string(), "12.35 s");
        assert_eq!(Kib(12_595).to_string(), "12.3 MiB");
    }

    #[test]
    fn child_line_round_trips_in_order() {
        let measurement = Measurement {
            scenario: "race".into(),
            flavor: "tokio".into(),
            wall_ms: 12.5,
            user_ms: 20.0,
            system_ms: 1.25,
            peak_rss_kib: 4096,
            voluntary_switches: 7,
            involuntary_switches: 3,
            summary: "ok".into(),
            figures: vec![("zeta".into(), 1.0), ("alpha".into(), 2.0)],
        };
        let line = serde_json::to_string(&measurement).unwrap();
        assert!(
            line.contains(r#""figures":{"zeta":1.0,"alpha":2.0}"#),
            "{line}"
        );
        let stdout = format!("noise before\n{line}\n\n");
        assert_eq!(parse_child_output(&stdout).unwrap(), measurement);
        assert!(
            parse_child_output("")
                .unwrap_err()
                .contains("no measurement")
        );
        assert!(parse_child_output("{}").unwrap_err().contains("unparsable"));
    }

    #[test]
    fn finds_why_a_child_failed() {
        let hook =
            "thread 'main' panicked at src/x.rs:1:1:\nboom\nnote: run with `RUST_BACKTRACE=1`";
        assert_eq!(failure_reason(hook), Some("boom"));
        let own = format!("{hook}\nerror: unit `main` panicked: boom\n");
        assert_eq!(failure_reason(&own), Some("unit `main` panicked: boom"));
        assert_eq!(failure_reason(""), None);
    }
}
