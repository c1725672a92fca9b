//! `twinsync ratios`: the twins' benchmark figures divided by the raw crates' figures from the
//! same `cargo bench` run, as a Markdown table, read from criterion's saved estimates.
//!
//! Each comparison names a criterion group, the twin's id and the baseline's id in it, and the
//! goal: the largest time ratio (twin ÷ baseline) that counts as meeting it. Time per iteration
//! is what criterion saves for every group, throughput ones included, so a ratio below 1 means
//! the twin is the faster.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;
use std::time::SystemTime;

use serde::Deserialize;

/// One row of the table: `twin` against `baseline` in `group`, meeting the goal at or below
/// `goal`.
struct Comparison {
    group: &'static str,
    twin: &'static str,
    baseline: &'static str,
    goal: f64,
}

const fn compare(
    group: &'static str,
    twin: &'static str,
    baseline: &'static str,
    goal: f64,
) -> Comparison {
    Comparison {
        group,
        twin,
        baseline,
        goal,
    }
}

/// The goals of the performance issue, in the order it lists them.
const COMPARISONS: &[Comparison] = &[
    compare("queue/1p1c", "thread-fifo", "kanal-sync", 1.0),
    compare("queue/1p1c", "thread-fifo", "crossbeam", 1.0),
    compare("queue/1p1c", "task-fifo", "kanal-async", 1.0),
    compare("queue/1p4c", "thread-fifo", "kanal-sync", 1.0),
    compare("queue/1p4c", "thread-fifo", "crossbeam", 1.0),
    compare("queue/1p4c", "task-fifo", "kanal-async", 1.0),
    compare("queue/4p4c", "thread-fifo", "kanal-sync", 1.0),
    compare("queue/4p4c", "thread-fifo", "crossbeam", 1.0),
    compare("queue/4p4c", "task-fifo", "kanal-async", 1.0),
    compare("queue/1p1c", "thread-lifo", "thread-fifo", 1.5),
    compare("queue/1p1c", "thread-priority", "thread-fifo", 1.5),
    compare("queue/1p1c", "task-lifo", "task-fifo", 1.5),
    compare("queue/1p1c", "task-priority", "task-fifo", 1.5),
    compare("queue/ping-pong", "thread-fifo", "crossbeam", 1.0),
    compare("queue/ping-pong", "task-fifo", "async-channel", 1.0),
    compare("spawn/1000", "tokio", "tokio-raw", 1.25),
    compare("spawn/1000", "tokio-local", "tokio-local-raw", 1.25),
    compare("mutex/uncontended", "threads", "parking_lot", 1.05),
    compare("mutex/contended-2", "threads", "parking_lot", 1.05),
    compare("mutex/uncontended", "task-barging", "async-lock", 1.05),
    compare("mutex/contended-2", "task-barging", "async-lock", 1.05),
    compare("mutex/uncontended", "task", "tokio", 1.0),
    compare("mutex/contended-2", "task", "tokio", 1.0),
    compare("reentrant/relock", "threads", "parking_lot", 1.5),
];

/// What criterion's `benchmark.json` says a directory holds.
#[derive(Deserialize)]
struct Benchmark {
    full_id: String,
}

/// The part of criterion's `estimates.json` read here.
#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// A benchmark's median time per iteration in nanoseconds, and when it was measured.
struct Median {
    nanos: f64,
    measured: Option<SystemTime>,
}

/// Every benchmark under `dir` (criterion's output, `target/criterion`) by its full id.
fn medians(dir: &Path) -> Result<HashMap<String, Median>, String> {
    let mut found = HashMap::new();
    let groups = std::fs::read_dir(dir).map_err(|err| {
        format!(
            "cannot read {}: {err} (run `cargo bench` first)",
            dir.display()
        )
    })?;
    for group in groups.flatten() {
        let Ok(ids) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for id in ids.flatten() {
            let new = id.path().join("new");
            let (Ok(benchmark), Ok(estimates)) = (
                std::fs::read_to_string(new.join("benchmark.json")),
                std::fs::read_to_string(new.join("estimates.json")),
            ) else {
                continue; // criterion's `report` folders, or a bench that never finished
            };
            let benchmark: Benchmark = serde_json::from_str(&benchmark)
                .map_err(|err| format!("{}: {err}", new.display()))?;
            let estimates: Estimates = serde_json::from_str(&estimates)
                .map_err(|err| format!("{}: {err}", new.display()))?;
            let measured = std::fs::metadata(new.join("estimates.json"))
                .and_then(|meta| meta.modified())
                .ok();
            found.insert(
                benchmark.full_id,
                Median {
                    nanos: estimates.median.point_estimate,
                    measured,
                },
            );
        }
    }
    Ok(found)
}

