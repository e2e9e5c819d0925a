//! Equal-weight units too many for [`super::TwoHopLanes`]' table, in lanes: the first two hops
//! of 16 paths a step, as one pair index from a 32-bit field, the pairs numbered without a
//! table so that one compare finds the paths that go on.

use super::LaneKernel;
use super::field_lanes::{self, Hot, Rule};
use super::{later_hops, uniform_units, unused_unit};
use crate::adversary::PathTest;
use crate::engine::lanes::Isa;
use crate::engine::rng::StreamRng;
use crate::model::Network;
use crate::select::Selection;
use crate::select::bits::split;
use rand::Rng;
use std::collections::BTreeMap;

/// Most pairs: `2^32 mod P` of the 2^32 field values are refused, under 1 in 64 up to here
/// (and a pair index fits the exact division of 32-bit numbers by multiply-high).
const MAX_PAIRS: u64 = 1 << 26;

/// The first hops of one label whose pairs may make a hit.
#[derive(Debug, Clone)]
struct Group {
    /// Hot pairs before this group's.
    start: u64,
    /// The label the path's looked-at hops need.
    need: u32,
    /// The group's units.
    units: Vec<u32>,
    /// Second hops per first hop among the hot pairs, and `⌈2^64 / seconds⌉`, with which a
    /// multiply-high divides any 32-bit number by it exactly (Lemire, Kaser and Kurz, "Faster
    /// remainder by direct computation", 2019): a hardware division was a third of a hot
    /// path's time.
    seconds: u64,
    inverse: u128,
}

/// Equal-weight units, without guards, 32-bit fields in lanes. A path's first two hops are
/// a pair `(a, b)` of the `P = n·n` pairs (`random`) or `n·(n − 1)` (`b ≠ a`), its index
/// `⌊v·P / 2^32⌋` from a field `v` with Lemire's rejection: exactly uniform. The pairs are
/// numbered so that the `K` whose path is not decided a miss come first — first hop by first
/// hop, grouped by label; the second hop the `r`-th unit of the group (when the event looks at
/// hop 2) or of all units, past the first under `b ≠ a` — so a field is hot exactly when
/// `v < ⌈K·2^32 / P⌉`. Any numbering of the pairs is a bijection and keeps the draw uniform;
/// the misses' numbering is never needed. A hot path's later hops come from the side stream
/// as [`later_hops`] draws them.
#[derive(Debug, Clone)]
pub struct PairLanes {
    label: Vec<u32>,
    distinct: bool,
    test: PathTest,
    /// Whether the event looks at hop 2 (else any second hop goes on).
    second_looked_at: bool,
    pairs: u64,
    rule: Rule<32>,
    groups: Vec<Group>,
    /// Hot pair indices cut into buckets of `2^bucket_bits`: the first group each bucket
    /// meets, so that finding a pair's group is a lookup and a step or two, not a search.
    bucket_bits: u32,
    first_group: Vec<u32>,
}

impl PairLanes {
    /// The kernel for `selection` on `network` when its units weigh the same, the event
    /// looks past the first hop and the pairs are few enough for 32-bit fields; `None` also
    /// when every pair may make a hit (lanes would gain nothing).
    pub fn new(
        network: &Network,
        selection: Selection,
        labels: &[u32],
        test: &PathTest,
    ) -> Option<PairLanes> {
        let (label, _) = uniform_units(network, selection, labels)?;
        let distinct = selection != Selection::Random;
        let n = label.len() as u64;
        let others = n - u64::from(distinct);
        if test.last() == 0 || others == 0 || n * others > MAX_PAIRS {
            return None;
        }
        let second_looked_at = test.looks_at(1);
        let mut by_label: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (unit, &l) in label.iter().enumerate() {
            by_label.entry(l).or_default().push(unit as u32);
        }
        let mut groups = Vec::new();
        let mut hot = 0u64;
        for (need, units) in by_label {
            if test.fixed_need().is_some_and(|l| l != need) {
                continue;
            }
            let g = units.len() as u64;
            let seconds = if second_looked_at {
                g - u64::from(distinct)
            } else {
                others
            };
            if seconds == 0 {
                continue;
            }
            groups.push(Group {
                start: hot,
                need,
                units,
                seconds,
                inverse: u128::from(u64::MAX / seconds) + 1,
            });
            hot += g * seconds;
        }
        let pairs = n * others;
        if hot == pairs {
            return None;
        }
        // About eight buckets per group (a pair's group is mostly its bucket's first), at
        // most 2^16 of them.
        let buckets = (8 * groups.len() as u64).clamp(1, 1 << 16);
        let bucket_bits = (hot.max(1).div_ceil(buckets))
            .next_power_of_two()
            .trailing_zeros();
        let first_group = (0..hot.max(1).div_ceil(1 << bucket_bits))
            .map(|b| (groups.partition_point(|g| g.start <= b << bucket_bits) - 1) as u32)
            .collect();
        Some(PairLanes {
            rule: Rule::lemire(pairs, hot),
            label,
            distinct,
            test: test.clone(),
            second_looked_at,
            pairs,
            groups,
            bucket_bits,
            first_group,
        })
    }

