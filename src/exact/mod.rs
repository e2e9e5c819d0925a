//! Exact computation (`--method exact`): the exact value of every metric of a scenario by
//! dynamic programming over classes of interchangeable units, for every model the engine
//! simulates — with a closed form or without one (weighted distinct-servers, subnet rules,
//! roles and position weights, guards in finite pools) — up to a documented size.
//!
//! Method. P(event | first hops) is computed recursively: a hop's candidates come from
//! [`Classes::candidates`] (the policy's definition), each weighted by its share of the total,
//! and the recursion stops as soon as the adversary's test is decided ([`PathTest::after`]).
//! The future of a path depends only on the hop position, the label the later looked-at hops
//! must carry and the multiset of hops so far (which units, operators and subnets are used),
//! so values are memoised on that key; under `random` without subnet rules on the position and
//! label alone. With guards, every ordered guard set is enumerated by class (distinct servers
//! by first-position weight in a finite pool, independent operators by share in an infinite
//! one); given its set, a client's paths are independent, each compromised with the mean over
//! the set's guards of P(event | first hop = guard), which is the mixture law
//! [`ClientLaw::Guarded`] of the closed forms with one component per distinct value.
//!
//! Size limit: at most [`MAX_STEPS`] candidate evaluations; beyond it the computation stops
//! with [`TooLarge`] rather than running for hours. Floating-point sums of products of
//! probabilities: relative error about 1e-13 at the sizes allowed.

use crate::adversary::{PathTest, Step};
use crate::analytic::client::{ClientLaw, GuardMixture};
use crate::metric::Metric;
use crate::scenario::Scenario;
use crate::select::classes::{Candidate, Classes, Exclusion, Hop};
use std::collections::HashMap;

/// Most candidate evaluations an exact computation may take (a few seconds).
pub const MAX_STEPS: u64 = 200_000_000;

/// Every metric's exact value.
#[derive(Debug, Clone)]
pub struct Exact {
    /// P(one path compromised) (with guards: a path of a fresh client, guard set included).
    pub path: f64,
    /// The law of a client's paths: the client metric is `law.cdf(M)`, `first` its quantiles.
    pub law: ClientLaw,
    /// With guards: P(an adversary server among the client's guards at some point).
    pub guard: Option<f64>,
    /// Classes of interchangeable units the computation walked.
    pub classes: usize,
    /// Candidate evaluations it took.
    pub steps: u64,
}

impl Exact {
    /// The exact value of one metric (`first` as the median) for clients of `paths` paths.
    pub fn metric(&self, metric: Metric, paths: u64) -> Option<f64> {
        match metric {
            Metric::Path | Metric::PathImportance => Some(self.path),
            Metric::Client => Some(self.law.cdf(paths)),
            Metric::First => self.law.median().map(|k| k as f64),
            Metric::Guard => self.guard,
        }
    }
}

/// Why a scenario has no exact value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoExact {
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// A model whose exact sums are not implemented (the message says which part).
    #[error("{0}")]
    Unsupported(String),
}

/// The computation would take more than [`MAX_STEPS`] steps.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "exact computation stops after {limit} steps and this scenario needs more ({classes} classes of interchangeable servers, {hops} hops{guards}); use --method monte-carlo or --method importance"
)]
pub struct TooLarge {
    pub limit: u64,
    pub classes: usize,
    pub hops: usize,
    pub guards: String,
}

struct Walker<'a> {
    classes: &'a Classes,
    /// Whether the multiset of hops so far matters for the future (it does not under
    /// `random` without a subnet rule).
    keyed: bool,
    memo: HashMap<(usize, u32, Vec<u32>), f64>,
    steps: u64,
    limit: u64,
    /// Candidate buffers, one per depth, reused.
    buffers: Vec<Vec<Candidate>>,
}

impl Walker<'_> {
    fn key(&self, prefix: &[Hop], need: u32) -> (usize, u32, Vec<u32>) {
        if !self.keyed {
            return (prefix.len(), need, Vec::new());
        }
        let from = self.classes.rules.subnets_from;
        let mut hops: Vec<u32> = prefix
            .iter()
            .enumerate()
            .map(|(i, h)| (h.class << 2) | (u32::from(h.fresh) << 1) | u32::from(i >= from))
            .collect();
        hops.sort_unstable();
        (prefix.len(), need, hops)
    }

    /// P(event | the path starts with `prefix`), whose labels are `labels`.
    fn value(&mut self, prefix: &mut Vec<Hop>, labels: &mut Vec<u32>) -> Result<f64, ()> {
        let need = if prefix.is_empty() {
            u32::MAX
        } else {
            match self.classes.test.after(labels) {
                Step::Miss => return Ok(0.0),
                Step::Hit => return Ok(1.0),
                Step::Need(n) => n,
            }
        };
        let key = self.key(prefix, need);
        if let Some(&v) = self.memo.get(&key) {
            return Ok(v);
        }
        let depth = prefix.len();
        if self.buffers.len() <= depth {
            self.buffers.resize_with(depth + 1, Vec::new);
        }
        let mut candidates = std::mem::take(&mut self.buffers[depth]);
        self.classes.candidates(prefix, &mut candidates);
        self.steps += self.classes.classes.len() as u64 + 1;
        if self.steps > self.limit {
            return Err(());
        }
        let total: f64 = candidates.iter().map(|c| c.weight).sum();
        let looked_at = self.classes.test.looks_at(depth);
        let mut sum = 0.0;
        for c in &candidates {
            let label = self.classes.label(c.hop);
            // A looked-at hop without the needed label decides a miss: skip the call.
            if looked_at && need != u32::MAX && label != need {
                continue;
            }
            prefix.push(c.hop);
            labels.push(label);
            let v = self.value(prefix, labels);
            prefix.pop();
            labels.pop();
            sum += c.weight / total * v?;
        }
        self.buffers[depth] = candidates;
        self.memo.insert(key, sum);
        Ok(sum)
    }
}

