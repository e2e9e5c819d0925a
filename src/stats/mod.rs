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
        // The far tail's ends: it is the last outcome alone (a tie with the one seen), or it
        // is empty (every outcome past the mean is more likely than the one seen).
        let p = binomial_p_value(0, 10, 0.5);
        assert!((p - 0.001953125).abs() < 1e-15, "{p}");
        let p = binomial_p_value(10, 10, 0.5);
        assert!((p - 0.001953125).abs() < 1e-15, "{p}");
        let p = binomial_p_value(8, 10, 0.9);
        assert!((p - 0.2639010709).abs() < 1e-10, "{p}");
        let p = binomial_p_value(1, 10, 0.9);
        assert!((p - 9.1e-9).abs() < 1e-18, "{p}");
        // Above the mean, every outcome below it is less likely than the mode seen: all count.
        let p = binomial_p_value(6, 10, 0.55);
        assert!((p - 1.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn clopper_pearson_bounds_are_the_last_floats_before_the_crossing() {
        // solve_probability returns the last float on the near side of the crossing: one
        // float further is on the far side.
        let next = |x: f64| f64::from_bits(x.to_bits() + 1);
        for (x, n) in [(1u64, 10u64), (37, 120), (5000, 10_000), (3, 1_000_000)] {
            let (lo, hi) = clopper_pearson(x, n, 0.05);
            let sf = |p: f64| Binomial::new(n, p).sf(x - 1);
            let cdf = |p: f64| Binomial::new(n, p).cdf(x);
            assert!(
                sf(lo) < 0.025 && sf(next(lo)) >= 0.025,
                "{x}/{n} lower {lo}"
            );
            assert!(
                cdf(hi) >= 0.025 && cdf(next(hi)) < 0.025,
                "{x}/{n} upper {hi}"
            );
        }
    }

    #[test]
    fn median_ranks_small() {
        // n = 10, alpha 0.05: P(Bin(10, .5) ≤ 1) = 0.0107 ≤ 0.025, P(≤ 2) = 0.0547: l = 2.
        assert_eq!(median_ranks(10, 0.05), (2, 9));
        // n = 30: P(≤ 9) = 0.0214 ≤ 0.025 < P(≤ 10) = 0.0494: l = 10 (at alpha rather than
        // alpha/2 it would be 11).
        assert_eq!(median_ranks(30, 0.05), (10, 21));
    }

    #[test]
    fn median_ranks_of_one_or_two_samples_are_the_extremes() {
        // No rank l ≥ 1 has P(Bin(n, ½) < l) ≤ alpha/2 for n ≤ 2: the bounds are the smallest
        // and the largest sample, even at a level as loose as alpha = 0.9.
        for alpha in [0.05, 1e-3, 0.9] {
            assert_eq!(median_ranks(1, alpha), (1, 1));
            assert_eq!(median_ranks(2, alpha), (1, 2));
        }
        // n = 3 at alpha = 0.9: P(Bin(3, ½) < 2) = ½ > 0.45 but P(< 1) = ⅛: l = 1.
        assert_eq!(median_ranks(3, 0.9), (1, 3));
        // n = 4 at alpha = 0.9: P(Bin(4, ½) < 2) = 5/16 ≤ 0.45: l = 2, up to n/2.
        assert_eq!(median_ranks(4, 0.9), (2, 3));
    }
}

/// The outcomes x for which the exact test of `p` at level `alpha` does not reject, as the
/// interval [a, b] (the p-value falls monotonically away from the mean on either side).
pub fn acceptance_region(n: u64, p: f64, alpha: f64) -> (u64, u64) {
    let mean = (n as f64 * p).round().clamp(0.0, n as f64) as u64;
    // Smallest x ≤ mean with p-value ≥ alpha.
    let (mut lo, mut hi) = (0u64, mean);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if binomial_p_value(mid, n, p) >= alpha {
            hi = mid
        } else {
            lo = mid + 1
        }
    }
    let a = lo;
    // Largest x ≥ mean with p-value ≥ alpha.
    let (mut lo, mut hi) = (mean, n);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if binomial_p_value(mid, n, p) >= alpha {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    (a, lo)
}

/// Probability that the exact test of the value `claimed` at level `alpha` rejects when `n`
/// samples are drawn with the true probability `truth`.
pub fn power(n: u64, claimed: f64, truth: f64, alpha: f64) -> f64 {
    if claimed <= 0.0 {
        // Any hit rejects a claim of 0.
        return 1.0 - Binomial::new(n, truth).pmf(0);
    }
    let (a, b) = acceptance_region(n, claimed, alpha);
    let t = Binomial::new(n, truth);
    (if a == 0 { 0.0 } else { t.cdf(a - 1) }) + t.sf(b)
}

/// What a check with `n` samples can detect with probability `target_power` at level `alpha`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detectable {
    /// The smallest relative error of a closed form p > 0 (in either direction) detected.
    Relative(f64),
    /// For a closed form of 0: the smallest true probability whose hits would show.
    Absolute(f64),
    /// Not even a 100% error would be detected.
    Nothing,
}

