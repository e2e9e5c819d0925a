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
