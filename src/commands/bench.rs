//! Throughput measurement: the workloads of the performance issue (W1–W5, and W6 on a real
//! Tor network when the real data is there) under the engine,
//! beside three baselines measured in the same run — a naive loop (`rand::rng()` and
//! `WeightedIndex` over servers, every hop drawn, no early exit), the project's reference
//! sampler, and the floor (one 64-bit draw from the engine's generator and one compare per
//! path). Medians of several runs, as ns per simulated path.

use crate::adversary::PathTest;
use crate::engine::lanes::{self, Isa, Lanes};
use crate::engine::{self, EngineConfig, rng};
use crate::error::Result;
use crate::scenario::Scenario;
use crate::select::{SamplerKind, Selection};
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

#[cfg(feature = "arti")]
mod arti;

/// W6's snapshot: the newest complete one (docs/tor.md).
macro_rules! w6_snapshot {
    () => {
        "$PATHRISK_DATA/tor/2019-12-15T1300"
    };
}

/// W7's series: the 14 consensuses of 2016-12 … 2017-03 (docs/tor.md).
macro_rules! w7_series {
    () => {
        "$PATHRISK_DATA/tor/series-2016-12_2017-03"
    };
}

/// A named workload.
pub struct Workload {
    pub id: &'static str,
    pub what: &'static str,
    pub toml: &'static str,
}

pub const WORKLOADS: [Workload; 7] = [
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
    Workload {
        id: "W6",
        what: "Tor of 2019-12-15 (real data), tor rules, Hetzner's blocks, ends, 1 guard, 1000 paths",
        toml: concat!(
            "[network]\ntor = { consensus = \"",
            w6_snapshot!(),
            "/cached-microdesc-consensus.xz\", microdescriptors = [\"",
            w6_snapshot!(),
            "/cached-microdescs.xz\", \"",
            w6_snapshot!(),
            "/cached-microdescs.new.xz\"] }\n[path]\nselection = \"tor\"\n[adversary]\ntarget = { ipv4 = [\"5.9.0.0/16\", \"46.4.0.0/16\", \"78.46.0.0/15\", \"88.198.0.0/16\", \"88.99.0.0/16\", \"136.243.0.0/16\", \"138.201.0.0/16\", \"144.76.0.0/16\", \"148.251.0.0/16\", \"159.69.0.0/16\", \"176.9.0.0/16\", \"178.63.0.0/16\", \"195.201.0.0/16\", \"94.130.0.0/16\", \"95.216.0.0/16\", \"95.217.0.0/16\", \"116.202.0.0/16\", \"116.203.0.0/16\"] }\nevent = \"ends\"\n[guards]\ncount = 1\n[run]\npaths = 1000\n"
        ),
    },
    Workload {
        id: "W7",
        what: "W6 through the 14 consensuses of 2016-12 … 2017-03 (real data), tor's guard \
               algorithm, 1 primary guard, 48 circuits a day for 90 days",
        toml: concat!(
            "[network]\ntor_series = { consensuses = [\"",
            w7_series!(),
            "\"], microdescriptors = [\"",
            w7_series!(),
            "/microdescs-referenced.xz\"] }\n[path]\nselection = \"tor\"\n[adversary]\ntarget = { ipv4 = [\"5.9.0.0/16\", \"46.4.0.0/16\", \"78.46.0.0/15\", \"88.198.0.0/16\", \"88.99.0.0/16\", \"136.243.0.0/16\", \"138.201.0.0/16\", \"144.76.0.0/16\", \"148.251.0.0/16\", \"159.69.0.0/16\", \"176.9.0.0/16\", \"178.63.0.0/16\", \"195.201.0.0/16\", \"94.130.0.0/16\", \"95.216.0.0/16\", \"95.217.0.0/16\", \"116.202.0.0/16\", \"116.203.0.0/16\"] }\nevent = \"ends\"\n[guards]\ncount = 1\n[run]\npaths = 4320\npaths_per_day = 48\n"
        ),
    },
];

impl Workload {
    pub fn scenario(&self, trials: u64) -> Result<Scenario> {
        let mut s = Scenario::parse(self.toml, self.id, Path::new("."), self.id)?;
        s.run.trials = trials;
        Ok(s)
    }
}

