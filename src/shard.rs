//! Splitting a run across machines (docs/cluster.md): shard `I/N` simulates the I-th of N contiguous
//! ranges of the run's chunks and writes their raw counts with a fingerprint of everything
//! that decides them; merging checks that the parts belong together — one fingerprint, every
//! shard exactly once — and adds the counts, which are then exactly the unsharded run's.

use crate::engine::{ChunkLayout, Counts};
use crate::error::InputError;
use crate::scenario::Scenario;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// What a partial result file says it is.
pub const FORMAT: &str = "pathrisk-partial";
pub const VERSION: u32 = 2;

/// Shard `index` of `count` (0-based: `0/3`, `1/3`, `2/3`, as Slurm array task ids and
/// Kubernetes completion indexes count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// "I/N" with 0 ≤ I < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}`; expected I/N with 0 ≤ I < N, e.g. 0/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// This shard's chunks out of `total`: the ranges of the N shards tile `0..total`.
    pub fn chunks(&self, total: u64) -> Range<u64> {
        let at = |i: u64| (total as u128 * i as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// One simulated scenario of a shard: the run's one, or one point of a sweep.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// The scenario as validated (so a merge needs no files but the parts).
    pub scenario: Scenario,
    /// The chunks simulated, and how many the scenario has.
    pub chunks: Range<u64>,
    pub total_chunks: u64,
    pub counts: Counts,
    /// Sweeps: the varied values and the series of this point.
    #[serde(default)]
    pub values: Vec<f64>,
    #[serde(default)]
    pub series: usize,
}

impl Job {
    /// This shard's part of `scenario`, its counts still to come.
    pub fn new(scenario: Scenario, shard: Shard) -> Job {
        let total = ChunkLayout::new(scenario.run.trials, scenario.run.paths).chunks;
        Job {
            chunks: shard.chunks(total),
            total_chunks: total,
            scenario,
            counts: Counts::default(),
            values: Vec::new(),
            series: 0,
        }
    }
}

/// A shard's result: raw counts and what they belong to.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    pub format: String,
    pub version: u32,
    /// "run" (one job) or "sweep" (a job per point and series).
    pub kind: String,
    pub fingerprint: String,
    pub shard: Shard,
    pub jobs: Vec<Job>,
    /// Sweeps: what varies and the series' labels.
    #[serde(default)]
    pub varies: Vec<crate::sweep::Vary>,
    #[serde(default)]
    pub series: Vec<String>,
    pub threads: usize,
    pub elapsed_seconds: f64,
    /// A digest of everything above, counts included (version 2): a part edited or cut
    /// short after it was written is refused.
    #[serde(default)]
    pub checksum: String,
}

impl Partial {
    /// A shard's result, fingerprinted.
    pub fn new(
        kind: &str,
        shard: Shard,
        jobs: Vec<Job>,
        varies: Vec<crate::sweep::Vary>,
        series: Vec<String>,
        threads: usize,
        elapsed_seconds: f64,
    ) -> Partial {
        let mut p = Partial {
            format: FORMAT.to_string(),
            version: VERSION,
            kind: kind.to_string(),
            fingerprint: String::new(),
            shard,
            jobs,
            varies,
            series,
            threads,
            elapsed_seconds,
            checksum: String::new(),
        };
        p.fingerprint = p.digest();
        p.checksum = p.sum();
        p
    }

    /// A hex digest of the whole part but its checksum: counts, chunks, fingerprint, all.
    fn sum(&self) -> String {
        let mut bare = self.clone();
        bare.checksum = String::new();
        let bytes = serde_json::to_vec(&bare).expect("a partial result serialises");
        hex(&Sha256::digest(&bytes))
    }

    /// A hex digest of what decides the counts: kind, every job's validated scenario (seed
    /// included; the file it came from left out, so shards may read it from different paths),
    /// chunk layout, values and series, what a sweep varies, and the number of shards.
    fn digest(&self) -> String {
        let jobs: Vec<_> = self
            .jobs
            .iter()
            .map(|j| {
                let mut normal = j.scenario.clone();
                normal.source = String::new();
                let layout = ChunkLayout::new(normal.run.trials, normal.run.paths);
                (
                    normal,
                    (layout.clients_per_chunk, layout.chunks, layout.trials),
                    &j.values,
                    j.series,
                )
            })
            .collect();
        let bytes = serde_json::to_vec(&(
            &self.kind,
            jobs,
            &self.varies,
            &self.series,
            self.shard.count,
        ))
        .expect("a partial result serialises");
        hex(&Sha256::digest(&bytes))
    }
}

