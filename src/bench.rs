//! Throughput measurement: the workloads of the performance issue (W1–W5) under the engine,
//! beside three baselines measured in the same run — a naive loop (`rand::rng()` and
//! `WeightedIndex` over servers, every hop drawn, no early exit), the project's reference
//! sampler, and the floor (one 64-bit draw from the engine's generator and one compare per
//! path). Medians of several runs, as ns per simulated path.

use crate::adversary::PathTest;
use crate::engine::{self, EngineConfig, rng};
use crate::error::Result;
use crate::scenario::Scenario;
use crate::select::SamplerKind;
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// A named workload.
pub struct Workload {
    pub id: &'static str,
    pub what: &'static str,
    pub toml: &'static str,
}

pub const WORKLOADS: [Workload; 5] = [
    Workload {
        id: "W1",
        what: "50 equal operators, random, full-path, any, 2000 paths",
        toml: "[network]\nuniform = { operators = 50 }\n[path]\nhops = 3\n[adversary]\ntarget = \"any\"\n[run]\npaths = 2000\n",
    },
    Workload {
        id: "W2",
        what: "Zipf(1000, 1.0), random, full-path, the largest entity",
        toml: "[network]\nzipf = { operators = 1000, exponent = 1.0 }\n[path]\nhops = 3\n[adversary]\ntarget = { entity = \"op1\" }\n[run]\npaths = 2000\n",
    },
    Workload {
        id: "W3",
        what: "50 operators x 20 servers, distinct-servers, any",
        toml: "[network]\nuniform = { operators = 50, servers = 20 }\n[path]\nhops = 3\nselection = \"distinct-servers\"\n[adversary]\ntarget = \"any\"\n[run]\npaths = 2000\n",
    },
    Workload {
        id: "W4",
        what: "50 operators, operator-aware, a Sybil behind 3 operators",
        toml: "[network]\nuniform = { operators = 50 }\n[network.entities]\nmallory = [\"op1\", \"op2\", \"op3\"]\n[path]\nhops = 3\nselection = \"operator-aware\"\n[adversary]\ntarget = { entity = \"mallory\" }\n[run]\npaths = 2000\n",
    },
    Workload {
        id: "W5",
        what: "W2 with 1 guard rotated every 100 paths",
        toml: "[network]\nzipf = { operators = 1000, exponent = 1.0 }\n[path]\nhops = 3\n[adversary]\ntarget = { entity = \"op1\" }\n[guards]\ncount = 1\nlifetime = 100\n[run]\npaths = 2000\n",
    },
];

impl Workload {
    pub fn scenario(&self, trials: u64) -> Result<Scenario> {
        let mut s = Scenario::parse(self.toml, self.id, Path::new("."), self.id)?;
        s.run.trials = trials;
        Ok(s)
    }
}

/// ns per path of the engine with `sampler` on `threads` threads.
pub fn engine_ns(s: &Scenario, sampler: SamplerKind, threads: usize) -> Result<f64> {
    let outcome = engine::simulate(
        s,
        &EngineConfig {
            threads: Some(threads),
            sampler,
        },
        &|_| {},
    )?;
    Ok(outcome.elapsed_seconds * 1e9 / outcome.counts.paths_drawn as f64)
}

