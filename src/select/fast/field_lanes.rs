//! The loop every lane kernel shares (issue 18): a chunk's eight xoshiro256++ lanes read as
//! `W`-bit fields (32 a step of 16 bits, 16 of 32 bits, 8 of 64 bits), each field one path in
//! stream order unless Lemire's rejection refuses it, and the few *hot* fields — those whose path may be
//! compromised — handed to the kernel ([`Hot`]), which decides each with draws from the
//! chunk's side stream.
//!
//! A kernel numbers what a field draws (a pair of first hops, say) so that the values that may
//! make a hit come first; Lemire's map `⌊v·m / 2^W⌋` is monotone, so a field is hot exactly
//! when `v` is below one bound, and one compare per field finds the paths that go on. The
//! masks of a batch of steps are computed with the instruction set chosen (AVX-512: one
//! multiply and two compares into mask registers; AVX2: the same on two halves; plain code: the
//! definition); everything after is the same scalar code, so every set gives the same counts,
//! byte for byte.

use super::Tally;
use crate::engine::lanes::{Isa, LANES, Lanes, field};
use crate::engine::rng::StreamRng;

/// Steps whose masks are computed at once.
const BATCH: usize = 64;

/// How a kernel reads its fields: field `v` is refused when `v·mul mod 2^W < refuse`
/// (Lemire's rejection for an index in `[0, mul)`; `refuse` 0 refuses none) and hot when
/// `v < hot_below` (`2^W`: every field). Or, with `halves`, a field is two `W/2`-bit halves,
/// never refused, hot when both halves are below `hot_below` (`2^(W/2)`: every field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rule<const W: u32> {
    pub mul: u32,
    pub refuse: u32,
    pub hot_below: u64,
    pub halves: bool,
}

/// The part of a lane kernel that decides a hot field's path.
pub(super) trait Hot {
    /// Whether the path of hot field `v` is compromised; its later draws come from `side`.
    fn decide(&self, v: u64, side: &mut StreamRng) -> bool;
}

/// The masks of one step: bit `i` of `accepted` when field `i` is not refused, of `hot` when
/// it is below the hot bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Masks {
    accepted: u32,
    hot: u32,
}

impl<const W: u32> Rule<W> {
    /// Fields a step holds.
    const FIELDS: u32 = 64 * LANES as u32 / W;

    /// Lemire's rule for an index in `[0, m)` whose first `hot` values are hot, for
    /// `1 ≤ m ≤ 2^W`: a field's index is `⌊v·m / 2^W⌋`, below `hot` exactly when
    /// `v < ⌈hot·2^W / m⌉`.
    pub fn lemire(m: u64, hot: u64) -> Rule<W> {
        assert!((W == 16 || W == 32) && (1..=1u64 << W).contains(&m) && hot <= m);
        Rule {
            mul: m as u32,
            refuse: ((1u64 << W) % m) as u32,
            hot_below: ((u128::from(hot) << W).div_ceil(u128::from(m))) as u64,
            halves: false,
        }
    }

    /// The rule of 32- or 64-bit fields whose halves are both below `hot_below`
    /// (≤ 2^(W/2)).
    pub fn both_below(hot_below: u64) -> Rule<W> {
        assert!((W == 32 || W == 64) && hot_below <= 1 << (W / 2));
        Rule {
            mul: 1,
            refuse: 0,
            hot_below,
            halves: true,
        }
    }

