//! One child process per pair: the parent re-invokes the runner ([`std::env::current_exe`])
//! with the hidden subcommand `child <scenario> <flavor> [--full]`, one pair at a time so pairs
//! never compete for the CPU. The child times the scenario with [`Instant`], reads its own
//! `getrusage(RUSAGE_SELF)` once the scenario has finished, and prints one [`Measurement`] as a
//! JSON line. Peak RSS, CPU time and context switches are therefore the pair's own, not the sum
//! of everything the runner ran before it. A pair run as processes adds its own children's CPU
//! time and switches (their memory is theirs: peak RSS is the pair's process alone).

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::catalogue::{Entry, Full};
use crate::way::Way;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::{TimeVal, TimeValLike};
use serde::{Deserialize, Serialize};

/// What one child measured for one pair; travels child → parent as one JSON line and is the
/// `--json` row of a successful pair (schema in the runner's `--help`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub scenario: String,
    pub flavor: String,
    pub wall_ms: f64,
    pub user_ms: f64,
    pub system_ms: f64,
    pub peak_rss_kib: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    pub summary: String,
    #[serde(with = "ordered_map")]
    pub figures: Vec<(String, f64)>,
}

impl Measurement {
    /// The figure with this name.
    pub fn figure(&self, name: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, value)| value)
    }
}

/// The hidden `child` subcommand: runs one pair in this process and returns its
/// [`Measurement`] as one JSON line, or why it failed (a panic is reported, not propagated).
pub fn child(entry: &Entry, way: Way, full: Full) -> Result<String, String> {
    let start = Instant::now();
    let outcome = match way {
        Way::Flavor(kind) => (entry.run)(kind, full).map_err(|panicked| panicked.to_string())?,
        Way::Processes => {
            let in_processes = entry
                .processes
                .ok_or_else(|| format!("{} has no form with processes", entry.name))?;
            in_processes(full).map_err(|err| err.to_string())?
        }
    };
    let wall = start.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_SELF).map_err(|err| format!("getrusage: {err}"))?;
    // The scenario's own child processes (all reaped by now) worked for it too: their CPU
    // time and switches count; their memory is their own, so peak RSS stays this process's.
    let children = match way {
        Way::Processes => {
            Some(getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|err| format!("getrusage: {err}"))?)
        }
        Way::Flavor(_) => None,
    };
    fn count(n: std::ffi::c_long) -> u64 {
        u64::try_from(n).unwrap_or(0)
    }
    fn millis(t: TimeVal) -> f64 {
        t.num_microseconds() as f64 / 1000.0
    }
    let both =
        |of: fn(&nix::sys::resource::Usage) -> f64| of(&usage) + children.as_ref().map_or(0.0, of);
    let measurement = Measurement {
        scenario: entry.name.to_owned(),
        flavor: way.name().to_owned(),
        wall_ms: wall.as_secs_f64() * 1000.0,
        user_ms: both(|u| millis(u.user_time())),
        system_ms: both(|u| millis(u.system_time())),
        peak_rss_kib: count(usage.max_rss()), // Linux reports KiB
        voluntary_switches: both(|u| count(u.voluntary_context_switches()) as f64) as u64,
        involuntary_switches: both(|u| count(u.involuntary_context_switches()) as f64) as u64,
        summary: outcome.summary,
        figures: outcome.figures,
    };
    serde_json::to_string(&measurement).map_err(|err| format!("cannot encode: {err}"))
}

/// Runs one pair in a child process and returns its measurement, or the error text for its row.
pub fn run_child(entry: &Entry, way: Way, full: Full) -> Result<Measurement, String> {
    let exe = std::env::current_exe().map_err(|err| format!("cannot find the runner: {err}"))?;
    let mut command = Command::new(exe);
    command.args(["child", entry.name, way.name()]);
    if full {
        command.arg("--full");
    }
    let output = command
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

/// Serde for `Vec<(String, f64)>` as a JSON object that keeps the order of its entries.
/// A non-finite figure is written as `null` by `serde_json` and read back as NaN.
pub mod ordered_map {
    use std::fmt;

    use serde::de::{MapAccess, Visitor};
    use serde::{Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, V: Serialize>(
        pairs: &[(String, V)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
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
pub mod tests {
    use super::*;

    /// A measurement for tests: `scenario` on `flavor`, with this summary and these figures.
    pub fn measurement(scenario: &str, flavor: &str, summary: &str) -> Measurement {
        Measurement {
            scenario: scenario.into(),
            flavor: flavor.into(),
            wall_ms: 12.5,
            user_ms: 20.0,
            system_ms: 1.25,
            peak_rss_kib: 4096,
            voluntary_switches: 7,
            involuntary_switches: 3,
            summary: summary.into(),
            figures: vec![("zeta".into(), 1.0), ("alpha".into(), 2.0)],
        }
    }

    #[test]
    fn child_line_round_trips_in_order() {
        let measurement = measurement("race", "tokio", "ok");
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
