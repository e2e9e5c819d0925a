//! Fast kernels, one per policy and kind of network. They draw the distribution of the
//! reference samplers — exactly where a field of random bits is mapped by Lemire's method
//! with rejection, and up to n/2^64 relative per hop where 64 bits are mapped by a
//! multiply-high (see `bits` and `alias`) — without rebuilding a table per hop.
//!
//! Client by client, without guards (the engine's `ClientSource`):
//! - [`TwoHop`], few equal-weight units: the first two hops as one exactly uniform pair index
//!   from a 16- or 32-bit field, and a table that decides most paths from it.
//! - [`UniformPaths`], more equal-weight units: a 64-bit number per hop; the second hop among
//!   the units other than the first without a redraw.
//! - [`AliasPaths`], `random` over unequal weights: an alias table, first hops in blocks.
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

use super::alias::AliasTable;
use super::bits::{Field, split};
use super::{ClientSource, HopSource, Selection, Unit};
use crate::adversary::{PathTest, Step};
use crate::model::{Network, Pool};
use rand::{Rng, RngExt};
use std::sync::Arc;

/// Largest number of hops a path may have.
pub const MAX_HOPS: usize = 32;

fn alias(weights: &[f64]) -> AliasTable {
    AliasTable::new(weights).expect("validated weights are positive and finite")
}

/// `random` over operators of unequal weights: every hop an operator by weight (a server of
/// weight 1 in a finite pool is the same as its operator drawn by server count, as only the
/// operator's label matters to the event).
#[derive(Debug, Clone)]
pub struct RandomKernel {
    table: AliasTable,
}

impl RandomKernel {
    /// `labels[o]`: what a hop on operator `o` reports.
    pub fn new(network: &Network, labels: &[u32]) -> Self {
        let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
        RandomKernel {
            table: alias(&weights).with_labels(labels),
        }
    }
}

impl HopSource for RandomKernel {
    #[inline]
    fn begin_path(&mut self) {}

    #[inline]
    fn begin_path_after(&mut self, _first: Unit) {}

    #[inline(always)]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        self.table.sample(rng) as u32
    }
}

/// Equal-weight units drawn uniformly, hop by hop: `random` and `operator-aware` over
/// operators of equal weight, `distinct-servers` over the servers of a finite pool (which all
/// weigh 1 in an operator-level network). Without replacement a unit the path holds is drawn
/// again: the accepted draw is uniform among the units left.
#[derive(Debug, Clone)]
pub struct UniformKernel {
    /// Per unit: its label.
    label: Vec<u32>,
    /// Units are servers (and a guard's `server` index names one), else operators.
    servers: bool,
    /// Without replacement: a path never holds a unit twice.
    distinct: bool,
    /// Units in the current path (without replacement only).
    used: [u32; MAX_HOPS],
    len: usize,
}

/// The units a policy draws uniformly on `network`, as a label per unit, if they all weigh
/// the same; `servers` says whether they are servers (else operators).
pub fn uniform_units(
    network: &Network,
    selection: Selection,
    labels: &[u32],
) -> Option<(Vec<u32>, bool)> {
    let servers = selection == Selection::DistinctServers;
    let label: Vec<u32> = if servers {
        if network.pool != Pool::Finite {
            return None;
        }
        let mut v = Vec::with_capacity(network.total_servers() as usize);
        for (o, op) in network.operators.iter().enumerate() {
            v.extend(std::iter::repeat_n(labels[o], op.servers as usize));
        }
        v
    } else {
        let w = network.operators.first()?.weight;
        if network.operators.iter().any(|o| o.weight != w) {
            return None;
        }
        labels.to_vec()
    };
    (!label.is_empty() && label.len() <= u32::MAX as usize).then_some((label, servers))
}

impl UniformKernel {
    /// The kernel for `selection` on `network` when its units weigh the same, else `None`.
    pub fn new(network: &Network, selection: Selection, labels: &[u32]) -> Option<Self> {
        let (label, servers) = uniform_units(network, selection, labels)?;
        Some(UniformKernel {
            label,
            servers,
            distinct: selection != Selection::Random,
            used: [0; MAX_HOPS],
            len: 0,
        })
    }
}

