//! Importance sampling (`--method importance`): rare compromises estimated from paths whose
//! hops are tilted towards the target and reweighted by their likelihood ratio.
//!
//! Proposal. At every hop the event looks at, once the label those hops need is known (the
//! target's for an entity or coalition; for `any`, the first hop's entity), the candidates
//! (by the policy's definition, [`Classes::candidates`]) split into needed ones of total weight
//! A and others of weight B. The tilted hop takes a needed candidate with probability
//! θ = max([`TILT`], A/(A+B)), else another, each group in proportion to its weights; the
//! path's likelihood ratio L multiplies by (A/(A+B))/θ or (B/(A+B))/(1−θ). Every other hop is
//! drawn by the policy as is (ratio 1). A path stops as soon as its event is decided (a miss
//! contributes 0, so its remaining hops do not matter).
//!
//! Path metric: Y = L·1{event} has mean p under the proposal (E_q[L f] = E_p[f]), so p̂ is the
//! mean of Y over n paths, and its variance is estimated by the unbiased sample variance s²/n.
//! Client metric (independent paths, M per client): a client draws one tilted path and M − 1
//! paths by the policy; with N the number of compromised paths among the M,
//! Z = M·L·1{tilted path compromised}/N is unbiased for P(N ≥ 1), since
//! E[Z] = Σ_m E_p[1{A_m}/N] = E_p[1{N ≥ 1}] (the path that carries the tilt is exchangeable
//! with the others). When the tilted path is not compromised Z = 0 whatever the others do, so
//! they are drawn only when it is (an early exit). Intervals are the normal (central-limit) ones, p̂ ± 1.96 s/√n, clamped
//! to [0, 1]: asymptotic, sound with many compromised tilted paths (θ = ½ makes them a large
//! fraction) and reported with the effective sample size (Kish's (ΣY)²/ΣY²) and the ratio
//! p̂(1−p̂)/s², which is how many times more paths plain Monte Carlo needs for the same
//! variance. Guards (dependent paths) are not supported.

use crate::adversary::{PathTest, Step};
use crate::engine::{ChunkLayout, EngineConfig};
use crate::error::{InputError, Result};
use crate::scenario::Scenario;
use crate::select::classes::{Candidate, Classes, Hop};
use rand::distr::Distribution;
use rand::{Rng, RngExt};
use rand_distr::weighted::WeightedAliasIndex;

mod tor;

/// Smallest probability a tilted hop gives the needed candidates.
pub const TILT: f64 = 0.5;
/// Draws of the policy's unrestricted table before a hop lists its candidates explicitly.
const REJECTIONS: usize = 32;

/// Running sums of one estimator's samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Sums {
    pub samples: u64,
    /// Samples with a compromise under the proposal.
    pub hits: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Sums {
    fn add(&mut self, y: f64, hit: bool) {
        self.samples += 1;
        self.hits += u64::from(hit);
        self.sum += y;
        self.sum_sq += y * y;
    }

    fn merge(&mut self, o: &Sums) {
        self.samples += o.samples;
        self.hits += o.hits;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.samples as f64
    }

    /// Unbiased sample variance of one sample.
    pub fn variance(&self) -> f64 {
        let n = self.samples as f64;
        if self.samples < 2 {
            return 0.0;
        }
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }

    /// Standard error of the mean.
    pub fn standard_error(&self) -> f64 {
        (self.variance() / self.samples as f64).sqrt()
    }

    /// The estimate of the probability: the mean, which is unbiased but not bounded by 1 (a
    /// client's weight may exceed 1), clamped to [0, 1], which can only bring it closer.
    pub fn estimate(&self) -> f64 {
        self.mean().clamp(0.0, 1.0)
    }

    /// The normal 95% interval around the mean, clamped to [0, 1].
    pub fn interval(&self) -> (f64, f64) {
        let (m, h) = (self.mean(), 1.959_963_984_540_054 * self.standard_error());
        ((m - h).clamp(0.0, 1.0), (m + h).clamp(0.0, 1.0))
    }

    /// Kish's effective sample size (ΣY)²/ΣY² (0 without a compromise).
    pub fn effective_sample_size(&self) -> f64 {
        if self.sum_sq > 0.0 {
            self.sum * self.sum / self.sum_sq
        } else {
            0.0
        }
    }

    /// How many times more samples plain Monte Carlo needs for the same variance:
    /// p̂(1 − p̂)/s² (`None` when the sample variance is 0).
    pub fn plain_ratio(&self) -> Option<f64> {
        let v = self.variance();
        let p = self.mean();
        (v > 0.0).then(|| p * (1.0 - p) / v)
    }

    /// Two-sided p-value of the normal test of `expected` against the estimate.
    pub fn p_value(&self, expected: f64) -> f64 {
        let se = self.standard_error();
        let diff = (self.mean() - expected).abs();
        if se == 0.0 {
            return if diff <= 1e-12 * expected.abs() {
                1.0
            } else {
                0.0
            };
        }
        statrs::function::erf::erfc(diff / se / std::f64::consts::SQRT_2)
    }
}

