//! The `tor` policy (docs/tor.md): a circuit of guard, middle and exit drawn in the order the
//! scenario names (C tor's exit first, or Arti's guard first), each position by its weight
//! among the relays eligible there that conflict with no relay drawn before (same relay,
//! family, IPv4 /16, IPv6 /32); with guards, a client's primary guards in order, a circuit
//! taking the first one its exit allows.
//!
//! Two draws share the circuit logic: [`Plain`], the reference, builds the list of allowed
//! relays for every hop and draws with `rand`'s `WeightedIndex`; [`Fast`] draws from an alias
//! table per position and redraws what a conflict excludes (which leaves exactly the
//! weight-proportional draw among the allowed), scanning the allowed relays after [`TRIES`]
//! redraws. When no relay is allowed at a position, the hop takes any relay eligible there,
//! as the other policies do (it never happens on a real consensus).

use super::alias::AliasTable;
use crate::adversary::{PathTest, Step};
use crate::model::tor::{GUARD, MIDDLE, Order, TorRelays};
use crate::scenario::Guards;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, RngExt};
use std::sync::Arc;

/// Redraws before a draw scans the allowed relays.
const TRIES: usize = 64;

/// One way of drawing a relay at a position.
pub trait Draw {
    fn relays(&self) -> &TorRelays;
    /// A relay for `position`, by weight there, among those `allowed` lets through; when
    /// there is none, any relay eligible there.
    fn draw<R: Rng + ?Sized>(
        &self,
        position: usize,
        allowed: impl Fn(usize) -> bool,
        rng: &mut R,
    ) -> usize;
}

/// The reference draw: every relay checked, then `WeightedIndex`.
#[derive(Debug, Clone)]
pub struct Plain {
    relays: Arc<TorRelays>,
}

impl Plain {
    pub fn new(relays: Arc<TorRelays>) -> Plain {
        Plain { relays }
    }
}

impl Draw for Plain {
    fn relays(&self) -> &TorRelays {
        &self.relays
    }

    fn draw<R: Rng + ?Sized>(
        &self,
        position: usize,
        allowed: impl Fn(usize) -> bool,
        rng: &mut R,
    ) -> usize {
        let w = &self.relays.weights[position];
        let mut list: Vec<usize> = (0..w.len()).filter(|&r| w[r] > 0.0 && allowed(r)).collect();
        if list.is_empty() {
            list = (0..w.len()).filter(|&r| w[r] > 0.0).collect();
        }
        let index = WeightedIndex::new(list.iter().map(|&r| w[r])).expect("an eligible relay");
        list[index.sample(rng)]
    }
}

/// The fast draw: an alias table per position over the relays eligible there (937 exits of
/// 6,345 relays in 2019-12: a table that stays in the L1 cache), redrawn while excluded.
#[derive(Debug, Clone)]
pub struct Fast {
    relays: Arc<TorRelays>,
    tables: [AliasTable; 3],
    /// Per position, the relay of each column of its table.
    members: [Vec<u32>; 3],
}

impl Fast {
    pub fn new(relays: Arc<TorRelays>) -> Fast {
        let members: [Vec<u32>; 3] = std::array::from_fn(|p| {
            (0..relays.len() as u32)
                .filter(|&r| relays.weights[p][r as usize] > 0.0)
                .collect()
        });
        let tables = std::array::from_fn(|p| {
            let w: Vec<f64> = members[p]
                .iter()
                .map(|&r| relays.weights[p][r as usize])
                .collect();
            AliasTable::new(&w).expect("validated weights")
        });
        Fast {
            tables,
            members,
            relays,
        }
    }
}

impl Draw for Fast {
    fn relays(&self) -> &TorRelays {
        &self.relays
    }

