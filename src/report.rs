//! From counts to results: each metric's estimate, exact interval, closed form, p-value and
//! verdict, gathered in the report that every export format renders.

use crate::analytic::client::ClientLaw;
use crate::analytic::{self, ClosedForm};
use crate::engine::{Counts, Outcome};
use crate::scenario::Scenario;
use crate::stats::{self, Verdict};
use serde::Serialize;

/// Confidence level of every reported interval.
pub const CI_ALPHA: f64 = 0.05;

/// One metric's line of results (SPEC §5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub metric: &'static str,
    pub hits: u64,
    pub samples: u64,
    /// Path and client: hits / samples. First: the simulated median number of paths (`None`
    /// when the median lies beyond the paths a client builds).
    pub estimate: Option<f64>,
    pub ci95: [Option<f64>; 2],
    pub closed_form: Option<f64>,
    pub p_value: Option<f64>,
    pub verdict: Verdict,
    /// First only: the path count k at which the simulated CDF is tested (the closed-form
    /// median, or the paths per client when that is smaller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tested_at_paths: Option<u64>,
    /// First only: the simulated median as text, "> M" when beyond the paths simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<String>,
    /// First only: the closed-form mean 1/p (`None` when infinite or unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_closed_form: Option<f64>,
    /// First only: quantiles of the paths (and days) until the first compromised path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quantiles: Vec<Quantile>,
}

/// The levels at which the `first` metric reports quantiles.
pub const QUANTILES: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];

/// One quantile of the number of paths until the first compromised one. `None` paths: beyond
/// the paths simulated (simulation) or never reached (closed form).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantile {
    pub q: f64,
    pub paths: Option<u64>,
    pub closed_form_paths: Option<u64>,
    /// With `paths_per_day`: the same in days (paths / paths per day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_form_days: Option<f64>,
}

/// Everything one run produced (SPEC §5).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub scenario: String,
    #[serde(skip)]
    pub description: String,
    #[serde(skip)]
    pub network: String,
    pub seed: u64,
    pub threads: usize,
    pub trials: u64,
    pub paths: u64,
    pub hops: usize,
    pub selection: &'static str,
    pub target: String,
    pub event: &'static str,
    pub results: Vec<MetricRow>,
    pub paths_simulated: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths_per_day: Option<f64>,
    pub elapsed_seconds: f64,
    /// Why there is no closed form, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_closed_form_reason: Option<String>,
}

impl RunReport {
    pub fn any_disagree(&self) -> bool {
        self.results.iter().any(|r| r.verdict == Verdict::Disagree)
    }

    pub fn row(&self, metric: &str) -> Option<&MetricRow> {
        self.results.iter().find(|r| r.metric == metric)
    }
}

fn test(hits: u64, n: u64, closed: Option<f64>, alpha: f64) -> (Option<f64>, Verdict) {
    match closed {
        Some(p) => {
            let pv = stats::binomial_p_value(hits, n, p);
            (Some(pv), Verdict::from_p_value(pv, alpha))
        }
        None => (None, Verdict::NoClosedForm),
    }
}

fn proportion_row(
    metric: &'static str,
    hits: u64,
    n: u64,
    closed: Option<f64>,
    alpha: f64,
) -> MetricRow {
    let (lo, hi) = stats::clopper_pearson(hits, n, CI_ALPHA);
    let (p_value, verdict) = test(hits, n, closed, alpha);
    MetricRow {
        metric,
        hits,
        samples: n,
        estimate: Some(hits as f64 / n as f64),
        ci95: [Some(lo), Some(hi)],
        closed_form: closed,
        p_value,
        verdict,
        tested_at_paths: None,
        median: None,
        mean_closed_form: None,
        quantiles: Vec::new(),
    }
}

/// The smallest k with at least `rank` clients compromised by path k (`None`: beyond M).
fn order_statistic(counts: &Counts, rank: u64) -> Option<u64> {
    let mut cum = 0;
    for (&k, &v) in &counts.first {
        cum += v;
        if cum >= rank {
            return Some(k);
        }
    }
    None
}