    /// The masks of one step, by the definition.
    #[inline(always)]
    fn masks_plain(&self, x: &[u64; LANES]) -> Masks {
        let mut m = Masks::default();
        for i in 0..Self::FIELDS {
            let v = field::<W>(x, i);
            let (accepted, hot) = if self.halves {
                let half = u64::MAX >> (64 - W / 2);
                (true, (v & half).max(v >> (W / 2)) < self.hot_below)
            } else {
                let low = (v * u64::from(self.mul)) & (u64::MAX >> (64 - W));
                (low >= u64::from(self.refuse), v < self.hot_below)
            };
            m.accepted |= u32::from(accepted) << i;
            m.hot |= u32::from(hot) << i;
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
            // SAFETY (both): the engine only chooses a set this machine has (`chunk` checks).
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe {
                match (W, self.halves) {
                    (16, _) => x86::fill16_avx512(self.parts(), lanes, xs, masks),
                    (32, false) => x86::fill32_avx512(self.parts(), lanes, xs, masks),
                    (32, true) => x86::fill32_halves_avx512(self.parts(), lanes, xs, masks),
                    _ => x86::fill64_avx512(self.parts(), lanes, xs, masks),
                }
            },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe {
                match (W, self.halves) {
                    (16, _) => x86::fill16_avx2(self.parts(), lanes, xs, masks),
                    (32, false) => x86::fill32_avx2(self.parts(), lanes, xs, masks),
                    (32, true) => x86::fill32_halves_avx2(self.parts(), lanes, xs, masks),
                    _ => x86::fill64_avx2(self.parts(), lanes, xs, masks),
                }
            },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("only scalar is available"),
        }
    }

    /// The rule as the vector code takes it: multiplier, refusal bound, hot bound (capped at
    /// the largest field) and whether every field is hot.
    #[cfg(target_arch = "x86_64")]
    fn parts(&self) -> (u32, u32, u32, bool) {
        let top = if self.halves {
            (1u64 << (W / 2)) - 1
        } else {
            u64::from(u32::MAX) >> (32 - W.min(32))
        };
        (
            self.mul,
            self.refuse,
            self.hot_below.min(top) as u32,
            self.hot_below > top,
        )
    }
}

/// The clients of chunk `chunk` under `seed`, `clients` of `paths` paths, in order:
/// `add((compromised paths, 1-based first compromised path or 0))` for each; fields read by
/// `rule`, hot ones decided by `hot`, masks computed with `isa`.
#[allow(clippy::too_many_arguments)]
pub(super) fn chunk<const W: u32, H: Hot>(
    rule: &Rule<W>,
    hot: &H,
    isa: Isa,
    seed: u64,
    chunk: u64,
    clients: u64,
    paths: u64,
    add: &mut impl FnMut((u64, u64)),
) {
    assert!(isa.available(), "{} is not available", isa.name());
    match isa {
        Isa::Scalar => chunk_with(Isa::Scalar, rule, hot, seed, chunk, clients, paths, add),
        // SAFETY (both): checked by `available`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { x86::chunk_avx512(rule, hot, seed, chunk, clients, paths, add) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { x86::chunk_avx2(rule, hot, seed, chunk, clients, paths, add) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("only scalar is available"),
    }
}

/// [`chunk`]'s body, inlined into a function per instruction set so that its bit counts are
/// single instructions where the set has them.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk_with<const W: u32, H: Hot>(
    isa: Isa,
    rule: &Rule<W>,
    hot: &H,
    seed: u64,
    chunk: u64,
    clients: u64,
    paths: u64,
    add: &mut impl FnMut((u64, u64)),
) {
    let (mut lanes, mut side) = Lanes::with_side(seed, chunk);
    let total = clients * paths;
    // `pos`: accepted fields before this step; the current client's first path is at `start`.
    let (mut pos, mut start, mut done) = (0u64, 0u64, 0u64);
    let mut tally = Tally::default();
    let mut xs = [[0u64; LANES]; BATCH];
    let mut masks = [Masks::default(); BATCH];
    'all: while pos < total {
        if crate::stop::requested() {
            return;
        }
        rule.fill(isa, &mut lanes, &mut xs, &mut masks);
        // Where each step's paths start, and which steps have a hot field, without a branch:
        // the steps with one are then visited in order, so a step without one (most of them)
        // costs no branch the CPU could mispredict.
        let mut starts = [0u64; BATCH];
        let mut with_hot = 0u64;
        for (s, m) in masks.iter().enumerate() {
            starts[s] = pos;
            pos += u64::from(m.accepted.count_ones());
            with_hot |= u64::from(m.accepted & m.hot != 0) << s;
        }
        while with_hot != 0 {
            let s = with_hot.trailing_zeros() as usize;
            with_hot &= with_hot - 1;
            let m = masks[s];
            let mut events = m.accepted & m.hot;
            while events != 0 {
                let i = events.trailing_zeros();
                events &= events - 1;
                let at = starts[s] + u64::from((m.accepted & ((1u32 << i) - 1)).count_ones());
                if at >= total {
                    break 'all;
                }
                while at >= start + paths {
                    add(tally.result());
                    (done, start, tally) = (done + 1, start + paths, Tally::default());
                }
                if hot.decide(field::<W>(&xs[s], i), &mut side) {
                    tally.hit(at - start + 1);
                }
            }
        }
    }
    while done < clients {
        add(tally.result());
        (done, tally) = (done + 1, Tally::default());
    }
}