    // Inlined into the circuit, so that the generator's state stays in registers (W6,
    // docs/engine.md); the scan after many redraws is kept out of line.
    #[inline(always)]
    fn draw<R: Rng + ?Sized>(
        &self,
        position: usize,
        allowed: impl Fn(usize) -> bool,
        rng: &mut R,
    ) -> usize {
        let (table, members) = (&self.tables[position], &self.members[position]);
        for _ in 0..TRIES {
            let r = members[table.sample(rng)] as usize;
            if allowed(r) {
                return r;
            }
        }
        self.scan(position, allowed, rng)
    }
}

impl Fast {
    /// The draw among the allowed relays by listing them (after [`TRIES`] redraws).
    #[cold]
    #[inline(never)]
    fn scan<R: Rng + ?Sized>(
        &self,
        position: usize,
        allowed: impl Fn(usize) -> bool,
        rng: &mut R,
    ) -> usize {
        let (table, members) = (&self.tables[position], &self.members[position]);
        let w = &self.relays.weights[position];
        let total: f64 = (0..w.len())
            .filter(|&r| w[r] > 0.0 && allowed(r))
            .map(|r| w[r])
            .sum();
        if total <= 0.0 {
            return members[table.sample(rng)] as usize;
        }
        let mut u = rng.random::<f64>() * total;
        let mut last = 0;
        for r in (0..w.len()).filter(|&r| w[r] > 0.0 && allowed(r)) {
            last = r;
            if u < w[r] {
                return r;
            }
            u -= w[r];
        }
        last
    }
}

/// A client's circuits under the `tor` policy, drawn with `D`.
#[derive(Debug, Clone)]
pub struct TorClients<D> {
    draw: D,
    order: Order,
    /// Per relay: what its hops report to `test` (`PathTest::labels`).
    labels: Vec<u32>,
    test: PathTest,
    /// Whether a looked-at hop that is not the target's ends the path at once (a target on
    /// labels; under `any` every hop must be seen).
    early: bool,
    guards: Option<Guards>,
    /// Relays eligible as guards (counted once: a client's guards are drawn often).
    eligible_guards: usize,
}

impl<D: Draw> TorClients<D> {
    /// `test` and `labels` as the engine's kernels take them (`PathTest::on_labels`).
    pub fn new(draw: D, labels: Vec<u32>, test: PathTest, guards: Option<Guards>) -> Self {
        let eligible_guards = draw.relays().weights[GUARD]
            .iter()
            .filter(|&&w| w > 0.0)
            .count();
        TorClients {
            order: draw.relays().rules.order,
            draw,
            labels,
            early: test.fixed_need() == Some(1),
            test,
            guards,
            eligible_guards,
        }
    }

    /// Fills `out` with `count` distinct guards drawn in turn by guard weight (fewer when
    /// fewer are eligible): the client's primary guards, in order.
    pub fn draw_guards<R: Rng + ?Sized>(&self, count: usize, rng: &mut R, out: &mut Vec<u32>) {
        out.clear();
        while out.len() < count.min(self.eligible_guards) {
            let chosen = &*out;
            let g = self
                .draw
                .draw(GUARD, |r| !chosen.contains(&(r as u32)), rng);
            out.push(g as u32);
        }
    }

    /// The draw of this network.
    pub fn draw(&self) -> &D {
        &self.draw
    }

    #[inline]
    /// The guard a circuit whose other hops are `path` takes (one whose draw stopped before
    /// its guard, the answer being known): the first of `guards` it allows, else one by
    /// weight among the relays it allows.
    pub fn guard_for<R: Rng + ?Sized>(&self, path: &[u32; 3], guards: &[u32], rng: &mut R) -> u32 {
        let relays = self.draw.relays();
        let free = |r: usize| {
            path.iter()
                .all(|&t| t == u32::MAX || !relays.conflict(r, t as usize))
        };
        match guards.iter().find(|&&g| free(g as usize)) {
            Some(&g) => g,
            None => self.draw.draw(GUARD, free, rng) as u32,
        }
    }

    /// Draws one circuit (relays per position; a position not drawn is `u32::MAX`) and says
    /// whether it is compromised. `guards`: the client's primary guards, if it keeps any.
    #[inline(always)]
    pub fn circuit<R: Rng + ?Sized>(&self, guards: &[u32], rng: &mut R) -> ([u32; 3], bool) {
        self.circuit_from(None, guards, rng)
    }