/// ns per path of the engine with `sampler` on `threads` threads, lane kernels with `isa`.
pub fn engine_ns(s: &Scenario, sampler: SamplerKind, threads: usize, isa: Isa) -> Result<f64> {
    let outcome = engine::simulate(
        s,
        &EngineConfig {
            threads: Some(threads),
            sampler,
            isa,
        },
        &|_| {},
    )?;
    Ok(outcome.elapsed_seconds * 1e9 / outcome.counts.paths_drawn as f64)
}

/// ns per path of the naive loop: `rand::rng()`, `WeightedIndex` over servers (operators in
/// an infinite pool), every hop drawn with replacement, the event tested on the whole path.
/// Guards and the policies without replacement are not modelled: it is a speed baseline.
pub fn naive_ns(s: &Scenario, paths: u64, threads: usize) -> Result<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::Error::Runtime(e.to_string()))?;
    let chunks = 64u64;
    let start = Instant::now();
    let hits = pool.install(|| naive_hits(s, chunks, paths / chunks));
    std::hint::black_box(hits);
    Ok(start.elapsed().as_secs_f64() * 1e9 / (paths / chunks * chunks) as f64)
}

/// The naive loop over `chunks` × `paths_per_chunk` paths on the current rayon pool: every
/// hop drawn by `WeightedIndex` over all units, the policy applied by drawing again while the
/// hop repeats a server (distinct-servers) or an operator (operator-aware), no early exit.
fn naive_hits(s: &Scenario, chunks: u64, paths_per_chunk: u64) -> u64 {
    if let Some(relays) = &s.tor {
        return naive_tor_hits(s, relays, chunks, paths_per_chunk);
    }
    let units = crate::select::reference::units(&s.network);
    let entity: Vec<u32> = units
        .iter()
        .map(|u| s.network.operators[u.operator as usize].entity as u32)
        .collect();
    let operator: Vec<u32> = units.iter().map(|u| u.operator).collect();
    let index = WeightedIndex::new(units.iter().map(|u| u.weight)).expect("positive weights");
    let test = PathTest::new(&s.network, &s.adversary, s.hops);
    let selection = s.selection;
    (0..chunks)
        .into_par_iter()
        .map(|_| {
            let mut rng = rand::rng();
            let mut path = vec![0u32; s.hops];
            let mut chosen = vec![0usize; s.hops];
            let mut hits = 0u64;
            for _ in 0..paths_per_chunk {
                for h in 0..s.hops {
                    let u = loop {
                        let u = index.sample(&mut rng);
                        let repeat = match selection {
                            Selection::Random => false,
                            Selection::DistinctServers | Selection::Tor => chosen[..h].contains(&u),
                            Selection::OperatorAware => {
                                chosen[..h].iter().any(|&c| operator[c] == operator[u])
                            }
                        };
                        if !repeat {
                            break u;
                        }
                    };
                    chosen[h] = u;
                    path[h] = entity[u];
                }
                hits += u64::from(test.holds(&path));
            }
            hits
        })
        .sum()
}

/// The naive loop of Tor circuits: `WeightedIndex` per position, exit then guard then middle,
/// each redrawn while it conflicts with an earlier hop (`TorRelays::conflict`), every hop of
/// every circuit drawn, one fresh guard per circuit (no guard state): a speed baseline.
fn naive_tor_hits(
    s: &Scenario,
    relays: &crate::model::tor::TorRelays,
    chunks: u64,
    paths_per_chunk: u64,
) -> u64 {
    use crate::model::tor::{EXIT, GUARD, MIDDLE};
    let index: Vec<WeightedIndex<f64>> = [GUARD, MIDDLE, EXIT]
        .iter()
        .map(|&p| WeightedIndex::new(&relays.weights[p]).expect("validated weights"))
        .collect();
    let entity: Vec<u32> = s
        .network
        .operators
        .iter()
        .map(|o| o.entity as u32)
        .collect();
    let test = PathTest::new(&s.network, &s.adversary, s.hops);
    (0..chunks)
        .into_par_iter()
        .map(|_| {
            let mut rng = rand::rng();
            let mut hits = 0u64;
            for _ in 0..paths_per_chunk {
                let mut path = [usize::MAX; 3];
                for p in [EXIT, GUARD, MIDDLE] {
                    path[p] = loop {
                        let r = index[p].sample(&mut rng);
                        if path
                            .iter()
                            .all(|&t| t == usize::MAX || !relays.conflict(r, t))
                        {
                            break r;
                        }
                    };
                }
                hits += u64::from(test.holds(&path.map(|r| entity[r])));
            }
            hits
        })
        .sum()
}

