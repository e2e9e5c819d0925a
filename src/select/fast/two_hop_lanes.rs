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
//! The masks of a batch of steps are computed by the instruction set chosen (AVX-512: one
//! `vpmullw` and two compares into mask registers; AVX2: the same on two halves; plain code:
//! the definition); everything after is the same scalar code, so every set gives the same
//! counts, byte for byte.

use super::two_hop::{HIT, MISS, NEED, TwoHop};
use crate::engine::lanes::{Isa, LANES, Lanes, fields};
use crate::select::bits::split;
use rand::Rng;

/// Steps whose masks are computed at once.
const BATCH: usize = 64;

/// The lane kernel of a [`TwoHop`] network with 16-bit fields.
#[derive(Debug, Clone)]
pub struct TwoHopLanes {
    two_hop: TwoHop,
    /// Pairs, and the low halves below which a field is refused.
    p: u16,
    refuse: u16,
    /// Fields below this are hot (65,536: every field).
    hot_below: u32,
    /// Pair index in lane order → the pair of [`TwoHop`]'s tables.
    order: Vec<u32>,
}

/// The masks of one step: bit `i` of `accepted` when field `i` is not refused, of `hot` when
/// it is below the hot bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Masks {
    accepted: u32,
    hot: u32,
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
            two_hop: two_hop.clone(),
            p: u16::try_from(p).ok()?,
            refuse: ((1u64 << 16) % p) as u16,
            hot_below: (k << 16).div_ceil(p) as u32,
            order,
        })
    }

    /// The masks of one step, by the definition.
    #[inline(always)]
    fn masks_plain(&self, x: &[u64; LANES]) -> Masks {
        let mut m = Masks::default();
        for (i, &v) in fields(x).iter().enumerate() {
            m.accepted |= u32::from(v.wrapping_mul(self.p) >= self.refuse) << i;
            m.hot |= u32::from(u32::from(v) < self.hot_below) << i;
        }
        m
    }

    /// `BATCH` steps of `lanes` into `xs` and their masks into `masks`, with `isa`.
    #[inline(always)]
    fn fill(
        &self,
        isa: Isa,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        match isa {
            Isa::Scalar => {
                for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
                    *x = lanes.step();
                    *m = self.masks_plain(x);
                }
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the engine only chooses a set this machine has (`Isa::available`).
            Isa::Avx512 => unsafe { x86::fill_avx512(self, lanes, xs, masks) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { x86::fill_avx2(self, lanes, xs, masks) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("only scalar is available"),
        }
    }

    /// The clients of chunk `chunk` under `seed`, `clients` of `paths` paths, in order:
    /// `add((compromised paths, 1-based first compromised path or 0))` for each.
    pub fn chunk(
        &self,
        isa: Isa,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64)),
    ) {
        assert!(isa.available(), "{} is not available", isa.name());
        match isa {
            Isa::Scalar => self.chunk_with(Isa::Scalar, seed, chunk, clients, paths, add),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: checked by `available`.
            Isa::Avx512 => unsafe { x86::chunk_avx512(self, seed, chunk, clients, paths, add) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { x86::chunk_avx2(self, seed, chunk, clients, paths, add) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("only scalar is available"),
        }
    }

    /// [`TwoHopLanes::chunk`]'s body, inlined into a function per instruction set so that its
    /// bit counts are single instructions where the set has them.
    #[inline(always)]
    fn chunk_with(
        &self,
        isa: Isa,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64)),
    ) {
        let mut lanes = Lanes::new(seed, chunk);
        let mut side = Lanes::side(seed, chunk);
        let total = clients * paths;
        let n = self.two_hop.label.len() as u64;
        // Three looked-at hops under `random` (the claim's shape): the third inline, as
        // `later_hops` draws it.
        let third_inline = !self.two_hop.distinct && self.two_hop.test.last() == 2;
        // `pos`: accepted fields before this step; the current client's first path is at
        // `start`.
        let (mut pos, mut start, mut done) = (0u64, 0u64, 0u64);
        let (mut hits, mut first) = (0u64, 0u64);
        let mut xs = [[0u64; LANES]; BATCH];
        let mut masks = [Masks::default(); BATCH];
        'all: while pos < total {
            if crate::stop::requested() {
                return;
            }
            self.fill(isa, &mut lanes, &mut xs, &mut masks);
            for (x, m) in xs.iter().zip(&masks) {
                let mut events = m.accepted & m.hot;
                while events != 0 {
                    let i = events.trailing_zeros();
                    events &= events - 1;
                    let at = pos + u64::from((m.accepted & ((1u32 << i) - 1)).count_ones());
                    if at >= total {
                        break 'all;
                    }
                    while at >= start + paths {
                        add((hits, first));
                        (done, start, hits, first) = (done + 1, start + paths, 0, 0);
                    }
                    let v = (x[i as usize / 4] >> (16 * (i % 4))) as u16;
                    let j = self.order[((u32::from(v) * u32::from(self.p)) >> 16) as usize];
                    let s = self.two_hop.pairs[j as usize];
                    let hit = s == HIT
                        || if third_inline {
                            let c = split(side.next_u64(), n).0 as usize;
                            self.two_hop.label[c] == s - NEED
                        } else {
                            self.two_hop.rest_hops(j, s - NEED, &mut side)
                        };
                    if hit {
                        hits += 1;
                        if first == 0 {
                            first = at - start + 1;
                        }
                    }
                }
                pos += u64::from(m.accepted.count_ones());
                if pos >= total {
                    break 'all;
                }
            }
        }
        while done < clients {
            add((hits, first));
            (done, hits, first) = (done + 1, 0, 0);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BATCH, Isa, Masks, TwoHopLanes};
    use crate::engine::lanes::{LANES, Lanes, x86::step256, x86::step512};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,popcnt,bmi1,bmi2")]
    pub unsafe fn chunk_avx512(
        k: &TwoHopLanes,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64)),
    ) {
        k.chunk_with(Isa::Avx512, seed, chunk, clients, paths, add)
    }

    #[target_feature(enable = "avx2,popcnt,bmi1,bmi2")]
    pub unsafe fn chunk_avx2(
        k: &TwoHopLanes,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64)),
    ) {
        k.chunk_with(Isa::Avx2, seed, chunk, clients, paths, add)
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub unsafe fn fill_avx512(
        k: &TwoHopLanes,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let mut s = lanes.load512();
        let p = _mm512_set1_epi16(k.p as i16);
        let refuse = _mm512_set1_epi16(k.refuse as i16);
        let hot = _mm512_set1_epi16(k.hot_below.min(0xffff) as u16 as i16);
        let all_hot = k.hot_below > 0xffff;
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let v = step512(&mut s);
            // SAFETY: `x` is 64 bytes.
            unsafe { _mm512_storeu_si512(x.as_mut_ptr().cast(), v) };
            m.accepted = _mm512_cmpge_epu16_mask(_mm512_mullo_epi16(v, p), refuse);
            m.hot = if all_hot {
                u32::MAX
            } else {
                _mm512_cmplt_epu16_mask(v, hot)
            };
        }
        lanes.store512(&s);
    }

    /// 32 compare results of two 16-field halves (0 or all ones per field) as a bit mask in
    /// field order.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn mask32(a: __m256i, b: __m256i) -> u32 {
        // packs interleaves the 128-bit halves: a0–7 b0–7 a8–15 b8–15; the permute restores
        // a0–15 b0–15.
        let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi16(a, b));
        _mm256_movemask_epi8(packed) as u32
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn fill_avx2(
        k: &TwoHopLanes,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let (mut lo, mut hi) = lanes.load256();
        let p = _mm256_set1_epi16(k.p as i16);
        let refuse = _mm256_set1_epi16(k.refuse as i16);
        let hot = _mm256_set1_epi16(k.hot_below.min(0xffff) as u16 as i16);
        let all_hot = k.hot_below > 0xffff;
        // x ≥ r ⇔ max(x, r) = x (AVX2 has no unsigned 16-bit compare).
        let ge = |x: __m256i, r: __m256i| _mm256_cmpeq_epi16(_mm256_max_epu16(x, r), x);
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let (a, b) = (step256(&mut lo), step256(&mut hi));
            // SAFETY: `x` is 64 bytes, two 32-byte halves.
            unsafe {
                _mm256_storeu_si256(x.as_mut_ptr().cast(), a);
                _mm256_storeu_si256(x[4..].as_mut_ptr().cast(), b);
            }
            m.accepted = mask32(
                ge(_mm256_mullo_epi16(a, p), refuse),
                ge(_mm256_mullo_epi16(b, p), refuse),
            );
            m.hot = if all_hot {
                u32::MAX
            } else {
                !mask32(ge(a, hot), ge(b, hot))
            };
        }
        lanes.store256(&lo, &hi);
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
            k.chunk(isa, 9, c, clients, paths, &mut |t| out.push(t));
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
        assert_eq!(k.hot_below, (50u32 << 16).div_ceil(2500));
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
        assert_eq!(k.hot_below, 0);
        assert!(
            run(&k, Isa::best(), 2, 100, 50)
                .iter()
                .all(|&t| t == (0, 0))
        );
    }
}
