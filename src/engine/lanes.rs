//! Random streams in lanes (issue 18): a chunk's stream as [`LANES`] interleaved xoshiro256++
//! generators, lane `l` being the chunk's scalar stream ([`super::rng::stream`]) jumped ahead
//! `l` × 2^128 steps, so the lanes never overlap. One step of all lanes is one 64-bit number
//! per lane, in lane order; the same numbers come out whichever instruction set steps them
//! ([`Isa`]): the plain code is the definition, the vector versions do the same integer
//! operations, and a test compares them on every set the machine has.

use super::rng::seed_words;

/// Lanes per stream: one 512-bit register of 64-bit words.
pub const LANES: usize = 8;

/// Eight xoshiro256++ generators, word by word (`s[w][l]`: word `w` of lane `l`), so that a
/// step is four vector registers' work.
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct Lanes {
    s: [[u64; LANES]; 4],
}

/// The xoshiro256 jump polynomial (Blackman and Vigna's reference code): 2^128 steps.
const JUMP: [u64; 4] = [
    0x180e_c6d3_3cfd_0aba,
    0xd5a6_1266_f0c9_392c,
    0xa958_2618_e03f_c9aa,
    0x39ab_dc45_29b1_661c,
];

/// One scalar xoshiro256 state transition (the output is not needed to jump).
fn advance(s: &mut [u64; 4]) {
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
}

/// `s` moved 2^128 steps ahead.
fn jump(s: &mut [u64; 4]) {
    let mut acc = [0u64; 4];
    for word in JUMP {
        for bit in 0..64 {
            if word >> bit & 1 == 1 {
                for (a, x) in acc.iter_mut().zip(s.iter()) {
                    *a ^= x;
                }
            }
            advance(s);
        }
    }
    *s = acc;
}

impl Lanes {
    /// The lanes of chunk `chunk` under `seed`.
    pub fn new(seed: u64, chunk: u64) -> Lanes {
        Lanes::with_side(seed, chunk).0
    }

    /// The lanes of chunk `chunk` under `seed`, and the chunk's side stream: one scalar
    /// generator after the eight lanes (the chunk's stream jumped 8·2^128 steps, where the
    /// lanes' jumps leave it), for the draws a lane kernel makes one path at a time.
    pub fn with_side(seed: u64, chunk: u64) -> (Lanes, super::rng::StreamRng) {
        let mut state = seed_words(seed, chunk);
        let mut s = [[0u64; LANES]; 4];
        for l in 0..LANES {
            for (word, value) in s.iter_mut().zip(state) {
                word[l] = value;
            }
            jump(&mut state);
        }
        (Lanes { s }, super::rng::from_words(state))
    }

    /// One step of every lane: lane `l`'s next number at `[l]`: the definition, which the
    /// vector versions (`x86`) compute too.
    #[inline(always)]
    pub fn step(&mut self) -> [u64; LANES] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u64; LANES];
        for l in 0..LANES {
            out[l] = s0[l]
                .wrapping_add(s3[l])
                .rotate_left(23)
                .wrapping_add(s0[l]);
            let t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(45);
        }
        out
    }
}

/// The instruction sets the lane kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// Plain 64-bit code: any machine (what aarch64 runs; not tested there).
    Scalar,
    /// x86-64 with AVX2 (and POPCNT, BMI1, BMI2): two 256-bit registers per word of the
    /// eight lanes.
    Avx2,
    /// x86-64 with AVX-512 (F, BW, VL, DQ): one 512-bit register per word.
    Avx512,
}

impl Default for Isa {
    /// The best set this machine has.
    fn default() -> Isa {
        Isa::best()
    }
}

/// `PATHRISK_ISA` named a set this machine lacks, or none pathrisk knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsaError {
    #[error(
        "PATHRISK_ISA = {0:?}: expected one of scalar, avx2, avx512 (or leave it unset to use \
         the best this machine has)"
    )]
    Unknown(String),
    #[error(
        "PATHRISK_ISA = {0}: this machine lacks it (it has: {1}); unset PATHRISK_ISA or name one \
         it has"
    )]
    Missing(&'static str, String),
}