/// What an importance-sampling run estimated.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub path: Sums,
    pub client: Sums,
    /// Paths drawn, tilted and plain (early exits count as drawn).
    pub paths_drawn: u64,
    pub threads: usize,
    pub elapsed_seconds: f64,
}

/// What the estimators draw: paths by the policy, and tilted paths with their likelihood
/// ratio.
trait Paths {
    /// Whether a path drawn by the policy is compromised.
    fn plain_path<R: Rng + ?Sized>(&mut self, rng: &mut R) -> bool;
    /// A tilted path: whether it is compromised and its likelihood ratio.
    fn tilted_path<R: Rng + ?Sized>(&mut self, rng: &mut R) -> (bool, f64);
}

/// Draws paths by class, plainly or tilted.
struct Sampler<'a> {
    classes: &'a Classes,
    test: &'a PathTest,
    hops: usize,
    /// Per position: the policy's table over classes when nothing is excluded (count × weight).
    tables: Vec<Option<WeightedAliasIndex<f64>>>,
    candidates: Vec<Candidate>,
    prefix: Vec<Hop>,
    labels: Vec<u32>,
}

impl Sampler<'_> {
    fn pick<R: RngExt + ?Sized>(candidates: &[Candidate], total: f64, rng: &mut R) -> Hop {
        let mut x = rng.random::<f64>() * total;
        for c in candidates {
            if x < c.weight {
                return c.hop;
            }
            x -= c.weight;
        }
        candidates.last().expect("a candidate").hop
    }

    /// The next hop by the policy: the unrestricted table, keeping a draw with probability
    /// (allowed units)/(units) — exactly the policy's conditional law — or after
    /// [`REJECTIONS`] refusals, an explicit draw among the candidates (the same law).
    fn plain_hop<R: RngExt + ?Sized>(&mut self, rng: &mut R) -> Hop {
        let position = self.prefix.len();
        let fresh = self.classes.exclusion == crate::select::classes::Exclusion::Units;
        if let Some(table) = &self.tables[position] {
            for _ in 0..REJECTIONS {
                let c = table.sample(rng);
                let count = self.classes.classes[c].count;
                let allowed = self.classes.allowed(&self.prefix, c);
                if allowed == count || (allowed > 0 && rng.random_range(0..count) < allowed) {
                    return Hop {
                        class: c as u32,
                        fresh,
                    };
                }
            }
        }
        self.classes.candidates(&self.prefix, &mut self.candidates);
        let total = self.candidates.iter().map(|c| c.weight).sum();
        Self::pick(&self.candidates, total, rng)
    }

    fn push(&mut self, hop: Hop) -> Step {
        self.prefix.push(hop);
        self.labels.push(self.classes.label(hop));
        self.test.after(&self.labels)
    }
}

