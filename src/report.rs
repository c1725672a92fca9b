//! What a paired example reports: one line for people and named numbers for machines.
//!
//! Each example in `examples/` is a [`Job`](crate::Job) whose output is an [`Outcome`]. Its own
//! `main` prints the summary once per flavour; the `twinsync` runner runs the same job in a child
//! process per flavour, measures it, and shows the summary beside the figures (`--json` carries
//! the named numbers too). Library code has no need of this module; it exists for the examples
//! and comes with the `runner` feature.

use std::fmt;

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