fn first_row(
    counts: &Counts,
    paths: u64,
    law: Option<&ClientLaw>,
    per_day: Option<f64>,
    alpha: f64,
) -> MetricRow {
    let n = counts.clients;
    let days = |k: Option<u64>| per_day.and_then(|d| k.map(|k| k as f64 / d));
    let quantiles = QUANTILES
        .iter()
        .map(|&q| {
            let sim = order_statistic(counts, (q * n as f64).ceil().max(1.0) as u64);
            let closed = law.and_then(|l| l.quantile(q));
            Quantile {
                q,
                paths: sim,
                closed_form_paths: closed,
                days: days(sim),
                closed_form_days: days(closed),
            }
        })
        .collect();
    let median = order_statistic(counts, n.div_ceil(2));
    let (l, u) = stats::median_ranks(n, CI_ALPHA);
    let ci95 = [
        order_statistic(counts, l).map(|k| k as f64),
        order_statistic(counts, u).map(|k| k as f64),
    ];
    let (tested_at, expected) = match law {
        Some(law) => {
            let k = law.median().map_or(paths, |m| m.min(paths));
            (Some(k), Some(law.cdf(k)))
        }
        None => (None, None),
    };
    let hits = counts.first_at_most(tested_at.unwrap_or(paths));
    let (p_value, verdict) = test(hits, n, expected, alpha);
    MetricRow {
        metric: "first",
        hits,
        samples: n,
        estimate: median.map(|k| k as f64),
        ci95,
        closed_form: law.and_then(ClientLaw::median).map(|k| k as f64),
        p_value,
        verdict,
        tested_at_paths: tested_at,
        median: Some(median.map_or(format!("> {paths}"), |k| k.to_string())),
        mean_closed_form: law.map(ClientLaw::mean).filter(|m| m.is_finite()),
        quantiles,
    }
}

/// Compares a run's counts with the closed forms of its scenario.
pub fn analyse(scenario: &Scenario, outcome: &Outcome, alpha: f64) -> RunReport {
    analyse_against(
        scenario,
        outcome,
        alpha,
        analytic::path_probability(scenario),
    )
}

/// Compares a run's counts with the given path probability (and the client and first metrics
/// that follow from it). Tests pass deliberately wrong formulas here to see them caught.
pub fn analyse_against(
    scenario: &Scenario,
    outcome: &Outcome,
    alpha: f64,
    closed: ClosedForm,
) -> RunReport {
    let c = &outcome.counts;
    let p = closed.value();
    let paths = scenario.run.paths;
    // The client's law follows from the path probability given here, unless guards make the
    // paths of a client dependent; then it comes from the guard closed forms.
    let law = analytic::client_law_given(scenario, p);
    let mut results = vec![
        match scenario.guards {
            // A client's paths share its guards, so only one path per client is an
            // independent sample: its first.
            Some(_) => proportion_row("path", c.first_path_hits, c.clients, p, alpha),
            None => proportion_row("path", c.path_hits, c.paths_drawn, p, alpha),
        },
        proportion_row(
            "client",
            c.client_hits,
            c.clients,
            law.as_ref().map(|l| l.cdf(paths)),
            alpha,
        ),
        first_row(c, paths, law.as_ref(), scenario.paths_per_day, alpha),
    ];
    if scenario.guards.is_some() {
        let closed = analytic::guards::guard_metric(scenario);
        results.push(proportion_row(
            "guard",
            c.guard_hits,
            c.clients,
            closed,
            alpha,
        ));
    }
    RunReport {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        network: scenario.network.summary(),
        seed: scenario.run.seed,
        threads: outcome.threads,
        trials: scenario.run.trials,
        paths,
        hops: scenario.hops,
        selection: scenario.selection.name(),
        target: scenario.adversary.target.describe(&scenario.network),
        event: scenario.adversary.event.name(),
        results,
        paths_simulated: c.paths_drawn,
        paths_per_day: scenario.paths_per_day,
        elapsed_seconds: outcome.elapsed_seconds,
        no_closed_form_reason: match closed {
            ClosedForm::Missing(r) => Some(r),
            ClosedForm::Exact(_) => None,
        },
    }
}

/// One case of `pathrisk reproduce`.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub id: String,
    pub description: String,
    #[serde(flatten)]
    pub report: RunReport,
}

/// The whole reproduction (issue 2, item 7): its cases and the conclusion drawn from them.
#[derive(Debug, Clone, Serialize)]
pub struct ReproduceReport {
    pub cases: Vec<CaseReport>,
    pub conclusion: String,
    pub elapsed_seconds: f64,
}
