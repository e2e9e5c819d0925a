//! Walker's alias table drawn with one 64-bit random number per sample: the high half of the
//! 128-bit product x·n picks the column, the low half (the fraction left over) tosses the
//! column's coin. `rand_distr`'s `WeightedAliasIndex` spends two draws (an index, then an
//! f64); measured on W1–W5, one draw per hop is what the engine's speed needs.
//!
//! Bias: for a uniform 64-bit x, each column gets ⌊2^64/n⌋ or ⌈2^64/n⌉ values of x, and
//! within a column the leftover fractions are spaced n apart, so the choice of column is off
//! by at most n/2^64 relative — below 1e-12 for any n the model allows (≤ 2^24). The coin's
//! threshold is the column's keep probability rounded down to a multiple of 2^-64, which moves
//! each column's share of an outcome by less than 2^-64/n. An outcome below the mean
//! probability 1/n is kept only in its own column (Vose never makes a small column an alias),
//! so its probability p is off by less than 2^-64/n, that is 2^-64/(n·p) relative: at most
//! 1e-9 for every outcome of at least 5.4e-11 of the mean probability. An outcome above the
//! mean appears in at most n columns, so it is off by less than 2^-64 absolute, below
//! n·2^-64 < 1e-12 relative. The table is built in f64; a test computes every probability of
//! a 100 000-operator Zipf table from the table's own arithmetic: all within 1e-9 relative.

/// One column: its coin's threshold and what it yields either way, packed so that a draw
/// reads one 16-byte entry.
#[derive(Debug, Clone, Copy)]
struct Column {
    /// Keep the column's own outcome when the leftover fraction is below this.
    threshold: u64,
    keep: u32,
    alias: u32,
}

/// An alias table over weights. A draw yields the drawn index, or, after
/// [`AliasTable::with_labels`], a label of it (the entity holding an operator, say): the
/// outcome is still drawn by weight, and only what the caller needs to know of it comes out.
#[derive(Debug, Clone)]
pub struct AliasTable {
    /// Shared by the clones each worker makes.
    columns: std::sync::Arc<[Column]>,
}

impl AliasTable {
    /// Builds the table (Vose's method). Weights must be finite, ≥ 0, with a positive sum.
    pub fn new(weights: &[f64]) -> Option<AliasTable> {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0
            || n > u32::MAX as usize
            || !(total > 0.0 && total.is_finite())
            || weights.iter().any(|w| w.is_nan() || *w < 0.0)
        {
            return None;
        }
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut small: Vec<usize> = (0..n).filter(|&i| scaled[i] < 1.0).collect();
        let mut large: Vec<usize> = (0..n).filter(|&i| scaled[i] >= 1.0).collect();
        let mut threshold = vec![u64::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            threshold[s] = to_threshold(scaled[s]);
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left has probability 1 up to rounding.
        let columns = (0..n)
            .map(|c| Column {
                threshold: threshold[c],
                keep: c as u32,
                alias: alias[c],
            })
            .collect();
        Some(AliasTable { columns })
    }

    /// The same draws, yielding `labels[i]` where the table yielded `i`.
    pub fn with_labels(&self, labels: &[u32]) -> AliasTable {
        AliasTable {
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    threshold: c.threshold,
                    keep: labels[c.keep as usize],
                    alias: labels[c.alias as usize],
                })
                .collect(),
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// The outcome chosen by the 64-bit uniform `x`. Both outcomes of the column are read and
    /// one selected, so the coin costs no branch (it would be mispredicted often).
    #[inline]
    pub fn pick(&self, x: u64) -> usize {
        let (column, fraction) = super::bits::split(x, self.columns.len() as u64);
        let c = self.columns[column as usize];
        (if fraction < c.threshold {
            c.keep
        } else {
            c.alias
        }) as usize
    }

    #[inline]
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.pick(rng.next_u64())
    }
}

/// A probability in [0, 1) as a threshold on 64-bit fractions.
fn to_threshold(p: f64) -> u64 {
    if p <= 0.0 {
        0
    } else if p >= 1.0 {
        u64::MAX
    } else {
        (p * 18_446_744_073_709_551_616.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact probability of each column, by counting how much of the 64-bit range maps
    /// to it: the table's own arithmetic, summed over its n columns.
    fn exact(table: &AliasTable) -> Vec<f64> {
        let n = table.len() as f64;
        let mut p = vec![0.0; table.len()];
        for c in table.columns.iter() {
            let keep = c.threshold as f64 / 18_446_744_073_709_551_616.0;
            p[c.keep as usize] += keep / n;
            p[c.alias as usize] += (1.0 - keep) / n;
        }
        p
    }

    #[test]
    fn probabilities_match_the_weights() {
        for weights in [
            vec![1.0, 2.0, 3.0, 4.0],
            vec![0.0, 5.0, 0.0, 1e-9, 7.0],
            vec![1.0; 50],
            (1..=1000).map(|i| 1.0 / i as f64).collect(),
        ] {
            let t = AliasTable::new(&weights).unwrap();
            let total: f64 = weights.iter().sum();
            for (i, p) in exact(&t).iter().enumerate() {
                let want = weights[i] / total;
                assert!(
                    (p - want).abs() <= 1e-12 * want.max(1e-300) + 1e-15,
                    "{i}: {p} vs {want}"
                );
            }
        }
    }

    /// The bias bound the README states: below 1e-9 relative for every operator of a large,
    /// skewed network (the table's exact arithmetic, not a sample).
    #[test]
    fn a_hundred_thousand_zipf_weights_are_within_1e_9_relative() {
        let weights: Vec<f64> = (1..=100_000).map(|i| 1.0 / i as f64).collect();
        let t = AliasTable::new(&weights).unwrap();
        let total: f64 = weights.iter().sum();
        let worst = exact(&t)
            .iter()
            .zip(&weights)
            .map(|(p, w)| (p / (w / total) - 1.0).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "worst relative error {worst}");
    }

    #[test]
    fn labels_replace_the_outcome_and_keep_the_draw() {
        let t = AliasTable::new(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        let labelled = t.with_labels(&[7, 7, 9, 9]);
        for k in 0..1000u64 {
            let x = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let want = if t.pick(x) < 2 { 7 } else { 9 };
            assert_eq!(labelled.pick(x), want);
        }
    }

    #[test]
    fn zero_weights_are_never_picked_and_extremes_work() {
        let t = AliasTable::new(&[0.0, 1.0, 0.0]).unwrap();
        for x in [0, 1, u64::MAX / 3, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            assert_eq!(t.pick(x), 1);
        }
        assert!(AliasTable::new(&[]).is_none());
        assert!(AliasTable::new(&[0.0]).is_none());
        assert!(AliasTable::new(&[f64::NAN]).is_none());
    }
}
