//! `twinsync plot`: each scenario's charts (listed with it in the catalogue) as SVG, one curve
//! per flavour.
//!
//! The charts are meant to read in the book's light and dark themes alike: the background is
//! transparent, text and axes are mid-grey, the curves use the Okabe–Ito colour-blind-safe
//! palette with a different marker per flavour, and the legend sits beside the plot, never on it.

use std::path::{Path, PathBuf};

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::catalogue::{self, Chart};
use crate::rows::Row;

/// One curve: a flavour's (x, y) points, in increasing x.
type Curve = (String, Vec<(f64, f64)>);

/// Orange, sky blue, bluish green, vermillion (Okabe & Ito).
const PALETTE: [RGBColor; 4] = [
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
];
/// Text and axes: as legible on white as on near-black.
const INK: RGBColor = RGBColor(128, 128, 128);
const SIZE: (u32, u32) = (760, 400);
const LEGEND_WIDTH: u32 = 190;

/// Draws every chart of the scenarios in `rows`; returns the files written.
pub fn draw_all(rows: &[Row], dir: &Path) -> Result<Vec<PathBuf>, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let mut written = Vec::new();
    for entry in catalogue::ALL {
        for chart in entry.charts {
            let curves = curves(rows, entry.name, chart.prefix, chart.log);
            if curves.is_empty() {
                continue;
            }
            let file = dir.join(format!("{}.svg", chart.file));
            draw(&file, chart, &curves, cores)
                .map_err(|err| format!("{}: {err}", file.display()))?;
            written.push(file);
        }
    }
    if written.is_empty() {
        return Err("no figures to plot: did the scenarios run?".to_owned());
    }
    Ok(written)
}

/// Each flavour's points from the figures named `<prefix><x>`; on a logarithmic chart, only
/// the positive ones (a 0 B/unit row, memory that fitted in pages the process already had,
/// has no place on a log axis and would stretch it over hundreds of decades).
fn curves(rows: &[Row], scenario: &str, prefix: &str, log: bool) -> Vec<Curve> {
    rows.iter()
        .filter_map(Row::measured)
        .filter(|m| m.scenario == scenario)
        .map(|m| {
            let mut points: Vec<(f64, f64)> = m
                .figures
                .iter()
                .filter_map(|(name, y)| Some((name.strip_prefix(prefix)?.parse().ok()?, *y)))
                .filter(|(_, y): &(f64, f64)| y.is_finite() && (!log || *y > 0.0))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (m.flavor.clone(), points)
        })
        .filter(|(_, points)| !points.is_empty())
        .collect()
}

/// `1000` → `1k`, `1e6` → `1M`: tick labels a reader takes in at a glance.
fn human(x: f64) -> String {
    match x.abs() {
        v if v >= 1e6 && (x / 1e6).fract() == 0.0 => format!("{}M", x / 1e6),
        v if v >= 1e3 && (x / 1e3).fract() == 0.0 => format!("{}k", x / 1e3),
        v if v >= 10.0 || x.fract() == 0.0 => format!("{x:.0}"),
        _ => format!("{x:.1}"),
    }
}

/// The powers of ten from the one at or below `lo` to the one at or above `hi`.
fn decades(lo: f64, hi: f64) -> Vec<f64> {
    let first = lo.max(f64::MIN_POSITIVE).log10().floor() as i32;
    let last = hi.max(lo).log10().ceil() as i32;
    (first..=last.max(first + 1))
        .map(|e| 10f64.powi(e))
        .collect()
}