/// The smallest relative error of the closed form `p` that a check of `n` samples detects with
/// probability at least `target_power`, whichever way the formula is off: the formula claims
/// p(1 ± δ) while the simulation draws with p.
pub fn detectable_error(n: u64, p: f64, alpha: f64, target_power: f64) -> Detectable {
    if p <= 0.0 {
        // Power 1 − (1 − q)^n ≥ target ⇔ q ≥ 1 − (1 − target)^(1/n).
        return Detectable::Absolute(-f64::exp_m1(f64::ln(1.0 - target_power) / n as f64));
    }
    if p >= 1.0 {
        return Detectable::Relative(-f64::exp_m1(f64::ln(1.0 - target_power) / n as f64));
    }
    let smallest = |claim: &dyn Fn(f64) -> f64, max: f64| -> Option<f64> {
        if power(n, claim(max), p, alpha) < target_power {
            return None;
        }
        let (mut lo, mut hi) = (0.0, max);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if power(n, claim(mid), p, alpha) >= target_power {
                hi = mid
            } else {
                lo = mid
            }
        }
        Some(hi)
    };
    let up_max = (1.0 / p - 1.0).min(1.0);
    let up = smallest(&|d| p * (1.0 + d), up_max);
    let down = smallest(&|d| p * (1.0 - d), 1.0);
    match (up, down) {
        (Some(u), Some(d)) => Detectable::Relative(u.max(d)),
        _ => Detectable::Nothing,
    }
}

#[cfg(test)]
mod power_tests {
    use super::*;

    #[test]
    fn acceptance_region_contains_the_mean_and_matches_the_test() {
        let (a, b) = acceptance_region(1000, 0.3, 0.05);
        assert!(a < 300 && 300 < b);
        assert!(
            binomial_p_value(a, 1000, 0.3) >= 0.05 && binomial_p_value(a - 1, 1000, 0.3) < 0.05
        );
        assert!(
            binomial_p_value(b, 1000, 0.3) >= 0.05 && binomial_p_value(b + 1, 1000, 0.3) < 0.05
        );
    }

