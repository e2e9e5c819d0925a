//! `check`'s results: one row per metric of each scenario, with every witness's verdict.

use crate::analytic::{self, ClosedForm};
use crate::exact::Exact;
use crate::metric::Metric;
use crate::report::RunReport;
use crate::scenario::Scenario;
use crate::stats::{self, Detectable, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// Largest relative difference between a closed form and its reference.
pub const REFERENCE_TOLERANCE: f64 = 1e-12;

/// The committed closed forms of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub scenario: String,
    pub source: String,
    pub closed_forms: BTreeMap<String, Option<f64>>,
}

/// The closed forms a reference records: path, client, and the median of `first`.
pub fn closed_forms(
    scenario: &Scenario,
    formula: &dyn Fn(&Scenario) -> ClosedForm,
) -> BTreeMap<String, Option<f64>> {
    let p = formula(scenario).value();
    let mut metrics = vec![Metric::Path, Metric::Client, Metric::First];
    if scenario.guards.is_some() {
        metrics.push(Metric::Guard);
    }
    metrics
        .into_iter()
        .map(|m| {
            (
                m.name().to_string(),
                analytic::closed_form_given(scenario, p, m),
            )
        })
        .collect()
}

/// Whether a closed form equals its recorded reference (to [`REFERENCE_TOLERANCE`]).
pub fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || (a - b).abs() <= REFERENCE_TOLERANCE * a.abs().max(b.abs()),
        _ => false,
    }
}

/// The checks one scenario adds to a run's Bonferroni count: each simulated metric tested
/// against a closed form or, where the exact computation fits, against the exact value, and
/// the importance-sampling row where the scenario admits it.
pub fn checks_of(
    s: &Scenario,
    formula: &dyn Fn(&Scenario) -> ClosedForm,
    exact: Option<&Exact>,
) -> usize {
    let forms = closed_forms(s, formula);
    let simulated = match exact {
        Some(_) => forms.len(),
        None => forms.values().filter(|v| v.is_some()).count(),
    };
    let importance = importance_expected(s, formula, exact).is_some();
    simulated + usize::from(importance)
}

/// Tilted paths an importance-sampling check draws per scenario (at most the scenario's
/// clients).
pub const IMPORTANCE_CLIENTS: u64 = 1 << 18;

/// The path probability an importance-sampling check tests (closed form, else exact), when
/// the scenario admits importance sampling.
pub fn importance_expected(
    s: &Scenario,
    formula: &dyn Fn(&Scenario) -> ClosedForm,
    exact: Option<&Exact>,
) -> Option<f64> {
    crate::importance::supports(s).ok()?;
    formula(s).value().or(exact.map(|e| e.path))
}

/// The `path-importance` row from importance sampling's sums: the normal test against
/// `expected` at level `alpha`, combined with the path row's reference status.
pub fn importance_check_row(
    sums: &crate::importance::Sums,
    expected: f64,
    alpha: f64,
    path_row: &CheckRow,
) -> CheckRow {
    let p_value = sums.p_value(expected);
    let (lo, hi) = sums.interval();
    let monte_carlo = Verdict::from_p_value(p_value, alpha);
    let verdict =
        CheckVerdict::combine(monte_carlo, path_row.reference_status, ExactStatus::Unknown);
    CheckRow {
        metric: Metric::PathImportance,
        estimate: Some(sums.estimate()),
        ci95: [Some(lo), Some(hi)],
        hits: sums.hits,
        samples: sums.samples,
        p_value: Some(p_value),
        monte_carlo,
        // The normal test at level α has power POWER against an error of
        // (z_{1−α/2} + z_{POWER}) standard errors.
        detectable: (expected > 0.0).then(|| {
            let z = |q: f64| {
                use statrs::distribution::{ContinuousCDF, Normal};
                Normal::standard().inverse_cdf(q)
            };
            Detectable::Relative(
                (z(1.0 - alpha / 2.0) + z(POWER)) * sums.standard_error() / expected,
            )
        }),
        verdict,
        ..path_row.clone()
    }
}

/// A scenario's check rows from its run report: each metric's simulated test, its reference
/// and the exact computation combined into one verdict ([`CheckVerdict::combine`]), with the
/// error each test detects with probability [`POWER`].
pub fn rows_of(
    report: &RunReport,
    s: &Scenario,
    p: Option<f64>,
    reference: Option<&Reference>,
    alpha: f64,
    exact: Option<&Exact>,
) -> Vec<CheckRow> {
    report
        .results
        .iter()
        .map(|r| {
            let recorded = reference.and_then(|f| f.closed_forms.get(r.metric.name()).copied());
            let reference_status = match recorded {
                None => ReferenceStatus::Missing,
                Some(v) if same(v, r.closed_form) => ReferenceStatus::Match,
                Some(_) => ReferenceStatus::Differs,
            };
            // The probability the test was about: for `first`, the CDF at the tested k.
            let tested_at = r.first().and_then(|f| f.tested_at_paths);
            let tested = match (r.metric, analytic::Laws::given(s, p).client) {
                (Metric::First, Some(law)) => tested_at.map(|k| law.cdf(k)),
                (Metric::First, None) => None,
                _ => r.closed_form,
            };
            let exact_value = exact.and_then(|e| e.metric(r.metric, s.run.paths));
            let exact_status = match (exact_value, r.closed_form) {
                (Some(e), Some(c)) if super::exact_agrees(e, c) => ExactStatus::Match,
                (Some(e), Some(c)) if r.metric == Metric::First && (e - c).abs() <= 1.0 => {
                    ExactStatus::Match
                }
                (Some(_), Some(_)) => ExactStatus::Differs,
                _ => ExactStatus::Unknown,
            };
            // Without a closed form the test was against the exact law.
            let tested = tested.or_else(|| {
                let law = &exact?.law;
                match r.metric {
                    Metric::First => tested_at.map(|k| law.cdf(k)),
                    _ => exact_value,
                }
            });
            let detectable = tested.map(|q| stats::detectable_error(r.samples, q, alpha, POWER));
            let verdict = CheckVerdict::combine(r.verdict, reference_status, exact_status);
            CheckRow {
                scenario: s.name.clone(),
                source: s.source.clone(),
                metric: r.metric,
                closed_form: r.closed_form,
                reference: recorded.flatten(),
                reference_status,
                estimate: r.estimate,
                ci95: r.ci95,
                hits: r.hits,
                samples: r.samples,
                p_value: r.p_value,
                exact: exact_value,
                exact_status,
                monte_carlo: r.verdict,
                detectable,
                verdict,
            }
        })
        .collect()
}
