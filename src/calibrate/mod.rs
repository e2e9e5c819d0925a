//! `pathrisk calibrate` (issue 19): how often each interval pathrisk prints holds the exact
//! value, over many seeds of small scenarios whose exact values are known; how often a
//! check's test at α = 0.05 raises a false alarm; and how often it catches a closed form off
//! by exactly the error its "detects" column states.
//!
//! Every seed is a whole run of the product's own pipeline (scenario → engine or importance
//! sampling → report), so what is measured is what a user is shown. The seeds are
//! `1, 2, …, N`: the table is the same on every run and every machine.

use crate::analytic;
use crate::engine::lanes::Isa;
use crate::engine::{self, EngineConfig};
use crate::error::Result;
use crate::metric::Metric;
use crate::report::check::POWER;
use crate::report::{self, MetricRow, RunReport};
use crate::scenario::Scenario;
use crate::select::SamplerKind;
use crate::stats::{self, Detectable};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// Seeds per row by default, and with `--quick`.
pub const DEFAULT_SEEDS: u64 = 1000;
pub const QUICK_SEEDS: u64 = 400;
/// Confidence level of each row's interval for its observed rate (Clopper–Pearson).
pub const RATE_LEVEL: f64 = 0.99;
/// Significance level of the tests whose false alarms and detections are counted.
pub const CHECK_ALPHA: f64 = 0.05;

/// What to run.
#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    pub seeds: u64,
    pub threads: Option<usize>,
    /// The instruction set of the lane kernels (`PATHRISK_ISA`).
    pub isa: Isa,
}

/// What a row's verdict asks of the observed rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Claim {
    /// A conservative interval (Clopper–Pearson, order statistics): coverage at least the
    /// nominal level, or a detection rate at least the stated power.
    AtLeast,
    /// An asymptotic interval (the normal one of importance sampling): coverage the nominal
    /// level within sampling error, either way.
    About,
    /// A false-alarm rate: at most the test's level.
    AtMost,
}

impl Claim {
    /// Whether a rate whose interval is `[low, high]` is consistent with `nominal`.
    pub fn holds(self, nominal: f64, low: f64, high: f64) -> bool {
        match self {
            Claim::AtLeast => high >= nominal,
            Claim::About => low <= nominal && nominal <= high,
            Claim::AtMost => low <= nominal,
        }
    }
}

/// A row's verdict: the observed rate is consistent with the claim, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CalibrationVerdict {
    Ok,
    Off,
}

impl CalibrationVerdict {
    pub fn name(self) -> &'static str {
        match self {
            CalibrationVerdict::Ok => "ok",
            CalibrationVerdict::Off => "off",
        }
    }
}

/// One interval type (or test) on one scenario: how often it held over `seeds` seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRow {
    pub interval: String,
    pub scenario: String,
    pub nominal: f64,
    /// Seeds on which the interval held the exact value (or the test rejected, for the
    /// false-alarm and detection rows), as a fraction.
    pub observed: f64,
    /// The observed rate's own 99% interval.
    pub low: f64,
    pub high: f64,
    pub seeds: u64,
    pub verdict: CalibrationVerdict,
    #[serde(skip)]
    pub claim: Claim,
}

impl CalibrationRow {
    fn new(
        interval: impl Into<String>,
        scenario: &str,
        nominal: f64,
        claim: Claim,
        held: u64,
        seeds: u64,
    ) -> CalibrationRow {
        let (low, high) = stats::clopper_pearson(held, seeds, 1.0 - RATE_LEVEL);
        CalibrationRow {
            interval: interval.into(),
            scenario: scenario.to_string(),
            nominal,
            observed: held as f64 / seeds as f64,
            low,
            high,
            seeds,
            verdict: if claim.holds(nominal, low, high) {
                CalibrationVerdict::Ok
            } else {
                CalibrationVerdict::Off
            },
            claim,
        }
    }
}

/// Everything `calibrate` measured.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    pub rows: Vec<CalibrationRow>,
    /// Rows not run, and why (the `tor` rows without the real data).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    #[serde(skip)]
    pub elapsed_seconds: f64,
}

impl CalibrationReport {
    pub fn any_off(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.verdict == CalibrationVerdict::Off)
    }
}

/// The scenarios, each small enough to run thousands of times, each with exact values (its
/// closed forms, themselves checked against exact computation by `check`).
struct Case {
    name: &'static str,
    toml: &'static str,
}

