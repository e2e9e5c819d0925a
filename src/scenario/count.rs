//! Whole numbers as people write them: `2000`, `1_000_000` or `1e6`, on the command line and
//! in scenario files alike (TOML reads `1e6` as a float, and `1_000_000` as an integer).

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// What a count looks like, for messages.
pub const EXPECTED: &str = "a whole number (like 2000, 1_000_000 or 1e6)";

/// Parses a count: digits with optional `_` separators, or a number in exponent form whose
/// value is a whole number.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits: String = t.chars().filter(|&c| c != '_').collect();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return digits
            .parse()
            .map_err(|_| format!("`{text}` is too large; the largest is {}", u64::MAX));
    }
    match digits.parse::<f64>() {
        Ok(x) if x.is_finite() => from_float(x).map_err(|m| format!("`{text}` {m}")),
        _ => Err(format!("`{text}`: expected {EXPECTED}")),
    }
}

/// A float that holds a whole number exactly (at most 2^53, where every whole number is).
fn from_float(x: f64) -> Result<u64, String> {
    if x < 0.0 {
        Err("is negative; expected a whole number ≥ 0".into())
    } else if x.fract() != 0.0 {
        Err(format!("is not a whole number; expected {EXPECTED}"))
    } else if x > 9_007_199_254_740_992.0 {
        Err("is too large to be written as a float; write its digits".into())
    } else {
        Ok(x as u64)
    }
}

struct CountVisitor;

impl Visitor<'_> for CountVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("{v} is negative; expected {EXPECTED}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        from_float(v).map_err(|m| E::custom(format!("{v} {m}")))
    }
}

/// `#[serde(deserialize_with = "count")]`: a count of any unsigned type.
pub fn count<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let v = d.deserialize_any(CountVisitor)?;
    T::try_from(v).map_err(|_| de::Error::custom(format!("{v} is too large here")))
}

/// `#[serde(default, deserialize_with = "opt_count")]`: an optional count.
pub fn opt_count<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    count(d).map(Some)
}

/// `[guards] count`: a number, or `"consensus"` (a Tor network's own parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardCount {
    Fixed(u64),
    Consensus,
}

struct GuardCountVisitor;

impl Visitor<'_> for GuardCountVisitor {
    type Value = GuardCount;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{EXPECTED}, or \"consensus\" on a tor network")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<GuardCount, E> {
        CountVisitor.visit_u64(v).map(GuardCount::Fixed)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<GuardCount, E> {
        CountVisitor.visit_i64(v).map(GuardCount::Fixed)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<GuardCount, E> {
        CountVisitor.visit_f64(v).map(GuardCount::Fixed)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<GuardCount, E> {
        if v == "consensus" {
            Ok(GuardCount::Consensus)
        } else {
            Err(E::custom(format!(
                "`{v}`; expected {EXPECTED}, or \"consensus\" on a tor network"
            )))
        }
    }
}

/// `#[serde(deserialize_with = "guard_count")]`.
pub fn guard_count<'de, D: Deserializer<'de>>(d: D) -> Result<GuardCount, D::Error> {
    d.deserialize_any(GuardCountVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_as_people_write_them() {
        assert_eq!(parse_count("2000"), Ok(2000));
        assert_eq!(parse_count("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_count("1e6"), Ok(1_000_000));
        assert_eq!(parse_count("2.5E3"), Ok(2500));
        for bad in ["1.5", "-3", "four", "", "1e400", "1e17"] {
            let e = parse_count(bad).unwrap_err();
            assert!(e.contains(bad) || bad.is_empty(), "{bad}: {e}");
        }
        assert!(parse_count("1.5").unwrap_err().contains("whole number"));
    }

    #[derive(serde::Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "opt_count")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "opt_count")]
        small: Option<u8>,
    }

    #[test]
    fn toml_counts_accept_floats_that_are_whole() {
        let t: T = toml::from_str("n = 1e6\nsmall = 16").unwrap();
        assert_eq!((t.n, t.small), (Some(1_000_000), Some(16)));
        let t: T = toml::from_str("n = 1_000_000").unwrap();
        assert_eq!(t.n, Some(1_000_000));
        assert_eq!(toml::from_str::<T>("").unwrap().n, None);
        for (text, want) in [
            ("n = \"four\"", "expected a whole number"),
            ("n = 1.5", "not a whole number"),
            ("n = -2", "negative"),
            ("small = 300", "too large"),
        ] {
            let e = toml::from_str::<T>(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
