//! From counts to results: each metric's estimate, exact interval, closed form, p-value and
//! verdict, gathered in the report that every export format renders.

pub mod cdf;
pub mod check;
pub mod network;
pub mod solve;
pub mod sweep;

use crate::analytic::client::ClientLaw;
use crate::analytic::{self, ClosedForm};
use crate::engine::{Counts, Outcome};
use crate::metric::Metric;
use crate::scenario::Scenario;
use crate::stats::{self, Verdict};
use serde::Serialize;

/// How a run gets its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Plain Monte Carlo: the engine's samplers.
    #[default]
    MonteCarlo,
    /// Importance sampling: hops tilted towards the target, paths reweighted (`importance`).
    Importance,
    /// Exact computation (`exact`): no simulation.
    Exact,
}

/// What a method other than plain Monte Carlo did, as data (the table says it in words).
#[derive(Debug, Clone, PartialEq)]
pub enum MethodDetail {
    /// Dynamic programming over `classes` classes of interchangeable servers in `steps` steps.
    Exact { classes: usize, steps: u64 },
    /// The `tor` policy's sums over `relays` relays (analytic::tor).
    TorSums { relays: usize },
    /// Importance sampling with hops tilted by `tilt`: the path estimate's effective sample
    /// size, and how many times the tilted paths (`plain_ratio`) or all paths drawn
    /// (`plain_ratio_all`) plain Monte Carlo needs for the same precision.
    Importance {
        tilt: f64,
        tilted_paths: u64,
        effective_sample_size: f64,
        plain_ratio: Option<f64>,
        plain_ratio_all: Option<f64>,
        paths_drawn: u64,
    },
}

/// Confidence level of every reported interval.
pub const CI_ALPHA: f64 = 0.05;

/// One metric's line of results (docs/model.md, "What the output means").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub metric: Metric,
    pub hits: u64,
    pub samples: u64,
    /// Path and client: hits / samples. First: the simulated median number of paths (`None`
    /// when the median lies beyond the paths a client builds).
    pub estimate: Option<f64>,
    pub ci95: [Option<f64>; 2],
    pub closed_form: Option<f64>,
    pub p_value: Option<f64>,
    pub verdict: Verdict,
    /// What only the `first` metric, or only importance sampling, has (in JSON, fields of
    /// the row itself).
    #[serde(flatten)]
    pub detail: Detail,
}

/// The fields of a row that only some rows have: a row holds one kind or none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    Plain,
    First(FirstDetail),
    Importance(ImportanceDetail),
}

/// The `first` metric's own fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstDetail {
    /// The path count k at which the simulated CDF is tested (the closed-form median, or the
    /// paths per client when that is smaller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tested_at_paths: Option<u64>,
    /// The simulated median as text, "> M" when beyond the paths simulated.
    pub median: String,
    /// The closed-form mean 1/p (`None` when infinite or unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_closed_form: Option<f64>,
    /// Quantiles of the paths (and days) until the first compromised path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quantiles: Vec<Quantile>,
}

/// An importance-sampling row's own fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportanceDetail {
    /// Kish's effective sample size of the weighted samples.
    pub effective_sample_size: f64,
    /// How many times more samples plain Monte Carlo needs for the same precision,
    /// p̂(1 − p̂)/s².
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_monte_carlo_ratio: Option<f64>,
}

impl MetricRow {
    /// A row of `metric` with its counts and estimate, and nothing else filled in yet.
    fn new(metric: Metric, hits: u64, samples: u64, estimate: Option<f64>) -> MetricRow {
        MetricRow {
            metric,
            hits,
            samples,
            estimate,
            ci95: [None, None],
            closed_form: None,
            p_value: None,
            verdict: Verdict::NoClosedForm,
            detail: Detail::Plain,
        }
    }

    /// The `first` metric's own fields, on its row.
    pub fn first(&self) -> Option<&FirstDetail> {
        match &self.detail {
            Detail::First(f) => Some(f),
            _ => None,
        }
    }

    fn first_mut(&mut self) -> Option<&mut FirstDetail> {
        match &mut self.detail {
            Detail::First(f) => Some(f),
            _ => None,
        }
    }
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

/// Everything one run produced (docs/model.md, "What the output means").
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub scenario: String,
    /// `monte-carlo`, `importance` or `exact`.
    pub method: Method,
    /// How the method went (classes and steps of an exact computation, the tilt of importance
    /// sampling and its gain), which the table renders as a note.
    #[serde(skip)]
    pub method_detail: Option<MethodDetail>,
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
    /// `[run] horizons`: the clients compromised by each of those days.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub horizons: Vec<Horizon>,
}

