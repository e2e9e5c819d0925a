//! Client metrics from the path probability p, for clients whose M paths are independent.
//!
//! - client: at least one of M paths compromised = 1 − P(none) = 1 − (1 − p)^M, evaluated as
//!   −expm1(M · ln1p(−p)) so that tiny p keeps its digits.
//! - first: the index of the first compromised path is geometric on {1, 2, …} with
//!   P(first ≤ k) = 1 − (1 − p)^k. Its mean is 1/p; its median is the smallest k with
//!   (1 − p)^k ≤ 1/2, i.e. ⌈ln(1/2) / ln(1 − p)⌉ (infinite when p = 0).

/// P(at least one of `m` independent paths is compromised).
pub fn at_least_one(p: f64, m: u64) -> f64 {
    if p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    -f64::exp_m1(m as f64 * f64::ln_1p(-p))
}

/// Median of the geometric number of paths until the first compromised one; `None` if p = 0.
pub fn first_median(p: f64) -> Option<u64> {
    if p <= 0.0 {
        return None;
    }
    if p >= 0.5 {
        return Some(1);
    }
    let guess = (std::f64::consts::LN_2 / -f64::ln_1p(-p)).ceil().max(1.0);
    if guess >= u64::MAX as f64 {
        return Some(u64::MAX);
    }
    // The guess can be off by one where ln rounds; settle it with the definition.
    let mut k = (guess as u64).saturating_sub(1).max(1);
    while at_least_one(p, k) < 0.5 {
        k += 1;
    }
    Some(k)
}

/// Mean of the geometric number of paths until the first compromised one (∞ if p = 0).
pub fn first_mean(p: f64) -> f64 {
    if p <= 0.0 { f64::INFINITY } else { 1.0 / p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_values() {
        assert!((at_least_one(8e-6, 2000) - 0.015873).abs() < 5e-7);
        assert!((at_least_one(4e-4, 2000) - 0.550743).abs() < 5e-7);
        assert_eq!(first_median(4e-4), Some(1733));
        assert_eq!(first_median(0.0), None);
        assert_eq!(first_median(0.5), Some(1));
        assert_eq!(first_median(0.3), Some(2));
    }
}

/// A guard mixture, built from its components: the probability of the guard sets that give a
/// path probability q (keyed by q's bits) and do or do not hold a target guard.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardMixture {
    /// P(a fresh client's path is compromised): Σ P(component) q.
    pub path: f64,
    pub law: ClientLaw,
    /// P(a guard set holds no target guard).
    pub clean: f64,
}

impl GuardMixture {
    /// The mixture of `components` (in key order: sums are taken in that order), each guard
    /// set serving `lifetime` paths.
    pub fn of(
        components: &std::collections::BTreeMap<(u64, bool), f64>,
        lifetime: Option<u64>,
    ) -> Self {
        let path = components
            .iter()
            .map(|((q, _), p)| p * f64::from_bits(*q))
            .sum();
        let clean = components
            .iter()
            .filter(|((_, targeted), _)| !targeted)
            .map(|(_, p)| p)
            .sum();
        GuardMixture {
            path,
            law: ClientLaw::Guarded {
                k_law: components.values().copied().collect(),
                q: components.keys().map(|(q, _)| f64::from_bits(*q)).collect(),
                lifetime,
            },
            clean,
        }
    }
}

/// The law of a client's paths that the client, first and guard metrics follow from.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientLaw {
    /// Paths independent, each compromised with probability `p`.
    Independent { p: f64 },
    /// Guards: each guard set has K adversary guards with probability `k_law[K]`, and given K
    /// a path of that set is compromised with probability `q[K]`, independently of the others
    /// of its set; a set serves `lifetime` paths (`None`: the client's whole life), then an
    /// independent new set is drawn.
    Guarded {
        k_law: Vec<f64>,
        q: Vec<f64>,
        lifetime: Option<u64>,
    },
    /// Paths independent, path k (0-based) compromised with the probability of the segment
    /// it falls in: `segments` are (first path, p) in order, the last one holding from its
    /// first path on (a series of consensuses without guards).
    Piecewise { segments: Vec<(u64, f64)> },
}