/// The first 16 bytes of a digest in hex.
fn hex(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// What a merge gives: every job with the counts of the whole run.
#[derive(Debug, Clone)]
pub struct Merged {
    pub kind: String,
    pub jobs: Vec<Job>,
    pub varies: Vec<crate::sweep::Vary>,
    pub series: Vec<String>,
    /// The most threads any part used, and the longest part's time.
    pub threads: usize,
    pub elapsed_seconds: f64,
}

/// Checks that `parts` (file label, contents) are the N shards of one run, each once, and adds
/// their counts.
pub fn merge(parts: &[(String, String)]) -> Result<Merged, InputError> {
    let mut read: Vec<(&str, Partial)> = Vec::with_capacity(parts.len());
    for (label, text) in parts {
        let p: Partial = serde_json::from_str(text)
            .map_err(|e| InputError::whole(label, format!("not a pathrisk partial result: {e}")))?;
        if p.format != FORMAT || p.version != VERSION {
            return Err(InputError::whole(
                label,
                format!(
                    "format `{}` version {}; expected `{FORMAT}` version {VERSION}",
                    p.format, p.version
                ),
            ));
        }
        // A part's fingerprint must say what the part holds (an edited file is foreign).
        if p.digest() != p.fingerprint
            || p.jobs.iter().any(|j| {
                j.chunks != p.shard.chunks(j.total_chunks)
                    || j.total_chunks
                        != ChunkLayout::new(j.scenario.run.trials, j.scenario.run.paths).chunks
            })
        {
            return Err(InputError::whole(
                label,
                "its contents do not match its fingerprint; was it edited?",
            ));
        }
        // Counts (the fingerprint holds none) or anything else changed since the part was written.
        if p.sum() != p.checksum {
            return Err(InputError::whole(
                label,
                "its contents do not match its checksum; was it edited?",
            ));
        }
        read.push((label, p));
    }
    let Some((first_label, first)) = read.first() else {
        return Err(InputError::whole("merge", "no parts given"));
    };
    let n = first.shard.count;
    let mut seen: Vec<Option<&str>> = vec![None; n as usize];
    for (label, p) in &read {
        if p.fingerprint != first.fingerprint || p.kind != first.kind {
            return Err(InputError::whole(
                *label,
                format!(
                    "belongs to another run (fingerprint {}, while {first_label} has {})",
                    p.fingerprint, first.fingerprint
                ),
            ));
        }
        let slot = &mut seen[p.shard.index as usize];
        if let Some(other) = slot {
            return Err(InputError::whole(
                *label,
                format!("shard {}/{n} is given twice (also {other})", p.shard.index),
            ));
        }
        *slot = Some(label);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(InputError::whole(
            "merge",
            format!(
                "missing shard{} {}",
                plural(missing.len()),
                missing.join(", ")
            ),
        ));
    }
    // One fingerprint means the same jobs in the same order in every part.
    let mut jobs = first.jobs.clone();
    for (i, job) in jobs.iter_mut().enumerate() {
        job.counts = read
            .iter()
            .map(|(_, p)| p.jobs[i].counts.clone())
            .fold(Counts::default(), Counts::merge);
        job.chunks = 0..job.total_chunks;
    }
    Ok(Merged {
        kind: first.kind.clone(),
        jobs,
        varies: first.varies.clone(),
        series: first.series.clone(),
        threads: read.iter().map(|(_, p)| p.threads).max().unwrap_or(1),
        elapsed_seconds: read
            .iter()
            .map(|(_, p)| p.elapsed_seconds)
            .fold(0.0, f64::max),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_chunks() {
        for total in [0u64, 1, 5, 7, 100, 1_000_003] {
            for count in [1u64, 2, 3, 7, 64] {
                let mut next = 0;
                for index in 0..count {
                    let r = Shard { index, count }.chunks(total);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn shard_text_is_checked() {
        assert_eq!(Shard::parse("2/7").unwrap(), Shard { index: 2, count: 7 });
        for bad in ["7/7", "1/0", "a/3", "3", "-1/3", "1/3/4"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
