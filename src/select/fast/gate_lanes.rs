//! `random` over operators of any weights with an entity or coalition target, in lanes: a
//! path's first two looked-at hops from one 32-bit field, 16 paths a step.

use super::LaneKernel;
use super::field_lanes::{self, Hot, Rule};
use crate::adversary::PathTest;
use crate::engine::lanes::Isa;
use crate::engine::rng::StreamRng;
use crate::model::Network;
use crate::select::alias::AliasTable;
use rand::Rng;

/// `random` with a fixed label to need (an entity or coalition target) and at least two
/// looked-at hops, without guards. A hop is drawn by the inverse of its distribution on
/// 64-bit numbers: the operators ordered with the target's first, operator `i` takes the
/// numbers in `[C_i, C_{i+1})` with `C_i` the weight before it as a fraction of 2^64, so the
/// hop is on the target exactly when its number is below `T = ⌊p·2^64⌋` (`p` the target's
/// share of the weight). A lane's 32-bit field holds the top 16 bits of the numbers of the
/// path's first two looked-at hops (the event always looks at the first hop); the path goes
/// on only when both halves are at most `T`'s top 16 bits, which one compare of the larger
/// half finds; a half equal to them takes its low 48 bits from the side stream (one hop in
/// 2^16). Under `random` the hops are independent, so the other hops come after, from the
/// side stream, by the alias table. (64-bit fields, 8 paths a step, measured 1.07 ns a path
/// on W2; 32-bit fields, 16 a step, halve the steps.)
#[derive(Debug, Clone)]
pub struct GateLanes {
    table: AliasTable,
    pub(super) test: PathTest,
    need: u32,
    /// The first hop the gate draws (1 behind a guard, which is drawn apart).
    from: usize,
    /// The two looked-at hops a field draws, the first two from `from` on.
    gated: [usize; 2],
    /// `T`: a hop is on the target when its number is below it (2^64: always).
    threshold: u128,
    rule: Rule<32>,
}

impl GateLanes {
    /// The kernel for `random` on `network` (hops labelled by `labels`) and `test`, when the
    /// test needs one label and looks at two hops or more.
    pub fn new(network: &Network, labels: &[u32], test: &PathTest) -> Option<GateLanes> {
        GateLanes::from_hop(network, labels, test, 0)
    }

    /// The kernel for the hops after a guard (see [`super::GuardLanes`]), when the test needs
    /// one label and looks at two hops or more after the first.
    pub(super) fn behind_guard(
        network: &Network,
        labels: &[u32],
        test: &PathTest,
    ) -> Option<GateLanes> {
        GateLanes::from_hop(network, labels, test, 1)
    }

    fn from_hop(
        network: &Network,
        labels: &[u32],
        test: &PathTest,
        from: usize,
    ) -> Option<GateLanes> {
        let need = test.fixed_need()?;
        let mut looked = (from..=test.last()).filter(|&i| test.looks_at(i));
        let gated = [looked.next()?, looked.next()?];
        let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
        let total: f64 = weights.iter().sum();
        let on: f64 = weights
            .iter()
            .zip(labels)
            .filter(|&(_, &l)| l == need)
            .map(|(w, _)| w)
            .sum();
        let threshold = if on >= total {
            1u128 << 64
        } else {
            u128::from(((on / total) * 18_446_744_073_709_551_616.0) as u64)
        };
        Some(GateLanes {
            table: super::alias(&weights).with_labels(labels),
            test: test.clone(),
            need,
            from,
            gated,
            threshold,
            rule: Rule::<32>::both_below(((threshold >> 48) + 1).min(1 << 16) as u64),
        })
    }

    /// Whether a hop whose number's top 16 bits are `top` is on the target: below `T`, the
    /// low 48 bits drawn only when the top ones alone do not say.
    #[inline(always)]
    pub(super) fn on_target(&self, top: u64, side: &mut StreamRng) -> bool {
        let high = (self.threshold >> 48) as u64;
        let low = self.threshold as u64 & ((1 << 48) - 1);
        top < high || top == high && (side.next_u64() >> 16) < low
    }
}

impl GateLanes {
    /// The rule of the fields (also [`super::GuardLanes`]').
    pub(super) fn rule(&self) -> Rule<32> {
        self.rule
    }
}

impl LaneKernel for GateLanes {
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

impl Hot for GateLanes {
    #[inline]
    fn decide(&self, v: u64, side: &mut StreamRng) -> bool {
        if !(self.on_target(v & 0xffff, side) && self.on_target(v >> 16, side)) {
            return false;
        }
        for i in self.from..self.test.last() + 1 {
            if self.gated.contains(&i) {
                continue;
            }
            let l = self.table.sample(side) as u32;
            if self.test.looks_at(i) && l != self.need {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Event, Target};

    fn kernel(servers: &[u64], target: Target, event: Event, hops: usize) -> GateLanes {
        let (network, labels, test) = super::super::test_network(servers, target, event, hops);
        GateLanes::new(&network, &labels, &test).unwrap()
    }

    fn hits(k: &GateLanes, isa: Isa, chunks: u64, clients: u64, paths: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for c in 0..chunks {
            k.chunk(isa, 11, c, clients, paths, &mut |t, _| out.push(t));
        }
        out
    }

    /// Operators of 5, 3, 2 servers, the first the target: `full-path` over 3 hops is
    /// compromised with probability 0.5³, `ends` over 4 with 0.5², and every set gives the
    /// same clients.
    #[test]
    fn agrees_with_the_closed_forms_under_every_instruction_set() {
        for (event, hops, p) in [(Event::FullPath, 3, 0.125f64), (Event::Ends, 4, 0.25)] {
            let k = kernel(&[5, 3, 2], Target::Entity(0), event, hops);
            assert_eq!(k.threshold, 1 << 63);
            let out = hits(&k, Isa::best(), 8, 1000, 50);
            let n = 8.0 * 1000.0 * 50.0;
            let h: u64 = out.iter().map(|t| t.0).sum();
            let sd = (n * p * (1.0 - p)).sqrt();
            assert!((h as f64 - n * p).abs() < 5.0 * sd, "{event:?}: {h}");
            for isa in Isa::available_all() {
                assert_eq!(hits(&k, isa, 2, 37, 101), hits(&k, Isa::Scalar, 2, 37, 101));
            }
        }
    }

    /// A target holding every operator: every path is compromised, with no field refused.
    #[test]
    fn a_target_of_all_the_weight_takes_every_path() {
        let k = kernel(&[1], Target::Entity(0), Event::FullPath, 3);
        assert_eq!(k.threshold, 1 << 64);
        assert!(
            hits(&k, Isa::best(), 1, 10, 30)
                .iter()
                .all(|&t| t == (30, 1))
        );
    }

    /// The low bits decide top bits equal to `T`'s: with `T` = 2^63 + 2^47 those are 2^15,
    /// and half of the 48 low bits are below 2^47.
    #[test]
    fn top_bits_equal_to_the_thresholds_draw_the_low_bits() {
        let mut k = kernel(&[5, 3, 2], Target::Entity(0), Event::FullPath, 2);
        k.threshold = (1 << 63) + (1 << 47);
        let mut side = crate::engine::lanes::Lanes::with_side(1, 2).1;
        let on = (0..100_000)
            .filter(|_| k.on_target(1 << 15, &mut side))
            .count();
        assert!((on as f64 - 50_000.0).abs() < 5.0 * 158.2, "{on}");
        assert!(k.on_target((1 << 15) - 1, &mut side));
        assert!(!k.on_target((1 << 15) + 1, &mut side));
    }
}
