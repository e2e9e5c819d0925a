//! Few equal-weight units: the first two hops as one exactly uniform pair index and a table that decides most paths from it.

use super::{Tally, later_hops, uniform_units};
use crate::adversary::{PathTest, Step};
use crate::model::Network;
use crate::select::bits::{Field, split};
use crate::select::{ClientSource, Selection};
use rand::Rng;
use std::sync::Arc;

/// Largest joint range of the first two hops that [`TwoHop`] tabulates.
pub const TWO_HOP_LIMIT: u64 = 4096;

/// What the tables say of a path after its first two hops: `MISS`, `HIT`, or `NEED + l` for
/// "the later looked-at hops must carry label l"; in the field table also `REFUSED`, a field
/// value Lemire's method refuses. `MISS` is 0 so that the common case costs one test.
pub(super) const MISS: u32 = 0;
pub(super) const HIT: u32 = 1;
const REFUSED: u8 = 2;
pub(super) const NEED: u32 = 3;

/// Few equal-weight units (n² or n(n−1) ≤ [`TWO_HOP_LIMIT`]): the first two hops of a path are
/// one exactly uniform index `j` over their joint range, drawn by Lemire's method from a
/// 16-bit field (four paths per 64-bit number) or, when more than one field value in 32 would
/// be refused, a 32-bit one (two paths per number). A table gives, per pair, whether the path
/// is decided or which label its later hops need; those hops (rare: only when the first two
/// did not decide) are drawn one by one.
///
/// With 16-bit fields the table is indexed by the field value itself: entry `v` holds the
/// state of the pair `⌊v·P / 2^16⌋` that Lemire's method maps `v` to, or `REFUSED` for the
/// `2^16 mod P` values it refuses (which draw again). That is the same map, tabulated: a path
/// costs a shift, a load and a test.
#[derive(Debug, Clone)]
pub struct TwoHop {
    /// Per 16-bit field value: its pair's state (when every state fits a byte and few values
    /// are refused).
    direct: Option<Arc<[u8; 1 << 16]>>,
    pub(super) field16: Option<Field<16>>,
    field32: Field<32>,
    /// Per pair index: [`MISS`], [`HIT`], or [`NEED`] + the label. Fixed size, indexed by
    /// `j mod TWO_HOP_LIMIT`, so no bounds check is needed.
    pub(super) pairs: Arc<[u32; TWO_HOP_LIMIT as usize]>,
    /// Per pair index: its two units (at most 64 of them), read when a path goes on.
    units: Arc<[[u8; 2]]>,
    pub(super) label: Arc<[u32]>,
    pub(super) distinct: bool,
    pub(super) test: PathTest,
}

/// The units of pair index `j`: `j = a·n + b`, or without replacement `j = a·(n−1) + r` with
/// `b` the `r`-th unit other than `a`.
fn pair(j: u64, n: u64, distinct: bool) -> (u32, u32) {
    if distinct {
        let (a, r) = (j / (n - 1), j % (n - 1));
        (a as u32, (r + u64::from(r >= a)) as u32)
    } else {
        ((j / n) as u32, (j % n) as u32)
    }
}

impl TwoHop {
    /// The kernel for `selection` on `network` with `test` on `labels`, when the units weigh
    /// the same, are few enough, and paths have at least two hops.
    pub fn new(
        network: &Network,
        selection: Selection,
        labels: &[u32],
        test: &PathTest,
        hops: usize,
    ) -> Option<TwoHop> {
        let (label, _) = uniform_units(network, selection, labels)?;
        let n = label.len() as u64;
        let distinct = selection != Selection::Random;
        let pairs_len = if distinct { n * (n - 1) } else { n * n };
        if hops < 2 || pairs_len == 0 || pairs_len > TWO_HOP_LIMIT {
            return None;
        }
        let mut pairs = Box::new([MISS; TWO_HOP_LIMIT as usize]);
        let mut units = Vec::with_capacity(pairs_len as usize);
        for j in 0..pairs_len {
            let (a, b) = pair(j, n, distinct);
            units.push([a as u8, b as u8]);
            pairs[j as usize] = match test.after(&[label[a as usize], label[b as usize]]) {
                Step::Miss => MISS,
                Step::Hit => HIT,
                Step::Need(l) => NEED.checked_add(l)?,
            };
        }
        let field16 = Field::<16>::new(pairs_len).filter(|f| f.refusal_rate() <= 1.0 / 32.0);
        let direct = field16.and_then(|f| {
            let mut table = Box::new([0u8; 1 << 16]);
            for v in 0..1u64 << 16 {
                table[v as usize] = match f.try_index(v) {
                    None => REFUSED,
                    Some(j) => u8::try_from(pairs[j as usize]).ok()?,
                };
            }
            Some(table)
        });
        // Shared, not copied, by the clone each worker makes.
        Some(TwoHop {
            direct: direct.map(Arc::from),
            field16,
            field32: Field::<32>::new(pairs_len)?,
            pairs: Arc::from(pairs),
            units: Arc::from(units),
            label: Arc::from(label),
            distinct,
            test: test.clone(),
        })
    }