impl ClientLaw {
    /// P(no compromised path in a block of `len` paths of one guard set).
    fn block_survival(k_law: &[f64], q: &[f64], len: u64) -> f64 {
        k_law
            .iter()
            .zip(q)
            .map(|(&w, &qk)| w * survive(qk, len))
            .sum()
    }

    /// P(at least one of the first `m` paths is compromised): the client metric for m paths,
    /// and the CDF of the first compromised path at m.
    pub fn cdf(&self, m: u64) -> f64 {
        match self {
            ClientLaw::Independent { p } => at_least_one(*p, m),
            ClientLaw::Guarded { k_law, q, lifetime } => {
                let l = lifetime.unwrap_or(u64::MAX).max(1);
                let (full, rest) = (m / l, m % l);
                let mut none = 1.0;
                if full > 0 {
                    none *= Self::block_survival(k_law, q, l).powf(full as f64);
                }
                if rest > 0 {
                    none *= Self::block_survival(k_law, q, rest);
                }
                (1.0 - none).clamp(0.0, 1.0)
            }
            ClientLaw::Piecewise { segments } => {
                let mut log_none = 0.0;
                for (i, &(start, p)) in segments.iter().enumerate() {
                    let end = segments.get(i + 1).map_or(u64::MAX, |s| s.0).min(m);
                    if end <= start {
                        break;
                    }
                    if p >= 1.0 {
                        return 1.0;
                    }
                    log_none += (end - start) as f64 * f64::ln_1p(-p);
                }
                (-f64::exp_m1(log_none)).clamp(0.0, 1.0)
            }
        }
    }

    /// Smallest k with cdf(k) ≥ ½; `None` when it is never reached.
    pub fn median(&self) -> Option<u64> {
        match self {
            ClientLaw::Independent { p } => first_median(*p),
            ClientLaw::Guarded { .. } | ClientLaw::Piecewise { .. } => self.quantile(0.5),
        }
    }

    /// Smallest k with cdf(k) ≥ `q` (the q-quantile of the first compromised path); `None`
    /// when the CDF never reaches q. The CDF is non-decreasing, so doubling then bisection.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let mut hi = 1u64;
        while self.cdf(hi) < q {
            if hi >= 1 << 62 {
                return None;
            }
            hi *= 2;
        }
        if hi == 1 {
            return Some(1);
        }
        // cdf(hi / 2) < q ≤ cdf(hi)
        let mut lo = hi / 2 + 1;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.cdf(mid) >= q {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        Some(hi)
    }

    /// Mean number of paths until the first compromised one (∞ if it may never come).
    ///
    /// With guards, E = Σ_{k≥0} P(first > k). Paths come in blocks of L per guard set; with
    /// c = Σ_K P(K)(1 − q_K)^L the survival of a whole block, the survival at path bL + j is
    /// c^b Σ_K P(K)(1 − q_K)^j, so E = (1/(1 − c)) Σ_K P(K) (1 − (1 − q_K)^L) / q_K (a term
    /// is L when q_K = 0). Without rotation, E = Σ_K P(K)/q_K: infinite if some K with
    /// P(K) > 0 never compromises a path.
    pub fn mean(&self) -> f64 {
        match self {
            ClientLaw::Independent { p } => first_mean(*p),
            ClientLaw::Guarded { k_law, q, lifetime } => match lifetime {
                None => k_law
                    .iter()
                    .zip(q)
                    .filter(|(w, _)| **w > 0.0)
                    .map(|(&w, &qk)| if qk > 0.0 { w / qk } else { f64::INFINITY })
                    .sum(),
                Some(l) => {
                    let c = Self::block_survival(k_law, q, *l);
                    if c >= 1.0 {
                        return f64::INFINITY;
                    }
                    let within: f64 = k_law
                        .iter()
                        .zip(q)
                        .map(|(&w, &qk)| {
                            w * if qk > 0.0 {
                                -f64::exp_m1(*l as f64 * f64::ln_1p(-qk)) / qk
                            } else {
                                *l as f64
                            }
                        })
                        .sum();
                    within / (1.0 - c)
                }
            },
            // Σ_k P(first > k), segment by segment: S (1 − (1 − p)^len) / p for a segment
            // entered with survival S, and S / p for the last, open one.
            ClientLaw::Piecewise { segments } => {
                let (mut mean, mut alive) = (0.0, 1.0);
                for (i, &(start, p)) in segments.iter().enumerate() {
                    match segments.get(i + 1) {
                        Some(&(next, _)) => {
                            let len = next - start;
                            let stay = survive(p, len);
                            mean += alive
                                * if p > 0.0 {
                                    (1.0 - stay) / p
                                } else {
                                    len as f64
                                };
                            alive *= stay;
                        }
                        None if p > 0.0 => mean += alive / p,
                        None if alive > 0.0 => return f64::INFINITY,
                        None => {}
                    }
                }
                mean
            }
        }
    }
}