/// Proportions near the middle of a check's range: p = 1/400 per path (a 5% operator holding
/// both hops), 40 000 paths a run (about 100 hits), and the client metric over 10 paths.
const PROPORTIONS: Case = Case {
    name: "uniform-20-2-hops",
    toml: "[network]\nuniform = { operators = 20 }\n[path]\nhops = 2\n[adversary]\ntarget = { entity = \"op1\" }\n[run]\ntrials = 4000\npaths = 10\n",
};

/// The first compromised path: p = 1/100 per path, 400 paths per client (median 69), 300
/// clients a run.
const FIRST: Case = Case {
    name: "uniform-10-2-hops",
    toml: "[network]\nuniform = { operators = 10 }\n[path]\nhops = 2\n[adversary]\ntarget = { entity = \"op1\" }\n[run]\ntrials = 300\npaths = 400\n",
};

/// A rare event for importance sampling: a 1% operator holding all 3 hops, p = 10^-6, 2000
/// tilted paths a run, 100 paths per client.
const RARE: Case = Case {
    name: "uniform-100-3-hops",
    toml: "[network]\nuniform = { operators = 100 }\n[path]\nhops = 3\n[adversary]\ntarget = { entity = \"op1\" }\n[run]\ntrials = 2000\npaths = 100\n",
};

/// The `tor` policy on the real 2019-12-15 consensus: Hetzner's blocks at both ends of a
/// fresh circuit (p = 1.49·10^-4, exact by tor's sums), 800 000 circuits a run (about 120
/// hits), 40 per client.
const TOR: Case = Case {
    name: "tor-2019-12-15-hetzner-ends",
    toml: "[network]\ntor = { consensus = \"$PATHRISK_DATA/tor/2019-12-15T1300/cached-microdesc-consensus.xz\", microdescriptors = [\"$PATHRISK_DATA/tor/2019-12-15T1300/cached-microdescs.xz\", \"$PATHRISK_DATA/tor/2019-12-15T1300/cached-microdescs.new.xz\"] }\n[path]\nselection = \"tor\"\n[adversary]\ntarget = { ipv4 = [\"5.9.0.0/16\", \"46.4.0.0/16\", \"78.46.0.0/15\", \"88.198.0.0/16\", \"88.99.0.0/16\", \"136.243.0.0/16\", \"138.201.0.0/16\", \"144.76.0.0/16\", \"148.251.0.0/16\", \"159.69.0.0/16\", \"176.9.0.0/16\", \"178.63.0.0/16\", \"195.201.0.0/16\", \"94.130.0.0/16\", \"95.216.0.0/16\", \"95.217.0.0/16\", \"116.202.0.0/16\", \"116.203.0.0/16\"] }\nevent = \"ends\"\n[run]\ntrials = 20000\npaths = 40\n",
};

impl Case {
    fn scenario(&self) -> Result<Scenario> {
        Ok(Scenario::parse(
            self.toml,
            self.name,
            Path::new("."),
            self.name,
        )?)
    }
}

/// Runs every row.
pub fn calibrate(options: &CalibrateOptions) -> Result<CalibrationReport> {
    let start = std::time::Instant::now();
    let pool = engine::thread_pool(options.threads)?;
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    pool.install(|| -> Result<()> {
        rows.extend(proportions(options)?);
        rows.extend(first(options)?);
        rows.extend(rare(options)?);
        match TOR.scenario() {
            Ok(s) => rows.extend(tor(&s, options)?),
            // The real data is not in a fresh clone: the rows are skipped with a line.
            Err(e) => skipped.push(format!("the tor rows ({}): {e}", TOR.name)),
        }
        Ok(())
    })?;
    Ok(CalibrationReport {
        rows,
        skipped,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    })
}

/// `f` of the scenario under each seed `1..=seeds`, in parallel, in seed order.
fn each_seed<T: Send>(
    s: &Scenario,
    seeds: u64,
    f: impl Fn(&Scenario) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    (1..=seeds)
        .into_par_iter()
        .map(|seed| {
            let mut s = s.clone();
            s.run.seed = seed;
            f(&s)
        })
        .collect()
}

/// The engine's settings for one seed's run: the pool `calibrate` runs the seeds on (the
/// same `threads`, so the same pool: a run's chunks join the seeds' work there, where a pool
/// of its own would block a worker of this one, which then takes up another seed inside the
/// wait, and so on down the stack).
fn config(o: &CalibrateOptions) -> EngineConfig {
    EngineConfig {
        threads: o.threads,
        sampler: SamplerKind::Fast,
        isa: o.isa,
    }
}

