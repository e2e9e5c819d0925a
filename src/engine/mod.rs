//! The simulation engine: clients in fixed chunks, each chunk with its own random stream from
//! (seed, chunk index), run on rayon and added up. Counts are integers, so the sum is the same
//! whatever the thread count or the order chunks finish in.

pub mod rng;

use crate::adversary::PathTest;
use crate::error::{Error, Result};
use crate::scenario::Guards;
use crate::scenario::Scenario;
use crate::select::fast::{DistinctServersKernel, OperatorAwareKernel, RandomKernel};
use crate::select::guards::GuardSampler;
use crate::select::reference::ReferenceSampler;
use crate::select::server::ServerKernel;
use crate::select::{HopSource, SamplerKind, Selection, Unit};
use rand::RngExt;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Paths a chunk aims at; the number of clients per chunk follows from it.
const PATHS_PER_CHUNK: u64 = 1 << 20;
/// Upper bound on clients per chunk, so one-path clients still split into many chunks.
const MAX_CLIENTS_PER_CHUNK: u64 = 1 << 14;

/// How clients are cut into chunks. It depends only on the scenario (trials and paths), never
/// on threads, which is what makes results independent of the thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLayout {
    pub clients_per_chunk: u64,
    pub chunks: u64,
    pub trials: u64,
}

impl ChunkLayout {
    pub fn new(trials: u64, paths: u64) -> ChunkLayout {
        let clients_per_chunk = (PATHS_PER_CHUNK / paths.max(1)).clamp(1, MAX_CLIENTS_PER_CHUNK);
        ChunkLayout {
            clients_per_chunk,
            chunks: trials.div_ceil(clients_per_chunk),
            trials,
        }
    }

    /// Clients in chunk `i` (the last one may be short).
    pub fn clients_in(&self, i: u64) -> u64 {
        let start = i * self.clients_per_chunk;
        self.clients_per_chunk.min(self.trials - start)
    }
}

/// What a run counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub clients: u64,
    /// Paths actually drawn.
    pub paths_drawn: u64,
    /// Compromised paths.
    pub path_hits: u64,
    /// Clients with at least one compromised path.
    pub client_hits: u64,
    /// For clients with a compromised path: index (1-based) of the first one → number of clients.
    pub first: BTreeMap<u64, u64>,
    /// Clients whose first path is compromised (with guards, the path metric uses one path
    /// per client, as a client's paths are not independent).
    pub first_path_hits: u64,
    /// Clients that had a guard of the target at some point (guards only).
    pub guard_hits: u64,
}

impl Counts {
    pub fn merge(mut self, other: Counts) -> Counts {
        self.clients += other.clients;
        self.paths_drawn += other.paths_drawn;
        self.path_hits += other.path_hits;
        self.client_hits += other.client_hits;
        self.first_path_hits += other.first_path_hits;
        self.guard_hits += other.guard_hits;
        for (k, v) in other.first {
            *self.first.entry(k).or_insert(0) += v;
        }
        self
    }

    /// Number of clients whose first compromised path came at or before path `k`.
    pub fn first_at_most(&self, k: u64) -> u64 {
        self.first.range(..=k).map(|(_, v)| v).sum()
    }
}

/// How to run, apart from the scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineConfig {
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    pub sampler: SamplerKind,
}

/// Counts and how they were obtained.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub counts: Counts,
    pub threads: usize,
    pub elapsed_seconds: f64,
}