/// (1 − q)^len, accurately for small q.
fn survive(q: f64, len: u64) -> f64 {
    if q >= 1.0 {
        return if len == 0 { 1.0 } else { 0.0 };
    }
    f64::exp(len as f64 * f64::ln_1p(-q))
}

#[cfg(test)]
mod law_tests {
    use super::*;

    #[test]
    fn one_guard_set_of_one_guard() {
        // K ∈ {0, 1} with P(1) = 0.1; a path with an adversary guard is compromised w.p. 0.5.
        let law = ClientLaw::Guarded {
            k_law: vec![0.9, 0.1],
            q: vec![0.0, 0.5],
            lifetime: None,
        };
        assert!((law.cdf(1) - 0.05).abs() < 1e-15);
        assert!((law.cdf(2) - 0.1 * 0.75).abs() < 1e-15);
        assert_eq!(law.median(), None);
        assert!(law.mean().is_infinite());
        // Rotating every path makes paths independent with p = 0.05.
        let law = ClientLaw::Guarded {
            k_law: vec![0.9, 0.1],
            q: vec![0.0, 0.5],
            lifetime: Some(1),
        };
        let free = ClientLaw::Independent { p: 0.05 };
        for m in [1, 2, 7, 100] {
            assert!((law.cdf(m) - free.cdf(m)).abs() < 1e-14);
        }
        assert_eq!(law.median(), free.median());
        assert!((law.mean() - 20.0).abs() < 1e-9, "{}", law.mean());
    }

    #[test]
    fn first_median_of_a_one_in_a_trillion_path() {
        // The smallest k with 1 − (1 − p)^k ≥ ½: ln 2 / −ln(1 − p) rounded up, settled by the
        // definition (a linear search from 1 would take 7·10^11 steps).
        let p = 1e-12;
        let k = first_median(p).unwrap();
        assert!(
            at_least_one(p, k) >= 0.5 && at_least_one(p, k - 1) < 0.5,
            "{k}"
        );
        assert!((k as f64 - std::f64::consts::LN_2 / p).abs() < 2.0, "{k}");
    }

    #[test]
    fn a_quantile_reached_exactly_is_that_number_of_paths() {
        // The smallest k with cdf(k) ≥ q is the k where equality holds, also when k is a power
        // of two (where the doubling search stops).
        let half = ClientLaw::Independent { p: 0.5 };
        assert_eq!(half.quantile(0.5), Some(1));
        let laws = [
            ClientLaw::Independent { p: 0.25 },
            ClientLaw::Guarded {
                k_law: vec![0.5, 0.5],
                q: vec![0.0, 0.5],
                lifetime: None,
            },
            ClientLaw::Guarded {
                k_law: vec![0.6, 0.4],
                q: vec![0.1, 0.3],
                lifetime: Some(3),
            },
        ];
        for law in &laws {
            for k in [1, 2, 3, 4, 7, 8, 16] {
                assert!(law.cdf(k - 1) < law.cdf(k), "{law:?} at {k}");
                assert_eq!(law.quantile(law.cdf(k)), Some(k), "{law:?} at {k}");
            }
        }
    }

    #[test]
    fn a_far_quantile_is_found_by_bisection() {
        // The median of a 10⁻¹² path is about 6.9·10¹¹ paths: the search must halve its
        // bracket (a scan of the last doubling would not end) and land on the definition.
        let p = 1e-12;
        let law = ClientLaw::Independent { p };
        let k = law.quantile(0.5).unwrap();
        assert_eq!(Some(k), first_median(p));
        assert!(law.cdf(k) >= 0.5 && law.cdf(k - 1) < 0.5, "{k}");
        let k90 = law.quantile(0.9).unwrap();
        assert!(law.cdf(k90) >= 0.9 && law.cdf(k90 - 1) < 0.9, "{k90}");
    }

