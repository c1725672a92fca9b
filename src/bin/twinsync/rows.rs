//! A pair's row: its measurement (the median of `--repeat` runs, with their ranges), or why
//! there is none.

use serde::Serialize;

use crate::catalogue::{Entry, Full};
use crate::child::{Measurement, ordered_map, run_child};
use crate::way::Way;

/// One pair's row, as the report and `--json` show it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Row {
    Measured(Measured),
    Failed {
        scenario: &'static str,
        flavor: &'static str,
        error: String,
    },
}

/// A pair's figures: one run's, or the medians of several runs with their ranges.
#[derive(Debug, Serialize)]
pub struct Measured {
    /// Every number is the median over the runs; the summary is the run of median wall time.
    #[serde(flatten)]
    pub median: Measurement,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub spread: Option<Spread>,
}

/// How far the runs of a repeated pair spread: (min, max) of the wall time and of each figure.
#[derive(Debug, Serialize)]
pub struct Spread {
    pub runs: usize,
    pub wall_ms_range: (f64, f64),
    #[serde(serialize_with = "ordered_map::serialize")]
    pub figure_ranges: Vec<(String, (f64, f64))>,
}

impl Row {
    /// Runs `entry` the `way` given `repeat` times, each in its own child process. The first
    /// failure ends the pair: a scenario that fails once is reported as failed.
    pub fn measure(entry: &'static Entry, way: Way, full: Full, repeat: usize) -> Row {
        let mut runs = Vec::with_capacity(repeat);
        for _ in 0..repeat.max(1) {
            match run_child(entry, way, full) {
                Ok(measurement) => runs.push(measurement),
                Err(error) => {
                    return Row::Failed {
                        scenario: entry.name,
                        flavor: way.name(),
                        error,
                    };
                }
            }
        }
        Row::Measured(Measured::of(runs))
    }

    /// The measurement, if the pair ran.
    pub fn measured(&self) -> Option<&Measurement> {
        match self {
            Row::Measured(measured) => Some(&measured.median),
            Row::Failed { .. } => None,
        }
    }

    pub fn scenario(&self) -> &str {
        match self {
            Row::Measured(measured) => &measured.median.scenario,
            Row::Failed { scenario, .. } => scenario,
        }
    }
}

impl Measured {
    /// The medians of `runs` (at least one), and their ranges when there are several.
    pub fn of(mut runs: Vec<Measurement>) -> Measured {
        runs.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
        let middle = (runs.len() - 1) / 2;
        if runs.len() == 1 {
            return Measured {
                median: runs.swap_remove(0),
                spread: None,
            };
        }
        let column = |get: &dyn Fn(&Measurement) -> f64| -> (f64, (f64, f64)) {
            let mut values: Vec<f64> = runs.iter().map(get).collect();
            values.sort_by(f64::total_cmp);
            let median = values[(values.len() - 1) / 2];
            (median, (values[0], values[values.len() - 1]))
        };
        let mut median = runs[middle].clone();
        let (wall, wall_range) = column(&|m| m.wall_ms);
        median.wall_ms = wall;
        median.user_ms = column(&|m| m.user_ms).0;
        median.system_ms = column(&|m| m.system_ms).0;
        median.peak_rss_kib = column(&|m| m.peak_rss_kib as f64).0 as u64;
        median.voluntary_switches = column(&|m| m.voluntary_switches as f64).0 as u64;
        median.involuntary_switches = column(&|m| m.involuntary_switches as f64).0 as u64;
        let mut figure_ranges = Vec::new();
        for (name, value) in &mut median.figures {
            let (mid, range) = column(&|m| m.figure(name).unwrap_or(f64::NAN));
            *value = mid;
            figure_ranges.push((name.clone(), range));
        }
        Measured {
            spread: Some(Spread {
                runs: runs.len(),
                wall_ms_range: wall_range,
                figure_ranges,
            }),
            median,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::tests::measurement;

    #[test]
    fn repeated_runs_give_medians_and_ranges() {
        let runs: Vec<Measurement> = [(30.0, 3.0), (10.0, 9.0), (20.0, 1.0)]
            .into_iter()
            .map(|(wall, lost)| {
                let mut m = measurement("race", "threads", &format!("wall {wall}"));
                m.wall_ms = wall;
                m.figures = vec![("lost".into(), lost)];
                m
            })
            .collect();
        let measured = Measured::of(runs);
        assert_eq!(measured.median.wall_ms, 20.0);
        assert_eq!(measured.median.summary, "wall 20");
        assert_eq!(measured.median.figure("lost"), Some(3.0));
        let spread = measured.spread.unwrap();
        assert_eq!((spread.runs, spread.wall_ms_range), (3, (10.0, 30.0)));
        assert_eq!(spread.figure_ranges, [("lost".to_owned(), (1.0, 9.0))]);
        assert!(
            Measured::of(vec![measurement("race", "tokio", "")])
                .spread
                .is_none()
        );
    }
}
