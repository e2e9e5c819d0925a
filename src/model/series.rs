//! A series of Tor consensuses (`[network] tor_series`, docs/tor.md): each consensus' relays
//! under Tor's rules, in valid-after order, relays known across them by fingerprint, and which
//! consensus holds at each of a client's path times.
//!
//! The network at time t is the newest consensus valid at or before t: each consensus holds
//! until the next one's valid-after time, the last one from its own on (a sparse series is
//! taken as if each consensus were repeated until the next).

use super::Network;
use crate::model::tor::TorRelays;
use std::collections::HashMap;
use std::sync::Arc;

/// No relay: the `local` of a relay a consensus does not list.
pub const ABSENT: u32 = u32::MAX;

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// One consensus of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesStep {
    /// The file it was read from, for messages and reports.
    pub file: String,
    pub relays: Arc<TorRelays>,
    /// Its relays as operators and entities (operator i is relay i), the target resolved here.
    pub network: Network,
    /// The adversary's target in this consensus, `None` where it holds no relay (an adversary
    /// that has not joined yet, a relay not listed).
    pub adversary: Option<crate::adversary::Adversary>,
    /// Per relay: what its hops report to the series' test on labels (all 0 where the target
    /// holds nothing).
    pub labels: Vec<u32>,
    /// Per relay: its index in [`TorSeries::fingerprints`].
    pub id: Vec<u32>,
    /// Per series relay: its index here, or [`ABSENT`].
    pub local: Vec<u32>,
}

/// What a step is made of: its file, relays, network, adversary and labels.
pub type StepParts = (
    String,
    Arc<TorRelays>,
    Network,
    Option<crate::adversary::Adversary>,
    Vec<u32>,
);

/// The consensuses of a series, in valid-after order.
#[derive(Debug, Clone, PartialEq)]
pub struct TorSeries {
    pub steps: Vec<SeriesStep>,
    /// Every relay of the series, in the order it first appears.
    pub fingerprints: Vec<String>,
    /// When a client builds its first path (seconds since the epoch).
    pub start: u64,
}

impl TorSeries {
    /// The series of `steps` (each: file, relays, network, adversary, labels), ordered by
    /// valid-after time, clients starting at `start`.
    pub fn new(steps: Vec<StepParts>, start: u64) -> TorSeries {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut fingerprints: Vec<String> = Vec::new();
        let mut ids: Vec<Vec<u32>> = Vec::with_capacity(steps.len());
        for (_, relays, ..) in &steps {
            ids.push(
                relays
                    .fingerprints
                    .iter()
                    .map(|f| {
                        *index.entry(f.clone()).or_insert_with(|| {
                            fingerprints.push(f.clone());
                            fingerprints.len() as u32 - 1
                        })
                    })
                    .collect(),
            );
        }
        let steps = steps
            .into_iter()
            .zip(ids)
            .map(|((file, relays, network, adversary, labels), id)| {
                let mut local = vec![ABSENT; fingerprints.len()];
                for (r, &u) in id.iter().enumerate() {
                    local[u as usize] = r as u32;
                }
                SeriesStep {
                    file,
                    relays,
                    network,
                    adversary,
                    labels,
                    id,
                    local,
                }
            })
            .collect();
        TorSeries {
            steps,
            fingerprints,
            start,
        }
    }

    /// The consensus that holds at time `t`: the newest valid at or before it (the first
    /// one before the series begins).
    pub fn step_at(&self, t: u64) -> usize {
        self.steps
            .partition_point(|s| s.relays.valid_after <= t)
            .saturating_sub(1)
    }

    /// When a client builds path `k` (0-based) at `per_day` paths a day.
    pub fn time_of(&self, k: u64, per_day: f64) -> u64 {
        self.start
            .saturating_add((k as f64 * DAY as f64 / per_day) as u64)
    }

