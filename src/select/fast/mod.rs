//! Fast kernels, one file per policy and kind of network. They draw the distribution of the
//! reference samplers — exactly where a field of random bits is mapped by Lemire's method
//! with rejection, and up to n/2^64 relative per hop where 64 bits are mapped by a
//! multiply-high (see `bits` and `alias`) — without rebuilding a table per hop.
//!
//! Client by client, without guards (the engine's `ClientSource`):
//! - [`TwoHop`], few equal-weight units: the first two hops as one exactly uniform pair index
//!   from a 16- or 32-bit field, and a table that decides most paths from it.
//! - [`TwoHopLanes`], `TwoHop` in the eight xoshiro256++ lanes (issue 18): 32 paths a step,
//!   the pairs numbered so that one compare per field finds the paths that go on.
//! - [`PairLanes`], equal-weight units too many for that table (up to 2^26 pairs): the first
//!   two hops as one pair index from a 32-bit field in lanes, 16 paths a step, the pairs
//!   numbered without a table so that one compare finds the paths that go on.
//! - [`UniformPaths`], more equal-weight units: a 64-bit number per hop; the second hop among
//!   the units other than the first without a redraw.
//! - [`GateLanes`], `random` over unequal weights for an entity or coalition target, in lanes:
//!   the first two looked-at hops of 16 paths a step, each on the target when its 64-bit
//!   number falls below the target's share of 2^64.
//! - [`AliasPaths`], `random` over unequal weights: an alias table, first hops in blocks.
//!
//! With guards:
//! - [`GuardLanes`], `random` with one guard for an entity or coalition target: a guard off
//!   the target decides its paths at once; the paths behind one on it take a field of the
//!   lanes each, as in `GateLanes`.
//!
//! Under `tor` (the path-by-path circuits are `select::tor`'s):
//! - [`TorLanes`], circuits whose first hop in the order decides a miss when off the target:
//!   that hop from a 16-bit field of the lanes, 32 circuits a step; the rest of the few
//!   circuits that go on by `select::tor`'s circuit logic from the side stream.
//!
//! Path by path (the engine's `HopSource`, also with guards):
//! - [`UniformKernel`] (equal weights; without replacement a used unit is drawn again, which
//!   leaves the uniform draw among the rest), [`RandomKernel`] (alias table), and
//!   [`OperatorAwareKernel`] (unequal weights): it draws from the full table and rejects
//!   operators the path holds, which yields a draw proportional to weight among what is left
//!   (the definition), and falls back to a linear scan when most of the weight is used, so
//!   rejection never loops for long.
//!
//! Kernels say, for each hop, a *label* of the operator or server drawn rather than its index:
//! the entity holding it, or for an entity or coalition target whether a member holds it (see
//! `PathTest::labels`). The hop is still drawn by weight among operators or servers; only the
//! part the event looks at is read.
//!
//! What the equal-weight kernels share is written once here: the units they draw
//! ([`uniform_units`]), the uniform draw of a unit a path does not hold yet ([`unused_unit`]),
//! the later hops of a path after its first two ([`later_hops`]), and the tally of a client's
//! compromised paths ([`Tally`]).

mod alias_paths;
mod field_lanes;
mod gate_lanes;
mod guard_lanes;
mod operator_aware;
mod pair_lanes;
mod random;
mod tor_lanes;
mod two_hop;
mod two_hop_lanes;
mod uniform;
mod uniform_paths;

pub use alias_paths::AliasPaths;
pub use gate_lanes::GateLanes;
pub use guard_lanes::GuardLanes;
pub use operator_aware::OperatorAwareKernel;
pub use pair_lanes::PairLanes;
pub use random::RandomKernel;
pub use tor_lanes::TorLanes;
pub use two_hop::TwoHop;
pub use two_hop_lanes::TwoHopLanes;
pub use uniform::{UniformKernel, uniform_units};
pub use uniform_paths::UniformPaths;

