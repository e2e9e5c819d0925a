//! `solve`'s results: for each series, every crossing of the bound the search found.

use crate::solve::{Answer, Goal, Spacing};

/// What one series' evaluations were computed on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SolveMethod {
    /// The closed form at every evaluation.
    ClosedForm,
    /// The closed form, or where there is none the exact computation.
    ClosedFormOrExact,
    /// Monte Carlo: intervals of `confidence`, clients ×4 from `start_trials` until the
    /// interval clears the bound, at most `max_trials`.
    Simulation {
        confidence: f64,
        start_trials: u64,
        max_trials: u64,
    },
}

/// One series' answers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeriesAnswer {
    pub series: String,
    /// What the answers were computed on (exports say it in words).
    pub method: SolveMethod,
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
