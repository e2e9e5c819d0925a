//! Uniform indices from random bits.
//!
//! Two maps, both documented with their bias:
//!
//! - [`split`]: the high half of the 128-bit product `x·m` of a uniform 64-bit `x` is an index
//!   in `[0, m)`; each index gets `⌊2^64/m⌋` or `⌈2^64/m⌉` of the 2^64 values of `x`, so its
//!   probability is off by at most `m / 2^64` relative (≤ 2^-40 for the 2^24 servers the
//!   model allows). The low half, the fraction left over, serves the alias table's coin.
//! - [`Field`]: Lemire's method on a 16- or 32-bit field of a random number, *with* its
//!   rejection step, so the index is exactly uniform: of the `2^w` field values, the
//!   `2^w mod m` that would make some index more likely are refused and the index is drawn
//!   again from fresh bits. Several fields come from one 64-bit number, which is how the
//!   two-hop kernel spends less than one number per path.

use rand::Rng;

/// The index in `[0, m)` that `x` maps to, and the fraction left over.
#[inline(always)]
pub fn split(x: u64, m: u64) -> (u64, u64) {
    let p = x as u128 * m as u128;
    ((p >> 64) as u64, p as u64)
}

/// Exactly uniform indices in `[0, m)` from `W`-bit fields (W = 16 or 32).
#[derive(Debug, Clone, Copy)]
pub struct Field<const W: u32> {
    m: u32,
    /// Field products whose low `W` bits fall below this are refused: `2^W mod m`.
    refuse: u32,
}

impl<const W: u32> Field<W> {
    const MASK: u64 = (1u64 << W) - 1;

    /// Indices in `[0, m)`; `None` unless `1 ≤ m ≤ 2^W`.
    pub fn new(m: u64) -> Option<Self> {
        assert!(W == 16 || W == 32);
        if m == 0 || m > 1u64 << W {
            return None;
        }
        Some(Field {
            m: m as u32,
            refuse: ((1u64 << W) % m) as u32,
        })
    }

    /// The share of field values refused, `(2^W mod m) / 2^W`.
    pub fn refusal_rate(&self) -> f64 {
        self.refuse as f64 / (1u64 << W) as f64
    }

    /// The index the low `W` bits of `bits` give, or `None` when they are refused.
    #[inline]
    pub fn try_index(&self, bits: u64) -> Option<u32> {
        let p = (bits & Self::MASK) * u64::from(self.m);
        (((p & Self::MASK) as u32) >= self.refuse).then_some((p >> W) as u32)
    }

    /// The index that the low `W` bits of `bits` give, drawing fresh fields from `rng` while
    /// they are refused (rare: one time in 32 at most for the ranges the kernels use). The loop
    /// stays inline so that the generator's state can stay in registers.
    #[inline(always)]
    pub fn index<R: Rng + ?Sized>(&self, bits: u64, rng: &mut R) -> u32 {
        let mut p = (bits & Self::MASK) * u64::from(self.m);
        while ((p & Self::MASK) as u32) < self.refuse {
            p = (rng.next_u64() & Self::MASK) * u64::from(self.m);
        }
        (p >> W) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field value, pushed through the map: each index gets exactly the same number of
    /// accepted values, so the index is exactly uniform.
    #[test]
    fn sixteen_bit_fields_give_every_index_the_same_count() {
        for m in [1u64, 2, 3, 7, 50, 2500, 4095, 65535, 65536] {
            let f = Field::<16>::new(m).unwrap();
            let mut counts = vec![0u32; m as usize];
            for v in 0..(1u64 << 16) {
                let p = v * m;
                if ((p & 0xffff) as u32) >= f.refuse {
                    counts[(p >> 16) as usize] += 1;
                }
            }
            let c = counts[0];
            assert!(counts.iter().all(|&x| x == c), "m = {m}");
            assert_eq!(c as u64 * m + u64::from(f.refuse), 1 << 16, "m = {m}");
        }
        assert!(Field::<16>::new(0).is_none());
        assert!(Field::<16>::new(65537).is_none());
    }

    #[test]
    fn split_gives_the_scaled_index_and_its_fraction() {
        assert_eq!(split(0, 50), (0, 0));
        assert_eq!(split(u64::MAX, 50).0, 49);
        assert_eq!(split(1 << 63, 50), (25, 0));
    }
}
