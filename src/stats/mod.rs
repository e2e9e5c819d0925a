//! Statistics: exact (Clopper–Pearson) intervals, the exact two-sided binomial test, and the
//! verdict that compares a simulated count with a closed form.

mod binomial;

pub use binomial::Binomial;

/// Default significance level of a verdict.
pub const DEFAULT_ALPHA: f64 = 1e-4;

/// Finds the f64 in [0, 1] where the monotone `f` crosses `target`, by bisection on the bit
/// patterns of positive floats (ordered like the floats), so it resolves tiny probabilities to
/// the last bit in at most 64 steps. `increasing` says which way `f` goes.
fn solve_probability(f: impl Fn(f64) -> f64, target: f64, increasing: bool) -> f64 {
    let (mut lo, mut hi) = (0u64, 1.0f64.to_bits());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let below = f(f64::from_bits(mid)) < target;
        if below == increasing {
            lo = mid
        } else {
            hi = mid
        }
    }
    f64::from_bits(lo + (hi - lo) / 2)
}

/// Clopper–Pearson interval of confidence `1 − alpha` for `hits` successes in `n` trials: the
/// p where P(X ≥ hits) = alpha/2 and the p where P(X ≤ hits) = alpha/2 (the Beta quantiles
/// Beta(x, n−x+1) at alpha/2 and Beta(x+1, n−x) at 1 − alpha/2, by the binomial–beta identity).
pub fn clopper_pearson(hits: u64, n: u64, alpha: f64) -> (f64, f64) {
    assert!(n > 0 && hits <= n);
    let lower = if hits == 0 {
        0.0
    } else {
        solve_probability(|p| Binomial::new(n, p).sf(hits - 1), alpha / 2.0, true)
    };
    let upper = if hits == n {
        1.0
    } else {
        solve_probability(|p| Binomial::new(n, p).cdf(hits), alpha / 2.0, false)
    };
    (lower, upper)
}

/// Two-sided exact binomial test of H0: P = p given `hits` of `n`, in the "minimum likelihood"
/// form R's `binom.test` uses: the probability of every outcome no more likely than the one
/// seen (with R's relative tolerance of 1e-7 for ties).
pub fn binomial_p_value(hits: u64, n: u64, p: f64) -> f64 {
    assert!(hits <= n);
    if p <= 0.0 {
        return if hits == 0 { 1.0 } else { 0.0 };
    }
    if p >= 1.0 {
        return if hits == n { 1.0 } else { 0.0 };
    }
    let b = Binomial::new(n, p);
    let ln_d = b.ln_pmf(hits) + (1.0 + 1e-7f64).ln();
    let mean = p * n as f64;
    let x = hits as f64;
    if x == mean {
        return 1.0;
    }
    // The pmf is unimodal: on the far side of the mean, the outcomes no more likely than the
    // one seen form a tail, whose start is found by bisection.
    let result = if x < mean {
        // Smallest k ≥ ceil(mean) with pmf(k) ≤ d; P(X ≤ hits) + P(X ≥ k).
        let (mut lo, mut hi) = (mean.ceil() as u64, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if b.ln_pmf(mid) <= ln_d {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        b.cdf(hits) + if lo > n { 0.0 } else { b.sf(lo - 1) }
    } else {
        // Smallest k ≤ floor(mean) + 1 with pmf(k) > d; outcomes below it qualify.
        let (mut lo, mut hi) = (0u64, mean.floor() as u64 + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if b.ln_pmf(mid) > ln_d {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        (if lo == 0 { 0.0 } else { b.cdf(lo - 1) }) + b.sf(hits - 1)
    };
    result.clamp(0.0, 1.0)
}

/// Whether a simulation agrees with the closed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Agree,
    Disagree,
    NoClosedForm,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Disagree => "disagree",
            Verdict::NoClosedForm => "no-closed-form",
        }
    }

    /// `agree` when the p-value is at least `alpha`. A closed form of 0 (or 1) tolerates no
    /// hit (or no miss) at all, which the p-value of 0 already expresses.
    pub fn from_p_value(p_value: f64, alpha: f64) -> Verdict {
        if p_value >= alpha {
            Verdict::Agree
        } else {
            Verdict::Disagree
        }
    }
}

/// Order statistics (1-based ranks) that bound the median of n samples with confidence at
/// least 1 − alpha: ranks l and n − l + 1 where l is the largest with P(Bin(n, ½) < l) ≤ alpha/2.
pub fn median_ranks(n: u64, alpha: f64) -> (u64, u64) {
    let b = Binomial::new(n, 0.5);
    // P(Bin < l) = cdf(l − 1); find the largest l ≥ 1 with cdf(l − 1) ≤ alpha/2 (l = 0 if none).
    let (mut lo, mut hi) = (0u64, n / 2 + 1);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if mid == 0 || b.cdf(mid - 1) <= alpha / 2.0 {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    let l = lo.max(1);
    (l, n - l + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_matches_known_values() {
        // R: binom.test(5, 20)$conf.int = 0.08657147 0.49104587
        let (lo, hi) = clopper_pearson(5, 20, 0.05);
        assert!((lo - 0.08657147).abs() < 1e-7, "{lo}");
        assert!((hi - 0.49104587).abs() < 1e-7, "{hi}");
        let (lo, hi) = clopper_pearson(0, 10, 0.05);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.3084971).abs() < 1e-6, "{hi}");
    }

    #[test]
    fn clopper_pearson_holds_for_large_counts() {
        // The interval must contain the estimate and be about 1.96 standard errors wide.
        let (n, x) = (100_000_000u64, 40_000u64);
        let (lo, hi) = clopper_pearson(x, n, 0.05);
        let p = x as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!(lo < p && p < hi);
        assert!(((p - lo) / se - 1.96).abs() < 0.05, "{}", (p - lo) / se);
        assert!(((hi - p) / se - 1.96).abs() < 0.05, "{}", (hi - p) / se);
    }

    #[test]
    fn binomial_test_matches_r() {
        // R: binom.test(3, 10, 0.5)$p.value = 0.34375; binom.test(7, 10, 0.5) the same.
        assert!((binomial_p_value(3, 10, 0.5) - 0.34375).abs() < 1e-12);
        assert!((binomial_p_value(7, 10, 0.5) - 0.34375).abs() < 1e-12);
        // Exact sums over all outcomes in rational arithmetic (Python fractions).
        let p = binomial_p_value(2, 20, 0.3);
        assert!((p - 0.05262794872972712).abs() < 1e-12, "{p}");
        let p = binomial_p_value(12, 20, 0.3);
        assert!((p - 0.005936084198097527).abs() < 1e-12, "{p}");
        assert_eq!(binomial_p_value(0, 10, 0.0), 1.0);
        assert_eq!(binomial_p_value(1, 10, 0.0), 0.0);
    }

    #[test]
    fn median_ranks_small() {
        // n = 10, alpha 0.05: P(Bin(10, .5) ≤ 1) = 0.0107 ≤ 0.025, P(≤ 2) = 0.0547: l = 2.
        assert_eq!(median_ranks(10, 0.05), (2, 9));
    }
}
