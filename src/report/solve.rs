//! `solve`'s results: for each series, every crossing of the bound the search found.

use crate::solve::{Answer, Goal, Spacing};

/// One series' answers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeriesAnswer {
    pub series: String,
    pub method: String,
    /// Every crossing found, in increasing order of the key; one answer with `whole_range`
    /// when the whole range meets the goal; none when no value scanned does.
    pub answers: Vec<Answer>,
    /// `false` when the metric rises and falls over the range: then a bound can be crossed
    /// more than once, and every crossing the scan saw is listed.
    pub monotone: bool,
    /// Key values at which the metric was computed (scan and bisections).
    pub evaluations: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SolveReport {
    pub scenario: String,
    pub key: String,
    pub goal: Goal,
    pub range: (f64, f64),
    pub method: &'static str,
    /// How the scan spaced its points over the range.
    pub spacing: Spacing,
    pub series: Vec<SeriesAnswer>,
}
