//! Command-line definitions (clap) and their translation into the library's validated options.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use pathrisk::engine::lanes::Isa;
use pathrisk::error::InputError;
use pathrisk::export::Format;
use pathrisk::metric::Metric;
use pathrisk::options::{
    Between, CheckOptions, Choice, CommonOptions, MergeOptions, NetworkOptions, ReproduceOptions,
    RunOptions, Setting, SolveOptions, SweepOptions, parse_all,
};
use pathrisk::report::Method;
use pathrisk::scenario::Overrides;
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::solve::Goal;
use pathrisk::sweep::{Compare, Vary};
use std::path::PathBuf;

/// A flag whose values are the library's [`Choice`]s: the names (and their help) offered,
/// read and printed are the library's own.
fn choice<T: Choice + Clone + Send + Sync>() -> impl TypedValueParser<Value = T> {
    choice_of(T::CHOICES)
}

/// As [`choice`], for some of a type's values only.
fn choice_of<T: Choice + Clone + Send + Sync>(
    values: &'static [T],
) -> impl TypedValueParser<Value = T> {
    let offered = values.iter().map(|&c| {
        let v = PossibleValue::new(c.name());
        match c.help() {
            Some(h) => v.help(h),
            None => v,
        }
    });
    PossibleValuesParser::new(offered).try_map(|name: String| {
        T::from_name(&name).ok_or_else(|| format!("`{name}` is not one of the choices"))
    })
}

/// How likely is it that one operator, a Sybil or a coalition holds every hop of a multi-hop
/// path? Monte Carlo simulation checked against closed forms. With no command: `reproduce`.
#[derive(Debug, Parser)]
#[command(
    name = "pathrisk",
    version,
    args_conflicts_with_subcommands = true,
    after_help = pathrisk::exit::ExitCode::help()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub reproduce: ReproduceArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reproduce SimpleX Chat's "2% of servers, 3 hops, 2000 paths, over 50%" claim.
    Reproduce(ReproduceArgs),
    /// Run one scenario file.
    Run(RunArgs),
    /// Merge the partial results of a sharded run into the result of the whole run.
    Merge(MergeArgs),
    /// The values of a scenario key at which a metric crosses a bound (a scan of the range,
    /// then bisection at every crossing), e.g. the largest share keeping the client risk at
    /// most 1%.
    Solve(SolveArgs),
    /// Check every closed form against simulation and against the committed references.
    Check(CheckArgs),
    /// Sweep scenario keys over ranges; tidy CSV on stdout, optionally an SVG plot.
    Sweep(SweepArgs),
    /// What a scenario's network is: relays and weight per position, the largest families by
    /// guard, middle and exit probability.
    Network(NetworkArgs),
    /// List the shipped scenarios of real networks (Tor, Session, SimpleX), one line each.
    Presets,
    /// How often each interval holds the exact value over many seeds of small scenarios of
    /// known value, how often a check at α = 0.05 raises a false alarm, and how often it
    /// catches a closed form off by its "detects" amount.
    Calibrate(CalibrateArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Measure ns per simulated path of the workloads W1–W5 against baselines (medians).
    Bench {
        /// Paths per engine run (the slow baselines run fewer). Runs much shorter than a
        /// second let the VM's noise and thread start-up weigh on the two-thread figure.
        #[arg(long, default_value_t = 400_000_000, value_parser = positive_count)]
        paths: u64,
        /// Runs per measurement; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Threads for the "all threads" column (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Only these parts: W1…W6, reproduce, memory (comma-separated; default all).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Seeds per row (runs 1…N of each scenario).
    #[arg(long, value_parser = positive_count, conflicts_with = "quick")]
    pub seeds: Option<u64>,
    /// A short run for CI: 400 seeds per row (seconds on 2 cores).
    #[arg(long)]
    pub quick: bool,
    /// Output format on standard output.
    #[arg(long, default_value = "table", value_parser = choice::<Format>())]
    pub format: Format,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = positive_count)]
    pub threads: Option<u64>,
}