/// W6's peer: ns per circuit of Arti's own selectors on W6's network (one thread, Arti's
/// guard-first order, one guard per 1000 circuits as W6 keeps it), medians of `runs`; or why
/// it was not measured.
pub fn arti_peer_ns(runs: usize) -> std::result::Result<f64, String> {
    #[cfg(feature = "arti")]
    {
        let file = |name: &str| {
            crate::scenario::data::resolve(&format!("{}/{name}", w6_snapshot!()), Path::new("."))
                .map_err(|e| e.to_string())
        };
        let netdir = arti::netdir(
            &file("cached-microdesc-consensus.xz")?,
            &[
                file("cached-microdescs.xz")?,
                file("cached-microdescs.new.xz")?,
            ],
        )
        .map_err(|e| e.to_string())?;
        // Milliseconds a circuit (each draw scans every relay): a few hundred are enough.
        Ok(median(
            (0..runs.max(1))
                .map(|_| arti::circuit_ns(&netdir, 300, 1000))
                .collect(),
        ))
    }
    #[cfg(not(feature = "arti"))]
    {
        let _ = runs;
        Err(
            "not built in; `cargo run --release --features arti -- bench --only W6` measures \
             Arti's selectors"
                .into(),
        )
    }
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

/// ns per path of the SIMD floor (issue 18): the eight xoshiro256++ lanes stepped with `isa`
/// (AVX-512, AVX2 or plain code), each 512-bit step read as 32 16-bit fields with one compare
/// each; a field stands for a path.
pub fn simd_floor_ns(paths: u64, threads: usize, isa: Isa) -> Result<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::Error::Runtime(e.to_string()))?;
    let chunks = 64u64;
    let steps = (paths / chunks / 32).max(1);
    let start = Instant::now();
    let below: u64 = pool.install(|| {
        (0..chunks)
            .into_par_iter()
            .map(|c| lanes::floor(isa, &mut Lanes::new(1, c), steps, 1311))
            .sum()
    });
    std::hint::black_box(below);
    Ok(start.elapsed().as_secs_f64() * 1e9 / (steps * 32 * chunks) as f64)
}

/// The median of some measurements.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One workload's medians, ns per path, and the medians of the per-run ratios (each run
/// measures the engine and its baselines back to back, so a noisy neighbour moves both).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub id: &'static str,
    pub fast_1: f64,
    pub fast_all: f64,
    pub reference: f64,
    pub naive: f64,
    pub floor: f64,
    /// The SIMD floor ([`simd_floor_ns`]) and the instruction set it used.
    pub simd_floor: f64,
    pub simd_isa: &'static str,
    /// The SIMD floor on one thread over it on all (`threads`): the scaling the hardware
    /// gives the cheapest loop, to read `speedup_all` against.
    pub simd_speedup_all: f64,
    pub naive_over_fast: f64,
    pub fast_over_floor: f64,
    pub fast_over_simd: f64,
    pub speedup_all: f64,
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Paths per engine run; the slow baselines run fewer.
    pub paths: u64,
    pub runs: usize,
    pub threads: usize,
    /// The instruction set of the lane kernels and the SIMD floor (`PATHRISK_ISA`).
    pub isa: Isa,
    /// Workload ids (W1…W5), `reproduce` and `memory`; empty for all.
    pub only: Vec<String>,
}

impl BenchOptions {
    fn wants(&self, id: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o.eq_ignore_ascii_case(id))
    }
}

