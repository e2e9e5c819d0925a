//! The binomial distribution, accurate at the sample sizes a simulation reaches (10^8 paths
//! and more). statrs computes binomial tails with an incomplete beta function whose continued
//! fraction stops after 140 terms, which is not enough there (its `inv_beta_reg` even loops
//! forever on Clopper–Pearson bounds for n = 10^8), so tails are summed here term by term from
//! Loader's saddle-point pmf ("Fast and accurate computation of binomial probabilities", 2000,
//! as in R's `dbinom`), which keeps full relative precision for any n. The tests hold it to
//! statrs where statrs works and to exact rational sums.

use std::f64::consts::PI;

#[derive(Debug, Clone, Copy)]
pub struct Binomial {
    n: u64,
    p: f64,
}

/// ln(n!) − ln(√(2πn) (n/e)^n), the error of Stirling's formula.
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        let ln_fact: f64 = (2..=n as u64).map(|k| (k as f64).ln()).sum();
        return ln_fact - (n + 0.5) * n.ln() + n - 0.5 * (2.0 * PI).ln();
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// x ln(x / m) + m − x, without the cancellation of the direct formula when x ≈ m.
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / (2 * j + 1) as f64;
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        x * (x / m).ln() + m - x
    }
}

impl Binomial {
    pub fn new(n: u64, p: f64) -> Binomial {
        assert!((0.0..=1.0).contains(&p), "p = {p} is not a probability");
        Binomial { n, p }
    }

    /// ln P(X = k).
    pub fn ln_pmf(&self, k: u64) -> f64 {
        let (n, p) = (self.n, self.p);
        if k > n {
            return f64::NEG_INFINITY;
        }
        if p == 0.0 {
            return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
        }
        if p == 1.0 {
            return if k == n { 0.0 } else { f64::NEG_INFINITY };
        }
        let q = 1.0 - p;
        let (nf, kf) = (n as f64, k as f64);
        if k == 0 {
            return nf * (-p).ln_1p();
        }
        if k == n {
            return nf * p.ln();
        }
        let lc = stirlerr(nf)
            - stirlerr(kf)
            - stirlerr(nf - kf)
            - bd0(kf, nf * p)
            - bd0(nf - kf, nf * q);
        let lf = (2.0 * PI).ln() + kf.ln() + (-kf / nf).ln_1p();
        lc - 0.5 * lf
    }

    pub fn pmf(&self, k: u64) -> f64 {
        self.ln_pmf(k).exp()
    }

    /// The most likely value, ⌊(n + 1) p⌋ (clamped to n).
    fn mode(&self) -> u64 {
        (((self.n as f64 + 1.0) * self.p).floor() as u64).min(self.n)
    }

    /// P(X ≤ x) for x at or below the mode: terms shrink as k falls, so summing downwards
    /// stops once they no longer change the sum.
    fn sum_down(&self, x: u64) -> f64 {
        let (n, p) = (self.n as f64, self.p);
        let ratio = (1.0 - p) / p;
        let mut term = self.pmf(x);
        let mut sum = term;
        let mut k = x;
        while k > 0 && term > sum * 1e-17 {
            term *= k as f64 / (n - k as f64 + 1.0) * ratio;
            sum += term;
            k -= 1;
        }
        sum
    }

    /// P(X ≥ y) for y at or above the mode, summing upwards.
    fn sum_up(&self, y: u64) -> f64 {
        let (n, p) = (self.n as f64, self.p);
        let ratio = p / (1.0 - p);
        let mut term = self.pmf(y);
        let mut sum = term;
        let mut k = y;
        while k < self.n && term > sum * 1e-17 {
            term *= (n - k as f64) / (k as f64 + 1.0) * ratio;
            sum += term;
            k += 1;
        }
        sum
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: u64) -> f64 {
        if x >= self.n || self.p == 0.0 {
            return 1.0;
        }
        if self.p == 1.0 {
            return 0.0;
        }
        if x < self.mode() {
            self.sum_down(x)
        } else {
            (1.0 - self.sum_up(x + 1)).max(0.0)
        }
    }

