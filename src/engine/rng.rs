//! Random streams: one independent generator per (seed, chunk), so that a chunk's draws do not
//! depend on which thread runs it, or when.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every chunk uses: xoshiro256++ (period 2^256 − 1, passes BigCrush), portable
/// and specified, so a seed means the same paths on every machine and every release of `rand`.
pub type StreamRng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser: a bijection on u64 that scatters nearby inputs.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of chunk `chunk` under `seed`. The first two state words are bijections of
/// `seed` and `chunk`, so distinct (seed, chunk) pairs always start from distinct states; the
/// other two are hashed from both.
pub fn stream(seed: u64, chunk: u64) -> StreamRng {
    from_words(seed_words(seed, chunk))
}

/// The generator whose state is `words` (xoshiro's state as four little-endian words).
pub(crate) fn from_words(words: [u64; 4]) -> StreamRng {
    let mut bytes = [0u8; 32];
    for (i, w) in words.iter().enumerate() {
        bytes[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// The four state words of [`stream`]`(seed, chunk)` (also the first lane of
/// [`super::lanes::Lanes`]).
pub(crate) fn seed_words(seed: u64, chunk: u64) -> [u64; 4] {
    let s0 = mix(seed);
    let s1 = mix(chunk ^ 0xD1B5_4A32_D192_ED03);
    let s2 = mix(s0 ^ s1.rotate_left(17));
    let s3 = mix(s1.wrapping_add(s0.wrapping_mul(3)));
    [s0, s1, s2, s3]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_seed_and_chunk_and_repeat_exactly() {
        let a = stream(1, 0).next_u64();
        assert_eq!(a, stream(1, 0).next_u64());
        assert_ne!(a, stream(1, 1).next_u64());
        assert_ne!(a, stream(2, 0).next_u64());
        assert_ne!(stream(0, 1).next_u64(), stream(1, 0).next_u64());
    }
}