/// Simulates `scenario.run.trials` clients of `scenario.run.paths` paths each. `progress` is
/// called with the number of chunks done since its last call.
pub fn simulate(
    scenario: &Scenario,
    config: &EngineConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome> {
    let start = std::time::Instant::now();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = config.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start worker threads: {e}")))?;
    let server_level = scenario.network.is_server_level() || !scenario.rules.is_plain();
    let counts = pool.install(|| match (config.sampler, scenario.selection) {
        (SamplerKind::Reference, s) => run_chunks(scenario, config.sampler, progress, || {
            ReferenceSampler::new(&scenario.network, s, &scenario.rules)
        }),
        (SamplerKind::Fast, s) if server_level => {
            let kernel = ServerKernel::new(&scenario.network, s, &scenario.rules, scenario.hops);
            run_chunks(scenario, config.sampler, progress, || kernel.clone())
        }
        (SamplerKind::Fast, Selection::Random) => {
            run_chunks(scenario, config.sampler, progress, || {
                RandomKernel::new(&scenario.network)
            })
        }
        (SamplerKind::Fast, Selection::DistinctServers) => {
            let kernel = DistinctServersKernel::new(&scenario.network);
            run_chunks(scenario, config.sampler, progress, || kernel.clone())
        }
        (SamplerKind::Fast, Selection::OperatorAware) => {
            let kernel = OperatorAwareKernel::new(&scenario.network);
            run_chunks(scenario, config.sampler, progress, || kernel.clone())
        }
    });
    Ok(Outcome {
        counts,
        threads: pool.current_num_threads(),
        elapsed_seconds: start.elapsed().as_secs_f64(),
    })
}

fn run_chunks<H, F>(
    scenario: &Scenario,
    sampler: SamplerKind,
    progress: &(dyn Fn(u64) + Sync),
    make: F,
) -> Counts
where
    H: HopSource + Send,
    F: Fn() -> H + Sync + Send,
{
    let layout = ChunkLayout::new(scenario.run.trials, scenario.run.paths);
    let test = PathTest::new(&scenario.network, &scenario.adversary, scenario.hops);
    let guards = scenario.guards.map(|g| {
        (
            g,
            GuardSampler::new(&scenario.network, sampler, &scenario.rules),
        )
    });
    let paths = scenario.run.paths;
    (0..layout.chunks)
        .into_par_iter()
        .map_init(&make, |source, chunk| {
            let mut rng = rng::stream(scenario.run.seed, chunk);
            let clients = layout.clients_in(chunk);
            let counts = match &guards {
                None => run_chunk(source, &test, &mut rng, clients, paths),
                Some((g, s)) => run_guarded_chunk(source, &test, g, s, &mut rng, clients, paths),
            };
            progress(1);
            counts
        })
        .reduce(Counts::default, Counts::merge)
}

/// One chunk: every client draws all of its paths (so the path count is a plain binomial
/// sample), each path hop by hop until its event is decided.
fn run_chunk<H: HopSource>(
    source: &mut H,
    test: &PathTest,
    rng: &mut rng::StreamRng,
    clients: u64,
    paths: u64,
) -> Counts {
    let mut counts = Counts {
        clients,
        paths_drawn: clients * paths,
        ..Counts::default()
    };
    for _ in 0..clients {
        let mut first = 0u64;
        let mut hits = 0u64;
        for k in 1..=paths {
            if test.draw(source, rng) {
                hits += 1;
                if first == 0 {
                    first = k;
                }
            }
        }
        counts.path_hits += hits;
        counts.first_path_hits += u64::from(first == 1);
        if first != 0 {
            counts.client_hits += 1;
            *counts.first.entry(first).or_insert(0) += 1;
        }
    }
    counts
}

/// One chunk of clients with guards: a guard set is drawn before the first path and after every
/// `lifetime` paths, and each path's first hop is a uniform guard of the current set.
fn run_guarded_chunk<H: HopSource>(
    source: &mut H,
    test: &PathTest,
    guards: &Guards,
    sampler: &GuardSampler,
    rng: &mut rng::StreamRng,
    clients: u64,
    paths: u64,
) -> Counts {
    let mut counts = Counts {
        clients,
        paths_drawn: clients * paths,
        ..Counts::default()
    };
    let lifetime = guards.lifetime.unwrap_or(u64::MAX);
    let mut set: Vec<Unit> = Vec::with_capacity(guards.count as usize);
    for _ in 0..clients {
        let mut first = 0u64;
        let mut hits = 0u64;
        let mut guard_hit = false;
        for k in 1..=paths {
            if (k - 1) % lifetime == 0 {
                sampler.draw(rng, guards.count as usize, &mut set);
                guard_hit |= set.iter().any(|u| test.targets(u.entity));
            }
            let guard = set[rng.random_range(0..set.len())];
            if test.draw_after(guard, source, rng) {
                hits += 1;
                if first == 0 {
                    first = k;
                }
            }
        }
        counts.path_hits += hits;
        counts.first_path_hits += u64::from(first == 1);
        counts.guard_hits += u64::from(guard_hit);
        if first != 0 {
            counts.client_hits += 1;
            *counts.first.entry(first).or_insert(0) += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_covers_every_client_once() {
        for (trials, paths) in [
            (1, 1),
            (10, 2000),
            (100_001, 1),
            (50_000, 2000),
            (7, 1 << 30),
        ] {
            let l = ChunkLayout::new(trials, paths);
            let total: u64 = (0..l.chunks).map(|i| l.clients_in(i)).sum();
            assert_eq!(total, trials, "{trials} {paths}");
        }
    }
}