    #[test]
    fn an_impossible_guard_set_does_not_make_the_mean_infinite() {
        // K = 0 cannot happen (weight 0) and would never compromise (q = 0): it must not count.
        let law = ClientLaw::Guarded {
            k_law: vec![0.0, 0.5, 0.5],
            q: vec![0.0, 0.25, 0.5],
            lifetime: None,
        };
        assert!(
            (law.mean() - (0.5 / 0.25 + 0.5 / 0.5)).abs() < 1e-12,
            "{}",
            law.mean()
        );
    }

    #[test]
    fn the_mean_with_rotating_guards_is_the_sum_of_the_survival() {
        // E[first] = Σ_{k ≥ 0} P(first > k) = Σ_k (1 − cdf(k)), summed term by term.
        let law = ClientLaw::Guarded {
            k_law: vec![0.3, 0.5, 0.2],
            q: vec![0.0, 0.2, 0.5],
            lifetime: Some(3),
        };
        let direct: f64 = (0..2000).map(|k| 1.0 - law.cdf(k)).sum();
        assert!(
            (law.mean() - direct).abs() < 1e-9,
            "{} vs {direct}",
            law.mean()
        );
    }

    #[test]
    fn the_mean_over_a_series_of_consensuses_is_the_sum_of_the_survival() {
        // E[first] = Σ_{k ≥ 0} P(first > k), summed term by term, across segments of risky
        // and of safe paths.
        let law = ClientLaw::Piecewise {
            segments: vec![(0, 0.1), (5, 0.0), (9, 0.3), (12, 0.05)],
        };
        let direct: f64 = (0..5000).map(|k| 1.0 - law.cdf(k)).sum();
        assert!(
            (law.mean() - direct).abs() < 1e-9,
            "{} vs {direct}",
            law.mean()
        );
        // A certain compromise at path 3 ends every client's wait there, so the safe paths
        // after it add nothing: P(first > k) is 0.8^k for k ≤ 3, then 0.
        let law = ClientLaw::Piecewise {
            segments: vec![(0, 0.2), (3, 1.0), (4, 0.0)],
        };
        let mean = 1.0 + 0.8 + 0.64 + 0.512;
        assert!((law.mean() - mean).abs() < 1e-12, "{}", law.mean());
        // Without it, a client that survives the risky paths waits for ever.
        let law = ClientLaw::Piecewise {
            segments: vec![(0, 0.2), (3, 0.0)],
        };
        assert!(law.mean().is_infinite());
    }

    #[test]
    fn a_guard_count_that_cannot_happen_adds_nothing_to_the_mean() {
        // K = 0 has probability 0 (every guard set holds an adversary guard) and q_0 = 0: its
        // clients would wait for ever, but there are none, so E = 1 / q_1.
        let law = ClientLaw::Guarded {
            k_law: vec![0.0, 1.0],
            q: vec![0.0, 0.25],
            lifetime: None,
        };
        assert_eq!(law.mean(), 4.0);
    }

    #[test]
    fn the_median_is_the_first_k_whose_cdf_reaches_one_half_exactly() {
        // A p whose computed P(first ≤ 2) is 0.5 to the last bit: the median is 2, the
        // smallest k with P(first ≤ k) ≥ ½, not 3.
        let mut p = 1.0 - 0.5f64.sqrt();
        while at_least_one(p, 2) < 0.5 {
            p = p.next_up();
        }
        while at_least_one(p, 2) > 0.5 {
            p = p.next_down();
        }
        let ties: Vec<f64> = (0..64)
            .scan(p, |p, _| {
                *p = p.next_down();
                Some(*p)
            })
            .chain(std::iter::once(p))
            .filter(|&p| at_least_one(p, 2) == 0.5)
            .collect();
        assert!(!ties.is_empty(), "no p near 1 − 1/√2 gives exactly 0.5");
        for p in ties {
            assert_eq!(first_median(p), Some(2), "p = {p:e}");
            assert_eq!(ClientLaw::Independent { p }.quantile(0.5), Some(2));
        }
    }
}