/// A case's rows from its seeds' outcomes: row `i` held (or rejected) on the seeds whose
/// `i`-th outcome is true.
fn rows<const K: usize>(
    scenario: &str,
    specs: [(String, f64, Claim); K],
    runs: &[[bool; K]],
) -> Vec<CalibrationRow> {
    let seeds = runs.len() as u64;
    specs
        .into_iter()
        .enumerate()
        .map(|(i, (interval, nominal, claim))| {
            let held = runs.iter().filter(|r| r[i]).count() as u64;
            CalibrationRow::new(interval, scenario, nominal, claim, held, seeds)
        })
        .collect()
}

/// One plain Monte Carlo run, analysed as `run` analyses it.
fn monte_carlo(s: &Scenario, o: &CalibrateOptions) -> Result<(engine::Outcome, RunReport)> {
    let outcome = engine::simulate(s, &config(o), &|_| {})?;
    let report = report::analyse(s, &outcome, CHECK_ALPHA);
    Ok((outcome, report))
}

fn metric(r: &RunReport, m: Metric) -> &MetricRow {
    r.row(m).expect("every run reports path and client")
}

/// Whether `[low, high]` (a bound `None`: beyond the paths a client builds, so unbounded
/// above) holds `value`.
fn holds(ci: [Option<f64>; 2], value: f64) -> bool {
    ci[0].is_some_and(|l| l <= value) && ci[1].is_none_or(|h| value <= h)
}

fn exact(s: &Scenario, m: Metric) -> f64 {
    analytic::Laws::of(s)
        .metric(m)
        .expect("the calibration scenarios have closed forms")
}

/// Clopper–Pearson for path and client, the false alarms of the path test, and its
/// detection of a closed form off by its "detects" amount, above and below.
fn proportions(o: &CalibrateOptions) -> Result<Vec<CalibrationRow>> {
    let s = PROPORTIONS.scenario()?;
    let (p, client) = (exact(&s, Metric::Path), exact(&s, Metric::Client));
    let n = s.run.trials * s.run.paths;
    let delta = match stats::detectable_error(n, p, CHECK_ALPHA, POWER) {
        Detectable::Relative(d) => d,
        other => unreachable!("{n} paths at p = {p} detect a relative error: {other:?}"),
    };
    let runs = each_seed(&s, o.seeds, |s| {
        let (outcome, r) = monte_carlo(s, o)?;
        let path = metric(&r, Metric::Path);
        let hits = outcome.counts.path_hits;
        let rejects = |claim: f64| stats::binomial_p_value(hits, n, claim) < CHECK_ALPHA;
        Ok([
            holds(path.ci95, p),
            holds(metric(&r, Metric::Client).ci95, client),
            rejects(p),
            rejects(p * (1.0 + delta)),
            rejects(p * (1.0 - delta)),
        ])
    })?;
    let percent = 100.0 * delta;
    Ok(rows(
        PROPORTIONS.name,
        [
            ("clopper-pearson path".into(), 0.95, Claim::AtLeast),
            ("clopper-pearson client".into(), 0.95, Claim::AtLeast),
            (
                "false alarm: path test at α 0.05".into(),
                CHECK_ALPHA,
                Claim::AtMost,
            ),
            (
                format!("detection: closed form +{percent:.1}% (its detects)"),
                POWER,
                Claim::AtLeast,
            ),
            (
                format!("detection: closed form −{percent:.1}% (its detects)"),
                POWER,
                Claim::AtLeast,
            ),
        ],
        &runs,
    ))
}

/// The first-compromise median's order-statistic interval, and the CDF's pointwise band at
/// the closed form's quartiles.
fn first(o: &CalibrateOptions) -> Result<Vec<CalibrationRow>> {
    let s = FIRST.scenario()?;
    let law = analytic::Laws::of(&s)
        .client
        .expect("the calibration scenarios have closed forms");
    let median = law.median().expect("a median within the paths") as f64;
    let quartiles: Vec<u64> = [0.25, 0.75]
        .iter()
        .map(|&q| law.quantile(q).expect("quartiles within the paths"))
        .collect();
    let runs = each_seed(&s, o.seeds, |s| {
        let (outcome, r) = monte_carlo(s, o)?;
        let points = report::cdf::cdf_points(s, &outcome.counts);
        let band = |k: u64| {
            let p = points
                .iter()
                .find(|p| p.paths == k)
                .expect("every k is a point");
            let exact = law.cdf(k);
            p.ci95.0 <= exact && exact <= p.ci95.1
        };
        Ok([
            holds(metric(&r, Metric::First).ci95, median),
            band(quartiles[0]),
            band(quartiles[1]),
        ])
    })?;
    Ok(rows(
        FIRST.name,
        [
            ("first-compromise median".into(), 0.95, Claim::AtLeast),
            (
                format!("cdf band at {} paths (25%)", quartiles[0]),
                0.95,
                Claim::AtLeast,
            ),
            (
                format!("cdf band at {} paths (75%)", quartiles[1]),
                0.95,
                Claim::AtLeast,
            ),
        ],
        &runs,
    ))
}

