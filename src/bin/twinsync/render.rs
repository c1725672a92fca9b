//! The report: one block per scenario that fits the terminal (its question, one line per
//! flavour with the result, the figures, what to notice), the `--wide` table of old, and the
//! Markdown the book includes.

use std::fmt;

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width, presets};

use crate::catalogue;
use crate::rows::Row;

/// How the report is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Blocks at most this many columns wide.
    Blocks { width: u16 },
    /// One row per pair with every column, as wide as it takes.
    Wide,
    /// Blocks as Markdown tables, for the book.
    Markdown,
}

/// The width of blocks when none is asked for: the terminal's, or 100 when not a terminal.
pub fn default_width() -> u16 {
    Table::new().width().unwrap_or(100)
}

/// The whole report for `rows`, in their order, grouped by scenario.
pub fn report(rows: &[Row], layout: Layout) -> String {
    if layout == Layout::Wide {
        let mut out = wide(rows).to_string();
        for group in groups(rows) {
            for line in remarks(group) {
                out.push_str(&format!("\n* {}: {line}", group[0].scenario()));
            }
        }
        return out;
    }
    let blocks: Vec<String> = groups(rows)
        .into_iter()
        .map(|group| match layout {
            Layout::Blocks { width } => block(group, width),
            _ => markdown(group),
        })
        .collect();
    blocks.join("\n")
}

/// Consecutive rows of the same scenario.
fn groups(rows: &[Row]) -> Vec<&[Row]> {
    rows.chunk_by(|a, b| a.scenario() == b.scenario()).collect()
}

/// The notice and the computed remark of one scenario's rows.
fn remarks(group: &[Row]) -> Vec<String> {
    let Some(entry) = catalogue::find(group[0].scenario()) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if !entry.notice.is_empty() {
        lines.push(entry.notice.to_owned());
    }
    let measured: Vec<_> = group.iter().filter_map(Row::measured).collect();
    if let Some(remark) = entry.remark.and_then(|remark| remark(&measured)) {
        lines.push(remark);
    }
    lines
}

/// What one row says: its summary, or why it failed.
fn result(row: &Row) -> String {
    match row {
        Row::Measured(measured) => measured.median.summary.clone(),
        Row::Failed { error, .. } => format!("FAILED: {error}"),
    }
}

fn flavor(row: &Row) -> &str {
    match row {
        Row::Measured(measured) => &measured.median.flavor,
        Row::Failed { flavor, .. } => flavor,
    }
}

/// The figures' columns, after the flavour.
const FIGURES: [&str; 6] = [
    "wall",
    "user CPU",
    "sys CPU",
    "peak RSS",
    "vol. cs",
    "invol. cs",
];

fn figure_cells(row: &Row) -> Vec<String> {
    match row.measured() {
        Some(m) => vec![
            Millis(m.wall_ms).to_string(),
            Millis(m.user_ms).to_string(),
            Millis(m.system_ms).to_string(),
            Kib(m.peak_rss_kib).to_string(),
            m.voluntary_switches.to_string(),
            m.involuntary_switches.to_string(),
        ],
        None => vec!["-".to_owned(); FIGURES.len()],
    }
}

/// The ranges of a repeated pair's figures that moved between runs, as `name lo–hi`.
fn spread(row: &Row) -> Option<String> {
    let Row::Measured(measured) = row else {
        return None;
    };
    let spread = measured.spread.as_ref()?;
    let (lo, hi) = spread.wall_ms_range;
    let mut parts = vec![format!("wall {}–{}", Millis(lo), Millis(hi))];
    for (name, (lo, hi)) in &spread.figure_ranges {
        if lo != hi {
            parts.push(format!("{name} {}–{}", Number(*lo), Number(*hi)));
        }
    }
    Some(format!(
        "{}: {} runs, {}",
        flavor(row),
        spread.runs,
        parts.join(", ")
    ))
}

/// No borders; one line under the header.
const UNDERLINED_HEADER: &str = "     ──            ";

/// A table without borders whose text wraps to `width`.
fn plain(width: u16) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    table
}

/// `table` as lines without the padding comfy-table leaves at their ends.
fn trimmed(table: &Table) -> String {
    let lines: Vec<String> = table
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect();
    lines.join("\n")
}

/// One scenario's block, no line longer than `width`.
fn block(group: &[Row], width: u16) -> String {
    let name = group[0].scenario();
    let about = catalogue::find(name).map_or("", |entry| entry.about);
    let mut heading = plain(width);
    heading.add_row([format!("{name}: {about}")]);
    if let Some(column) = heading.column_mut(0) {
        column.set_padding((0, 0));
    }

    let mut results = plain(width);
    for row in group {
        results.add_row([flavor(row).to_owned(), result(row)]);
    }
    pin_first_column(&mut results);

    let mut figures = Table::new();
    figures
        .load_preset(UNDERLINED_HEADER)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(std::iter::once("flavour").chain(FIGURES));
    for row in group {
        figures.add_row(std::iter::once(flavor(row).to_owned()).chain(figure_cells(row)));
    }
    right_align_figures(&mut figures);

    let mut notes = plain(width);
    for line in remarks(group)
        .into_iter()
        .chain(group.iter().filter_map(spread))
    {
        notes.add_row(["*".to_owned(), line]);
    }
    pin_first_column(&mut notes);
    let mut out = [&heading, &results, &figures].map(trimmed).join("\n");
    if !notes.is_empty() {
        out = format!("{out}\n{}", trimmed(&notes));
    }
    out + "\n"
}

/// Names and their descriptions, the descriptions wrapped to fit `width`.
pub fn two_columns(rows: &[(&str, &str)], width: u16) -> String {
    let mut table = plain(width);
    for (name, text) in rows {
        table.add_row([*name, *text]);
    }
    pin_first_column(&mut table);
    trimmed(&table)
}

