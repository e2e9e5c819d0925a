//! The simulation engine: clients in fixed chunks, each chunk with its own random stream from
//! (seed, chunk index), run on rayon and added up. Counts are integers, so the sum is the same
//! whatever the thread count or the order chunks finish in.

pub mod lanes;
pub(crate) mod rng;

use crate::adversary::PathTest;
use crate::error::{Error, Result};
use crate::scenario::Guards;
use crate::scenario::Scenario;
use crate::select::entry_guards::EntryGuards;
use crate::select::fast::{
    AliasPaths, GateLanes, GuardLanes, LaneKernel, OperatorAwareKernel, PairLanes, RandomKernel,
    Tally, TorLanes, TwoHop, TwoHopLanes, UniformKernel, UniformPaths,
};
use crate::select::guards::GuardSampler;
use crate::select::reference::ReferenceSampler;
use crate::select::server::ServerKernel;
use crate::select::tor::{Draw, TorClients};
use crate::select::tor_series::SeriesClients;
use crate::select::{ClientSource, HopSource, SamplerKind, Selection, Unit};
use lanes::Isa;
use rand::Rng;
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// The instruction set of the lane kernels; every set gives the same counts.
    pub isa: Isa,
}

/// Counts and how they were obtained.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub counts: Counts,
    pub threads: usize,
    pub elapsed_seconds: f64,
    /// Which sampler drew the paths (see [`simulate`]).
    pub kernel: Kernel,
}

/// The worker threads of a run: `threads` of them, or rayon's default (one per core). Each
/// size is built once per process and reused by every later run (the points of a sweep, the
/// evaluations of a solve, the scenarios of a check), which then start no threads of their own.
pub fn thread_pool(threads: Option<usize>) -> Result<std::sync::Arc<rayon::ThreadPool>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Pools = Mutex<HashMap<Option<usize>, Arc<rayon::ThreadPool>>>;
    static POOLS: OnceLock<Pools> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = Arc::new(
        builder
            .build()
            .map_err(|e| Error::Runtime(format!("cannot start worker threads: {e}")))?,
    );
    pools.insert(threads, Arc::clone(&pool));
    Ok(pool)
}