use super::alias::AliasTable;
use super::bits::split;
use crate::adversary::PathTest;
use crate::model::MAX_HOPS;
#[cfg(test)]
use crate::model::Network;
use rand::Rng;

/// A kernel that draws a chunk's clients from its eight lanes ([`crate::engine::lanes`]).
pub trait LaneKernel {
    /// The clients of chunk `chunk` under `seed`, `clients` of `paths` paths, in order:
    /// `add((compromised paths, 1-based first compromised path or 0), guard on the target at
    /// some point)` for each (false without guards); the masks computed with `isa` (every set
    /// gives the same clients).
    fn chunk(
        &self,
        isa: crate::engine::lanes::Isa,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64), bool),
    );
}

fn alias(weights: &[f64]) -> AliasTable {
    AliasTable::new(weights).expect("validated weights are positive and finite")
}

/// A uniform unit among `n` that is not in `used`: uniform draws, again while the draw is a
/// used one, which leaves the accepted draw uniform among the `n − used.len()` others.
/// Validation keeps a path's hops within the units, so the loop ends.
#[inline(always)]
fn unused_unit<R: Rng + ?Sized>(n: u64, used: &[u32], rng: &mut R) -> u32 {
    debug_assert!((used.len() as u64) < n);
    let mut unit = split(rng.next_u64(), n).0 as u32;
    // Branch-free over the few used units; the redraw itself is rare.
    while used.iter().fold(false, |clash, &u| clash | (u == unit)) {
        unit = split(rng.next_u64(), n).0 as u32;
    }
    unit
}

/// Hops 3, 4, … of a path over equal-weight units whose first two hops are units `a` and `b`
/// and whose looked-at hops must carry label `need`: whether they do. Without replacement
/// (`distinct`) each hop is a unit the path does not hold yet.
fn later_hops<R: Rng>(
    label: &[u32],
    distinct: bool,
    test: &PathTest,
    [a, b]: [u32; 2],
    need: u32,
    rng: &mut R,
) -> bool {
    let n = label.len() as u64;
    let mut used = [0u32; MAX_HOPS];
    used[0] = a;
    used[1] = b;
    for i in 2..=test.last() {
        let unit = if distinct {
            let u = unused_unit(n, &used[..i], rng);
            used[i] = u;
            u
        } else {
            split(rng.next_u64(), n).0 as u32
        };
        if test.looks_at(i) && label[unit as usize] != need {
            return false;
        }
    }
    true
}

/// A client's compromised paths: how many, and the 1-based index of the first (0 for none),
/// what [`super::ClientSource::client`] returns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tally {
    pub hits: u64,
    pub first: u64,
}

impl Tally {
    /// Path `k` (1-based) is compromised.
    #[inline(always)]
    pub fn hit(&mut self, k: u64) {
        self.hits += 1;
        if self.first == 0 {
            self.first = k;
        }
    }

    #[inline(always)]
    pub fn result(self) -> (u64, u64) {
        (self.hits, self.first)
    }
}

/// For the kernels' unit tests: operators of `servers` servers each (`op0`, `op1`, …, each its
/// own entity), the labels of `target`, and the test of `target` and `event` over `hops` hops
/// on those labels.
#[cfg(test)]
fn test_network(
    servers: &[u64],
    target: crate::adversary::Target,
    event: crate::adversary::Event,
    hops: usize,
) -> (Network, Vec<u32>, PathTest) {
    use crate::model::{OperatorSpec, Size};
    let specs = servers
        .iter()
        .enumerate()
        .map(|(i, &s)| OperatorSpec {
            name: format!("op{i}"),
            entity: None,
            size: Size::Servers(s),
        })
        .collect();
    let network = Network::from_specs(specs).expect("a valid network");
    let adversary = crate::adversary::Adversary { target, event };
    let test = PathTest::new(&network, &adversary, hops);
    let labels = test.labels(&network);
    (network, labels, test.on_labels())
}