impl HopSource for UniformKernel {
    #[inline(always)]
    fn begin_path(&mut self) {
        self.len = 0;
    }

    #[inline(always)]
    fn begin_path_after(&mut self, first: Unit) {
        self.used[0] = if self.servers {
            first.server
        } else {
            first.operator
        };
        self.len = usize::from(self.distinct);
    }

    #[inline(always)]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let n = self.label.len() as u64;
        let mut unit = split(rng.next_u64(), n).0 as u32;
        if self.distinct {
            // Validation keeps hops within the units, so the loop ends.
            debug_assert!(self.len < self.label.len());
            let used = &self.used[..self.len];
            // Branch-free over the few used units; the redraw itself is rare.
            while used.iter().fold(false, |clash, &u| clash | (u == unit)) {
                unit = split(rng.next_u64(), n).0 as u32;
            }
            self.used[self.len] = unit;
            self.len += 1;
        }
        self.label[unit as usize]
    }
}

/// Largest joint range of the first two hops that [`TwoHop`] tabulates.
pub const TWO_HOP_LIMIT: u64 = 4096;

/// What the tables say of a path after its first two hops: `MISS`, `HIT`, or `NEED + l` for
/// "the later looked-at hops must carry label l"; in the field table also `REFUSED`, a field
/// value Lemire's method refuses. `MISS` is 0 so that the common case costs one test.
const MISS: u32 = 0;
const HIT: u32 = 1;
const REFUSED: u8 = 2;
const NEED: u32 = 3;

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
    field16: Option<Field<16>>,
    field32: Field<32>,
    /// Per pair index: [`MISS`], [`HIT`], or [`NEED`] + the label. Fixed size, indexed by
    /// `j mod TWO_HOP_LIMIT`, so no bounds check is needed.
    pairs: Arc<[u32; TWO_HOP_LIMIT as usize]>,
    /// Per pair index: its two units (at most 64 of them), read when a path goes on.
    units: Arc<[[u8; 2]]>,
    label: Arc<[u32]>,
    distinct: bool,
    test: PathTest,
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

    fn rest_hops<R: Rng>(&self, j: u32, need: u32, rng: &mut R) -> bool {
        let n = self.label.len() as u64;
        let [a, b] = self.units[j as usize];
        let mut used = [0u32; MAX_HOPS];
        used[0] = u32::from(a);
        used[1] = u32::from(b);
        for i in 2..=self.test.last() {
            let mut unit = split(rng.next_u64(), n).0 as u32;
            if self.distinct {
                while used[..i].contains(&unit) {
                    unit = split(rng.next_u64(), n).0 as u32;
                }
                used[i] = unit;
            }
            if self.test.looks_at(i) && self.label[unit as usize] != need {
                return false;
            }
        }
        true
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
        let (mut hits, mut first) = (0u64, 0u64);
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
                hits += 1;
                if first == 0 {
                    first = k;
                }
            }
        };
        let full = paths / 4;
        for block in 0..full {
            if crate::stop::at(block) {
                return (hits, first);
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
        (hits, first)
    }

    /// Two paths per 64-bit number, through the pair table.
    #[inline(always)]
    fn client32<R: Rng + Clone>(&self, rng: &mut R, paths: u64) -> (u64, u64) {
        let (mut hits, mut first) = (0u64, 0u64);
        let mut path = |x: u64, k: u64, rng: &mut R| {
            let j = self.field32.index(x, rng);
            let s = self.pairs[j as usize % TWO_HOP_LIMIT as usize];
            if s != MISS && self.decide(s, j, rng) {
                hits += 1;
                if first == 0 {
                    first = k;
                }
            }
        };
        let full = paths / 2;
        for block in 0..full {
            if crate::stop::at(block) {
                return (hits, first);
            }
            let x = rng.next_u64();
            path(x, 2 * block + 1, rng);
            path(x >> 32, 2 * block + 2, rng);
        }
        if paths % 2 == 1 {
            let x = rng.next_u64();
            path(x, paths, rng);
        }
        (hits, first)
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

/// Equal-weight units too many for [`TwoHop`]'s table: path by path, the first hop a uniform
/// unit, the second a uniform unit among the others without replacement — the `r`-th of the
/// `n − 1` others is `r`, or `r + 1` past the first, so no redraw and no branch — and the
/// rare later hops (only when the first two did not decide) one by one, redrawn while they
/// repeat a unit.
#[derive(Debug, Clone)]
pub struct UniformPaths {
    label: Arc<[u32]>,
    distinct: bool,
    test: PathTest,
    /// The label the hops need when it does not depend on the first hop.
    need: Option<u32>,
}

impl UniformPaths {
    pub fn new(
        network: &Network,
        selection: Selection,
        labels: &[u32],
        test: &PathTest,
    ) -> Option<UniformPaths> {
        let (label, _) = uniform_units(network, selection, labels)?;
        let distinct = selection != Selection::Random;
        (label.len() > usize::from(distinct)).then(|| UniformPaths {
            label: Arc::from(label),
            distinct,
            need: test.fixed_need(),
            test: test.clone(),
        })
    }

    /// Hops 3, 4, … after units `a` and `b`; the generator by value (see [`TwoHop::rest`]).
    #[cold]
    #[inline(never)]
    fn rest<R: Rng + Clone>(&self, a: u32, b: u32, need: u32, mut rng: R) -> (bool, R) {
        let n = self.label.len() as u64;
        let mut used = [0u32; MAX_HOPS];
        used[0] = a;
        used[1] = b;
        for i in 2..self.test.last() + 1 {
            let mut unit = split(rng.next_u64(), n).0 as u32;
            if self.distinct {
                while used[..i].contains(&unit) {
                    unit = split(rng.next_u64(), n).0 as u32;
                }
                used[i] = unit;
            }
            if self.test.looks_at(i) && self.label[unit as usize] != need {
                return (false, rng);
            }
        }
        (true, rng)
    }

    #[inline(always)]
    fn path<R: Rng + Clone>(&self, rng: &mut R) -> bool {
        let n = self.label.len() as u64;
        let a = split(rng.next_u64(), n).0 as u32;
        let first = self.label[a as usize];
        let need = self.need.unwrap_or(first);
        if first != need {
            return false;
        }
        let last = self.test.last();
        if last == 0 {
            return true;
        }
        let b = if self.distinct {
            let r = split(rng.next_u64(), n - 1).0 as u32;
            r + u32::from(r >= a)
        } else {
            split(rng.next_u64(), n).0 as u32
        };
        if self.test.looks_at(1) && self.label[b as usize] != need {
            return false;
        }
        if last == 1 {
            return true;
        }
        let (hit, r) = self.rest(a, b, need, rng.clone());
        *rng = r;
        hit
    }
}

impl ClientSource for UniformPaths {
    #[inline]
    fn client<R: Rng + Clone>(&mut self, outer: &mut R, paths: u64) -> (u64, u64) {
        let mut rng = outer.clone();
        let (mut hits, mut first) = (0u64, 0u64);
        for k in 1..paths + 1 {
            if crate::stop::at(k) {
                break;
            }
            if self.path(&mut rng) {
                hits += 1;
                if first == 0 {
                    first = k;
                }
            }
        }
        *outer = rng;
        (hits, first)
    }
}

/// `random` over operators of unequal weights, client by client. When the label the hops
/// need is fixed (an entity or coalition target), the first hops of a block of up to 64 paths
/// are drawn without a branch into a bit mask of the paths that go on, and only those draw
/// their later hops, in path order: a hop on the target is an unpredictable branch (one path
/// in eight for the largest of 1000 Zipf operators), and this keeps it out of the common path.
/// Hops of a path are independent under `random`, so drawing every first hop of a block
/// before the later hops draws the same paths.
#[derive(Debug, Clone)]
pub struct AliasPaths {
    kernel: RandomKernel,
    test: PathTest,
}

impl AliasPaths {
    pub fn new(network: &Network, labels: &[u32], test: &PathTest) -> AliasPaths {
        AliasPaths {
            kernel: RandomKernel::new(network, labels),
            test: test.clone(),
        }
    }

    /// Hops 2, 3, … of a path whose first hop carried `need`.
    #[inline(always)]
    fn rest<R: Rng>(&self, need: u32, rng: &mut R) -> bool {
        for i in 1..self.test.last() + 1 {
            let l = self.kernel.table.sample(rng) as u32;
            if self.test.looks_at(i) && l != need {
                return false;
            }
        }
        true
    }
}

impl ClientSource for AliasPaths {
    #[inline]
    fn client<R: Rng + Clone>(&mut self, outer: &mut R, paths: u64) -> (u64, u64) {
        let mut rng = outer.clone();
        let (mut hits, mut first) = (0u64, 0u64);
        let table = &self.kernel.table;
        match self.test.fixed_need() {
            Some(need) => {
                let mut start = 0u64;
                while start < paths {
                    if crate::stop::at(start) {
                        break;
                    }
                    let block = (paths - start).min(64);
                    let mut going_on = 0u64;
                    for i in 0..block {
                        let l = table.sample(&mut rng) as u32;
                        going_on |= u64::from(l == need) << i;
                    }
                    while going_on != 0 {
                        let i = u64::from(going_on.trailing_zeros());
                        going_on &= going_on - 1;
                        if self.rest(need, &mut rng) {
                            hits += 1;
                            if first == 0 {
                                first = start + i + 1;
                            }
                        }
                    }
                    start += block;
                }
            }
            None => {
                for k in 1..paths + 1 {
                    if crate::stop::at(k) {
                        break;
                    }
                    let need = table.sample(&mut rng) as u32;
                    if self.rest(need, &mut rng) {
                        hits += 1;
                        if first == 0 {
                            first = k;
                        }
                    }
                }
            }
        }
        *outer = rng;
        (hits, first)
    }
}

/// `operator-aware`: an operator by weight among those not yet in the path.
#[derive(Debug, Clone)]
pub struct OperatorAwareKernel {
    table: AliasTable,
    weights: Vec<f64>,
    total: f64,
    entity_of: Vec<u32>,
    used: [u32; MAX_HOPS],
    len: usize,
    used_weight: f64,
}

impl OperatorAwareKernel {
    /// `labels[o]`: what a hop on operator `o` reports.
    pub fn new(network: &Network, labels: &[u32]) -> Self {
        let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
        OperatorAwareKernel {
            table: alias(&weights),
            total: weights.iter().sum(),
            weights,
            entity_of: labels.to_vec(),
            used: [0; MAX_HOPS],
            len: 0,
            used_weight: 0.0,
        }
    }

    /// Draws proportionally to weight among unused operators by walking the cumulative
    /// weights, from a uniform `u` in [0, 1) (drawn by the caller, so that the generator does
    /// not leave the inlined hot path).
    #[inline(never)]
    fn scan(&self, u: f64) -> u32 {
        let used = &self.used[..self.len];
        let remaining: f64 = self
            .weights
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(&(*i as u32)))
            .map(|(_, w)| w)
            .sum();
        let mut u = u * remaining;
        let mut last = u32::MAX;
        for (i, &w) in self.weights.iter().enumerate() {
            if used.contains(&(i as u32)) {
                continue;
            }
            last = i as u32;
            if u < w {
                return last;
            }
            u -= w;
        }
        // Rounding left `u` a hair above the remaining weight: the last allowed operator.
        last
    }
}

impl HopSource for OperatorAwareKernel {
    #[inline]
    fn begin_path(&mut self) {
        self.len = 0;
        self.used_weight = 0.0;
    }

    #[inline]
    fn begin_path_after(&mut self, first: Unit) {
        self.used[0] = first.operator;
        self.len = 1;
        self.used_weight = self.weights[first.operator as usize];
    }

    #[inline]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let op = if self.used_weight <= 0.5 * self.total {
            loop {
                let o = self.table.sample(rng) as u32;
                if !self.used[..self.len].contains(&o) {
                    break o;
                }
            }
        } else {
            self.scan(rng.random::<f64>())
        };
        self.used[self.len] = op;
        self.len += 1;
        self.used_weight += self.weights[op as usize];
        self.entity_of[op as usize]
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