/// Simulates `scenario.run.trials` clients of `scenario.run.paths` paths each. `progress` is
/// called with the number of chunks done since its last call.
pub fn simulate(
    scenario: &Scenario,
    config: &EngineConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome> {
    let layout = ChunkLayout::new(scenario.run.trials, scenario.run.paths);
    simulate_chunks(scenario, config, progress, 0..layout.chunks)
}

/// As [`simulate`], for the chunks in `chunks` only (a shard of the run): their counts are
/// exactly what the whole run counts for them, so the counts of disjoint shards add up to the
/// whole run's.
pub fn simulate_chunks(
    scenario: &Scenario,
    config: &EngineConfig,
    progress: &(dyn Fn(u64) + Sync),
    chunks: std::ops::Range<u64>,
) -> Result<Outcome> {
    let start = std::time::Instant::now();
    let pool = thread_pool(config.threads)?;
    let isa = config.isa;
    let network = &scenario.network;
    let full_test = PathTest::new(network, &scenario.adversary, scenario.hops);
    // The reference samplers report entities and face the plain test; the kernels report
    // labels (membership of the target, or the entity for `any`) and face the test on labels.
    let (test, labels) = match config.sampler {
        SamplerKind::Reference => (
            full_test.clone(),
            network.operators.iter().map(|o| o.entity as u32).collect(),
        ),
        SamplerKind::Fast => (full_test.on_labels(), full_test.labels(network)),
    };
    let job = Job {
        chunks,
        scenario,
        sampler: config.sampler,
        test: &test,
        labels: &labels,
        progress,
    };
    let (counts, kernel) = pool.install(|| match (&scenario.tor, config.sampler) {
        // A series: each consensus' draw (one per consensus, shared by every worker).
        _ if scenario.series.is_some() => {
            let series = scenario.series.as_ref().expect("a series");
            let test = full_test.on_labels();
            let relays = series
                .steps
                .iter()
                .map(|s| std::sync::Arc::clone(&s.relays));
            match config.sampler {
                SamplerKind::Reference => {
                    let draws = relays.map(crate::select::tor::Plain::new).collect();
                    let c = SeriesClients::of(scenario, draws, test);
                    (job.tor_series(&c), Kernel::Reference)
                }
                SamplerKind::Fast => {
                    let draws = relays.map(crate::select::tor::Fast::new).collect();
                    let c = SeriesClients::of(scenario, draws, test);
                    (job.tor_series(&c), Kernel::Tor)
                }
            }
        }
        // Tor circuits: the plain draw or the fast one, under the same circuit logic.
        (Some(relays), kind) if scenario.selection == Selection::Tor => {
            let (test, labels) = (full_test.on_labels(), full_test.labels(network));
            let guards = scenario.guards;
            match kind {
                SamplerKind::Reference => {
                    let plain = crate::select::tor::Plain::new(std::sync::Arc::clone(relays));
                    let clients = TorClients::new(plain, labels, test, guards);
                    (job.tor(&clients), Kernel::Reference)
                }
                SamplerKind::Fast => {
                    let fast = crate::select::tor::Fast::new(std::sync::Arc::clone(relays));
                    let clients = TorClients::new(fast, labels, test, guards);
                    match TorLanes::new(&clients) {
                        Some(k) => (job.lanes(&k, isa), Kernel::TorLanes),
                        None => (job.tor(&clients), Kernel::Tor),
                    }
                }
            }
        }
        (_, SamplerKind::Reference) => (
            job.paths(|| ReferenceSampler::new(network, scenario.selection, &scenario.rules)),
            Kernel::Reference,
        ),
        (_, SamplerKind::Fast) => match choose_kernel(scenario, &labels, &test) {
            Chosen::TwoHopLanes(k) => (job.lanes(&k, isa), Kernel::TwoHopLanes),
            Chosen::PairLanes(k) => (job.lanes(&k, isa), Kernel::PairLanes),
            Chosen::GateLanes(k) => (job.lanes(&k, isa), Kernel::GateLanes),
            Chosen::GuardLanes(k) => (job.lanes(&k, isa), Kernel::GuardLanes),
            Chosen::TwoHop(k) => (job.clients(|| k.clone()), Kernel::TwoHop),
            Chosen::UniformPaths(k) => (job.clients(|| k.clone()), Kernel::UniformPaths),
            Chosen::Uniform(k) => (job.paths(|| k.clone()), Kernel::Uniform),
            Chosen::AliasPaths(k) => (job.clients(|| k.clone()), Kernel::AliasPaths),
            Chosen::Alias(k) => (job.paths(|| k.clone()), Kernel::Alias),
            Chosen::OperatorAware(k) => (job.paths(|| k.clone()), Kernel::OperatorAware),
            Chosen::Server(k) => (job.paths(|| k.clone()), Kernel::Server),
        },
    });
    // A stop asked for during the run leaves the counts short: they must not be reported.
    crate::stop::check()?;
    Ok(Outcome {
        counts,
        threads: pool.current_num_threads(),
        elapsed_seconds: start.elapsed().as_secs_f64(),
        kernel,
    })
}

/// Chunks run in parallel between two merges: enough to keep every worker busy (the wait for
/// a group's last chunk, work being stolen, is about one chunk of the group's), few enough
/// that their results wait in memory without weight: bench's memory row (W1, 2 threads) peaks
/// at 6.6 MiB with 64, 8.5 with 256, 45 with 4096 (W1's first-compromise maps), at the same
/// speed.
const CHUNK_GROUP: u64 = 1 << 6;

/// The chunk loop of every simulation (the engine's and importance sampling's): each chunk in
/// `chunks` of `layout` gets a sampler from `make` (one per worker), its own stream from
/// (`seed`, chunk), its number of clients and its index, and `body` simulates it. The chunks' results
/// reach `fold` in chunk order, a group at a time, so even sums of floats come out the same
/// for every thread count. A stop request ends the loop with [`Error::Interrupted`] without
/// starting the remaining chunks (there may be millions).
pub(crate) fn run_chunks<S, T, F, B>(
    seed: u64,
    layout: &ChunkLayout,
    chunks: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
    make: F,
    body: B,
    mut fold: impl FnMut(T),
) -> Result<()>
where
    S: Send,
    T: Send,
    F: Fn() -> S + Sync + Send,
    B: Fn(&mut S, &mut rng::StreamRng, u64, u64) -> T + Sync + Send,
{
    debug_assert!(chunks.end <= layout.chunks);
    let mut start = chunks.start;
    while start < chunks.end {
        let end = chunks.end.min(start.saturating_add(CHUNK_GROUP));
        let results: Vec<T> = (start..end)
            .into_par_iter()
            .map_init(&make, |sampler, chunk| {
                crate::stop::check()?;
                let mut rng = rng::stream(seed, chunk);
                let result = body(sampler, &mut rng, layout.clients_in(chunk), chunk);
                progress(1);
                Ok(result)
            })
            .collect::<Result<Vec<T>>>()?;
        results.into_iter().for_each(&mut fold);
        start = end;
    }
    Ok(())
}

/// A fast kernel, built for one scenario.
enum Chosen {
    TwoHopLanes(TwoHopLanes),
    PairLanes(PairLanes),
    GateLanes(GateLanes),
    GuardLanes(GuardLanes),
    TwoHop(TwoHop),
    UniformPaths(UniformPaths),
    Uniform(UniformKernel),
    AliasPaths(AliasPaths),
    Alias(RandomKernel),
    OperatorAware(OperatorAwareKernel),
    Server(ServerKernel),
}

/// The fastest kernel that draws `scenario`'s paths exactly (docs/engine.md has the table):
/// the whole-client kernels where no guards tie a client's paths together, the per-path ones
/// otherwise, and the server kernel, which takes every network and rule, where nothing
/// faster fits.
fn choose_kernel(scenario: &Scenario, labels: &[u32], test: &PathTest) -> Chosen {
    let network = &scenario.network;
    let s = scenario.selection;
    let unguarded = scenario.guards.is_none();
    let server = || {
        Chosen::Server(ServerKernel::new(
            network,
            s,
            &scenario.rules,
            scenario.hops,
            labels,
        ))
    };
    if network.is_server_level() || !scenario.rules.is_plain() {
        return server();
    }
    if unguarded && let Some(k) = TwoHop::new(network, s, labels, test, scenario.hops) {
        if let Some(lanes) = TwoHopLanes::new(&k) {
            return Chosen::TwoHopLanes(lanes);
        }
        if let Some(lanes) = PairLanes::new(network, s, labels, test) {
            return Chosen::PairLanes(lanes);
        }
        return Chosen::TwoHop(k);
    }
    if unguarded && let Some(lanes) = PairLanes::new(network, s, labels, test) {
        return Chosen::PairLanes(lanes);
    }
    if let Some(uniform) = UniformKernel::new(network, s, labels) {
        if unguarded && let Some(k) = UniformPaths::new(network, s, labels, test) {
            return Chosen::UniformPaths(k);
        }
        return Chosen::Uniform(uniform);
    }
    match s {
        Selection::Random if unguarded => match GateLanes::new(network, labels, test) {
            Some(lanes) => Chosen::GateLanes(lanes),
            None => Chosen::AliasPaths(AliasPaths::new(network, labels, test)),
        },
        Selection::Random => {
            let guards = scenario.guards.as_ref().expect("guarded");
            let sampler = || GuardSampler::new(network, SamplerKind::Fast, &scenario.rules, labels);
            match GuardLanes::new(network, guards, sampler(), labels, test) {
                Some(lanes) => Chosen::GuardLanes(lanes),
                None => Chosen::Alias(RandomKernel::new(network, labels)),
            }
        }
        Selection::OperatorAware => {
            Chosen::OperatorAware(OperatorAwareKernel::new(network, labels))
        }
        // An operator-level network's servers are uniform, so the uniform kernel took this;
        // the server kernel draws it exactly all the same. (`tor` never comes here: its
        // circuits have their own draw; as servers, no relay twice.)
        Selection::DistinctServers | Selection::Tor => server(),
    }
}

/// Which sampler drew a run's paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kernel {
    /// The plain reference samplers (`--sampler reference`).
    Reference,
    TwoHop,
    /// [`TwoHop`] in lanes, 32 paths a step of eight xoshiro256++ lanes (issue 18).
    TwoHopLanes,
    /// Equal-weight pairs from 32-bit fields in lanes, 16 paths a step (issue 18).
    PairLanes,
    /// `random` over unequal weights, the first two looked-at hops from 32-bit fields in
    /// lanes, 16 paths a step (issue 18).
    GateLanes,
    /// `random` with one guard, paths behind a guard on the target in lanes (issue 18).
    GuardLanes,
    UniformPaths,
    Uniform,
    AliasPaths,
    Alias,
    OperatorAware,
    Server,
    /// Tor circuits under Tor's rules (`select::tor`).
    Tor,
    /// Tor circuits whose first hop gates them, that hop in lanes (issue 18).
    TorLanes,
    /// Counts added up from shards (`pathrisk merge`).
    Merged,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Reference => "reference",
            Kernel::TwoHop => "two-hop",
            Kernel::TwoHopLanes => "two-hop-lanes",
            Kernel::PairLanes => "pair-lanes",
            Kernel::GateLanes => "gate-lanes",
            Kernel::GuardLanes => "guard-lanes",
            Kernel::UniformPaths => "uniform-paths",
            Kernel::Uniform => "uniform",
            Kernel::AliasPaths => "alias-paths",
            Kernel::Alias => "alias",
            Kernel::OperatorAware => "operator-aware",
            Kernel::Server => "server",
            Kernel::Tor => "tor",
            Kernel::TorLanes => "tor-lanes",
            Kernel::Merged => "merged",
        }
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What every chunk of a run shares.
struct Job<'a> {
    chunks: std::ops::Range<u64>,
    scenario: &'a Scenario,
    sampler: SamplerKind,
    test: &'a PathTest,
    /// Per operator: what its hops report to `test`.
    labels: &'a [u32],
    progress: &'a (dyn Fn(u64) + Sync),
}