impl Paths for Sampler<'_> {
    fn plain_path<R: Rng + ?Sized>(&mut self, rng: &mut R) -> bool {
        self.prefix.clear();
        self.labels.clear();
        loop {
            let hop = self.plain_hop(rng);
            match self.push(hop) {
                Step::Miss => return false,
                Step::Hit => return true,
                Step::Need(_) => {}
            }
        }
    }

    fn tilted_path<R: Rng + ?Sized>(&mut self, rng: &mut R) -> (bool, f64) {
        self.prefix.clear();
        self.labels.clear();
        let mut ratio = 1.0;
        let mut need: Option<u32> = self.test.fixed_need();
        for position in 0..self.hops {
            let hop = match need.filter(|_| self.test.looks_at(position)) {
                None => self.plain_hop(rng),
                Some(label) => {
                    self.classes.candidates(&self.prefix, &mut self.candidates);
                    let total: f64 = self.candidates.iter().map(|c| c.weight).sum();
                    let a: f64 = self
                        .candidates
                        .iter()
                        .filter(|c| self.classes.label(c.hop) == label)
                        .map(|c| c.weight)
                        .sum();
                    let b = total - a;
                    if a <= 0.0 || b <= 0.0 {
                        Self::pick(&self.candidates, total, rng)
                    } else {
                        let theta = TILT.max(a / total);
                        let wanted = rng.random::<f64>() < theta;
                        let group: Vec<Candidate> = self
                            .candidates
                            .iter()
                            .copied()
                            .filter(|c| (self.classes.label(c.hop) == label) == wanted)
                            .collect();
                        if wanted {
                            ratio *= (a / total) / theta;
                            Self::pick(&group, a, rng)
                        } else {
                            ratio *= (b / total) / (1.0 - theta);
                            Self::pick(&group, b, rng)
                        }
                    }
                }
            };
            match self.push(hop) {
                Step::Miss => return (false, ratio),
                Step::Hit => return (true, ratio),
                Step::Need(n) => need = Some(n),
            }
        }
        unreachable!("the test decides by the last position it looks at")
    }
}

/// Refuses what importance sampling does not cover.
pub fn supports(scenario: &Scenario) -> std::result::Result<(), InputError> {
    if scenario.series.is_some() {
        return Err(InputError::new(
            &scenario.source,
            "network.tor_series",
            "importance sampling through a series of consensuses is not implemented; use \
             --method monte-carlo or --method exact (per consensus: sweep --over consensus \
             --method importance)",
        ));
    }
    if scenario.guards.is_some() {
        return Err(InputError::new(
            &scenario.source,
            "guards",
            "importance sampling needs independent paths, which guards are not; use --method monte-carlo or --method exact",
        ));
    }
    Ok(())
}