    #[test]
    fn a_closed_form_of_one_detects_a_miss_rate_of_one_minus_the_nth_root() {
        // Claimed 1: the check fails on any miss, so it sees a miss rate q with probability
        // 1 − (1 − q)^n ≥ 0.99, i.e. q ≥ 1 − 0.01^(1/n).
        match detectable_error(100, 1.0, 1e-3, 0.99) {
            Detectable::Relative(q) => assert!((q - 0.045007413978564045).abs() < 1e-15, "{q}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn detectable_error_is_the_smallest_error_seen_both_ways() {
        // By definition: at δ the check sees the formula off by δ in each direction (claims
        // p(1 + δ) and p(1 − δ)) with probability ≥ 0.99; just below δ one direction is missed.
        // Small p: the upward error is the harder one; p = 0.7: a claim can only be 3/7 too high.
        let (alpha, target) = (1e-3, 0.99);
        for (n, p) in [(10_000, 0.01), (100_000, 0.2), (20_000, 0.7)] {
            let Detectable::Relative(d) = detectable_error(n, p, alpha, target) else {
                panic!("n = {n}, p = {p}: nothing detectable");
            };
            assert!(d > 0.0 && p * (1.0 + d) <= 1.0, "n = {n}, p = {p}: {d}");
            let up = |d: f64| power(n, p * (1.0 + d), p, alpha);
            let down = |d: f64| power(n, p * (1.0 - d), p, alpha);
            assert!(
                up(d) >= target && down(d) >= target,
                "n = {n}, p = {p}: {d}"
            );
            let below = d - 1e-9;
            assert!(
                up(below) < target || down(below) < target,
                "n = {n}, p = {p}: {d}"
            );
            if p < 0.5 {
                assert!(up(below) < target, "upward error not the binding one: {d}");
            }
        }
    }

    #[test]
    fn a_claim_of_zero_is_rejected_by_any_hit() {
        // P(at least one hit in n) = 1 − (1 − truth)^n, whatever the level.
        for (n, truth) in [(10, 0.1), (1000, 1e-3), (1, 0.5)] {
            let expected = 1.0 - (1.0f64 - truth).powi(n as i32);
            for alpha in [0.05, 1e-3] {
                let got = power(n, 0.0, truth, alpha);
                assert!(
                    (got - expected).abs() < 1e-12,
                    "n {n}, truth {truth}: {got}"
                );
            }
        }
    }

    #[test]
    fn an_error_beyond_probability_one_is_not_detectable() {
        // p = 0.9 can be at most 11% too low; 10 samples cannot see even that, and no larger
        // "error" exists to look for.
        assert_eq!(detectable_error(10, 0.9, 0.05, 0.99), Detectable::Nothing);
        // p = 0.99 with 200 samples: a formula 100% too low is seen, but the largest possible
        // upward error (a claim of 1) shows only if one of the 200 misses: 1 − 0.99²⁰⁰ < 0.99.
        assert!(power(200, 0.0, 0.99, 0.05) >= 0.99);
        assert!(power(200, 1.0, 0.99, 0.05) < 0.99);
        assert_eq!(detectable_error(200, 0.99, 0.05, 0.99), Detectable::Nothing);
    }

    #[test]
    fn detectable_error_follows_the_normal_rule_of_thumb() {
        // (z_{1−α/2} + z_power) · sqrt(q / (n p)) ≈ (3.29 + 2.33) · sqrt(0.5 / 1e5) ≈ 1.257%.
        let n = 200_000;
        match detectable_error(n, 0.5, 1e-3, 0.99) {
            Detectable::Relative(d) => assert!((d - 0.01257).abs() < 0.0003, "{d}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            detectable_error(10, 1e-6, 1e-3, 0.99),
            Detectable::Nothing
        ));
        match detectable_error(1_000_000, 0.0, 1e-3, 0.99) {
            Detectable::Absolute(q) => assert!((q - 4.6e-6).abs() < 1e-7, "{q}"),
            other => panic!("{other:?}"),
        }
    }

    /// Binomials B(4m, p) with p a few ulps from ½ where an outcome on the far side of the
    /// mean is exactly as likely as the tolerance allows: ln pmf(tie) is, to the last bit,
    /// ln pmf(seen) + ln(1 + 10⁻⁷). Returned as (n, seen, tie, p); `below` puts p below ½
    /// (seen = 3m above the mean, the tie m below it), else above (seen = m, the tie 3m).
    fn exact_ties(below: bool) -> Vec<(u64, u64, u64, f64)> {
        let c = (1.0 + 1e-7f64).ln();
        let mut found = Vec::new();
        for m in 1..=60u64 {
            let n = 4 * m;
            let (seen, tie) = if below { (3 * m, m) } else { (m, 3 * m) };
            // pmf(tie)/pmf(seen) = ((1 − p)/p)^(±2m) = 1 + 10⁻⁷.
            let sign = if below { 1.0 } else { -1.0 };
            let p0 = 1.0 / (1.0 + (sign * c / (2 * m) as f64).exp());
            for step in -64i64..=64 {
                let p = f64::from_bits((p0.to_bits() as i64 + step) as u64);
                let b = Binomial::new(n, p);
                if b.ln_pmf(tie) == b.ln_pmf(seen) + c {
                    found.push((n, seen, tie, p));
                }
            }
        }
        found
    }

    #[test]
    fn an_outcome_exactly_at_the_tolerance_counts_as_no_more_likely_on_either_side() {
        for below in [true, false] {
            let ties = exact_ties(below);
            assert!(ties.len() >= 3, "below {below}: {ties:?}");
            for (n, seen, tie, p) in ties {
                let b = Binomial::new(n, p);
                // Every outcome at least as far from the mean as `seen` or `tie`.
                let (low, high) = if below { (tie, seen) } else { (seen, tie) };
                let expected = b.cdf(low) + b.sf(high - 1);
                let got = binomial_p_value(seen, n, p);
                assert!(
                    (got - expected).abs() <= 1e-12 * expected,
                    "n {n}, seen {seen}, tie {tie}, p {p:e}: {got} against {expected}"
                );
            }
        }
    }

    #[test]
    fn the_largest_error_looked_at_is_detected_when_its_power_is_exactly_the_target() {
        // "With probability at least the target": a power equal to it is enough, the power
        // of the largest error looked at either way (up to p(1 + min(1/p − 1, 1)), down to 0)
        // included.
        for (n, p) in [(50u64, 0.3f64), (200, 0.02), (1000, 0.5), (30, 0.9)] {
            let alpha = 0.05;
            let up_max = (1.0 / p - 1.0).min(1.0);
            let target =
                power(n, p * (1.0 + up_max), p, alpha).min(power(n, p * (1.0 - 1.0), p, alpha));
            match detectable_error(n, p, alpha, target) {
                Detectable::Relative(d) => assert!(d > 0.0 && d <= 1.0, "n {n}, p {p}: {d}"),
                other => panic!("n {n}, p {p}, target {target}: {other:?}"),
            }
        }
    }

    /// At confidence 1 (α = 0) no p is ruled out: the lower bound is 0 itself and the upper
    /// the last float below 1, where the bisection stops on that side (1 itself when every
    /// trial hit). The bisection then
    /// never leaves one end of its range, so its midpoint arithmetic meets a range of one step
    /// that starts at 0.
    #[test]
    fn a_confidence_of_one_keeps_every_probability_in_the_interval() {
        for (hits, n) in [(1, 1), (1, 10), (5, 10), (9, 10), (3, 1000)] {
            let (lower, upper) = clopper_pearson(hits, n, 0.0);
            assert_eq!(lower, 0.0, "{hits} of {n}");
            let top = if hits == n {
                1.0
            } else {
                1.0 - f64::EPSILON / 2.0
            };
            assert_eq!(upper, top, "{hits} of {n}");
        }
    }
}
