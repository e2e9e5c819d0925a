//! The CDF of the first compromised path: clients compromised by path k, simulated (with a
//! Clopper–Pearson interval at each k) and from the closed form, at the path counts a CDF
//! file reports.

use crate::analytic::{self, client::ClientLaw};
use crate::engine::Counts;
use crate::scenario::Scenario;
use crate::stats;

/// Most rows of a CDF file; longer clients are sampled at log-spaced path counts.
const CDF_ROWS: u64 = 1000;
/// One point of the CDF of the first compromised path.
#[derive(Debug, Clone, PartialEq)]
pub struct CdfPoint {
    pub paths: u64,
    pub days: Option<f64>,
    pub simulated: f64,
    pub ci95: (f64, f64),
    pub closed_form: Option<f64>,
}

/// Path counts at which the CDF is reported: every one up to [`CDF_ROWS`], else log-spaced.
fn cdf_ks(paths: u64) -> Vec<u64> {
    if paths <= CDF_ROWS {
        return (1..=paths).collect();
    }
    let mut ks: Vec<u64> = (0..CDF_ROWS)
        .map(|i| {
            (paths as f64)
                .powf(i as f64 / (CDF_ROWS - 1) as f64)
                .round()
                .max(1.0) as u64
        })
        .collect();
    ks.dedup();
    ks
}

/// The simulated CDF of the first compromised path (clients compromised by path k, with a
/// Clopper–Pearson interval at each k) and its closed form.
pub fn cdf_points(scenario: &Scenario, counts: &Counts) -> Vec<CdfPoint> {
    let law: Option<ClientLaw> = analytic::Laws::of(scenario).client;
    let n = counts.clients;
    cdf_ks(scenario.run.paths)
        .into_iter()
        .map(|k| {
            let hits = counts.first_at_most(k);
            CdfPoint {
                paths: k,
                days: scenario.paths_per_day.map(|d| k as f64 / d),
                simulated: hits as f64 / n as f64,
                ci95: stats::clopper_pearson(hits, n, super::CI_ALPHA),
                closed_form: law.as_ref().map(|l| l.cdf(k)),
            }
        })
        .collect()
}