/// Measures the chosen workloads, `runs` times each, every run all columns back to back.
pub fn measure(options: &BenchOptions) -> Result<Vec<Row>> {
    let (paths, threads, isa) = (options.paths, options.threads, options.isa);
    let mut rows = Vec::new();
    for w in WORKLOADS.iter().filter(|w| options.wants(w.id)) {
        let fast = match w.scenario((paths / 2000).max(1)) {
            // W6 reads the real data, which a fresh clone has not: skipped with a line.
            Err(e) if w.id == "W6" || w.id == "W7" => {
                eprintln!("{} skipped: {e}", w.id);
                continue;
            }
            other => other?,
        };
        // The slow baselines need far fewer paths for a stable rate: 50 000 for the reference
        // sampler (microseconds a path), 1/80 of the engine's for the naive loop.
        let slow = w.scenario(25)?;
        let mut cols: [Vec<f64>; 11] = Default::default();
        for _ in 0..options.runs.max(1) {
            let f1 = engine_ns(&fast, SamplerKind::Fast, 1, isa)?;
            let floor = floor_ns(paths, 1)?;
            let simd = simd_floor_ns(paths, 1, isa)?;
            let fall = engine_ns(&fast, SamplerKind::Fast, threads, isa)?;
            let simd_all = simd_floor_ns(paths, threads, isa)?;
            let naive = naive_ns(&fast, (paths / 80).max(64_000), 1)?;
            let reference = engine_ns(&slow, SamplerKind::Reference, 1, isa)?;
            for (c, v) in cols.iter_mut().zip([
                f1,
                fall,
                reference,
                naive,
                floor,
                simd,
                naive / f1,
                f1 / floor,
                f1 / simd,
                f1 / fall,
                simd / simd_all,
            ]) {
                c.push(v);
            }
        }
        let [f1, fall, reference, naive, floor, simd, a, b, d, c, e] = cols.map(median);
        rows.push(Row {
            id: w.id,
            fast_1: f1,
            fast_all: fall,
            reference,
            naive,
            floor,
            simd_floor: simd,
            simd_isa: isa.name(),
            simd_speedup_all: e,
            naive_over_fast: a,
            fast_over_floor: b,
            fast_over_simd: d,
            speedup_all: c,
        });
    }
    Ok(rows)
}