impl Job<'_> {
    /// Runs every chunk, each with a sampler from `make` (one per worker) and `body`, which
    /// simulates a chunk's clients, and adds the counts (a stop request leaves them short;
    /// `simulate_chunks` then fails).
    fn chunks<S, F, B>(&self, make: F, body: B) -> Counts
    where
        S: Send,
        F: Fn() -> S + Sync + Send,
        B: Fn(&mut S, &mut rng::StreamRng, u64, u64) -> Counts + Sync + Send,
    {
        let scenario = self.scenario;
        let layout = ChunkLayout::new(scenario.run.trials, scenario.run.paths);
        let mut total = Counts::default();
        let _stopped = run_chunks(
            scenario.run.seed,
            &layout,
            self.chunks.clone(),
            self.progress,
            make,
            body,
            |c| total = std::mem::take(&mut total).merge(c),
        );
        total
    }

    /// A lane kernel: each chunk from its eight lanes and side stream (`engine::lanes`),
    /// stepped with `isa`. (The chunk's scalar stream that `chunks` makes goes unused: four
    /// hashes, where the lanes' jumps are the cost.)
    fn lanes<K: LaneKernel + Sync>(&self, kernel: &K, isa: Isa) -> Counts {
        let (seed, paths) = (self.scenario.run.seed, self.scenario.run.paths);
        self.chunks(
            || (),
            |_, _, clients, chunk| {
                let mut counts = ChunkCounts::new(clients, paths);
                kernel.chunk(isa, seed, chunk, clients, paths, &mut |t, guard_hit| {
                    counts.add(t);
                    counts.counts.guard_hits += u64::from(guard_hit);
                });
                counts.finish()
            },
        )
    }

    /// Path by path from a hop source, with guards when the scenario has them.
    fn paths<H, F>(&self, make: F) -> Counts
    where
        H: HopSource + Send,
        F: Fn() -> H + Sync + Send,
    {
        let scenario = self.scenario;
        let paths = scenario.run.paths;
        let test = self.test;
        match scenario.guards {
            None => self.chunks(
                || PathByPath {
                    source: make(),
                    test,
                },
                |s, rng, clients, _| run_chunk(s, rng, clients, paths),
            ),
            Some(g) => {
                let sampler = GuardSampler::new(
                    &scenario.network,
                    self.sampler,
                    &scenario.rules,
                    self.labels,
                );
                self.chunks(make, |source, rng, clients, _| {
                    run_guarded_chunk(source, test, &g, &sampler, rng, clients, paths)
                })
            }
        }
    }

    /// Tor clients: every circuit of a client, its guards included, drawn by `clients`.
    fn tor<D: Draw + Sync>(&self, clients: &TorClients<D>) -> Counts {
        let paths = self.scenario.run.paths;
        self.chunks(
            || clients,
            |clients, rng, n, _| {
                let mut chunk = ChunkCounts::new(n, paths);
                for _ in 0..n {
                    if crate::stop::requested() {
                        break;
                    }
                    let (hits, first, guard_hit) = clients.client(rng, paths);
                    chunk.add((hits, first));
                    chunk.counts.guard_hits += u64::from(guard_hit);
                }
                chunk.finish()
            },
        )
    }

    /// Tor clients through a series of consensuses.
    fn tor_series<D: Draw + Sync>(&self, clients: &SeriesClients<D>) -> Counts {
        let paths = self.scenario.run.paths;
        self.chunks(
            || (clients, EntryGuards::new()),
            |(clients, state), rng, n, _| {
                let mut chunk = ChunkCounts::new(n, paths);
                for _ in 0..n {
                    if crate::stop::requested() {
                        break;
                    }
                    let (hits, first, guard_hit) = clients.client(rng, paths, state);
                    chunk.add((hits, first));
                    chunk.counts.guard_hits += u64::from(guard_hit);
                }
                chunk.finish()
            },
        )
    }

    /// Client by client from a kernel that draws a client's paths itself (no guards).
    fn clients<C, F>(&self, make: F) -> Counts
    where
        C: ClientSource + Send,
        F: Fn() -> C + Sync + Send,
    {
        debug_assert!(self.scenario.guards.is_none());
        let paths = self.scenario.run.paths;
        self.chunks(make, |s, rng, clients, _| run_chunk(s, rng, clients, paths))
    }
}