/// ns per path of the naive loop: `rand::rng()`, `WeightedIndex` over servers (operators in
/// an infinite pool), every hop drawn with replacement, the event tested on the whole path.
/// Guards and the policies without replacement are not modelled: it is a speed baseline.
pub fn naive_ns(s: &Scenario, paths: u64, threads: usize) -> Result<f64> {
    let units = crate::select::reference::units(&s.network);
    let entity: Vec<u32> = units
        .iter()
        .map(|u| s.network.operators[u.operator as usize].entity as u32)
        .collect();
    let index = WeightedIndex::new(units.iter().map(|u| u.weight)).expect("positive weights");
    let test = PathTest::new(&s.network, &s.adversary, s.hops);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::Error::Runtime(e.to_string()))?;
    let chunks = 64u64;
    let start = Instant::now();
    let hits: u64 = pool.install(|| {
        (0..chunks)
            .into_par_iter()
            .map(|_| {
                let mut rng = rand::rng();
                let mut path = vec![0u32; s.hops];
                let mut hits = 0u64;
                for _ in 0..paths / chunks {
                    for hop in path.iter_mut() {
                        *hop = entity[index.sample(&mut rng)];
                    }
                    hits += u64::from(test.holds(&path));
                }
                hits
            })
            .sum()
    });
    std::hint::black_box(hits);
    Ok(start.elapsed().as_secs_f64() * 1e9 / (paths / chunks * chunks) as f64)
}

/// ns per path of the floor: one 64-bit draw from the engine's generator and one compare.
pub fn floor_ns(paths: u64, threads: usize) -> Result<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::Error::Runtime(e.to_string()))?;
    let chunks = 64u64;
    let threshold = u64::MAX / 1000;
    let start = Instant::now();
    let hits: u64 = pool.install(|| {
        (0..chunks)
            .into_par_iter()
            .map(|c| {
                let mut r = rng::stream(1, c);
                let mut hits = 0u64;
                for _ in 0..paths / chunks {
                    hits += u64::from(r.next_u64() < threshold);
                }
                hits
            })
            .sum()
    });
    std::hint::black_box(hits);
    Ok(start.elapsed().as_secs_f64() * 1e9 / (paths / chunks * chunks) as f64)
}

/// The median of `runs` measurements.
pub fn median(runs: usize, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut v = (0..runs.max(1)).map(|_| f()).collect::<Result<Vec<_>>>()?;
    v.sort_by(f64::total_cmp);
    Ok(v[v.len() / 2])
}

/// One workload's medians, ns per path.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub id: &'static str,
    pub fast_1: f64,
    pub fast_all: f64,
    pub reference: f64,
    pub naive: f64,
    pub floor: f64,
}

/// Measures every workload: the engine with about `paths` paths per run, the slow baselines
/// with fewer.
pub fn measure(paths: u64, runs: usize, threads: usize) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for w in &WORKLOADS {
        let fast = w.scenario((paths / 2000).max(1))?;
        let slow = w.scenario((paths / 2000 / 2000).max(1))?;
        rows.push(Row {
            id: w.id,
            fast_1: median(runs, || engine_ns(&fast, SamplerKind::Fast, 1))?,
            fast_all: median(runs, || engine_ns(&fast, SamplerKind::Fast, threads))?,
            reference: median(runs, || engine_ns(&slow, SamplerKind::Reference, 1))?,
            naive: median(runs, || naive_ns(&fast, paths / 20, 1))?,
            floor: median(runs, || floor_ns(paths, 1))?,
        });
    }
    Ok(rows)
}

/// The table `pathrisk bench` prints.
pub fn table(rows: &[Row], threads: usize) -> String {
    let mut s = format!(
        "{:<4} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>10}\n",
        "",
        "fast 1T",
        format!("fast {threads}T"),
        "reference",
        "naive",
        "floor",
        "naive/fast",
        "fast/floor",
        "1T/allT"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<4} {:>10.3} {:>10.3} {:>10.1} {:>10.2} {:>10.3} {:>11.1}x {:>11.2}x {:>9.2}x\n",
            r.id,
            r.fast_1,
            r.fast_all,
            r.reference,
            r.naive,
            r.floor,
            r.naive / r.fast_1,
            r.fast_1 / r.floor,
            r.fast_1 / r.fast_all
        ));
    }
    s.push_str("ns per simulated path, medians; 1T = one thread, baselines on one thread.\n");
    for w in &WORKLOADS {
        s.push_str(&format!("{}: {}\n", w.id, w.what));
    }
    s
}
