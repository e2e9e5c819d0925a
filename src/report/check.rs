//! `check`'s results: one row per metric of each scenario, with every witness's verdict.

use crate::metric::Metric;
use crate::stats::{Detectable, Verdict};
use serde::Serialize;

/// Power at which the detectable error is reported.
pub const POWER: f64 = 0.99;

/// One metric of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    pub scenario: String,
    pub source: String,
    pub metric: Metric,
    pub closed_form: Option<f64>,
    pub reference: Option<f64>,
    pub reference_status: ReferenceStatus,
    pub estimate: Option<f64>,
    pub ci95: [Option<f64>; 2],
    pub hits: u64,
    pub samples: u64,
    pub p_value: Option<f64>,
    /// The exact computation's value (`--method exact`), the third witness; `None` when the
    /// scenario is beyond its size limit.
    pub exact: Option<f64>,
    pub exact_status: ExactStatus,
    /// The Monte Carlo test alone.
    pub monte_carlo: Verdict,
    /// The smallest error of the closed form this run detects with probability 0.99.
    pub detectable: Option<Detectable>,
    /// `disagree` if the Monte Carlo test, the exact computation or the reference comparison
    /// fails; `no-reference` when they agree but there is no reference to compare with.
    pub verdict: CheckVerdict,
}

/// The closed form against the committed reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceStatus {
    /// Equal to 1e-12 relative.
    Match,
    Differs,
    /// No reference file, or no entry for this metric in it.
    Missing,
}

impl ReferenceStatus {
    pub fn name(self) -> &'static str {
        match self {
            ReferenceStatus::Match => "match",
            ReferenceStatus::Differs => "differs",
            ReferenceStatus::Missing => "missing",
        }
    }
}

/// The exact computation against the closed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExactStatus {
    /// Equal to 1e-9 relative (medians: within one path).
    #[serde(rename = "match")]
    Match,
    #[serde(rename = "differs")]
    Differs,
    /// One of the two is missing.
    #[serde(rename = "-")]
    Unknown,
}

impl ExactStatus {
    pub fn name(self) -> &'static str {
        match self {
            ExactStatus::Match => "match",
            ExactStatus::Differs => "differs",
            ExactStatus::Unknown => "-",
        }
    }
}

/// The verdict of one check: the simulation's and exact computation's, combined with the
/// comparison against the committed reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckVerdict {
    Agree,
    Disagree,
    NoClosedForm,
    /// Nothing disagrees, but no reference value is recorded for this closed form: the check
    /// is incomplete (`--update-reference` records one).
    NoReference,
}

impl CheckVerdict {
    pub fn name(self) -> &'static str {
        match self {
            CheckVerdict::Agree => "agree",
            CheckVerdict::Disagree => "disagree",
            CheckVerdict::NoClosedForm => "no-closed-form",
            CheckVerdict::NoReference => "no-reference",
        }
    }

    /// The simulation's verdict `monte_carlo` with the reference and exact comparisons.
    pub fn combine(monte_carlo: Verdict, reference: ReferenceStatus, exact: ExactStatus) -> Self {
        if monte_carlo == Verdict::Disagree
            || reference == ReferenceStatus::Differs
            || exact == ExactStatus::Differs
        {
            CheckVerdict::Disagree
        } else if reference == ReferenceStatus::Missing {
            CheckVerdict::NoReference
        } else if monte_carlo == Verdict::NoClosedForm {
            CheckVerdict::NoClosedForm
        } else {
            CheckVerdict::Agree
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub family_alpha: f64,
    pub alpha_per_check: f64,
    pub checks: usize,
    pub rows: Vec<CheckRow>,
    pub all_agree: bool,
    pub paths_simulated: u64,
    pub elapsed_seconds: f64,
}