impl CalibrateArgs {
    pub fn options(&self) -> Result<pathrisk::options::CalibrationOptions, pathrisk::Error> {
        use pathrisk::calibrate::{CalibrateOptions, DEFAULT_SEEDS, QUICK_SEEDS};
        let seeds = match (self.seeds, self.quick) {
            (Some(n), _) => n,
            (None, true) => QUICK_SEEDS,
            (None, false) => DEFAULT_SEEDS,
        };
        Ok(pathrisk::options::CalibrationOptions {
            calibrate: CalibrateOptions {
                seeds,
                threads: self.threads.map(|t| t as usize),
                isa: isa()?,
            },
            format: self.format,
        })
    }
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// KEY=FROM:TO:STEPS or KEY=log:FROM:TO:STEPS; several make a grid. Integer keys are rounded.
    #[arg(long, value_name = "KEY=RANGE", required_unless_present = "over")]
    pub vary: Vec<String>,
    /// One point per consensus of the scenario's series (`[network] tor_series`), each the
    /// static scenario on that consensus; its CSV column is `valid_after`.
    #[arg(long, value_parser = ["consensus"])]
    pub over: Option<String>,
    /// KEY=A,B,...: each value its own series (several --compare multiply).
    #[arg(long, value_name = "KEY=VALUES")]
    pub compare: Vec<String>,
    /// KEY=VALUE: a setting applied to every point (e.g. network.adversary.operators=3).
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Clients per point (default: the scenario's).
    #[arg(long, value_parser = positive_count)]
    pub trials: Option<u64>,
    #[arg(long, value_parser = count)]
    pub seed: Option<u64>,
    /// Metric drawn in the plot.
    #[arg(long, default_value = "client", value_parser = choice_of(&SweepOptions::PLOT_METRICS))]
    pub metric: Metric,
    /// Draw the sweep as an SVG plot to this file (.svg).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Logarithmic y axis (for small probabilities).
    #[arg(long)]
    pub log_y: bool,
    /// Output format on standard output (default: csv, the tidy table of every point).
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Also write the result to this file, atomically; its extension picks the format:
    /// .csv, .json or .xml (JUnit).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Significance level of each verdict.
    #[arg(long, default_value_t = pathrisk::stats::DEFAULT_ALPHA)]
    pub alpha: f64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Simulate only shard I of N (0-based) of every point and write the partial result
    /// (JSON) to --output or stdout; `pathrisk merge` turns the parts into the sweep's CSV.
    #[arg(long, value_name = "I/N", value_parser = pathrisk::shard::Shard::parse)]
    pub shard: Option<pathrisk::shard::Shard>,
    /// How to get each point's numbers: plain Monte Carlo, importance sampling (small shares,
    /// rare events) or exact computation.
    #[arg(long, value_parser = choice::<Method>(), default_value = "monte-carlo")]
    pub method: Method,
}

impl SweepArgs {
    pub fn options(&self) -> Result<SweepOptions, pathrisk::Error> {
        let options = SweepOptions {
            scenario: self.file.clone(),
            vary: parse_all(&self.vary, Vary::parse)?,
            over_consensus: self.over.is_some(),
            compare: parse_all(&self.compare, Compare::parse)?,
            set: parse_all(&self.set, Setting::parse)?,
            trials: self.trials,
            seed: self.seed,
            metric: self.metric,
            plot: self.plot.clone(),
            log_y: self.log_y,
            shard: self.shard,
            method: self.method,
            common: CommonOptions {
                threads: self.threads.map(|t| t as usize),
                alpha: self.alpha,
                format: self.format.unwrap_or(Format::Csv),
                output: self.output.clone(),
                progress: !self.quiet,
                sampler: SamplerKind::Fast,
                isa: isa()?,
            },
        };
        options.validate()?;
        Ok(options)
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or folders (default: scenarios/).
    pub inputs: Vec<PathBuf>,
    /// Folder of the committed closed-form references.
    #[arg(long, default_value = "results/reference", value_name = "DIR")]
    pub reference: PathBuf,
    /// Rewrite the references from the current closed forms and print what changed.
    #[arg(long)]
    pub update_reference: bool,
    /// Family-wise significance level, Bonferroni-split over all checks of the run.
    #[arg(long, default_value_t = pathrisk::commands::check::DEFAULT_FAMILY_ALPHA)]
    pub alpha: f64,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Output format on standard output (junit: JUnit XML, one test case per check).
    #[arg(long, value_parser = choice::<Format>(), default_value = "table")]
    pub format: Format,
    /// Also write the result to this file, atomically; its extension picks the format:
    /// .csv, .json or .xml (JUnit).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A count as people write it: `2000`, `1_000_000` or `1e6`.
fn count(text: &str) -> Result<u64, String> {
    pathrisk::scenario::count::parse_count(text)
}

/// A count of at least 1.
fn positive_count(text: &str) -> Result<u64, String> {
    match count(text)? {
        0 => Err("0; expected at least 1".to_string()),
        n => Ok(n),
    }
}

#[derive(Debug, Args)]
pub struct Common {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Significance level of each verdict (exact two-sided binomial test).
    #[arg(long, default_value_t = pathrisk::stats::DEFAULT_ALPHA)]
    pub alpha: f64,
    /// Output format on standard output (default: table; for merge, that of the command
    /// whose parts are merged).
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Also write the result to this file, atomically; its extension picks the format:
    /// .csv, .json or .xml (JUnit).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Sampler: the fast kernels, or the plain reference samplers (slow; for comparison).
    #[arg(long, value_parser = choice::<SamplerKind>(), default_value = "fast", hide = true)]
    pub sampler: SamplerKind,
}

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Clients per case (default: each case's own, 50 000).
    #[arg(long, value_parser = positive_count)]
    pub trials: Option<u64>,
    /// Seed for every case (default: each case's own).
    #[arg(long, value_parser = count)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Clients to simulate.
    #[arg(long, value_parser = positive_count)]
    pub trials: Option<u64>,
    /// Paths per client (M).
    #[arg(long, value_parser = positive_count)]
    pub paths: Option<u64>,
    #[arg(long, value_parser = count)]
    pub seed: Option<u64>,
    /// Hops per path.
    #[arg(long, value_parser = count)]
    pub hops: Option<u64>,
    /// Selection policy.
    #[arg(long, value_parser = choice::<Selection>())]
    pub selection: Option<Selection>,
    /// KEY=VALUE: a scenario setting (e.g. network.adversary.share=0.05), applied before the
    /// flags above.
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Write the CDF of the first compromised path, simulated and closed form: a table
    /// (.csv) or a plot (.svg).
    #[arg(long, value_name = "FILE")]
    pub cdf: Option<PathBuf>,
    /// The network's data file (a CSV), replacing the path the scenario names.
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// Simulate only shard I of N (0-based) and write its partial result (JSON) to --output
    /// or stdout; `pathrisk merge` adds the parts up.
    #[arg(long, value_name = "I/N", value_parser = pathrisk::shard::Shard::parse)]
    pub shard: Option<pathrisk::shard::Shard>,
    /// How to get the numbers: plain Monte Carlo, importance sampling (rare events: hops
    /// tilted towards the target, paths reweighted) or exact computation (no simulation).
    #[arg(long, value_parser = choice::<Method>(), default_value = "monte-carlo")]
    pub method: Method,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// The key to solve for, e.g. network.adversary.share, run.paths, network.uniform.operators.
    #[arg(long = "for", value_name = "KEY")]
    pub key: String,
    /// The goal: METRIC<=VALUE or METRIC>=VALUE, METRIC path or client.
    #[arg(long, value_name = "GOAL")]
    pub target: String,
    /// The range searched, LO:HI (default: 1 upwards for integer keys, (0, 1) for shares).
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub between: Option<String>,
    /// KEY=A,B,...: an answer for each value (several multiply).
    #[arg(long, value_name = "KEY=VALUES")]
    pub compare: Vec<String>,
    /// KEY=VALUE: a setting applied first.
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Output format on standard output.
    #[arg(long, value_parser = choice::<Format>(), default_value = "table")]
    pub format: Format,
    /// Also write the answer to this file, atomically; its extension picks the format:
    /// .csv, .json or .xml (JUnit).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Solve on simulations even where a closed form exists (to cross-check it).
    #[arg(long)]
    pub simulate: bool,
    /// Worker threads of the simulations (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// No progress bar (solve draws none; accepted as on every command).
    #[arg(long, short)]
    pub quiet: bool,
    /// Most clients one simulated evaluation may take (from 10 000, ×4 while undecided).
    #[arg(long, default_value_t = 1_000_000, value_parser = positive_count)]
    pub max_trials: u64,
}

impl SolveArgs {
    pub fn options(&self) -> Result<SolveOptions, pathrisk::Error> {
        let options = SolveOptions {
            scenario: self.file.clone(),
            key: self.key.clone(),
            target: Goal::parse(&self.target)?,
            between: self.between.as_deref().map(Between::parse).transpose()?,
            compare: parse_all(&self.compare, Compare::parse)?,
            set: parse_all(&self.set, Setting::parse)?,
            format: self.format,
            output: self.output.clone(),
            simulate: self.simulate,
            max_trials: self.max_trials,
            threads: self.threads.map(|t| t as usize),
            isa: isa()?,
        };
        options.validate()?;
        Ok(options)
    }
}

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Read the network's data from this file instead of the one the scenario names.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_parser = choice::<Format>(), default_value = "table")]
    pub format: Format,
    /// Families listed per position.
    #[arg(long, default_value_t = pathrisk::report::network::DEFAULT_TOP)]
    pub top: usize,
}

impl NetworkArgs {
    pub fn options(&self) -> Result<NetworkOptions, pathrisk::Error> {
        let options = NetworkOptions {
            file: self.file.clone(),
            data: self.data.clone(),
            format: self.format,
            top: self.top,
        };
        options.validate()?;
        Ok(options)
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial results of `pathrisk run --shard I/N`, one per shard.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

impl MergeArgs {
    pub fn options(&self) -> Result<MergeOptions, pathrisk::Error> {
        let options = MergeOptions {
            parts: self.parts.clone(),
            common: self.common.options()?,
            format: self.common.format,
        };
        options.validate()?;
        Ok(options)
    }
}

/// The instruction set of the lane kernels: `PATHRISK_ISA` checked against this machine, the
/// best it has when unset. A bad value is bad input, like a bad flag.
pub fn isa() -> Result<Isa, pathrisk::Error> {
    Isa::chosen(std::env::var("PATHRISK_ISA").ok().as_deref())
        .map_err(|e| InputError::whole("environment", e.to_string()).into())
}

impl Common {
    pub fn options(&self) -> Result<CommonOptions, pathrisk::Error> {
        Ok(CommonOptions {
            threads: self.threads.map(|t| t as usize),
            alpha: self.alpha,
            format: self.format.unwrap_or(Format::Table),
            output: self.output.clone(),
            progress: !self.quiet,
            sampler: self.sampler,
            isa: isa()?,
        })
    }
}

impl CheckArgs {
    pub fn options(&self) -> Result<CheckOptions, pathrisk::Error> {
        let options = CheckOptions {
            inputs: self.inputs.clone(),
            reference_dir: self.reference.clone(),
            update_reference: self.update_reference,
            common: CommonOptions {
                threads: self.threads.map(|t| t as usize),
                alpha: self.alpha,
                format: self.format,
                output: self.output.clone(),
                progress: !self.quiet,
                sampler: SamplerKind::Fast,
                isa: isa()?,
            },
        };
        options.validate()?;
        Ok(options)
    }
}

impl ReproduceArgs {
    pub fn options(&self) -> Result<ReproduceOptions, pathrisk::Error> {
        let options = ReproduceOptions {
            trials: self.trials,
            seed: self.seed,
            common: self.common.options()?,
        };
        options.validate()?;
        Ok(options)
    }
}

impl RunArgs {
    pub fn options(&self) -> Result<RunOptions, pathrisk::Error> {
        let options = RunOptions {
            scenario: self.file.clone(),
            overrides: Overrides {
                trials: self.trials,
                paths: self.paths,
                seed: self.seed,
                hops: self.hops,
                selection: self.selection,
            },
            set: parse_all(&self.set, Setting::parse)?,
            common: self.common.options()?,
            cdf: self.cdf.clone(),
            data: self.data.clone(),
            shard: self.shard,
            method: self.method,
        };
        options.validate()?;
        Ok(options)
    }
}