    /// The units of hot pair `j`, and the label the path needs.
    #[inline(always)]
    fn pair(&self, j: u64) -> ([u32; 2], u32) {
        let mut at = self.first_group[(j >> self.bucket_bits) as usize] as usize;
        while self.groups.get(at + 1).is_some_and(|g| g.start <= j) {
            at += 1;
        }
        let g = &self.groups[at];
        let within = j - g.start;
        let first = ((u128::from(within) * g.inverse) >> 64) as u64;
        let r = within - first * g.seconds;
        let a = g.units[first as usize];
        // The r-th of the candidates, past the first hop itself without replacement.
        let b = if self.second_looked_at {
            let at = r + u64::from(self.distinct && r >= first);
            g.units[at as usize]
        } else {
            (r + u64::from(self.distinct && r >= u64::from(a))) as u32
        };
        ([a, b], g.need)
    }
}

impl LaneKernel for PairLanes {
    fn chunk(
        &self,
        isa: Isa,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64), bool),
    ) {
        field_lanes::chunk(
            &self.rule,
            self,
            isa,
            seed,
            chunk,
            clients,
            paths,
            &mut |t| add(t, false),
        )
    }
}

impl Hot for PairLanes {
    #[inline]
    fn decide(&self, v: u64, side: &mut StreamRng) -> bool {
        let (ab, need) = self.pair((v * self.pairs) >> 32);
        match self.test.last() {
            1 => true,
            // Three looked-at hops (the claim's shape): the third inline, as `later_hops`
            // draws it — a call there cost more than the pair.
            2 if self.test.looks_at(2) => {
                let n = self.label.len() as u64;
                let c = if self.distinct {
                    unused_unit(n, &ab, side)
                } else {
                    split(side.next_u64(), n).0 as u32
                };
                self.label[c as usize] == need
            }
            _ => later_hops(&self.label, self.distinct, &self.test, ab, need, side),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Event, Target};

    fn kernel(servers: &[u64], selection: Selection, target: Target, event: Event) -> PairLanes {
        let (network, labels, test) = super::super::test_network(servers, target, event, 3);
        PairLanes::new(&network, selection, &labels, &test).unwrap()
    }

    /// The hot pairs are exactly the pairs that are not decided a miss, each once: decoded
    /// from every hot index and compared with the pairs counted by brute force.
    #[test]
    fn hot_pairs_are_the_undecided_pairs_each_once() {
        // (`random` and `operator-aware` draw operators: equal ones.)
        let (servers, operators) = (&[3, 1, 4, 2][..], &[1; 5][..]);
        let cases = [
            (
                servers,
                Selection::DistinctServers,
                Target::Any,
                Event::FullPath,
            ),
            (
                servers,
                Selection::DistinctServers,
                Target::Entity(1),
                Event::Ends,
            ),
            (
                servers,
                Selection::DistinctServers,
                Target::Entity(0),
                Event::FullPath,
            ),
            (operators, Selection::Random, Target::Any, Event::FullPath),
            (operators, Selection::Random, Target::Entity(2), Event::Ends),
            (
                operators,
                Selection::OperatorAware,
                Target::Entity(2),
                Event::Ends,
            ),
        ];
        for (network, selection, target, event) in cases {
            let k = kernel(network, selection, target.clone(), event);
            let n = k.label.len() as u32;
            let mut want = Vec::new();
            for a in 0..n {
                for b in 0..n {
                    if k.distinct && a == b {
                        continue;
                    }
                    let need = k.test.fixed_need().unwrap_or(k.label[a as usize]);
                    let second = !k.test.looks_at(1) || k.label[b as usize] == need;
                    if k.label[a as usize] == need && second {
                        want.push(([a, b], need));
                    }
                }
            }
            let hot = k
                .groups
                .iter()
                .map(|g| g.units.len() as u64 * g.seconds)
                .sum();
            let mut got: Vec<_> = (0..hot).map(|j| k.pair(j)).collect();
            got.sort();
            assert_eq!(got, want, "{selection:?} {target:?} {event:?}");
            assert_eq!(k.pairs, u64::from(n) * u64::from(n - u32::from(k.distinct)));
        }
    }

    /// 50 operators × 20 servers, no server twice, `any`, full path (W3): a path is
    /// compromised with probability (19/999)·(18/998).
    #[test]
    fn w3_agrees_with_the_closed_form() {
        let k = kernel(
            &[20; 50],
            Selection::DistinctServers,
            Target::Any,
            Event::FullPath,
        );
        let (chunks, clients, paths) = (20u64, 2000u64, 500u64);
        let mut out = Vec::new();
        for c in 0..chunks {
            k.chunk(Isa::best(), 4, c, clients, paths, &mut |t, _| out.push(t));
        }
        assert_eq!(out.len() as u64, chunks * clients);
        let hits: u64 = out.iter().map(|t| t.0).sum();
        let n = (chunks * clients * paths) as f64;
        let p = 19.0 / 999.0 * 18.0 / 998.0;
        let sd = (n * p * (1.0 - p)).sqrt();
        assert!(
            (hits as f64 - n * p).abs() < 5.0 * sd,
            "{hits} vs {}",
            n * p
        );
        for isa in Isa::available_all() {
            let mut again = Vec::new();
            for c in 0..3 {
                k.chunk(isa, 4, c, clients, paths, &mut |t, _| again.push(t));
            }
            assert_eq!(again, out[..again.len()], "{}", isa.name());
        }
    }
}