/// The table `pathrisk bench` prints for the workloads.
pub fn table(rows: &[Row], threads: usize) -> String {
    let mut s = format!(
        "{:<4} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>11} {:>10}\n",
        "",
        "fast 1T",
        format!("fast {threads}T"),
        "reference",
        "naive",
        "floor",
        "SIMD floor",
        "naive/fast",
        "fast/floor",
        "fast/SIMD",
        format!("1T/{threads}T")
    );
    for r in rows {
        s.push_str(&format!(
            "{:<4} {:>10.3} {:>10.3} {:>10.1} {:>10.2} {:>10.3} {:>10.4} {:>11.1}x {:>11.2}x \
             {:>10.1}x {:>9.2}x\n",
            r.id,
            r.fast_1,
            r.fast_all,
            r.reference,
            r.naive,
            r.floor,
            r.simd_floor,
            r.naive_over_fast,
            r.fast_over_floor,
            r.fast_over_simd,
            r.speedup_all
        ));
    }
    s.push_str(
        "ns per simulated path, medians; ratios are medians of per-run ratios; 1T = one \
         thread; baselines on one thread.\n",
    );
    if let Some(r) = rows.first() {
        s.push_str(&format!(
            "SIMD floor: 8 xoshiro256++ lanes stepped with {}, each 512-bit step read as 32 \
             16-bit fields, one compare each (a field per path); its own 1T/{threads}T, measured \
             beside each workload: {}.\n",
            r.simd_isa,
            rows.iter()
                .map(|r| format!("{} {:.2}x", r.id, r.simd_speedup_all))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for w in &WORKLOADS {
        s.push_str(&format!("{}: {}\n", w.id, w.what));
    }
    s
}

/// `pathrisk reproduce` end to end at its default precision, against the same cases
/// (same clients and paths) on the naive loop, and against itself with the lane kernels in
/// plain code (`PATHRISK_ISA=scalar`), all on `threads` threads.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReproduceRow {
    pub paths: u64,
    pub engine_seconds: f64,
    pub naive_seconds: f64,
    pub ratio: f64,
    /// The engine with plain code, and the median of the per-run ratios of it to the engine.
    pub scalar_seconds: f64,
    pub scalar_ratio: f64,
}

pub fn measure_reproduce(options: &BenchOptions) -> Result<ReproduceRow> {
    use super::reproduce::{self, ReproduceOptions};
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|e| crate::Error::Runtime(e.to_string()))?;
    let with = |isa| ReproduceOptions {
        common: super::CommonOptions {
            threads: Some(options.threads),
            isa,
            ..Default::default()
        },
        ..Default::default()
    };
    let (reproduce_options, scalar_options) = (with(options.isa), with(Isa::Scalar));
    let cases = reproduce::scenarios(&reproduce_options)?;
    let paths: u64 = cases.iter().map(|s| s.run.trials * s.run.paths).sum();
    let (mut engine, mut naive, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    let (mut scalar, mut scalar_ratio) = (Vec::new(), Vec::new());
    for _ in 0..options.runs.max(1) {
        let timed = |o: &ReproduceOptions| -> Result<f64> {
            let start = Instant::now();
            reproduce::reproduce(o, &mut Vec::new())?;
            Ok(start.elapsed().as_secs_f64())
        };
        let e = timed(&reproduce_options)?;
        let plain = timed(&scalar_options)?;
        scalar.push(plain);
        scalar_ratio.push(plain / e);
        let start = Instant::now();
        for s in &cases {
            // Chunks of whole clients, as the engine cuts them.
            let chunks = s.run.trials.min(4096);
            let per_chunk = s.run.trials * s.run.paths / chunks;
            std::hint::black_box(pool.install(|| naive_hits(s, chunks, per_chunk)));
        }
        let n = start.elapsed().as_secs_f64();
        engine.push(e);
        naive.push(n);
        ratio.push(n / e);
    }
    Ok(ReproduceRow {
        paths,
        engine_seconds: median(engine),
        naive_seconds: median(naive),
        ratio: median(ratio),
        scalar_seconds: median(scalar),
        scalar_ratio: median(scalar_ratio),
    })
}

/// Peak resident memory during one run of `paths` paths (W1), read from the kernel's
/// high-water mark after resetting it (Linux); `None` where that is not available.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemoryRow {
    pub paths: u64,
    pub seconds: f64,
    pub peak_rss_mib: Option<f64>,
}

pub fn measure_memory(paths: u64, threads: usize, isa: Isa) -> Result<MemoryRow> {
    let s = WORKLOADS[0].scenario((paths / 2000).max(1))?;
    // "5" resets the peak RSS to the current RSS (proc(5), /proc/pid/clear_refs).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let start = Instant::now();
    let outcome = engine::simulate(
        &s,
        &EngineConfig {
            threads: Some(threads),
            sampler: SamplerKind::Fast,
            isa,
        },
        &|_| {},
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = reset
        .then(|| std::fs::read_to_string("/proc/self/status").ok())
        .flatten()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0);
    Ok(MemoryRow {
        paths: outcome.counts.paths_drawn,
        seconds,
        peak_rss_mib: peak,
    })
}

/// Everything `pathrisk bench` measures, as text on `out`, section by section.
pub fn run(options: &BenchOptions, out: &mut dyn std::io::Write) -> Result<()> {
    let mut emit = |text: String| {
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| crate::Error::Runtime(format!("cannot write to standard output: {e}")))
    };
    let threads = options.threads;
    let rows = measure(options)?;
    if !rows.is_empty() {
        emit(table(&rows, threads))?;
    }
    if let Some(w6) = rows.iter().find(|r| r.id == "W6") {
        emit(match arti_peer_ns(options.runs) {
            Ok(arti) => format!(
                "W6 peer: Arti's own selectors (tor-relay-selection 0.47, guard first, 1T) \
                 {arti:.0} ns per circuit; pathrisk W6 1T/Arti = 1/{:.0}\n",
                arti / w6.fast_1
            ),
            Err(why) => format!("W6 peer: Arti's own selectors {why}\n"),
        })?;
    }
    if let (Some(w6), Some(w7)) = (
        rows.iter().find(|r| r.id == "W6"),
        rows.iter().find(|r| r.id == "W7"),
    ) {
        emit(format!(
            "W7/W6 (a path through the series against one on the static network, 1T): {:.2}\n",
            w7.fast_1 / w6.fast_1
        ))?;
    }
    if options.wants("reproduce") {
        let r = measure_reproduce(options)?;
        emit(format!(
            "\nreproduce ({} paths, {threads}T): engine {:.2} s, naive {:.1} s, naive/engine \
             {:.1}x; with PATHRISK_ISA=scalar {:.2} s, scalar/{} {:.1}x (medians of {} runs)\n",
            r.paths,
            r.engine_seconds,
            r.naive_seconds,
            r.ratio,
            r.scalar_seconds,
            options.isa.name(),
            r.scalar_ratio,
            options.runs
        ))?;
    }
    if options.wants("memory") {
        let m = measure_memory(10_000_000_000, threads, options.isa)?;
        let peak = m
            .peak_rss_mib
            .map_or("not measurable here".to_string(), |p| format!("{p:.1} MiB"));
        emit(format!(
            "\nmemory: {} paths (W1, {threads}T) in {:.1} s, peak RSS {peak}\n",
            m.paths, m.seconds
        ))?;
    }
    Ok(())
}