    /// [`Self::circuit`], the relay of the order's first position given (`first`, drawn by
    /// its weight there: the lane kernel's) or drawn here (`None`).
    #[inline(always)]
    pub(crate) fn circuit_from<R: Rng + ?Sized>(
        &self,
        first: Option<u32>,
        guards: &[u32],
        rng: &mut R,
    ) -> ([u32; 3], bool) {
        let relays = self.draw.relays();
        let mut path = [u32::MAX; 3];
        let mut labels = [0u32; 3];
        for (n, position) in self.order.positions().into_iter().enumerate() {
            // Positions after the last one the event looks at cannot change the answer; the
            // middle is the only one drawn last.
            if position == MIDDLE && !self.test.looks_at(MIDDLE) {
                continue;
            }
            let taken = path;
            let free = |r: usize| {
                taken
                    .iter()
                    .all(|&t| t == u32::MAX || !relays.conflict(r, t as usize))
            };
            let r = if let Some(f) = first.filter(|_| n == 0) {
                f as usize
            } else if position == GUARD && !guards.is_empty() {
                // tor's `select_primary_guard_for_circuit`: the first primary guard the
                // circuit's exit allows (guard-n-primary-guards-to-use = 1); Arti, guard
                // first, takes the first. None allowed: a guard by weight among the allowed.
                match guards.iter().find(|&&g| free(g as usize)) {
                    Some(&g) => g as usize,
                    None => self.draw.draw(GUARD, free, rng),
                }
            } else {
                self.draw.draw(position, free, rng)
            };
            path[position] = r as u32;
            labels[position] = self.labels[r];
            if self.early && self.test.looks_at(position) && labels[position] != 1 {
                return (path, false);
            }
        }
        (path, self.test.after(&labels) == Step::Hit)
    }

    /// Draws a client's `paths` circuits: how many were compromised, the 1-based index of the
    /// first of them (0: none), and whether a guard of the target was among its primary
    /// guards at some point.
    pub fn client<R: Rng + Clone>(&self, outer: &mut R, paths: u64) -> (u64, u64, bool) {
        // A local copy of the generator, written back at the end: as in the other kernels,
        // its state then stays in registers (W6, docs/engine.md).
        let mut local = outer.clone();
        let rng = &mut local;
        let (mut hits, mut first, mut guard_hit) = (0u64, 0u64, false);
        let mut set: Vec<u32> = Vec::new();
        let lifetime = self.guards.and_then(|g| g.lifetime).unwrap_or(u64::MAX);
        let mut left = 0u64;
        for k in 1..paths + 1 {
            if crate::stop::at(k) {
                break;
            }
            if let Some(g) = self.guards
                && left == 0
            {
                self.draw_guards(g.count as usize, rng, &mut set);
                guard_hit |= set.iter().any(|&r| self.is_target(r as usize));
                left = lifetime;
            }
            left = left.saturating_sub(1);
            if self.circuit(&set, rng).1 {
                hits += 1;
                if first == 0 {
                    first = k;
                }
            }
        }
        *outer = local;
        (hits, first, guard_hit)
    }

    /// Whether a hop on relay `r` counts for the target.
    pub(crate) fn is_target(&self, r: usize) -> bool {
        self.test.targets(self.labels[r])
    }

    /// The order's first position, when a circuit is decided a miss as soon as it is not the
    /// target's (a target on labels, an event that looks at it) and it is drawn by weight
    /// (not a kept guard): the position a lane kernel can draw first.
    pub(crate) fn gate_position(&self) -> Option<usize> {
        let first = self.order.positions()[0];
        let kept_guard = first == GUARD && self.guards.is_some();
        (self.early && self.test.looks_at(first) && !kept_guard).then_some(first)
    }

    /// The client's guards: how many, and how long kept.
    pub(crate) fn guards(&self) -> Option<Guards> {
        self.guards
    }
}