/// The flavour column keeps its width; only the text beside it wraps.
fn pin_first_column(table: &mut Table) {
    if let Some(column) = table.column_mut(0) {
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
}

/// Figures right-aligned, two spaces apart (the border's and one of padding), so that the
/// seven columns fit in 80.
fn right_align_figures(table: &mut Table) {
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
        column.set_padding((1, 0));
    }
    pin_first_column(table);
}

/// One scenario as Markdown: results first, figures second, then the remarks.
fn markdown(group: &[Row]) -> String {
    let mut results = Table::new();
    results
        .load_preset(presets::ASCII_MARKDOWN)
        .set_header(["flavour", "result"]);
    for row in group {
        results.add_row([flavor(row).to_owned(), result(row).replace('|', "\\|")]);
    }
    // A number and its unit stay on one line in a rendered table: no-break spaces.
    let unbreakable = |cell: &str| cell.replace(' ', "\u{a0}");
    let mut figures = Table::new();
    figures
        .load_preset(presets::ASCII_MARKDOWN)
        .set_header(std::iter::once("flavour").chain(FIGURES).map(unbreakable));
    for row in group {
        let cells = figure_cells(row);
        figures.add_row(
            std::iter::once(flavor(row).to_owned()).chain(cells.iter().map(|c| unbreakable(c))),
        );
    }
    right_align_figures(&mut figures);
    // comfy-table pads the figures to the right; Markdown must be told to, in its rule line.
    let mut figure_lines: Vec<String> = figures.lines().collect();
    if let Some(rule) = figure_lines.get_mut(1) {
        *rule = std::iter::once("|---|")
            .chain(std::iter::repeat_n("--:|", FIGURES.len()))
            .collect();
    }
    let mut out = format!("{results}\n\n{}\n", figure_lines.join("\n"));
    let notes: Vec<String> = remarks(group)
        .into_iter()
        .chain(group.iter().filter_map(spread))
        .collect();
    if !notes.is_empty() {
        out.push('\n');
        for line in notes {
            out.push_str(&format!("- {line}\n"));
        }
    }
    out
}

/// Every row with every column: `--wide`.
fn wide(rows: &[Row]) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED).set_header(
        ["scenario", "flavour"]
            .into_iter()
            .chain(FIGURES)
            .chain(["result"]),
    );
    for row in rows {
        let names = [row.scenario().to_owned(), flavor(row).to_owned()];
        table.add_row(
            names
                .into_iter()
                .chain(figure_cells(row))
                .chain([result(row)]),
        );
    }
    for (index, column) in table.column_iter_mut().enumerate() {
        if (2..2 + FIGURES.len()).contains(&index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(1)));
    }
    table
}

/// A duration in milliseconds, shown as `123.4 ms` or, from a second on, `1.23 s`.
struct Millis(f64);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ms if ms < 999.95 => write!(f, "{ms:.1} ms"),
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

/// A figure: whole numbers without a fraction, others to three significant places.
struct Number(f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if (x.fract() == 0.0 && x.abs() < 1e15) || x.abs() >= 100.0 {
            write!(f, "{x:.0}")
        } else if x.abs() >= 10.0 {
            write!(f, "{x:.1}")
        } else {
            write!(f, "{x:.2}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::tests::measurement;
    use crate::rows::{Measured, Row};

    #[test]
    fn formats_times_sizes_and_figures() {
        assert_eq!(Millis(0.04).to_string(), "0.0 ms");
        assert_eq!(Millis(123.44).to_string(), "123.4 ms");
        assert_eq!(Millis(999.9).to_string(), "999.9 ms");
        assert_eq!(Millis(2_268.8).to_string(), "2.27 s");
        assert_eq!(Kib(12_595).to_string(), "12.3 MiB");
        assert_eq!(Number(4000.0).to_string(), "4000");
        assert_eq!(Number(1.234).to_string(), "1.23");
        assert_eq!(Number(12.34).to_string(), "12.3");
    }

    /// Rows of every scenario in the catalogue with a long result, three flavours each, one of
    /// them failed, and one repeated.
    fn sample() -> Vec<Row> {
        let long = "no lock: 1049 of 4000 (2951 lost); with the lock: 4000 of 4000; ".repeat(3);
        let mut rows = Vec::new();
        for entry in catalogue::ALL {
            for flavor in ["threads", "tokio", "tokio-local"] {
                let mut m = measurement(entry.name, flavor, &long);
                m.wall_ms = 12_345.6;
                m.voluntary_switches = 1_234_567;
                m.involuntary_switches = 7_654_321;
                rows.push(Row::Measured(Measured::of(vec![m.clone(), m.clone()])));
            }
            rows.push(Row::Failed {
                scenario: entry.name,
                flavor: "tokio",
                error: "unit `main` panicked: the figures could not be measured at all".into(),
            });
        }
        rows
    }

    #[test]
    fn blocks_fit_the_width() {
        let rows = sample();
        for width in [80, 100, 120] {
            let text = report(&rows, Layout::Blocks { width });
            for line in text.lines() {
                let columns = line.chars().count();
                assert!(columns <= usize::from(width), "{columns} > {width}: {line}");
            }
            assert!(text.contains("FAILED: unit `main` panicked"));
            assert!(text.contains("slow sale: shared on every flavour"));
        }
    }

    #[test]
    fn markdown_puts_results_first() {
        let rows = sample();
        let text = report(&rows[..4], Layout::Markdown);
        let results = text.find("| result").unwrap();
        let figures = text.find("|    wall").unwrap();
        assert!(results < figures, "the results table comes first");
        assert!(text.contains("| tokio-local |"));
        assert!(!text.contains('└'));
    }
}