/// A hop source and the test, drawing a client's paths one by one.
struct PathByPath<'a, H> {
    source: H,
    test: &'a PathTest,
}

impl<H: HopSource> ClientSource for PathByPath<'_, H> {
    #[inline]
    fn client<R: Rng + Clone>(&mut self, outer: &mut R, paths: u64) -> (u64, u64) {
        // A local copy of the generator, written back at the end: as long as nothing takes
        // its address (the kernels' hot paths are inlined), its state stays in registers.
        let mut rng = outer.clone();
        let mut tally = Tally::default();
        for k in 1..paths + 1 {
            if crate::stop::at(k) {
                break;
            }
            if self.test.draw(&mut self.source, &mut rng) {
                tally.hit(k);
            }
        }
        *outer = rng;
        tally.result()
    }
}

/// One chunk: every client draws all of its paths (so the path count is a plain binomial
/// sample), each path until its event is decided.
fn run_chunk<C: ClientSource>(
    source: &mut C,
    rng: &mut rng::StreamRng,
    clients: u64,
    paths: u64,
) -> Counts {
    let mut chunk = ChunkCounts::new(clients, paths);
    for _ in 0..clients {
        // Between clients, a stop request ends the chunk (the run is then discarded).
        if crate::stop::requested() {
            break;
        }
        chunk.add(source.client(rng, paths));
    }
    chunk.finish()
}