/// Importance sampling's normal intervals, path and client, and the false alarms of its test.
fn rare(o: &CalibrateOptions) -> Result<Vec<CalibrationRow>> {
    let s = RARE.scenario()?;
    let (p, client) = (exact(&s, Metric::Path), exact(&s, Metric::Client));
    let runs = each_seed(&s, o.seeds, |s| {
        let outcome = crate::importance::simulate(s, &config(o), &|_| {})?;
        let r = report::from_importance(s, &outcome, CHECK_ALPHA, None);
        let path = metric(&r, Metric::Path);
        Ok([
            holds(path.ci95, p),
            holds(metric(&r, Metric::Client).ci95, client),
            path.p_value.is_some_and(|v| v < CHECK_ALPHA),
        ])
    })?;
    Ok(rows(
        RARE.name,
        [
            ("importance path".into(), 0.95, Claim::About),
            ("importance client".into(), 0.95, Claim::About),
            (
                "false alarm: importance test at α 0.05".into(),
                CHECK_ALPHA,
                Claim::AtMost,
            ),
        ],
        &runs,
    ))
}

/// The `tor` policy's Clopper–Pearson intervals, path and client, against tor's sums.
fn tor(s: &Scenario, o: &CalibrateOptions) -> Result<Vec<CalibrationRow>> {
    let (p, client) = (exact(s, Metric::Path), exact(s, Metric::Client));
    let runs = each_seed(s, o.seeds, |s| {
        let (_, r) = monte_carlo(s, o)?;
        Ok([
            holds(metric(&r, Metric::Path).ci95, p),
            holds(metric(&r, Metric::Client).ci95, client),
        ])
    })?;
    Ok(rows(
        TOR.name,
        [
            ("tor clopper-pearson path".into(), 0.95, Claim::AtLeast),
            ("tor clopper-pearson client".into(), 0.95, Claim::AtLeast),
        ],
        &runs,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verdict rules: a conservative interval may cover more than nominal, not less; an
    /// asymptotic one neither; a false-alarm rate may be lower, not higher.
    #[test]
    fn verdicts_follow_each_claim() {
        let row = |claim, held| CalibrationRow::new("x", "s", 0.95, claim, held, 1000).verdict;
        assert_eq!(row(Claim::AtLeast, 990), CalibrationVerdict::Ok);
        assert_eq!(row(Claim::AtLeast, 950), CalibrationVerdict::Ok);
        assert_eq!(row(Claim::AtLeast, 920), CalibrationVerdict::Off);
        assert_eq!(row(Claim::About, 990), CalibrationVerdict::Off);
        assert_eq!(row(Claim::About, 950), CalibrationVerdict::Ok);
        assert_eq!(row(Claim::About, 920), CalibrationVerdict::Off);
        let alarm = |held| CalibrationRow::new("x", "s", 0.05, Claim::AtMost, held, 1000).verdict;
        assert_eq!(alarm(10), CalibrationVerdict::Ok);
        assert_eq!(alarm(50), CalibrationVerdict::Ok);
        assert_eq!(alarm(80), CalibrationVerdict::Off);
    }

    /// The scenarios parse, and have the exact values the rows compare with.
    #[test]
    fn the_scenarios_have_exact_values() {
        for case in [PROPORTIONS, FIRST, RARE] {
            let s = case.scenario().unwrap();
            for m in [Metric::Path, Metric::Client] {
                assert!(exact(&s, m) > 0.0, "{} {m:?}", case.name);
            }
        }
        let s = PROPORTIONS.scenario().unwrap();
        assert!((exact(&s, Metric::Path) - 1.0 / 400.0).abs() < 1e-15);
        let s = RARE.scenario().unwrap();
        assert!((exact(&s, Metric::Path) - 1e-6).abs() < 1e-18);
    }
}