    /// Draws hops 3, 4, … of a path whose first two hops are pair `j` and tests them against
    /// `need`. The generator comes and goes by value, so that the caller's copy never has its
    /// address taken and stays in registers on the hot path.
    #[cold]
    #[inline(never)]
    fn rest<R: Rng + Clone>(&self, j: u32, need: u32, mut rng: R) -> (bool, R) {
        let hit = self.rest_hops(j, need, &mut rng);
        (hit, rng)
    }

    /// How many pairs the first two hops range over.
    pub(super) fn pair_count(&self) -> u64 {
        self.units.len() as u64
    }

    pub(super) fn rest_hops<R: Rng>(&self, j: u32, need: u32, rng: &mut R) -> bool {
        let [a, b] = self.units[j as usize];
        let first_two = [u32::from(a), u32::from(b)];
        later_hops(&self.label, self.distinct, &self.test, first_two, need, rng)
    }

    /// The path of pair `j`, whose table state `s` is not [`MISS`].
    #[inline(always)]
    fn decide<R: Rng + Clone>(&self, s: u32, j: u32, rng: &mut R) -> bool {
        if s == HIT {
            return true;
        }
        let (hit, r) = self.rest(j, s - NEED, rng.clone());
        *rng = r;
        hit
    }

    /// A path whose 16-bit field `v` has a non-[`MISS`] entry `s` in the field table. The
    /// generator comes and goes by value (see [`TwoHop::rest`]).
    #[cold]
    #[inline(never)]
    fn decide_field<R: Rng + Clone>(&self, s: u8, v: u64, mut rng: R) -> (bool, R) {
        let f = self.field16.expect("the field table implies 16-bit fields");
        let j = match f.try_index(v) {
            Some(j) => j,
            None => {
                debug_assert_eq!(s, REFUSED);
                f.index(rng.next_u64(), &mut rng)
            }
        };
        let s = self.pairs[j as usize % TWO_HOP_LIMIT as usize];
        if s == MISS || s == HIT {
            return (s == HIT, rng);
        }
        let hit = self.rest_hops(j, s - NEED, &mut rng);
        (hit, rng)
    }

    /// Four paths per 64-bit number, through the field table.
    #[inline(always)]
    fn client16<R: Rng + Clone>(
        &self,
        table: &[u8; 1 << 16],
        rng: &mut R,
        paths: u64,
    ) -> (u64, u64) {
        let mut tally = Tally::default();
        let n = self.label.len() as u64;
        // Paths of three looked-at positions under `random` (the claim's shape) finish inline:
        // one more operator, independent of the first two. The rest go through the cold path.
        let third_inline = !self.distinct && self.test.last() == 2;
        let mut path = |x: u64, k: u64, rng: &mut R| {
            let mut v = x & 0xffff;
            let mut s = table[v as usize];
            if s == MISS as u8 {
                return;
            }
            // A refused value: fresh fields until one is accepted (Lemire's rejection).
            while s == REFUSED {
                v = rng.next_u64() & 0xffff;
                s = table[v as usize];
            }
            if s != MISS as u8
                && if third_inline && u32::from(s) >= NEED {
                    let c = split(rng.next_u64(), n).0 as usize;
                    self.label[c] == u32::from(s) - NEED
                } else {
                    let (hit, r) = self.decide_field(s, v, rng.clone());
                    *rng = r;
                    hit
                }
            {
                tally.hit(k);
            }
        };
        let full = paths / 4;
        for block in 0..full {
            if crate::stop::at(block) {
                return tally.result();
            }
            let x = rng.next_u64();
            // A fixed count per number, so the loop unrolls.
            for f in 0..4 {
                path(x >> (16 * f), 4 * block + f + 1, rng);
            }
        }
        // The last number, cut short.
        if !paths.is_multiple_of(4) {
            let x = rng.next_u64();
            for f in 0..paths % 4 {
                path(x >> (16 * f), 4 * full + f + 1, rng);
            }
        }
        tally.result()
    }