/// A duration in nanoseconds, in the unit that reads best (joined by a no-break space, so
/// that a narrow table column does not split it).
fn time(nanos: f64) -> String {
    match nanos {
        n if n >= 1e9 => format!("{:.2}\u{a0}s", n / 1e9),
        n if n >= 1e6 => format!("{:.2}\u{a0}ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2}\u{a0}µs", n / 1e3),
        n => format!("{n:.1}\u{a0}ns"),
    }
}

/// The table, from the estimates under `dir`.
pub fn table(dir: &Path) -> Result<String, String> {
    let medians = medians(dir)?;
    let mut out = String::from(
        "| group | twin ÷ baseline | medians | ratio | goal | met |\n\
         |---|---|--:|--:|--:|:-:|\n",
    );
    let mut dates: Vec<SystemTime> = Vec::new();
    let mut missing = Vec::new();
    for c in COMPARISONS {
        let twin = medians.get(&format!("{}/{}", c.group, c.twin));
        let baseline = medians.get(&format!("{}/{}", c.group, c.baseline));
        let (Some(twin), Some(baseline)) = (twin, baseline) else {
            missing.push(format!("{}: {} or {}", c.group, c.twin, c.baseline));
            continue;
        };
        dates.extend(twin.measured.iter().chain(baseline.measured.iter()));
        let ratio = twin.nanos / baseline.nanos;
        let _ = writeln!(
            out,
            "| {} | {} ÷ {} | {} ÷ {} | {ratio:.2} | ≤ {:.2} | {} |",
            c.group,
            c.twin,
            c.baseline,
            time(twin.nanos),
            time(baseline.nanos),
            c.goal,
            if ratio <= c.goal { "yes" } else { "no" }
        );
    }
    if dates.is_empty() {
        return Err(format!(
            "no comparison found under {} (run `cargo bench`)",
            dir.display()
        ));
    }
    let (first, last) = (dates.iter().min(), dates.iter().max());
    let _ = writeln!(
        out,
        "\nMedians of time per iteration (criterion), measured between {} and {} (UTC).",
        first.map_or_else(String::new, |t| utc(*t)),
        last.map_or_else(String::new, |t| utc(*t))
    );
    if !missing.is_empty() {
        let _ = writeln!(out, "Not measured: {}.", missing.join("; "));
    }
    Ok(out)
}

/// `YYYY-MM-DD HH:MM`, UTC.
fn utc(time: SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(time).to_string(); // 2026-12-08T03:14:00Z
    stamp.get(..16).unwrap_or(&stamp).replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_utc() {
        let at = |seconds| utc(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01 00:00");
        assert_eq!(at(1_796_699_400), "2026-12-08 03:10");
        assert_eq!(at(951_782_400), "2000-02-29 00:00");
    }

    #[test]
    fn a_table_from_saved_estimates() {
        let dir = std::env::temp_dir().join(format!("twinsync-ratios-{}", std::process::id()));
        for (id, nanos) in [("threads", 12.0), ("parking_lot", 10.0)] {
            let new = dir.join("mutex_uncontended").join(id).join("new");
            std::fs::create_dir_all(&new).unwrap();
            let full_id = format!("mutex/uncontended/{id}");
            std::fs::write(
                new.join("benchmark.json"),
                format!(r#"{{"full_id":"{full_id}"}}"#),
            )
            .unwrap();
            let estimates = format!(r#"{{"median":{{"point_estimate":{nanos}}}}}"#);
            std::fs::write(new.join("estimates.json"), estimates).unwrap();
        }
        let table = table(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            table.contains(
                "| mutex/uncontended | threads ÷ parking_lot | 12.0\u{a0}ns ÷ 10.0\u{a0}ns | 1.20 | ≤ 1.05 | no |"
            ),
            "{table}"
        );
        assert!(table.contains("Not measured: queue/1p1c"), "{table}");
    }

    #[test]
    fn no_estimates_is_an_error() {
        let err = table(Path::new("/nonexistent/criterion")).unwrap_err();
        assert!(err.contains("cargo bench"), "{err}");
    }
}