/// Exact metrics of `scenario`, or why there are none.
pub fn compute(scenario: &Scenario) -> Result<Exact, NoExact> {
    compute_within(scenario, MAX_STEPS)
}

/// [`compute`] with another step limit (tests use small ones).
pub fn compute_within(scenario: &Scenario, limit: u64) -> Result<Exact, NoExact> {
    if scenario.selection == crate::select::Selection::Tor {
        // The tor policy's sums (analytic::tor) are exact and take milliseconds.
        let law = crate::analytic::tor::law(scenario).map_err(NoExact::Unsupported)?;
        return Ok(Exact {
            path: law.path,
            law: law.law,
            guard: law.guard,
            classes: scenario.tor.as_ref().map_or(0, |t| t.len()),
            steps: 0,
        });
    }
    Ok(compute_classes(scenario, limit)?)
}

/// The dynamic programme over classes of interchangeable units (see the module's notes).
fn compute_classes(scenario: &Scenario, limit: u64) -> Result<Exact, TooLarge> {
    let hops = scenario.hops;
    let test = PathTest::new(&scenario.network, &scenario.adversary, hops);
    let classes = Classes::new(
        &scenario.network,
        scenario.selection,
        &scenario.rules,
        &test,
        hops,
    );
    let too_large = || TooLarge {
        limit,
        classes: classes.classes.len(),
        hops,
        guards: scenario
            .guards
            .map_or(String::new(), |g| format!(", {} guards", g.count)),
    };
    let mut walker = Walker {
        classes: &classes,
        keyed: classes.exclusion != Exclusion::Nothing || classes.rules.distinct_subnets,
        memo: HashMap::new(),
        steps: 0,
        limit,
        buffers: Vec::new(),
    };
    let Some(guards) = scenario.guards else {
        let path = walker
            .value(&mut Vec::new(), &mut Vec::new())
            .map_err(|_| too_large())?;
        return Ok(Exact {
            path,
            law: ClientLaw::Independent { p: path },
            guard: None,
            classes: classes.classes.len(),
            steps: walker.steps,
        });
    };
    // P(event | first hop = a unit of class c), for every class a guard can come from.
    let fresh = classes.exclusion == Exclusion::Units;
    let n = classes.classes.len();
    let mut after = vec![0.0; n];
    for (c, slot) in after.iter_mut().enumerate() {
        if classes.weight(0, c) > 0.0 {
            let hop = Hop {
                class: c as u32,
                fresh,
            };
            *slot = walker
                .value(&mut vec![hop], &mut vec![classes.label(hop)])
                .map_err(|_| too_large())?;
        }
    }
    let mut sets = GuardSets {
        classes: &classes,
        after: &after,
        distinct: scenario.network.pool == crate::model::Pool::Finite,
        count: guards.count as usize,
        components: HashMap::new(),
        steps: walker.steps,
        limit,
    };
    sets.walk(&mut Vec::new(), 1.0).map_err(|_| too_large())?;
    let steps = sets.steps;
    // One mixture component per (q, whether the set holds a target guard), in key order.
    let components: std::collections::BTreeMap<(u64, bool), f64> =
        sets.components.into_iter().collect();
    let GuardMixture { path, law, clean } = GuardMixture::of(&components, guards.lifetime);
    Ok(Exact {
        path,
        law,
        guard: Some(1.0 - clean.powf(guards.sets(scenario.run.paths) as f64)),
        classes: n,
        steps,
    })
}

/// Every ordered guard set, by class.
struct GuardSets<'a> {
    classes: &'a Classes,
    after: &'a [f64],
    /// Distinct servers (finite pool) or independent draws (infinite pool).
    distinct: bool,
    count: usize,
    /// P(set) summed by (q as bits, holds a target guard).
    components: HashMap<(u64, bool), f64>,
    steps: u64,
    limit: u64,
}

impl GuardSets<'_> {
    fn walk(&mut self, set: &mut Vec<usize>, p: f64) -> Result<(), ()> {
        if set.len() == self.count {
            let q = set.iter().map(|&c| self.after[c]).sum::<f64>() / self.count as f64;
            let targeted = set
                .iter()
                .any(|&c| self.classes.test.targets(self.classes.classes[c].label));
            *self
                .components
                .entry((q.to_bits(), targeted))
                .or_insert(0.0) += p;
            return Ok(());
        }
        let n = self.classes.classes.len();
        self.steps += n as u64 + 1;
        if self.steps > self.limit {
            return Err(());
        }
        let left = |c: usize| {
            let used = if self.distinct {
                set.iter().filter(|&&x| x == c).count() as u64
            } else {
                0
            };
            (self.classes.classes[c].count - used) as f64 * self.classes.weight(0, c)
        };
        let weights: Vec<f64> = (0..n).map(left).collect();
        let total: f64 = weights.iter().sum();
        for (c, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                set.push(c);
                self.walk(set, p * w / total)?;
                set.pop();
            }
        }
        Ok(())
    }
}