    /// Two paths per 64-bit number, through the pair table.
    #[inline(always)]
    fn client32<R: Rng + Clone>(&self, rng: &mut R, paths: u64) -> (u64, u64) {
        let mut tally = Tally::default();
        let mut path = |x: u64, k: u64, rng: &mut R| {
            let j = self.field32.index(x, rng);
            let s = self.pairs[j as usize % TWO_HOP_LIMIT as usize];
            if s != MISS && self.decide(s, j, rng) {
                tally.hit(k);
            }
        };
        let full = paths / 2;
        for block in 0..full {
            if crate::stop::at(block) {
                return tally.result();
            }
            let x = rng.next_u64();
            path(x, 2 * block + 1, rng);
            path(x >> 32, 2 * block + 2, rng);
        }
        if paths % 2 == 1 {
            let x = rng.next_u64();
            path(x, paths, rng);
        }
        tally.result()
    }
}

impl ClientSource for TwoHop {
    #[inline]
    fn client<R: Rng + Clone>(&mut self, outer: &mut R, paths: u64) -> (u64, u64) {
        // A local copy of the generator, written back at the end: nothing takes its address,
        // so its state lives in registers.
        let mut rng = outer.clone();
        let result = match &self.direct {
            Some(table) => self.client16(table, &mut rng, paths),
            None => self.client32(&mut rng, paths),
        };
        *outer = rng;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Adversary, Event, Target};
    use crate::model::uniform_operators;

    fn two_hop(n: u64, selection: Selection, event: Event, hops: usize) -> TwoHop {
        let network = Network::from_specs(uniform_operators(n, None)).unwrap();
        let adversary = Adversary {
            target: Target::Any,
            event,
        };
        let test = PathTest::new(&network, &adversary, hops);
        let labels = test.labels(&network);
        TwoHop::new(&network, selection, &labels, &test.on_labels(), hops).unwrap()
    }

    /// The field table is Lemire's map composed with the pair table: each pair gets the same
    /// number of field values, and the refused ones are marked.
    #[test]
    fn the_field_table_gives_every_pair_the_same_number_of_values() {
        let k = two_hop(50, Selection::Random, Event::FullPath, 3);
        let table = k.direct.as_ref().expect("2500 pairs suit 16-bit fields");
        let refused = table.iter().filter(|&&s| s == REFUSED).count();
        assert_eq!(refused, 65536 % 2500);
        // 50 of the 2500 pairs hold one operator twice; they need the third hop.
        let going_on = table.iter().filter(|&&s| u32::from(s) >= NEED).count();
        assert_eq!(going_on, 50 * (65536 / 2500));
        assert!(table.iter().all(|&s| u32::from(s) != HIT));
    }

    #[test]
    fn pairs_without_replacement_never_repeat_a_unit_and_cover_every_ordered_pair() {
        let n = 7;
        let mut seen = std::collections::BTreeSet::new();
        for j in 0..n * (n - 1) {
            let (a, b) = pair(j, n, true);
            assert_ne!(a, b);
            assert!(a < n as u32 && b < n as u32);
            seen.insert((a, b));
        }
        assert_eq!(seen.len() as u64, n * (n - 1));
    }

    #[test]
    fn the_field_width_follows_the_refusal_rate() {
        // 56² = 3136 pairs: 2816 of 65536 values refused (4.3%), so 32-bit fields.
        assert!(
            two_hop(56, Selection::Random, Event::Ends, 3)
                .direct
                .is_none()
        );
        assert!(
            two_hop(55, Selection::Random, Event::Ends, 3)
                .direct
                .is_some()
        );
        // Paths of one hop, or too many pairs: no two-hop kernel.
        let network = Network::from_specs(uniform_operators(65, None)).unwrap();
        let adversary = Adversary {
            target: Target::Any,
            event: Event::FullPath,
        };
        let test = PathTest::new(&network, &adversary, 3);
        let labels = test.labels(&network);
        assert!(TwoHop::new(&network, Selection::Random, &labels, &test, 3).is_none());
    }
}