impl Isa {
    pub const ALL: [Isa; 3] = [Isa::Scalar, Isa::Avx2, Isa::Avx512];

    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this machine can run kernels compiled for `self`.
    pub fn available(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("popcnt")
                    && std::arch::is_x86_feature_detected!("bmi1")
                    && std::arch::is_x86_feature_detected!("bmi2")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                Isa::Avx2.available()
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512dq")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Every set this machine has, scalar first.
    pub fn available_all() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.available()).collect()
    }

    /// The best set this machine has.
    pub fn best() -> Isa {
        *Isa::available_all().last().expect("scalar is always there")
    }

    /// The set `PATHRISK_ISA` names (`value`), checked against the machine; the best one
    /// when it is unset.
    pub fn chosen(value: Option<&str>) -> Result<Isa, IsaError> {
        let Some(v) = value else {
            return Ok(Isa::best());
        };
        let isa = Isa::ALL
            .into_iter()
            .find(|i| i.name() == v.trim())
            .ok_or_else(|| IsaError::Unknown(v.to_string()))?;
        if !isa.available() {
            let has: Vec<&str> = Isa::available_all().iter().map(|i| i.name()).collect();
            return Err(IsaError::Missing(isa.name(), has.join(", ")));
        }
        Ok(isa)
    }
}

