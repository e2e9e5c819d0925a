//! `random` with one guard per client over operators of any weights, an entity or coalition
//! target, in lanes: only the paths whose guard is on the target take a field.

use super::field_lanes::{Cursor, Hot};
use super::{GateLanes, LaneKernel, Tally};
use crate::adversary::PathTest;
use crate::engine::lanes::{Isa, Lanes};
use crate::model::Network;
use crate::scenario::Guards;
use crate::select::Unit;
use crate::select::guards::GuardSampler;

/// One guard, rotated every `lifetime` paths, `random` hops after it, a label to need, and an
/// event looking at two hops or more after the first. A client's guards are drawn from the
/// side stream as the path-by-path kernel draws them (`GuardSampler`). A guard off the
/// target decides its paths at once: their first hop is not the target's. Each path of a
/// guard on it takes one 32-bit field of the lanes: the top 16 bits of the numbers of its
/// next two looked-at hops, decided as [`GateLanes`] decides a path from hop 1 on.
#[derive(Debug, Clone)]
pub struct GuardLanes {
    gate: GateLanes,
    guards: GuardSampler,
    lifetime: u64,
}

impl GuardLanes {
    /// The kernel for `random` on `network` with `guards`, when there is one guard, the test
    /// needs one label, and it looks at two hops or more after the first.
    pub fn new(
        network: &Network,
        guards: &Guards,
        sampler: GuardSampler,
        labels: &[u32],
        test: &PathTest,
    ) -> Option<GuardLanes> {
        if guards.count != 1 {
            return None;
        }
        Some(GuardLanes {
            gate: GateLanes::behind_guard(network, labels, test)?,
            guards: sampler,
            lifetime: guards.lifetime.unwrap_or(u64::MAX),
        })
    }
}

impl LaneKernel for GuardLanes {
    fn chunk(
        &self,
        isa: Isa,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64), bool),
    ) {
        let (lanes, mut side) = Lanes::with_side(seed, chunk);
        let mut cursor = Cursor::new(self.gate.rule(), isa, lanes);
        let mut set: Vec<Unit> = Vec::with_capacity(1);
        for _ in 0..clients {
            if crate::stop::requested() {
                return;
            }
            let (mut tally, mut guard_hit) = (Tally::default(), false);
            let mut k = 0u64;
            while k < paths {
                self.guards.draw(&mut side, 1, &mut set);
                let period = self.lifetime.min(paths - k);
                if self.gate.test.targets(set[0].entity) {
                    guard_hit = true;
                    cursor.take(period, |v, i| {
                        if self.gate.decide(v, &mut side) {
                            tally.hit(k + i + 1);
                        }
                    });
                }
                k += period;
            }
            add(tally.result(), guard_hit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Event, Target};
    use crate::select::SamplerKind;

    fn kernel(servers: &[u64], lifetime: u64, hops: usize) -> GuardLanes {
        let (network, labels, test) =
            super::super::test_network(servers, Target::Entity(0), Event::FullPath, hops);
        let sampler = GuardSampler::new(&network, SamplerKind::Fast, &Default::default(), &labels);
        let guards = Guards {
            count: 1,
            lifetime: Some(lifetime),
        };
        GuardLanes::new(&network, &guards, sampler, &labels, &test).unwrap()
    }

    fn run(
        k: &GuardLanes,
        isa: Isa,
        chunks: u64,
        clients: u64,
        paths: u64,
    ) -> Vec<(u64, u64, bool)> {
        let mut out = Vec::new();
        for c in 0..chunks {
            k.chunk(isa, 5, c, clients, paths, &mut |(h, f), g| {
                out.push((h, f, g))
            });
        }
        out
    }

    /// Operators of 5, 3, 2 servers, the first the target, 3 hops: a guard is the target's
    /// with probability 1/2 (a finite pool: by servers), a path behind it with 1/4 more; a
    /// client of one guard period has had a target's guard with probability 1/2; every set
    /// gives the same clients.
    #[test]
    fn agrees_with_the_closed_forms_under_every_instruction_set() {
        let k = kernel(&[5, 3, 2], 10, 3);
        let out = run(&k, Isa::best(), 4, 5000, 10);
        let n = out.len() as f64;
        let first: f64 = out.iter().filter(|t| t.1 == 1).count() as f64;
        let guard: f64 = out.iter().filter(|t| t.2).count() as f64;
        assert!(
            (first - n / 8.0).abs() < 5.0 * (n * 0.125 * 0.875).sqrt(),
            "{first}"
        );
        assert!((guard - n / 2.0).abs() < 5.0 * (n * 0.25).sqrt(), "{guard}");
        assert!(out.iter().all(|t| t.2 || t.0 == 0));
        for isa in Isa::available_all() {
            assert_eq!(run(&k, isa, 2, 37, 101), run(&k, Isa::Scalar, 2, 37, 101));
        }
    }
}