/// The share of clients whose first compromised path came by day `days` (path `paths`, the
/// CDF of the first compromised path there), its 95% Clopper–Pearson interval and the closed
/// form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Horizon {
    pub days: f64,
    pub paths: u64,
    pub estimate: f64,
    pub ci95: [f64; 2],
    pub closed_form: Option<f64>,
}

impl RunReport {
    pub fn any_disagree(&self) -> bool {
        self.results.iter().any(|r| r.verdict == Verdict::Disagree)
    }

    pub fn row(&self, metric: Metric) -> Option<&MetricRow> {
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

fn proportion_row(metric: Metric, hits: u64, n: u64, closed: Option<f64>, alpha: f64) -> MetricRow {
    let (lo, hi) = stats::clopper_pearson(hits, n, CI_ALPHA);
    let (p_value, verdict) = test(hits, n, closed, alpha);
    MetricRow {
        ci95: [Some(lo), Some(hi)],
        closed_form: closed,
        p_value,
        verdict,
        ..MetricRow::new(metric, hits, n, Some(hits as f64 / n as f64))
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
        ci95,
        closed_form: law.and_then(ClientLaw::median).map(|k| k as f64),
        p_value,
        verdict,
        detail: Detail::First(FirstDetail {
            tested_at_paths: tested_at,
            median: median.map_or(format!("> {paths}"), |k| k.to_string()),
            mean_closed_form: law.map(ClientLaw::mean).filter(|m| m.is_finite()),
            quantiles,
        }),
        ..MetricRow::new(Metric::First, hits, n, median.map(|k| k as f64))
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
    analyse_with(scenario, outcome, alpha, closed, None)
}

/// As [`analyse_against`], with an exact computation as the witness of every metric the
/// closed forms miss: the rows then show no closed form, and test the counts against the
/// exact values instead.
pub fn analyse_with(
    scenario: &Scenario,
    outcome: &Outcome,
    alpha: f64,
    closed: ClosedForm,
    exact: Option<&crate::exact::Exact>,
) -> RunReport {
    let c = &outcome.counts;
    let p = closed.value();
    let paths = scenario.run.paths;
    // The client's law follows from the path probability given here, unless guards make the
    // paths of a client dependent; then it comes from the guard closed forms.
    let laws = analytic::Laws::given(scenario, p);
    let law = laws.client.clone();
    let witness_law = law.clone().or(exact.map(|e| e.law.clone()));
    let tested = |row: MetricRow, closed: Option<f64>| -> MetricRow {
        MetricRow {
            closed_form: closed,
            ..row
        }
    };
    let client_closed = laws.metric(Metric::Client);
    let mut results = vec![
        tested(
            match scenario.guards {
                // A client's paths share its guards, so only one path per client is an
                // independent sample: its first.
                Some(_) => proportion_row(
                    Metric::Path,
                    c.first_path_hits,
                    c.clients,
                    p.or(exact.map(|e| e.path)),
                    alpha,
                ),
                None => proportion_row(
                    Metric::Path,
                    c.path_hits,
                    c.paths_drawn,
                    p.or(exact.map(|e| e.path)),
                    alpha,
                ),
            },
            p,
        ),
        tested(
            proportion_row(
                Metric::Client,
                c.client_hits,
                c.clients,
                witness_law.as_ref().map(|l| l.cdf(paths)),
                alpha,
            ),
            client_closed,
        ),
    ];
    let mut first = first_row(
        c,
        paths,
        witness_law.as_ref(),
        scenario.paths_per_day,
        alpha,
    );
    if law.is_none() {
        first.closed_form = None;
        if let Some(f) = first.first_mut() {
            f.mean_closed_form = None;
            f.quantiles.iter_mut().for_each(|q| {
                q.closed_form_paths = None;
                q.closed_form_days = None;
            });
        }
    }
    results.push(first);
    if scenario.guards.is_some() {
        let closed = laws.guard;
        results.push(tested(
            proportion_row(
                Metric::Guard,
                c.guard_hits,
                c.clients,
                closed.or(exact.and_then(|e| e.guard)),
                alpha,
            ),
            closed,
        ));
    }
    RunReport {
        scenario: scenario.name.clone(),
        method: Method::MonteCarlo,
        method_detail: None,
        description: scenario.description.clone(),
        network: scenario.network_summary(),
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
        horizons: horizons(scenario, c, law.as_ref()),
    }
}

/// The rows of `[run] horizons` from the counts and the client law.
fn horizons(
    scenario: &Scenario,
    c: &Counts,
    law: Option<&analytic::client::ClientLaw>,
) -> Vec<Horizon> {
    let per_day = scenario.paths_per_day.unwrap_or(1.0);
    scenario
        .horizons
        .iter()
        .map(|&days| {
            let paths = (days * per_day).round() as u64;
            let hits = c.first_at_most(paths);
            let (lo, hi) = crate::stats::clopper_pearson(hits, c.clients, 0.05);
            Horizon {
                days,
                paths,
                estimate: hits as f64 / c.clients.max(1) as f64,
                ci95: [lo, hi],
                closed_form: law.map(|l| l.cdf(paths)),
            }
        })
        .collect()
}

/// One case of `pathrisk reproduce`.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub id: String,
    pub description: String,
    #[serde(flatten)]
    pub report: RunReport,
}

/// The whole reproduction (issue 2, item 7): its cases (the exporters draw the conclusion
/// from them, `export::conclusion`).
#[derive(Debug, Clone, Serialize)]
pub struct ReproduceReport {
    pub cases: Vec<CaseReport>,
    pub elapsed_seconds: f64,
}

/// Relative tolerance between an exact computation and a closed form.
pub const EXACT_TOLERANCE: f64 = 1e-9;

/// Whether an exact value and a closed form agree to [`EXACT_TOLERANCE`].
pub fn exact_agrees(exact: f64, closed: f64) -> bool {
    (exact - closed).abs() <= EXACT_TOLERANCE * exact.abs().max(closed.abs()) + 1e-300
}

/// The verdict of an exact value against an optional closed form.
fn exact_verdict(exact: Option<f64>, closed: Option<f64>) -> Verdict {
    match (exact, closed) {
        (Some(e), Some(c)) if exact_agrees(e, c) => Verdict::Agree,
        (None, None) => Verdict::Agree,
        (_, None) => Verdict::NoClosedForm,
        _ => Verdict::Disagree,
    }
}

fn header(scenario: &Scenario, method: Method, closed: &ClosedForm) -> RunReport {
    RunReport {
        scenario: scenario.name.clone(),
        method,
        method_detail: None,
        description: scenario.description.clone(),
        network: scenario.network_summary(),
        seed: scenario.run.seed,
        threads: 1,
        trials: scenario.run.trials,
        paths: scenario.run.paths,
        hops: scenario.hops,
        selection: scenario.selection.name(),
        target: scenario.adversary.target.describe(&scenario.network),
        event: scenario.adversary.event.name(),
        results: Vec::new(),
        paths_simulated: 0,
        paths_per_day: scenario.paths_per_day,
        elapsed_seconds: 0.0,
        no_closed_form_reason: match closed {
            ClosedForm::Missing(r) => Some(r.clone()),
            ClosedForm::Exact(_) => None,
        },
        horizons: Vec::new(),
    }
}

fn exact_row(metric: Metric, exact: Option<f64>, closed: Option<f64>) -> MetricRow {
    MetricRow {
        ci95: [exact, exact],
        closed_form: closed,
        verdict: exact_verdict(exact, closed),
        ..MetricRow::new(metric, 0, 0, exact)
    }
}

/// The report of an exact computation: each metric's exact value (its interval a point) and
/// its closed form, `agree` when they match to [`EXACT_TOLERANCE`].
pub fn from_exact(scenario: &Scenario, exact: &crate::exact::Exact, seconds: f64) -> RunReport {
    let closed = analytic::path_probability(scenario);
    let laws = analytic::Laws::of(scenario);
    let law = laws.client.clone();
    let m = scenario.run.paths;
    let mut first = exact_row(
        Metric::First,
        exact.law.median().map(|k| k as f64),
        law.as_ref().and_then(ClientLaw::median).map(|k| k as f64),
    );
    // Medians are path counts: equal, or within the tolerance, agree; no law, no verdict.
    first.verdict = match (&law, first.estimate, first.closed_form) {
        (None, _, _) => Verdict::NoClosedForm,
        (Some(_), None, None) => Verdict::Agree,
        (Some(_), Some(e), Some(c)) if (e - c).abs() <= (EXACT_TOLERANCE * c).max(1.0) => {
            Verdict::Agree
        }
        _ => Verdict::Disagree,
    };
    let days = |k: Option<u64>| scenario.paths_per_day.and_then(|d| k.map(|k| k as f64 / d));
    let quantiles = QUANTILES
        .iter()
        .map(|&q| {
            let (e, c) = (
                exact.law.quantile(q),
                law.as_ref().and_then(|l| l.quantile(q)),
            );
            Quantile {
                q,
                paths: e,
                closed_form_paths: c,
                days: days(e),
                closed_form_days: days(c),
            }
        })
        .collect();
    first.detail = Detail::First(FirstDetail {
        tested_at_paths: None,
        median: exact.law.median().map_or("never".into(), |k| k.to_string()),
        mean_closed_form: law.as_ref().map(ClientLaw::mean).filter(|x| x.is_finite()),
        quantiles,
    });
    let mut results = vec![
        exact_row(Metric::Path, Some(exact.path), laws.path),
        exact_row(
            Metric::Client,
            Some(exact.law.cdf(m)),
            laws.metric(Metric::Client),
        ),
        first,
    ];
    if scenario.guards.is_some() {
        results.push(exact_row(Metric::Guard, exact.guard, laws.guard));
    }
    let mut r = header(scenario, Method::Exact, &closed);
    r.method_detail = Some(match &scenario.tor {
        Some(relays) if scenario.selection == crate::select::Selection::Tor => {
            MethodDetail::TorSums {
                relays: relays.len(),
            }
        }
        _ => MethodDetail::Exact {
            classes: exact.classes,
            steps: exact.steps,
        },
    });
    r.results = results;
    r.elapsed_seconds = seconds;
    r
}

fn importance_row(
    metric: Metric,
    sums: &crate::importance::Sums,
    closed: Option<f64>,
    alpha: f64,
) -> MetricRow {
    let (lo, hi) = sums.interval();
    let p_value = closed.map(|c| sums.p_value(c));
    MetricRow {
        ci95: [Some(lo), Some(hi)],
        closed_form: closed,
        p_value,
        verdict: p_value.map_or(Verdict::NoClosedForm, |pv| Verdict::from_p_value(pv, alpha)),
        detail: Detail::Importance(ImportanceDetail {
            effective_sample_size: sums.effective_sample_size(),
            plain_monte_carlo_ratio: sums.plain_ratio(),
        }),
        ..MetricRow::new(metric, sums.hits, sums.samples, Some(sums.estimate()))
    }
}

/// The report of an importance-sampling run: path and client estimates with their normal
/// intervals, effective sample sizes and gains over plain Monte Carlo, tested against the
/// closed forms (or, where given, the exact values) with the normal test.
pub fn from_importance(
    scenario: &Scenario,
    outcome: &crate::importance::Outcome,
    alpha: f64,
    exact: Option<&crate::exact::Exact>,
) -> RunReport {
    let closed = analytic::path_probability(scenario);
    let m = scenario.run.paths;
    let laws = analytic::Laws::of(scenario);
    let path = laws.path.or(exact.map(|e| e.path));
    let client = laws.metric(Metric::Client).or(exact.map(|e| e.law.cdf(m)));
    let mut r = header(scenario, Method::Importance, &closed);
    r.results = vec![
        importance_row(Metric::Path, &outcome.path, path, alpha),
        importance_row(Metric::Client, &outcome.client, client, alpha),
    ];
    let ratio = outcome.path.plain_ratio();
    let over_all = ratio.map(|r| r * outcome.path.samples as f64 / outcome.paths_drawn as f64);
    r.method_detail = Some(MethodDetail::Importance {
        tilt: crate::importance::TILT,
        tilted_paths: outcome.path.samples,
        effective_sample_size: outcome.path.effective_sample_size(),
        plain_ratio: ratio,
        plain_ratio_all: over_all,
        paths_drawn: outcome.paths_drawn,
    });
    r.threads = outcome.threads;
    r.paths_simulated = outcome.paths_drawn;
    r.elapsed_seconds = outcome.elapsed_seconds;
    r
}