    /// P(X > x).
    pub fn sf(&self, x: u64) -> f64 {
        if x >= self.n || self.p == 0.0 {
            return 0.0;
        }
        if self.p == 1.0 {
            return 1.0;
        }
        if x + 1 > self.mode() {
            self.sum_up(x + 1)
        } else {
            (1.0 - self.sum_down(x)).max(0.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Discrete, DiscreteCDF};

    #[test]
    fn agrees_with_statrs_where_statrs_works() {
        for &(n, p) in &[
            (10u64, 0.3),
            (57, 0.02),
            (400, 0.5),
            (1000, 0.001),
            (2000, 0.9),
        ] {
            let ours = Binomial::new(n, p);
            let theirs = statrs::distribution::Binomial::new(p, n).unwrap();
            for k in (0..=n).step_by((n / 37).max(1) as usize) {
                let (a, b) = (ours.pmf(k), theirs.pmf(k));
                assert!(
                    (a - b).abs() <= 1e-10 * b.max(1e-300),
                    "pmf n={n} p={p} k={k}: {a} vs {b}"
                );
                let (a, b) = (ours.cdf(k), theirs.cdf(k));
                assert!(
                    (a - b).abs() <= 1e-10 * b.max(1e-300) + 1e-15,
                    "cdf n={n} p={p} k={k}: {a} vs {b}"
                );
                let (a, b) = (ours.sf(k), theirs.sf(k));
                assert!(
                    (a - b).abs() <= 1e-10 * b.max(1e-300) + 1e-15,
                    "sf n={n} p={p} k={k}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn stirling_error_matches_fifty_digit_sums() {
        // ln(n!) − (n + ½) ln n + n − ½ ln 2π with 50-digit decimals (Python's decimal), on
        // both sides of every switch between series lengths.
        for (n, exact) in [
            (16.0, 0.0052076559196096404),
            (20.0, 0.004166319691996922),
            (25.0, 0.003333155636728093),
            (30.0, 0.0027776749297526936),
            (35.0, 0.002380887608234112),
            (36.0, 0.002314755290514684),
            (50.0, 0.0016666444469833656),
            (80.0, 0.0010416612415616192),
            (81.0, 0.0010288013577107774),
            (100.0, 0.0008333305556349147),
            (500.0, 0.00016666664444446984),
            (501.0, 0.0001663339765799327),
            (1000.0, 8.333333055555635e-05),
        ] {
            let ours = stirlerr(n);
            assert!((ours - exact).abs() <= 1e-15, "n = {n}: {ours} vs {exact}");
        }
    }

    #[test]
    fn degenerate_probabilities_put_all_mass_on_one_end() {
        let zero = Binomial::new(10, 0.0);
        assert_eq!((zero.pmf(0), zero.pmf(1)), (1.0, 0.0));
        let one = Binomial::new(10, 1.0);
        assert_eq!((one.pmf(10), one.pmf(9)), (1.0, 0.0));
        assert_eq!(Binomial::new(10, 0.5).pmf(11), 0.0);
    }

    #[test]
    fn pmf_sums_to_one_for_large_n() {
        let b = Binomial::new(100_000_000, 4e-4);
        let total: f64 = (38_000..42_000).map(|k| b.pmf(k)).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert!((b.cdf(40_000) + b.sf(40_000) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn consecutive_probabilities_have_the_exact_ratio() {
        // pmf(k + 1) / pmf(k) = (n − k) / (k + 1) · p / q exactly, so the differences of ln_pmf
        // are known to the last digits whatever n is. Near the mean of a huge n this needs the
        // deviance series (the direct x ln(x/m) + m − x loses ~10⁻⁵ to cancellation); far in
        // the tail it needs the direct formula (the series does not converge).
        for (n, p) in [(1000u64, 0.5), (10_000_000, 0.1), (1_000_000_000_000, 0.3)] {
            let b = Binomial::new(n, p);
            let mean = (n as f64 * p) as u64;
            let ks = [
                0,
                1,
                2,
                3,
                20,
                mean / 100,
                mean / 2,
                mean - 1,
                mean,
                mean + 7,
                n - 2,
            ];
            for k in ks {
                let got = b.ln_pmf(k + 1) - b.ln_pmf(k);
                let expected = ((n - k) as f64 / (k + 1) as f64).ln() + (p / (1.0 - p)).ln();
                let tol = 1e-12 * b.ln_pmf(k).abs().max(1.0);
                assert!(
                    (got - expected).abs() < tol,
                    "n {n}, p {p}, k {k}: {got} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn a_tail_too_far_out_to_be_represented_is_zero_at_once() {
        // Bin(2⁶², ½) has no term that an f64 holds at a quarter or three quarters of n
        // (ln pmf ≈ −6·10¹⁷): the tail sums stop at their first term instead of walking
        // the 2⁶⁰ terms below (or above) it, each of them 0.
        let n = 1u64 << 62;
        let b = Binomial::new(n, 0.5);
        assert_eq!(b.pmf(n / 4), 0.0);
        assert_eq!(b.cdf(n / 4), 0.0);
        assert_eq!(b.sf(3 * (n / 4)), 0.0);
        assert_eq!(b.cdf(3 * (n / 4)), 1.0);
    }

    #[test]
    fn the_whole_range_holds_all_the_probability_whatever_p() {
        // P(X ≤ n) = 1 and P(X > n) = 0 for every p, the certain p = 0 and p = 1 included.
        for n in [1u64, 7, 1000] {
            for p in [0.0, 1e-9, 0.3, 1.0 - 1e-9, 1.0] {
                let b = Binomial::new(n, p);
                for x in [n, n + 1] {
                    assert_eq!(b.cdf(x), 1.0, "n {n}, p {p}, x {x}");
                    assert_eq!(b.sf(x), 0.0, "n {n}, p {p}, x {x}");
                }
            }
            // Below n, the certain cases put everything at 0 or at n.
            assert_eq!(Binomial::new(n, 1.0).cdf(n - 1), 0.0);
            assert_eq!(Binomial::new(n, 1.0).sf(n - 1), 1.0);
            assert_eq!(Binomial::new(n, 0.0).cdf(0), 1.0);
            assert_eq!(Binomial::new(n, 0.0).sf(0), 0.0);
        }
    }
}