/// Estimates the path and client metrics of `scenario` by importance sampling: `trials`
/// clients, each with one tilted path and `paths − 1` paths by the policy. Chunks and streams
/// as in the engine; each chunk's sums are added in chunk order, so the result does not
/// depend on the thread count.
pub fn simulate(
    scenario: &Scenario,
    config: &EngineConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome> {
    supports(scenario)?;
    let start = std::time::Instant::now();
    let pool = crate::engine::thread_pool(config.threads)?;
    let full = PathTest::new(&scenario.network, &scenario.adversary, scenario.hops);
    let layout = ChunkLayout::new(scenario.run.trials, scenario.run.paths);
    let (path, client) = pool.install(|| match &scenario.tor {
        Some(relays) if scenario.selection == crate::select::Selection::Tor => {
            let tor = tor::TorPaths::new(
                std::sync::Arc::clone(relays),
                full.labels(&scenario.network),
                full.on_labels(),
            );
            estimate(scenario, &layout, progress, || tor.clone())
        }
        _ => {
            let classes = Classes::new(
                &scenario.network,
                scenario.selection,
                &scenario.rules,
                &full,
                scenario.hops,
            );
            let tables: Vec<Option<WeightedAliasIndex<f64>>> = (0..scenario.hops)
                .map(|i| {
                    let w: Vec<f64> = (0..classes.classes.len())
                        .map(|c| classes.weight(i, c) * classes.classes[c].count as f64)
                        .collect();
                    WeightedAliasIndex::new(w).ok()
                })
                .collect();
            estimate(scenario, &layout, progress, || Sampler {
                classes: &classes,
                test: &classes.test,
                hops: scenario.hops,
                tables: tables.clone(),
                candidates: Vec::new(),
                prefix: Vec::new(),
                labels: Vec::new(),
            })
        }
    })?;
    // A stop asked for inside a chunk leaves its sums short: they must not be reported.
    crate::stop::check()?;
    Ok(Outcome {
        paths_drawn: path.samples + client.hits * (scenario.run.paths - 1),
        path,
        client,
        threads: pool.current_num_threads(),
        elapsed_seconds: start.elapsed().as_secs_f64(),
    })
}

/// The estimators' sums over every chunk: per client one tilted path and, when it is
/// compromised, `paths − 1` paths by the policy.
fn estimate<S: Paths + Send>(
    scenario: &Scenario,
    layout: &ChunkLayout,
    progress: &(dyn Fn(u64) + Sync),
    make: impl Fn() -> S + Sync + Send,
) -> Result<(Sums, Sums)> {
    let m = scenario.run.paths;
    let (mut path, mut client) = (Sums::default(), Sums::default());
    crate::engine::run_chunks(
        scenario.run.seed,
        layout,
        0..layout.chunks,
        progress,
        make,
        |sampler, rng, clients, _| {
            let (mut path, mut client) = (Sums::default(), Sums::default());
            for _ in 0..clients {
                if crate::stop::requested() {
                    break;
                }
                let (hit, ratio) = sampler.tilted_path(rng);
                let y = if hit { ratio } else { 0.0 };
                path.add(y, hit);
                let mut n = u64::from(hit);
                if hit {
                    for k in 1..m {
                        if crate::stop::at(k) {
                            break;
                        }
                        n += u64::from(sampler.plain_path(rng));
                    }
                }
                // Without a compromised tilted path Z is 0 whatever the others do, so they
                // are not drawn (an early exit).
                client.add(
                    if hit {
                        m as f64 * ratio / n as f64
                    } else {
                        0.0
                    },
                    hit,
                );
            }
            (path, client)
        },
        |(p, c): (Sums, Sums)| {
            path.merge(&p);
            client.merge(&c);
        },
    )?;
    Ok((path, client))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(values: &[f64]) -> Sums {
        let mut s = Sums::default();
        values.iter().for_each(|&y| s.add(y, y > 0.0));
        s
    }

    #[test]
    fn sums_give_the_sample_mean_variance_and_effective_size() {
        let s = sums(&[0.0, 0.5, 0.5, 1.0]);
        assert_eq!(s.samples, 4);
        assert_eq!(s.hits, 3);
        assert!((s.mean() - 0.5).abs() < 1e-15);
        // Σ(y − ȳ)² / (n − 1) = (0.25 + 0 + 0 + 0.25) / 3.
        assert!((s.variance() - 0.5 / 3.0).abs() < 1e-15);
        assert!((s.standard_error() - (0.5f64 / 3.0 / 4.0).sqrt()).abs() < 1e-15);
        // (Σy)² / Σy² = 4 / 1.5.
        assert!((s.effective_sample_size() - 4.0 / 1.5).abs() < 1e-12);
        // Plain Monte Carlo's variance at p = ½ is ¼: (1/4) / (1/6).
        assert!((s.plain_ratio().unwrap() - 1.5).abs() < 1e-12);
    }

    #[test]
    fn equal_weights_have_no_spread_and_test_exactly() {
        let s = sums(&[0.25; 10]);
        assert_eq!(s.variance(), 0.0);
        assert_eq!(s.plain_ratio(), None);
        assert_eq!(s.interval(), (0.25, 0.25));
        assert_eq!(s.p_value(0.25), 1.0);
        assert_eq!(s.p_value(0.26), 0.0);
        // Without spread the test is exact up to a relative rounding: a rare probability
        // twice what is expected is refused, whatever its size.
        let rare = sums(&[2e-9; 10]);
        assert_eq!(rare.p_value(1e-9), 0.0);
        assert_eq!(rare.p_value(2e-9 * (1.0 + 1e-13)), 1.0);
    }

    #[test]
    fn estimate_and_interval_stay_within_zero_and_one() {
        let s = sums(&[2.0, 0.0, 1.5, 0.0]);
        assert!(s.mean() > 0.8);
        let (lo, hi) = s.interval();
        assert!(0.0 <= lo && hi <= 1.0 && lo <= s.estimate() && s.estimate() <= hi);
        let z = 1.959_963_984_540_054;
        // Two standard errors off: the normal test's p-value.
        let off = s.mean() + z * s.standard_error();
        assert!((s.p_value(off) - 0.05).abs() < 1e-9);
    }

    #[test]
    fn two_samples_have_a_variance_and_no_compromise_has_no_effective_size() {
        // The smallest sample with a spread: ((0 − ½)² + (1 − ½)²) / 1.
        assert_eq!(sums(&[0.0, 1.0]).variance(), 0.5);
        assert_eq!(sums(&[0.0, 0.0]).effective_sample_size(), 0.0);
        assert_eq!(Sums::default().effective_sample_size(), 0.0);
    }

    /// The likelihood ratio of `n` tilted paths (every one, compromised or not).
    pub(super) fn ratios<P: Paths>(paths: &mut P, n: usize, seed: u64) -> Sums {
        let mut rng = crate::engine::rng::stream(seed, 0);
        let mut s = Sums::default();
        for _ in 0..n {
            let (hit, ratio) = paths.tilted_path(&mut rng);
            s.add(ratio, hit);
        }
        s
    }

    /// E_q[L] = Σ q·(p/q) = 1 over the paths as drawn (each stops when its event is decided,
    /// a bounded stopping time): a check of every factor of the ratio, including those of the
    /// hops that miss, which the estimators never weigh (their Y is 0).
    #[test]
    fn the_likelihood_ratio_averages_one_under_the_proposal_for_every_policy_and_event() {
        let operators = [("m", 3), ("m", 1), ("a", 2), ("b", 4), ("c", 2)]
            .iter()
            .enumerate()
            .map(|(i, (e, n))| format!("{{ name = \"op{i}\", entity = \"{e}\", servers = {n} }}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (mut cases, mut both) = (0, 0);
        for selection in ["random", "distinct-servers", "operator-aware"] {
            for target in [
                "{ entity = \"m\" }",
                "{ coalition = [\"m\", \"b\"] }",
                "\"any\"",
            ] {
                for event in ["full-path", "ends", "entry"] {
                    let text = format!(
                        "[network]\noperators = [{operators}]\n[path]\nhops = 3\nselection = \"{selection}\"\n\
                         [adversary]\ntarget = {target}\nevent = \"{event}\"\n"
                    );
                    let s =
                        Scenario::parse(&text, "test", std::path::Path::new("."), "test").unwrap();
                    let full = PathTest::new(&s.network, &s.adversary, s.hops);
                    // As `simulate` builds it.
                    let classes = Classes::new(&s.network, s.selection, &s.rules, &full, s.hops);
                    let tables = (0..s.hops)
                        .map(|i| {
                            let w: Vec<f64> = (0..classes.classes.len())
                                .map(|c| classes.weight(i, c) * classes.classes[c].count as f64)
                                .collect();
                            WeightedAliasIndex::new(w).ok()
                        })
                        .collect();
                    let mut sampler = Sampler {
                        classes: &classes,
                        test: &classes.test,
                        hops: s.hops,
                        tables,
                        candidates: Vec::new(),
                        prefix: Vec::new(),
                        labels: Vec::new(),
                    };
                    cases += 1;
                    let r = ratios(&mut sampler, 20_000, cases);
                    assert!(
                        r.p_value(1.0) > 1e-4,
                        "{selection} {target} {event}: mean ratio {} ± {}",
                        r.mean(),
                        r.standard_error()
                    );
                    both += usize::from(r.hits > 0 && r.hits < r.samples);
                }
            }
        }
        assert_eq!(cases, 27);
        // Paths compromised and paths missed, both branches of the tilt, in all but the cases
        // of a certain event (`any`, entry) and of impossible ones (operator-aware, two
        // operators, 3 hops, full-path or coalition … ).
        assert!(both >= 20, "{both} of 27 cases with hits and misses");
    }
}