/// A chunk's counts as its clients finish: the one place a client's outcome is counted.
struct ChunkCounts {
    counts: Counts,
    firsts: FirstTally,
}

impl ChunkCounts {
    fn new(clients: u64, paths: u64) -> ChunkCounts {
        ChunkCounts {
            counts: Counts {
                clients,
                paths_drawn: clients * paths,
                ..Counts::default()
            },
            firsts: FirstTally::new(paths),
        }
    }

    /// A client with `hits` compromised paths, the first of them path `first` (0: none).
    #[inline]
    fn add(&mut self, (hits, first): (u64, u64)) {
        self.counts.path_hits += hits;
        self.counts.first_path_hits += u64::from(first == 1);
        if first != 0 {
            self.counts.client_hits += 1;
            self.firsts.add(first);
        }
    }

    fn finish(mut self) -> Counts {
        self.firsts.into(&mut self.counts.first);
        self.counts
    }
}

/// The first compromised path of each client, tallied in an array while the paths per client
/// are few (a map insertion per client cost 5% of the fastest kernel's time), else in the map.
struct FirstTally {
    dense: Vec<u64>,
    sparse: BTreeMap<u64, u64>,
}

impl FirstTally {
    const DENSE_LIMIT: u64 = 1 << 16;

    fn new(paths: u64) -> FirstTally {
        let dense = if paths <= Self::DENSE_LIMIT {
            vec![0; paths as usize + 1]
        } else {
            Vec::new()
        };
        FirstTally {
            dense,
            sparse: BTreeMap::new(),
        }
    }