fn text(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

fn draw(
    file: &Path,
    chart: &Chart,
    curves: &[Curve],
    cores: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(file, SIZE).into_drawing_area();
    let root = root.titled(chart.title, text(18))?;
    let (plot_area, legend_area) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    let mut xs: Vec<f64> = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(x, _)| x))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let ideal: Option<(&str, Vec<(f64, f64)>)> = chart
        .ideal
        .map(|(name, y)| (name, xs.iter().map(|&x| (x, y(x, cores))).collect()));
    let ys = curves
        .iter()
        .flat_map(|(_, p)| p.iter())
        .chain(ideal.iter().flat_map(|(_, p)| p.iter()))
        .map(|&(_, y)| y);
    let (y_lo, y_hi) = ys.fold((f64::MAX, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));

    let mut builder = ChartBuilder::on(&plot_area);
    builder
        .margin(10)
        .x_label_area_size(44)
        .y_label_area_size(64);
    // Both coordinate kinds draw the same way; only their axes differ.
    macro_rules! finish {
        ($chart:expr, $at:expr) => {{
            let at = $at;
            let mut ctx = $chart;
            ctx.configure_mesh()
                .x_desc(chart.x_label)
                .y_desc(chart.y_label)
                .axis_desc_style(text(14))
                .label_style(text(13))
                .axis_style(INK)
                .bold_line_style(INK.mix(0.25))
                .light_line_style(TRANSPARENT)
                .x_labels(if chart.log { 10 } else { xs.len() })
                .x_label_formatter(&|x| x_label(&xs, chart.log, *x))
                .y_label_formatter(&|y| human(*y))
                .draw()?;
            for (i, (_, points)) in curves.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let points: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (at(x), y)).collect();
                ctx.draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))?;
                marker(&mut ctx, i, &points, color)?;
            }
            if let Some((_, points)) = &ideal {
                let points = points.iter().map(|&(x, y)| (at(x), y));
                ctx.draw_series(DashedLineSeries::new(points, 6, 4, INK.stroke_width(1)))?;
            }
        }};
    }
    if chart.log {
        let x = decades(xs[0], xs[xs.len() - 1]);
        let y = decades(y_lo, y_hi);
        let x_range = (x[0]..x[x.len() - 1])
            .log_scale()
            .with_key_points(x.clone());
        let y_range = (y[0]..y[y.len() - 1])
            .log_scale()
            .with_key_points(y.clone());
        finish!(builder.build_cartesian_2d(x_range, y_range)?, |x: f64| x);
    } else {
        // The measured xs evenly spaced, labelled at their indices only: the reader sees only
        // the counts that were run.
        let x_range = -0.4..xs.len() as f64 - 0.6;
        let y_range = 0.0..y_hi * 1.15;
        let index = |x: f64| xs.iter().position(|&v| v == x).unwrap_or(0) as f64;
        finish!(builder.build_cartesian_2d(x_range, y_range)?, index);
    }

    legend(&legend_area, curves, ideal.as_ref().map(|(name, _)| *name))?;
    root.present()?;
    Ok(())
}

/// The x tick label: the value itself on log axes, the measured x at that index otherwise.
fn x_label(xs: &[f64], log: bool, x: f64) -> String {
    if log {
        return human(x);
    }
    let index = x.round();
    match xs.get(index as usize) {
        Some(&value) if (x - index).abs() < 1e-6 && index >= 0.0 => human(value),
        _ => String::new(),
    }
}

/// The flavour's marker at each point: circle, triangle, cross, square.
fn marker<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    ctx: &mut ChartContext<'_, DB, CT>,
    which: usize,
    points: &[(f64, f64)],
    color: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let points = points.iter().copied();
    match which % 4 {
        0 => ctx.draw_series(points.map(|p| Circle::new(p, 4, color.filled())))?,
        1 => ctx.draw_series(points.map(|p| TriangleMarker::new(p, 6, color.filled())))?,
        2 => ctx.draw_series(points.map(|p| Cross::new(p, 5, color.stroke_width(2))))?,
        _ => ctx
            .draw_series(points.map(|p| {
                EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], color.filled())
            }))?,
    };
    Ok(())
}

/// The legend, beside the plot: a sample of each curve and its flavour.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    curves: &[Curve],
    ideal: Option<&str>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let row = |i: usize| 60 + 26 * i as i32;
    for (i, (flavor, _)) in curves.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let y = row(i);
        area.draw(&PathElement::new(
            vec![(8, y), (40, y)],
            color.stroke_width(2),
        ))?;
        let centre = (24, y);
        match i % 4 {
            0 => area.draw(&Circle::new(centre, 4, color.filled()))?,
            1 => area.draw(&TriangleMarker::new(centre, 6, color.filled()))?,
            2 => area.draw(&Cross::new(centre, 5, color.stroke_width(2)))?,
            _ => area.draw(&Rectangle::new([(20, y - 4), (28, y + 4)], color.filled()))?,
        }
        area.draw(&Text::new(flavor.as_str(), (48, y - 8), text(14)))?;
    }
    if let Some(name) = ideal {
        let y = row(curves.len());
        area.draw(&DashedPathElement::new(
            vec![(8, y), (40, y)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
        area.draw(&Text::new(name, (48, y - 8), text(12)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_numbers() {
        assert_eq!(human(10.0), "10");
        assert_eq!(human(10_000.0), "10k");
        assert_eq!(human(1_000_000.0), "1M");
        assert_eq!(human(1.5), "1.5");
        assert_eq!(decades(12.0, 900.0), [10.0, 100.0, 1000.0]);
        assert_eq!(x_label(&[1.0, 2.0, 4.0], false, 2.0), "4");
        assert_eq!(x_label(&[1.0, 2.0, 4.0], false, 1.5), "");
    }

    #[test]
    fn a_log_chart_leaves_out_zeros() {
        let mut scale = crate::child::tests::measurement("scale", "tokio-local", "");
        scale.figures = vec![
            ("bytes_per_unit.10".into(), 0.0),
            ("bytes_per_unit.100".into(), 492.0),
        ];
        let rows = [Row::Measured(crate::rows::Measured::of(vec![scale]))];
        let log = curves(&rows, "scale", "bytes_per_unit.", true);
        assert_eq!(log[0].1, [(100.0, 492.0)]);
        let linear = curves(&rows, "scale", "bytes_per_unit.", false);
        assert_eq!(linear[0].1.len(), 2);
    }
}