/// A chunk's lanes as a sequence of fields taken a few at a time, for kernels whose paths do
/// not each take a field (with guards, only paths whose guard is on the target draw on). Only
/// for rules that refuse nothing, so the `k`-th field taken is the `k`-th path that takes one.
pub(super) struct Cursor<const W: u32> {
    rule: Rule<W>,
    isa: Isa,
    lanes: Lanes,
    xs: Box<[[u64; LANES]; BATCH]>,
    masks: [Masks; BATCH],
    /// The next field of the batch (`BATCH · FIELDS`: none left).
    at: u32,
}

impl<const W: u32> Cursor<W> {
    const TOTAL: u32 = BATCH as u32 * Rule::<W>::FIELDS;

    /// The fields of `lanes` read by `rule`, their masks computed with `isa`.
    pub fn new(rule: Rule<W>, isa: Isa, lanes: Lanes) -> Cursor<W> {
        assert!(rule.refuse == 0, "a cursor takes every field");
        assert!(isa.available(), "{} is not available", isa.name());
        Cursor {
            rule,
            isa,
            lanes,
            xs: Box::new([[0; LANES]; BATCH]),
            masks: [Masks::default(); BATCH],
            at: Self::TOTAL,
        }
    }

    /// The next `n` fields: `hot(v, k)` for each hot one, `k` its index among the `n`, in
    /// order.
    #[inline]
    pub fn take(&mut self, mut n: u64, mut hot: impl FnMut(u64, u64)) {
        let fields = Rule::<W>::FIELDS;
        let mut k = 0u64;
        while n > 0 {
            if self.at == Self::TOTAL {
                self.rule
                    .fill(self.isa, &mut self.lanes, &mut self.xs, &mut self.masks);
                self.at = 0;
            }
            let (s, f) = ((self.at / fields) as usize, self.at % fields);
            let here = u64::from(fields - f).min(n) as u32;
            let range = (((1u64 << here) - 1) << f) as u32;
            let mut events = self.masks[s].hot & range;
            while events != 0 {
                let i = events.trailing_zeros();
                events &= events - 1;
                hot(field::<W>(&self.xs[s], i), k + u64::from(i - f));
            }
            self.at += here;
            k += u64::from(here);
            n -= u64::from(here);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BATCH, Hot, Isa, Masks, Rule};
    use crate::engine::lanes::{LANES, Lanes, x86::step256, x86::step512};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,popcnt,bmi1,bmi2")]
    pub unsafe fn chunk_avx512<const W: u32, H: Hot>(
        rule: &Rule<W>,
        hot: &H,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64)),
    ) {
        super::chunk_with(Isa::Avx512, rule, hot, seed, chunk, clients, paths, add)
    }

    #[target_feature(enable = "avx2,popcnt,bmi1,bmi2")]
    pub unsafe fn chunk_avx2<const W: u32, H: Hot>(
        rule: &Rule<W>,
        hot: &H,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64)),
    ) {
        super::chunk_with(Isa::Avx2, rule, hot, seed, chunk, clients, paths, add)
    }

    type Parts = (u32, u32, u32, bool);

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub unsafe fn fill16_avx512(
        (mul, refuse, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let mut s = lanes.load512();
        let p = _mm512_set1_epi16(mul as u16 as i16);
        let refuse = _mm512_set1_epi16(refuse as u16 as i16);
        let hot = _mm512_set1_epi16(hot as u16 as i16);
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

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub unsafe fn fill32_avx512(
        (mul, refuse, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let mut s = lanes.load512();
        let p = _mm512_set1_epi32(mul as i32);
        let refuse = _mm512_set1_epi32(refuse as i32);
        let hot = _mm512_set1_epi32(hot as i32);
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let v = step512(&mut s);
            // SAFETY: `x` is 64 bytes.
            unsafe { _mm512_storeu_si512(x.as_mut_ptr().cast(), v) };
            m.accepted = u32::from(_mm512_cmpge_epu32_mask(_mm512_mullo_epi32(v, p), refuse));
            m.hot = if all_hot {
                0xffff
            } else {
                u32::from(_mm512_cmplt_epu32_mask(v, hot))
            };
        }
        lanes.store512(&s);
    }

    /// 32-bit fields of two 16-bit halves: hot when the larger half is below the bound.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub unsafe fn fill32_halves_avx512(
        (_, _, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let mut s = lanes.load512();
        let hot = _mm512_set1_epi32(hot as i32);
        let low = _mm512_set1_epi32(0xffff);
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let v = step512(&mut s);
            // SAFETY: `x` is 64 bytes.
            unsafe { _mm512_storeu_si512(x.as_mut_ptr().cast(), v) };
            m.accepted = 0xffff;
            m.hot = if all_hot {
                0xffff
            } else {
                let top = _mm512_and_si512(_mm512_max_epu16(v, _mm512_srli_epi32::<16>(v)), low);
                u32::from(_mm512_cmplt_epu32_mask(top, hot))
            };
        }
        lanes.store512(&s);
    }

    /// 64-bit fields: hot when both 32-bit halves are below the bound, that is when the
    /// larger half is.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub unsafe fn fill64_avx512(
        (_, _, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let mut s = lanes.load512();
        let hot = _mm512_set1_epi64(i64::from(hot));
        let low = _mm512_set1_epi64(i64::from(u32::MAX));
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let v = step512(&mut s);
            // SAFETY: `x` is 64 bytes.
            unsafe { _mm512_storeu_si512(x.as_mut_ptr().cast(), v) };
            m.accepted = 0xff;
            m.hot = if all_hot {
                0xff
            } else {
                let top = _mm512_and_si512(_mm512_max_epu32(v, _mm512_srli_epi64::<32>(v)), low);
                u32::from(_mm512_cmplt_epu64_mask(top, hot))
            };
        }
        lanes.store512(&s);
    }

    /// 32 compare results of two 16-field halves (0 or all ones per field) as a bit mask in
    /// field order.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn mask16x2(a: __m256i, b: __m256i) -> u32 {
        // packs interleaves the 128-bit halves: a0–7 b0–7 a8–15 b8–15; the permute restores
        // a0–15 b0–15.
        let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi16(a, b));
        _mm256_movemask_epi8(packed) as u32
    }

    /// 16 compare results of two 8-field halves (0 or all ones per 32-bit field) as a bit
    /// mask in field order.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn mask32x2(a: __m256i, b: __m256i) -> u32 {
        let bits = |x: __m256i| _mm256_movemask_ps(_mm256_castsi256_ps(x)) as u32;
        bits(a) | bits(b) << 8
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn fill16_avx2(
        (mul, refuse, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let (mut lo, mut hi) = lanes.load256();
        let p = _mm256_set1_epi16(mul as u16 as i16);
        let refuse = _mm256_set1_epi16(refuse as u16 as i16);
        let hot = _mm256_set1_epi16(hot as u16 as i16);
        // x ≥ r ⇔ max(x, r) = x (AVX2 has no unsigned compare).
        let ge = |x: __m256i, r: __m256i| _mm256_cmpeq_epi16(_mm256_max_epu16(x, r), x);
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let (a, b) = (step256(&mut lo), step256(&mut hi));
            // SAFETY: `x` is 64 bytes, two 32-byte halves.
            unsafe {
                _mm256_storeu_si256(x.as_mut_ptr().cast(), a);
                _mm256_storeu_si256(x[4..].as_mut_ptr().cast(), b);
            }
            m.accepted = mask16x2(
                ge(_mm256_mullo_epi16(a, p), refuse),
                ge(_mm256_mullo_epi16(b, p), refuse),
            );
            m.hot = if all_hot {
                u32::MAX
            } else {
                !mask16x2(ge(a, hot), ge(b, hot))
            };
        }
        lanes.store256(&lo, &hi);
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn fill32_avx2(
        (mul, refuse, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let (mut lo, mut hi) = lanes.load256();
        let p = _mm256_set1_epi32(mul as i32);
        let refuse = _mm256_set1_epi32(refuse as i32);
        let hot = _mm256_set1_epi32(hot as i32);
        let ge = |x: __m256i, r: __m256i| _mm256_cmpeq_epi32(_mm256_max_epu32(x, r), x);
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let (a, b) = (step256(&mut lo), step256(&mut hi));
            // SAFETY: `x` is 64 bytes, two 32-byte halves.
            unsafe {
                _mm256_storeu_si256(x.as_mut_ptr().cast(), a);
                _mm256_storeu_si256(x[4..].as_mut_ptr().cast(), b);
            }
            m.accepted = mask32x2(
                ge(_mm256_mullo_epi32(a, p), refuse),
                ge(_mm256_mullo_epi32(b, p), refuse),
            );
            m.hot = if all_hot {
                0xffff
            } else {
                !mask32x2(ge(a, hot), ge(b, hot)) & 0xffff
            };
        }
        lanes.store256(&lo, &hi);
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn fill32_halves_avx2(
        (_, _, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let (mut lo, mut hi) = lanes.load256();
        // Halves below 2^16 compare as signed 32-bit numbers: top < hot ⇔ hot > top.
        let hot = _mm256_set1_epi32(hot as i32);
        let low = _mm256_set1_epi32(0xffff);
        let below = |v: __m256i| {
            let top = _mm256_and_si256(_mm256_max_epu16(v, _mm256_srli_epi32::<16>(v)), low);
            _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(hot, top))) as u32
        };
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let (a, b) = (step256(&mut lo), step256(&mut hi));
            // SAFETY: `x` is 64 bytes, two 32-byte halves.
            unsafe {
                _mm256_storeu_si256(x.as_mut_ptr().cast(), a);
                _mm256_storeu_si256(x[4..].as_mut_ptr().cast(), b);
            }
            m.accepted = 0xffff;
            m.hot = if all_hot {
                0xffff
            } else {
                below(a) | below(b) << 8
            };
        }
        lanes.store256(&lo, &hi);
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn fill64_avx2(
        (_, _, hot, all_hot): Parts,
        lanes: &mut Lanes,
        xs: &mut [[u64; LANES]; BATCH],
        masks: &mut [Masks; BATCH],
    ) {
        let (mut lo, mut hi) = lanes.load256();
        // Halves below 2^32 compare as signed 64-bit numbers: top < hot ⇔ hot > top.
        let hot = _mm256_set1_epi64x(i64::from(hot));
        let low = _mm256_set1_epi64x(i64::from(u32::MAX));
        let below = |v: __m256i| {
            let top = _mm256_and_si256(_mm256_max_epu32(v, _mm256_srli_epi64::<32>(v)), low);
            _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(hot, top))) as u32
        };
        for (x, m) in xs.iter_mut().zip(masks.iter_mut()) {
            let (a, b) = (step256(&mut lo), step256(&mut hi));
            // SAFETY: `x` is 64 bytes, two 32-byte halves.
            unsafe {
                _mm256_storeu_si256(x.as_mut_ptr().cast(), a);
                _mm256_storeu_si256(x[4..].as_mut_ptr().cast(), b);
            }
            m.accepted = 0xff;
            m.hot = if all_hot {
                0xff
            } else {
                below(a) | below(b) << 4
            };
        }
        lanes.store256(&lo, &hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every set the machine has computes the definition's masks, for both widths, with and
    /// without rejection, a few hot fields, none and all.
    #[test]
    fn every_instruction_set_computes_the_masks_of_the_definition() {
        fn check<const W: u32>(rule: Rule<W>) {
            let mut plain = Lanes::new(3, 5);
            let (mut xs, mut masks) = ([[0u64; LANES]; BATCH], [Masks::default(); BATCH]);
            rule.fill(Isa::Scalar, &mut plain, &mut xs, &mut masks);
            assert!(
                masks
                    .iter()
                    .all(|m| m.accepted >> (Rule::<W>::FIELDS - 1) <= 1)
            );
            for isa in Isa::available_all() {
                let mut lanes = Lanes::new(3, 5);
                let (mut ys, mut other) = ([[0u64; LANES]; BATCH], [Masks::default(); BATCH]);
                rule.fill(isa, &mut lanes, &mut ys, &mut other);
                assert_eq!((ys, lanes.clone()), (xs, plain.clone()), "{}", isa.name());
                let events = |m: &[Masks; BATCH]| m.map(|m| (m.accepted, m.accepted & m.hot));
                assert_eq!(events(&other), events(&masks), "{} {rule:?}", isa.name());
            }
        }
        for (m, hot) in [(2450, 50), (3, 0), (3, 3), (1000, 999), (1 << 16, 7)] {
            check(Rule::<16>::lemire(m, hot));
        }
        for (m, hot) in [(999_000, 19_000), (7, 0), (7, 7), (1 << 32, 1 << 31)] {
            check(Rule::<32>::lemire(m, hot));
        }
        check(Rule::<32> {
            mul: 1,
            refuse: 0,
            hot_below: 0x2000_0001,
            halves: false,
        });
        for hot in [0, 1, 0x2001, 0xffff, 1 << 16] {
            check(Rule::<32>::both_below(hot));
        }
        for hot in [0, 1, 0x2000_0001, 0xffff_ffff, 1 << 32] {
            check(Rule::<64>::both_below(hot));
        }
    }

    /// Fields taken a few at a time are the fields in order, whatever the sizes taken.
    #[test]
    fn a_cursor_takes_the_fields_in_order() {
        let rule = Rule::<32>::both_below(0x4000);
        for isa in Isa::available_all() {
            let mut cursor = Cursor::new(rule, isa, Lanes::new(2, 9));
            let (mut got, mut taken) = (Vec::new(), 0u64);
            for n in [1u64, 5, 16, 0, 33, 100, 7, 3, 200, 275] {
                cursor.take(n, |v, k| got.push((taken + k, v)));
                taken += n;
            }
            assert_eq!(taken, 640);
            let mut plain = Vec::new();
            let mut lanes = Lanes::new(2, 9);
            for s in 0..40u64 {
                let x = lanes.step();
                let m = rule.masks_plain(&x);
                for i in 0..16 {
                    if m.hot >> i & 1 == 1 {
                        plain.push((16 * s + u64::from(i), field::<32>(&x, i)));
                    }
                }
            }
            assert!(plain.len() > 20);
            assert_eq!(got, plain, "{}", isa.name());
        }
    }

    #[test]
    fn lemire_bounds_are_exact() {
        let r = Rule::<16>::lemire(2500, 50);
        assert_eq!((r.mul, r.refuse, r.hot_below), (2500, 65536 % 2500, 1311));
        // A field is hot exactly when its index is below the hot count.
        for (m, hot) in [(2500u64, 50u64), (7, 3), (65536, 1), (1000, 999)] {
            let r = Rule::<16>::lemire(m, hot);
            for v in 0..1u64 << 16 {
                assert_eq!((v * m) >> 16 < hot, v < r.hot_below, "{m} {hot} {v}");
            }
        }
        let r = Rule::<32>::lemire(1 << 32, 1 << 32);
        assert_eq!((r.refuse, r.hot_below), (0, 1 << 32));
    }
}