    #[inline]
    fn add(&mut self, first: u64) {
        match self.dense.get_mut(first as usize) {
            Some(c) => *c += 1,
            None => *self.sparse.entry(first).or_insert(0) += 1,
        }
    }

    fn into(self, map: &mut BTreeMap<u64, u64>) {
        for (k, &c) in self.dense.iter().enumerate().filter(|(_, c)| **c > 0) {
            *map.entry(k as u64).or_insert(0) += c;
        }
        for (k, c) in self.sparse {
            *map.entry(k).or_insert(0) += c;
        }
    }
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
    let mut chunk = ChunkCounts::new(clients, paths);
    let lifetime = guards.lifetime.unwrap_or(u64::MAX);
    let mut set: Vec<Unit> = Vec::with_capacity(guards.count as usize);
    for _ in 0..clients {
        if crate::stop::requested() {
            break;
        }
        let mut tally = Tally::default();
        let mut guard_hit = false;
        // Paths left before the guard set rotates (a countdown: a division per path cost
        // more than the rest of a path whose guard is not the adversary's).
        let mut left = 0u64;
        for k in 1..paths + 1 {
            if crate::stop::at(k) {
                break;
            }
            if left == 0 {
                sampler.draw(rng, guards.count as usize, &mut set);
                guard_hit |= set.iter().any(|u| test.targets(u.entity));
                left = lifetime;
            }
            left -= 1;
            // A uniform guard of the set; with one guard there is nothing to draw.
            let guard = if set.len() == 1 {
                set[0]
            } else {
                set[crate::select::bits::split(rng.next_u64(), set.len() as u64).0 as usize]
            };
            if test.draw_after(guard, source, rng) {
                tally.hit(k);
            }
        }
        chunk.add(tally.result());
        chunk.counts.guard_hits += u64::from(guard_hit);
    }
    chunk.finish()
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
