//! [`TwoHop`] in lanes (issue 18): the first two hops of 32 paths from one step of the eight
//! xoshiro256++ lanes, decided by two compares per 16-bit field.
//!
//! The pair index of a field `v` is Lemire's `⌊v·P / 2^16⌋`, refused when the low half
//! `v·P mod 2^16` is below `2^16 mod P` — exactly uniform over the `P` pairs, as in
//! [`TwoHop`]. What is new is the order of the pairs: the `K` pairs whose path is not decided
//! a miss by its first two hops come first, so a field is *hot* — its path may be a hit —
//! exactly when `v < ⌈K·2^16 / P⌉`. Any bijection of pair indices keeps the pair uniform, so
//! the draw is the same distribution; only which field means which pair changes. Each accepted
//! field is one path, in stream order (field `4l + f` of a step is bits `16f…` of lane `l`);
//! refused fields are skipped, which is Lemire's redraw from fresh bits. A hot path's later
//! hops (rare) come from the chunk's side stream, one scalar generator after the eight lanes.
//!
//! The loop over fields, and the masks by each instruction set, are `field_lanes`'.

use super::LaneKernel;
use super::field_lanes::{self, Hot, Rule};
use super::two_hop::{HIT, MISS, NEED, TwoHop};
use crate::engine::lanes::Isa;
use crate::engine::rng::StreamRng;
use crate::select::bits::split;
use rand::Rng;

/// The lane kernel of a [`TwoHop`] network with 16-bit fields.
#[derive(Debug, Clone)]
pub struct TwoHopLanes {
    two_hop: TwoHop,
    /// A field's pair in lane order, hot when below the number of non-miss pairs.
    rule: Rule<16>,
    /// Pair index in lane order → the pair of [`TwoHop`]'s tables.
    order: Vec<u32>,
    /// Three looked-at hops under `random` (the claim's shape): the third drawn inline, as
    /// `later_hops` draws it.
    third_inline: bool,
}

impl TwoHopLanes {
    /// The lane kernel of `two_hop`, when it draws its pairs from 16-bit fields.
    pub fn new(two_hop: &TwoHop) -> Option<TwoHopLanes> {
        two_hop.field16?;
        let p = two_hop.pair_count();
        let mut order: Vec<u32> = (0..p as u32)
            .filter(|&j| two_hop.pairs[j as usize] != MISS)
            .collect();
        let k = order.len() as u64;
        order.extend((0..p as u32).filter(|&j| two_hop.pairs[j as usize] == MISS));
        Some(TwoHopLanes {
            rule: Rule::lemire(p, k),
            third_inline: !two_hop.distinct && two_hop.test.last() == 2,
            two_hop: two_hop.clone(),
            order,
        })
    }
}

impl LaneKernel for TwoHopLanes {
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

impl Hot for TwoHopLanes {
    #[inline(always)]
    fn decide(&self, v: u64, side: &mut StreamRng) -> bool {
        let t = &self.two_hop;
        let j = self.order[((v * u64::from(self.rule.mul)) >> 16) as usize];
        let s = t.pairs[j as usize];
        s == HIT
            || if self.third_inline {
                let c = split(side.next_u64(), t.label.len() as u64).0 as usize;
                t.label[c] == s - NEED
            } else {
                t.rest_hops(j, s - NEED, side)
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Adversary, Event, PathTest, Target};
    use crate::model::{Network, uniform_operators};
    use crate::select::Selection;

    fn kernel(
        n: u64,
        selection: Selection,
        target: Target,
        event: Event,
        hops: usize,
    ) -> TwoHopLanes {
        let network = Network::from_specs(uniform_operators(n, None)).unwrap();
        let adversary = Adversary { target, event };
        let test = PathTest::new(&network, &adversary, hops);
        let labels = test.labels(&network);
        let two_hop = TwoHop::new(&network, selection, &labels, &test.on_labels(), hops).unwrap();
        TwoHopLanes::new(&two_hop).expect("16-bit fields")
    }

    fn run(k: &TwoHopLanes, isa: Isa, chunks: u64, clients: u64, paths: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for c in 0..chunks {
            k.chunk(isa, 9, c, clients, paths, &mut |t, _| out.push(t));
        }
        out
    }

    /// Every set the machine has gives the same clients, on shapes that exercise a hot bound
    /// of a few pairs, of every pair, and clients that end inside a step.
    #[test]
    fn every_instruction_set_gives_the_same_clients() {
        let shapes = [
            kernel(50, Selection::Random, Target::Any, Event::FullPath, 3),
            kernel(7, Selection::OperatorAware, Target::Any, Event::Ends, 4),
            kernel(3, Selection::Random, Target::Any, Event::FullPath, 2),
        ];
        for k in &shapes {
            let plain = run(k, Isa::Scalar, 3, 37, 101);
            assert_eq!(plain.len(), 3 * 37);
            for isa in Isa::available_all() {
                assert_eq!(run(k, isa, 3, 37, 101), plain, "{}", isa.name());
            }
        }
    }

    /// 50 equal operators, `random`, 3 hops, `any` (W1): a path is compromised with
    /// probability 50·(1/50)³ = 1/2500, a client of 200 paths with 1 − (1 − 1/2500)^200.
    #[test]
    fn w1_agrees_with_the_closed_form() {
        let k = kernel(50, Selection::Random, Target::Any, Event::FullPath, 3);
        assert_eq!(k.rule.hot_below, (50u64 << 16).div_ceil(2500));
        let out = run(&k, Isa::best(), 40, 2500, 200);
        let paths: f64 = 40.0 * 2500.0 * 200.0;
        let hits: u64 = out.iter().map(|t| t.0).sum();
        let p: f64 = 1.0 / 2500.0;
        let sd = (paths * p * (1.0 - p)).sqrt();
        assert!((hits as f64 - paths * p).abs() < 5.0 * sd, "{hits}");
        let compromised = out.iter().filter(|t| t.0 > 0).count() as f64;
        let q = 1.0 - (1.0 - p).powi(200);
        let n = out.len() as f64;
        assert!(
            (compromised - n * q).abs() < 5.0 * (n * q * (1.0 - q)).sqrt(),
            "{compromised}"
        );
        // The first compromised path is uniform-ish over the client's paths: its mean, given
        // one, is near (200 + 1) / 2 for so small a p.
        let firsts: Vec<f64> = out.iter().filter(|t| t.1 > 0).map(|t| t.1 as f64).collect();
        let mean = firsts.iter().sum::<f64>() / firsts.len() as f64;
        assert!(firsts.iter().all(|&f| (1.0..=200.0).contains(&f)));
        assert!((mean - 99.0).abs() < 5.0, "{mean}");
    }

    /// Two hops, a target of one operator: the pair table holds a hit (no later hops), and
    /// without replacement nothing can hold both ends.
    #[test]
    fn decided_pairs_and_impossible_paths() {
        let k = kernel(5, Selection::Random, Target::Any, Event::FullPath, 2);
        let out = run(&k, Isa::best(), 4, 1000, 50);
        let hits: u64 = out.iter().map(|t| t.0).sum();
        let (paths, p): (f64, f64) = (4.0 * 1000.0 * 50.0, 0.2);
        assert!((hits as f64 - paths * p).abs() < 5.0 * (paths * p * (1.0 - p)).sqrt());
        let k = kernel(5, Selection::OperatorAware, Target::Any, Event::FullPath, 2);
        assert_eq!(k.rule.hot_below, 0);
        assert!(
            run(&k, Isa::best(), 2, 100, 50)
                .iter()
                .all(|&t| t == (0, 0))
        );
    }
}