/// The SIMD floor of `pathrisk bench`: `steps` steps of `lanes` stepped with `isa`, each read
/// as 32 16-bit fields compared with `threshold`; how many fields fell below it (so the work
/// cannot be skipped). A path of the cheapest kernel costs at least one field. The plain code
/// is the definition; the vector versions are written with `std::arch` intrinsics because the
/// compiler, given the plain code under `target_feature`, vectorised the step but took the
/// fields apart lane by lane (0.5–0.9 ns a field against 0.06 with intrinsics, measured).
pub fn floor(isa: Isa, lanes: &mut Lanes, steps: u64, threshold: u16) -> u64 {
    assert!(isa.available(), "{} is not available", isa.name());
    match isa {
        Isa::Scalar => floor_plain(lanes, steps, threshold),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `available` checked the CPU's features.
        Isa::Avx2 => unsafe { x86::floor_avx2(lanes, steps, threshold) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Isa::Avx512 => unsafe { x86::floor_avx512(lanes, steps, threshold) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("checked by available"),
    }
}

fn floor_plain(lanes: &mut Lanes, steps: u64, threshold: u16) -> u64 {
    let mut below = 0u64;
    for _ in 0..steps {
        below += u64::from(below_mask(&fields(&lanes.step()), threshold).count_ones());
    }
    below
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use super::{LANES, Lanes};
    use std::arch::x86_64::*;

    const _: () = assert!(LANES == 8);

    /// One xoshiro256++ step of eight lanes held in four 512-bit registers.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub(crate) fn step512(s: &mut [__m512i; 4]) -> __m512i {
        let out = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(s[0], s[3])), s[0]);
        let t = _mm512_slli_epi64::<17>(s[1]);
        s[2] = _mm512_xor_si512(s[2], s[0]);
        s[3] = _mm512_xor_si512(s[3], s[1]);
        s[1] = _mm512_xor_si512(s[1], s[2]);
        s[0] = _mm512_xor_si512(s[0], s[3]);
        s[2] = _mm512_xor_si512(s[2], t);
        s[3] = _mm512_rol_epi64::<45>(s[3]);
        out
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
    pub unsafe fn floor_avx512(lanes: &mut Lanes, steps: u64, threshold: u16) -> u64 {
        let mut s = lanes.load512();
        let t = _mm512_set1_epi16(threshold as i16);
        let mut below = 0u64;
        for _ in 0..steps {
            let x = step512(&mut s);
            below += u64::from(_mm512_cmplt_epu16_mask(x, t).count_ones());
        }
        lanes.store512(&s);
        below
    }

    impl Lanes {
        /// The state as one 512-bit register per word.
        #[inline]
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
        pub(crate) fn load512(&self) -> [__m512i; 4] {
            // SAFETY: each word row is 64 bytes.
            std::array::from_fn(|w| unsafe { _mm512_loadu_si512(self.s[w].as_ptr().cast()) })
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
        pub(crate) fn store512(&mut self, s: &[__m512i; 4]) {
            for (w, v) in s.iter().enumerate() {
                // SAFETY: as the loads.
                unsafe { _mm512_storeu_si512(self.s[w].as_mut_ptr().cast(), *v) };
            }
        }

        /// The state as two sets of four 256-bit registers: lanes 0–3, lanes 4–7.
        #[inline]
        #[target_feature(enable = "avx2")]
        pub(crate) fn load256(&self) -> ([__m256i; 4], [__m256i; 4]) {
            let load = |w: usize, half: usize| {
                // SAFETY: in bounds (4·half + 4 ≤ LANES); unaligned load.
                unsafe { _mm256_loadu_si256(self.s[w][4 * half..].as_ptr().cast()) }
            };
            (
                std::array::from_fn(|w| load(w, 0)),
                std::array::from_fn(|w| load(w, 1)),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        pub(crate) fn store256(&mut self, lo: &[__m256i; 4], hi: &[__m256i; 4]) {
            for w in 0..4 {
                for (half, v) in [lo[w], hi[w]].into_iter().enumerate() {
                    // SAFETY: in bounds, as the loads.
                    unsafe { _mm256_storeu_si256(self.s[w][4 * half..].as_mut_ptr().cast(), v) };
                }
            }
        }
    }

    /// One xoshiro256++ step of four lanes held in four 256-bit registers.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) fn step256(s: &mut [__m256i; 4]) -> __m256i {
        let rol = |x: __m256i, k: i32| -> __m256i {
            _mm256_or_si256(
                _mm256_sll_epi64(x, _mm_cvtsi32_si128(k)),
                _mm256_srl_epi64(x, _mm_cvtsi32_si128(64 - k)),
            )
        };
        let out = _mm256_add_epi64(rol(_mm256_add_epi64(s[0], s[3]), 23), s[0]);
        let t = _mm256_slli_epi64::<17>(s[1]);
        s[2] = _mm256_xor_si256(s[2], s[0]);
        s[3] = _mm256_xor_si256(s[3], s[1]);
        s[1] = _mm256_xor_si256(s[1], s[2]);
        s[0] = _mm256_xor_si256(s[0], s[3]);
        s[2] = _mm256_xor_si256(s[2], t);
        s[3] = rol(s[3], 45);
        out
    }

    #[target_feature(enable = "avx2")]
    pub unsafe fn floor_avx2(lanes: &mut Lanes, steps: u64, threshold: u16) -> u64 {
        let (mut lo, mut hi) = lanes.load256();
        let below = if threshold == 0 {
            for _ in 0..steps {
                std::hint::black_box((step256(&mut lo), step256(&mut hi)));
            }
            0
        } else {
            // x < t ⇔ min(x, t − 1) = x (AVX2 has no unsigned 16-bit compare).
            let m = _mm256_set1_epi16((threshold - 1) as i16);
            let count = |x: __m256i| -> u32 {
                let le = _mm256_cmpeq_epi16(_mm256_min_epu16(x, m), x);
                (_mm256_movemask_epi8(le) as u32).count_ones() / 2
            };
            let mut below = 0u64;
            for _ in 0..steps {
                let (a, b) = (step256(&mut lo), step256(&mut hi));
                below += u64::from(count(a) + count(b));
            }
            below
        };
        lanes.store256(&lo, &hi);
        below
    }
}

/// A step's numbers as 32 16-bit fields: field `4l + f` is bits `16f..16f + 16` of lane `l`'s
/// number (on any byte order).
#[inline(always)]
pub fn fields(x: &[u64; LANES]) -> [u16; 4 * LANES] {
    #[cfg(target_endian = "little")]
    {
        // SAFETY: same size, every bit pattern is valid; on a little-endian machine field
        // 4l + f is where this reads it.
        unsafe { std::mem::transmute::<[u64; LANES], [u16; 4 * LANES]>(*x) }
    }
    #[cfg(not(target_endian = "little"))]
    {
        fields_by_shifts(x)
    }
}

/// Field `i` of a step read as `W`-bit fields (W = 16, 32 or 64): bits `W·f…` of lane `l`,
/// where `i = (64/W)·l + f` — on a little-endian machine the fields' order in memory.
#[inline(always)]
pub fn field<const W: u32>(x: &[u64; LANES], i: u32) -> u64 {
    let per_lane = 64 / W;
    (x[(i / per_lane) as usize] >> (W * (i % per_lane))) & (u64::MAX >> (64 - W))
}

/// Bit `i` set when field `i` is below `threshold`: one compare into a mask register where
/// the machine has one.
#[inline(always)]
pub fn below_mask(fields: &[u16; 4 * LANES], threshold: u16) -> u32 {
    let mut m = 0u32;
    for (i, &f) in fields.iter().enumerate() {
        m |= u32::from(f < threshold) << i;
    }
    m
}

/// [`fields`] by shifts, whatever the byte order.
#[cfg_attr(target_endian = "little", allow(dead_code))]
#[inline(always)]
fn fields_by_shifts(x: &[u64; LANES]) -> [u16; 4 * LANES] {
    let mut out = [0u16; 4 * LANES];
    for (l, w) in x.iter().enumerate() {
        for f in 0..4 {
            out[4 * l + f] = (w >> (16 * f)) as u16;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;
    use rand::Rng;

    #[test]
    fn lane_zero_is_the_chunks_scalar_stream_and_lane_l_is_it_jumped_l_times() {
        let (mut lanes, mut side) = Lanes::with_side(7, 3);
        let mut scalar: Vec<_> = (0..=LANES)
            .map(|l| {
                let mut r = stream(7, 3);
                for _ in 0..l {
                    r.jump();
                }
                r
            })
            .collect();
        for _ in 0..100 {
            let x = lanes.step();
            for (l, r) in scalar.iter_mut().take(LANES).enumerate() {
                assert_eq!(x[l], r.next_u64(), "lane {l}");
            }
            // The side stream follows the lanes.
            assert_eq!(side.next_u64(), scalar[LANES].next_u64());
        }
    }

    #[test]
    fn every_instruction_set_gives_the_same_numbers() {
        let sets = Isa::available_all();
        assert!(sets.contains(&Isa::Scalar));
        let outputs: Vec<(Vec<u64>, u64, [u64; LANES])> = sets
            .iter()
            .map(|&isa| {
                let mut lanes = Lanes::new(11, 5);
                let xs: Vec<u64> = (0..1000).flat_map(|_| lanes.step()).collect();
                let below = floor(isa, &mut lanes, 10_000, 1311);
                let after = lanes.step();
                (xs, below, after)
            })
            .collect();
        for (isa, out) in sets.iter().zip(&outputs) {
            assert_eq!(out, &outputs[0], "{} against scalar", isa.name());
        }
        // 320,000 fields, each below 1311 with probability 1311/65536 = 2%: within 6 sigma.
        let below = outputs[0].1 as f64;
        let mean = 320_000.0 * 1311.0 / 65536.0;
        assert!((below - mean).abs() < 6.0 * (mean * 0.98).sqrt(), "{below}");
    }

    #[test]
    fn fields_are_the_numbers_sixteen_bits_at_a_time_on_any_byte_order() {
        let x: [u64; LANES] =
            std::array::from_fn(|l| 0x0123_4567_89ab_cdefu64.rotate_left(8 * l as u32));
        assert_eq!(fields(&x), fields_by_shifts(&x));
        assert_eq!(fields(&x)[..4], [0xcdef, 0x89ab, 0x4567, 0x0123]);
        let m = below_mask(&fields(&x), 0x4568);
        assert_eq!(m & 0xf, 0b0100 | 0b1000);
    }

    #[test]
    fn pathrisk_isa_is_checked_against_the_machine() {
        assert_eq!(Isa::chosen(None), Ok(Isa::best()));
        assert_eq!(Isa::chosen(Some("scalar")), Ok(Isa::Scalar));
        let e = Isa::chosen(Some("sse9")).unwrap_err();
        assert!(
            e.to_string()
                .contains("expected one of scalar, avx2, avx512")
        );
        for isa in Isa::ALL {
            match Isa::chosen(Some(isa.name())) {
                Ok(got) => assert!(got == isa && isa.available()),
                Err(e) => {
                    assert!(!isa.available());
                    assert!(e.to_string().contains("this machine lacks it"), "{e}");
                }
            }
        }
    }
}