    /// The first path (0-based) built at or after time `t` at `per_day` paths a day
    /// (`u64::MAX` when none is: `t` beyond any path's time).
    pub fn first_path_at(&self, t: u64, per_day: f64) -> u64 {
        if t <= self.start {
            return 0;
        }
        if t == u64::MAX {
            return u64::MAX;
        }
        let estimate = ((t - self.start) as f64 * per_day / DAY as f64).floor();
        if estimate >= (1u64 << 52) as f64 {
            return u64::MAX;
        }
        let mut k = estimate as u64;
        while k > 0 && self.time_of(k - 1, per_day) >= t {
            k -= 1;
        }
        while self.time_of(k, per_day) < t {
            k += 1;
        }
        k
    }

    /// For a client of `paths` paths at `per_day` a day: the consensus of each run of paths,
    /// as (first path, 0-based; consensus), in order.
    pub fn schedule(&self, paths: u64, per_day: f64) -> Vec<(u64, usize)> {
        let mut out: Vec<(u64, usize)> = Vec::new();
        for (c, step) in self.steps.iter().enumerate() {
            let first = self.first_path_at(step.relays.valid_after, per_day);
            if first >= paths {
                break;
            }
            match out.last_mut() {
                Some(last) if last.0 == first => last.1 = c,
                _ => out.push((first, c)),
            }
        }
        out
    }

    /// A hex digest of every consensus' relays and the start.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.start.to_le_bytes());
        for s in &self.steps {
            h.update(s.relays.digest().as_bytes());
            h.update(
                s.labels
                    .iter()
                    .flat_map(|l| l.to_le_bytes())
                    .collect::<Vec<u8>>(),
            );
        }
        h.finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// One line: how many consensuses, from when to when, the relays.
    pub fn summary(&self) -> String {
        if let [one] = self.steps.as_slice() {
            return one.relays.summary();
        }
        let (first, last) = (
            &self.steps[0].relays,
            &self.steps[self.steps.len() - 1].relays,
        );
        let (lo, hi) = self
            .steps
            .iter()
            .map(|s| s.relays.len() - s.relays.added)
            .fold((usize::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)));
        let added = self.steps.iter().filter(|s| s.relays.added > 0).count();
        let mut s = format!(
            "tor series of {} consensuses valid after {} … {}: {lo}–{hi} relays with a \
             microdescriptor each, {} distinct",
            self.steps.len(),
            crate::tor::date_time(first.valid_after),
            crate::tor::date_time(last.valid_after),
            self.fingerprints.len()
        );
        if added > 0 {
            s.push_str(&format!(
                "; the adversary's relays in {added} of them, bandwidth-weights recomputed"
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client loop skips to the first path at or after a due time: that path must be the
    /// smallest whose time reaches it, for rates that do and do not divide a day.
    #[test]
    fn first_path_at_is_the_first_path_whose_time_reaches_t() {
        for per_day in [1.0, 7.0, 48.0, 1000.0 / 3.0, 86_400.0, 200_000.0] {
            let series = TorSeries {
                steps: Vec::new(),
                fingerprints: Vec::new(),
                start: 1_480_000_000,
            };
            let mut k = 0u64;
            for t in (series.start - 10..series.start + 3 * DAY).step_by(997) {
                while series.time_of(k, per_day) < t {
                    k += 1;
                }
                assert_eq!(series.first_path_at(t, per_day), k, "t {t}, {per_day}/day");
            }
            assert_eq!(series.first_path_at(u64::MAX, per_day), u64::MAX);
            // A removal due in the far future: an answer, not an endless loop.
            let far = u64::MAX - 5;
            let k = series.first_path_at(far, per_day);
            assert!(
                k == u64::MAX || series.time_of(k, per_day) >= far,
                "{per_day}/day"
            );
        }
        for per_day in [0.001, 0.5] {
            let series = TorSeries {
                steps: Vec::new(),
                fingerprints: Vec::new(),
                start: 1_480_000_000,
            };
            assert_eq!(series.first_path_at(series.start + DAY, per_day), 1);
            assert_eq!(series.first_path_at(u64::MAX, per_day), u64::MAX);
        }
    }
}
