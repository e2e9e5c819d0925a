//! What each command is asked to do, as validated options: the typed values flags carry
//! (`--set`, `--vary`, `--compare`, `--target`, `--between` parsed from text here, before any
//! work starts) and every rule between flags (what `--method exact` or `--shard` excludes,
//! which file each output flag takes). The CLI builds these; the library never sees clap, and
//! the CLI's choices come from [`Choice`], so their names are written once, by the library.

use crate::engine::EngineConfig;
use crate::engine::lanes::Isa;
use crate::error::{InputError, Result};
use crate::export::{Format, PendingOutput};
use crate::metric::Metric;
use crate::report::Method;
use crate::scenario::Overrides;
use crate::select::{SamplerKind, Selection};
use crate::shard::Shard;
use crate::solve::Goal;
use crate::sweep::{Compare, Vary};
use std::path::{Path, PathBuf};

/// `pathrisk calibrate`: what to run, and the format of its table.
#[derive(Debug, Clone)]
pub struct CalibrationOptions {
    pub calibrate: crate::calibrate::CalibrateOptions,
    pub format: Format,
}

/// Where a flag's error is said to come from.
pub const CLI: &str = "command line";

fn flag_error(flag: &str, message: impl Into<String>) -> InputError {
    InputError::new(CLI, flag, message)
}

/// A closed set of named values a flag takes (`--format`, `--selection`, `--method`, …):
/// the names the CLI offers and reads are the ones the library prints.
pub trait Choice: Copy + Sized + 'static {
    /// Every value, in the order help lists them.
    const CHOICES: &'static [Self];
    fn name(self) -> &'static str;
    /// A line of help for the value, if it needs one.
    fn help(self) -> Option<&'static str> {
        None
    }
    fn from_name(name: &str) -> Option<Self> {
        Self::CHOICES.iter().copied().find(|c| c.name() == name)
    }
}

impl Choice for Format {
    const CHOICES: &'static [Format] = &[Format::Table, Format::Csv, Format::Json, Format::Junit];
    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Junit => "junit",
        }
    }
    fn help(self) -> Option<&'static str> {
        match self {
            Format::Table => Some("Aligned columns for people"),
            Format::Csv => Some("Tidy CSV"),
            Format::Json => None,
            Format::Junit => Some("JUnit XML: one test case per verdict, for CI systems"),
        }
    }
}

impl Choice for Selection {
    const CHOICES: &'static [Selection] = &Selection::ALL;
    fn name(self) -> &'static str {
        Selection::name(self)
    }
}

impl Choice for Method {
    const CHOICES: &'static [Method] = &[Method::MonteCarlo, Method::Importance, Method::Exact];
    fn name(self) -> &'static str {
        match self {
            Method::MonteCarlo => "monte-carlo",
            Method::Importance => "importance",
            Method::Exact => "exact",
        }
    }
}

impl Choice for SamplerKind {
    const CHOICES: &'static [SamplerKind] = &[SamplerKind::Fast, SamplerKind::Reference];
    fn name(self) -> &'static str {
        match self {
            SamplerKind::Fast => "fast",
            SamplerKind::Reference => "reference",
        }
    }
}

impl Choice for Metric {
    const CHOICES: &'static [Metric] = &Metric::ALL;
    fn name(self) -> &'static str {
        Metric::name(self)
    }
}

/// `--set KEY=VALUE`: one scenario setting, the value read as TOML (numbers, tables) or as a
/// plain string (`random`).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: toml::Value,
}

impl Setting {
    pub fn parse(text: &str) -> Result<Setting, InputError> {
        let mut c = Compare::parse(text)?;
        if c.values.len() != 1 {
            return Err(flag_error(
                &format!("--set {}", c.key),
                "expected one value",
            ));
        }
        Ok(Setting {
            key: c.key,
            value: c.values.remove(0),
        })
    }

    /// As the (key, value) pair the scenario's TOML takes.
    pub fn pair(&self) -> (String, toml::Value) {
        (self.key.clone(), self.value.clone())
    }
}

/// `--between LO:HI`: the range a solve searches, `LO < HI`, both finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Between {
    pub lo: f64,
    pub hi: f64,
}

impl Between {
    pub fn parse(text: &str) -> Result<Between, InputError> {
        text.split_once(':')
            .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse().ok()?)))
            .filter(|(a, b): &(f64, f64)| a.is_finite() && b.is_finite() && a < b)
            .map(|(lo, hi)| Between { lo, hi })
            .ok_or_else(|| {
                flag_error(
                    "--between",
                    format!("`{text}`; expected LO:HI with LO < HI"),
                )
            })
    }
}

/// Parses every text with `parse`: the typed values of a repeated flag.
pub fn parse_all<T>(
    texts: &[String],
    parse: impl Fn(&str) -> Result<T, InputError>,
) -> Result<Vec<T>, InputError> {
    texts.iter().map(|t| parse(t)).collect()
}

/// Options every simulating command takes.
#[derive(Debug, Clone)]
pub struct CommonOptions {
    pub threads: Option<usize>,
    /// Significance level of the verdicts.
    pub alpha: f64,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// Show a progress bar (only ever drawn when stderr is a terminal).
    pub progress: bool,
    pub sampler: SamplerKind,
    /// The instruction set of the lane kernels (`PATHRISK_ISA`).
    pub isa: Isa,
}

impl Default for CommonOptions {
    fn default() -> Self {
        CommonOptions {
            threads: None,
            alpha: crate::stats::DEFAULT_ALPHA,
            format: Format::Table,
            output: None,
            progress: false,
            sampler: SamplerKind::Fast,
            isa: Isa::best(),
        }
    }
}

/// `--threads`: at least 1.
fn check_threads(threads: Option<usize>) -> Result<(), InputError> {
    if threads == Some(0) {
        return Err(flag_error("--threads", "0; expected at least 1"));
    }
    Ok(())
}

/// `--output`: a file whose extension names its format.
fn check_output(output: Option<&Path>) -> Result<(), InputError> {
    output.map_or(Ok(()), |p| Format::for_file(p, "--output").map(|_| ()))
}

/// `flags` given (true) are refused unless `method` is plain Monte Carlo.
fn monte_carlo_only(method: Method, flags: &[(bool, &str)]) -> Result<(), InputError> {
    match flags.iter().find(|(given, _)| *given) {
        Some((_, flag)) if method != Method::MonteCarlo => {
            Err(flag_error(flag, "only with --method monte-carlo"))
        }
        _ => Ok(()),
    }
}

/// What a shard excludes (`flags` given are refused) and needs (a `.json` result file).
fn shard_rules(
    shard: Option<Shard>,
    output: Option<&Path>,
    flags: &[(bool, &str)],
) -> Result<(), InputError> {
    if shard.is_none() {
        return Ok(());
    }
    if let Some((_, flag)) = flags.iter().find(|(given, _)| *given) {
        return Err(flag_error(flag, "not with --shard; merge the parts first"));
    }
    match output
        .map(|p| Format::for_file(p, "--output"))
        .transpose()?
    {
        Some(f) if f != Format::Json => Err(flag_error(
            "--output",
            "a shard's partial result is JSON: expected a file ending in .json",
        )),
        _ => Ok(()),
    }
}

/// A plot file (`--plot`, `--cdf` as a plot): its name ends in `.svg`.
pub fn check_plot_file(path: &Path, flag: &str) -> Result<(), InputError> {
    let svg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        Ok(())
    } else {
        Err(flag_error(
            flag,
            format!(
                "`{}`: expected a file ending in .svg (plots are SVG)",
                path.display()
            ),
        ))
    }
}

/// The format of a `--cdf` file: its table (.csv) or its plot (.svg, [`Format::Table`]).
pub fn cdf_format(path: &Path) -> Result<Format, InputError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => Ok(Format::Csv),
        Some("svg") => Ok(Format::Table),
        _ => Err(flag_error(
            "--cdf",
            format!(
                "`{}`: expected a file ending in .csv (the CDF's table) or .svg (its plot)",
                path.display()
            ),
        )),
    }
}

impl CommonOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(flag_error(
                "--alpha",
                format!("{}; expected a level between 0 and 1", self.alpha),
            ));
        }
        check_threads(self.threads)?;
        check_output(self.output.as_deref())
    }

    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            threads: self.threads,
            sampler: self.sampler,
            isa: self.isa,
        }
    }

    /// The result file (`--output`), created as a temporary file beside its destination.
    pub fn pending_output(&self) -> Result<Option<PendingOutput>> {
        self.output
            .as_deref()
            .map(PendingOutput::create)
            .transpose()
    }
}

/// `pathrisk reproduce`.
#[derive(Debug, Clone, Default)]
pub struct ReproduceOptions {
    /// Clients per case (default `reproduce::DEFAULT_TRIALS`) and a seed replacing each case's
    /// own.
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    pub common: CommonOptions,
}

impl ReproduceOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        self.common.validate()
    }
}

/// `pathrisk run FILE`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub scenario: PathBuf,
    /// Scenario settings, applied before `overrides`.
    pub set: Vec<Setting>,
    pub overrides: Overrides,
    pub common: CommonOptions,
    /// Write the CDF of the first compromised path here (.csv or .svg).
    pub cdf: Option<PathBuf>,
    /// The network's data file, replacing the one the scenario names.
    pub data: Option<PathBuf>,
    /// Simulate only this shard and write its partial result (see `shard`).
    pub shard: Option<Shard>,
    pub method: Method,
}

impl RunOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        self.common.validate()?;
        monte_carlo_only(
            self.method,
            &[
                (self.shard.is_some(), "--shard"),
                (self.cdf.is_some(), "--cdf"),
            ],
        )?;
        shard_rules(
            self.shard,
            self.common.output.as_deref(),
            &[(self.cdf.is_some(), "--cdf")],
        )?;
        self.cdf
            .as_deref()
            .map_or(Ok(()), |p| cdf_format(p).map(|_| ()))
    }
}

/// `pathrisk sweep FILE`.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub scenario: PathBuf,
    pub vary: Vec<Vary>,
    /// One point per consensus of the scenario's series (`--over consensus`), instead of
    /// `vary`.
    pub over_consensus: bool,
    pub compare: Vec<Compare>,
    /// Settings applied to every point.
    pub set: Vec<Setting>,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    /// Metric drawn in the plot: one of [`SweepOptions::PLOT_METRICS`].
    pub metric: Metric,
    pub plot: Option<PathBuf>,
    pub log_y: bool,
    /// `common.output` is the CSV file (the sweep's CSV also goes to stdout).
    pub common: CommonOptions,
    /// Simulate only this shard of every point and write the partial result (see `shard`).
    pub shard: Option<Shard>,
    pub method: Method,
}

impl SweepOptions {
    /// The metrics a sweep plot can draw.
    pub const PLOT_METRICS: [Metric; 3] = [Metric::Path, Metric::Client, Metric::First];

    pub fn validate(&self) -> Result<(), InputError> {
        self.common.validate()?;
        if self.vary.is_empty() && !self.over_consensus {
            return Err(flag_error(
                "--vary",
                "a sweep needs at least one --vary KEY=FROM:TO:STEPS (or --over consensus)",
            ));
        }
        if self.over_consensus && !self.vary.is_empty() {
            return Err(flag_error(
                "--over",
                "one point per consensus takes no --vary; sweep the consensuses alone (with \
                 --compare for series)",
            ));
        }
        if !Self::PLOT_METRICS.contains(&self.metric) {
            return Err(flag_error(
                "--metric",
                format!(
                    "`{}`; expected {}",
                    self.metric,
                    Metric::names(&Self::PLOT_METRICS)
                ),
            ));
        }
        monte_carlo_only(self.method, &[(self.shard.is_some(), "--shard")])?;
        shard_rules(
            self.shard,
            self.common.output.as_deref(),
            &[(self.plot.is_some(), "--plot")],
        )?;
        self.plot
            .as_deref()
            .map_or(Ok(()), |p| check_plot_file(p, "--plot"))
    }
}

/// `pathrisk solve FILE`.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    pub scenario: PathBuf,
    /// The key to solve for (e.g. `network.adversary.share`).
    pub key: String,
    pub target: Goal,
    /// The range searched (default: found from the key, see `commands::solve`).
    pub between: Option<Between>,
    /// An answer for each compared value (several multiply).
    pub compare: Vec<Compare>,
    /// Settings applied first.
    pub set: Vec<Setting>,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// Simulate even where a closed form exists (to cross-check it).
    pub simulate: bool,
    /// Most clients one simulated evaluation may take.
    pub max_trials: u64,
    /// Worker threads of the simulations (`None`: one per core).
    pub threads: Option<usize>,
    /// The instruction set of the lane kernels (`PATHRISK_ISA`).
    pub isa: Isa,
}

impl SolveOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        check_threads(self.threads)?;
        check_output(self.output.as_deref())
    }
}

/// `pathrisk check [INPUTS]`.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Scenario files or folders (searched for `*.toml`); empty means `scenarios/`.
    pub inputs: Vec<PathBuf>,
    pub reference_dir: PathBuf,
    pub update_reference: bool,
    /// `common.alpha` is the family-wise level, split over all checks.
    pub common: CommonOptions,
}

impl CheckOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        self.common.validate()
    }
}

/// `pathrisk merge PARTS`.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    pub parts: Vec<PathBuf>,
    /// `common.format` is ignored: `format` is the output format, by default the unsharded
    /// command's (a run's table, a sweep's CSV).
    pub common: CommonOptions,
    pub format: Option<Format>,
}

/// `pathrisk network`: what a scenario's network is.
#[derive(Debug, Clone)]
pub struct NetworkOptions {
    pub file: PathBuf,
    /// Replaces the network's data file (`--data`).
    pub data: Option<PathBuf>,
    pub format: Format,
    /// Families listed per position.
    pub top: usize,
}

impl NetworkOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        if self.format == Format::Junit {
            return Err(InputError::new(
                "command line",
                "--format",
                "junit is for verdicts, and a network has none; expected table, csv or json",
            ));
        }
        if self.top == 0 {
            return Err(InputError::new(
                "command line",
                "--top",
                "0; expected a positive number of families",
            ));
        }
        Ok(())
    }
}

impl MergeOptions {
    pub fn validate(&self) -> Result<(), InputError> {
        self.common.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_match_serde<T: Choice + serde::Serialize>() {
        for &c in T::CHOICES {
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.name())
            );
            assert_eq!(T::from_name(c.name()).map(|x| x.name()), Some(c.name()));
        }
    }

    #[test]
    fn choice_names_are_the_names_the_library_prints() {
        names_match_serde::<Selection>();
        names_match_serde::<Method>();
        names_match_serde::<Metric>();
        assert_eq!(Format::from_name("junit"), Some(Format::Junit));
        assert_eq!(Format::from_name("xml"), None);
    }

    #[test]
    fn between_needs_two_finite_numbers_in_order() {
        assert_eq!(
            Between::parse("1:4096").unwrap(),
            Between {
                lo: 1.0,
                hi: 4096.0
            }
        );
        assert_eq!(
            Between::parse("-1: 2").unwrap(),
            Between { lo: -1.0, hi: 2.0 }
        );
        for bad in ["1", "2:1", "1:1", "a:2", "1:inf", ":"] {
            let e = Between::parse(bad).unwrap_err();
            assert_eq!(e.location.as_deref(), Some("--between"), "{bad}");
        }
    }

    #[test]
    fn a_setting_takes_one_value() {
        let s = Setting::parse("path.selection=random").unwrap();
        assert_eq!(s.value, toml::Value::String("random".into()));
        let s = Setting::parse("network.adversary.share=0.05").unwrap();
        assert_eq!(s.value, toml::Value::Float(0.05));
        assert!(Setting::parse("path.hops=2,3").is_err());
        assert!(Setting::parse("nokey").is_err());
    }

    #[test]
    fn flag_rules_are_settled_before_any_work() {
        let run = |f: &dyn Fn(&mut RunOptions)| {
            let mut o = RunOptions {
                scenario: "missing.toml".into(),
                set: Vec::new(),
                overrides: Overrides::default(),
                common: CommonOptions::default(),
                cdf: None,
                data: None,
                shard: None,
                method: Method::MonteCarlo,
            };
            f(&mut o);
            o.validate()
                .err()
                .map(|e| (e.location.unwrap_or_default(), e.message))
        };
        assert_eq!(run(&|_| {}), None);
        let shard = Shard::parse("0/2").unwrap();
        let (key, message) = run(&|o| {
            o.method = Method::Exact;
            o.shard = Some(shard);
        })
        .unwrap();
        assert_eq!(
            (key.as_str(), message.as_str()),
            ("--shard", "only with --method monte-carlo")
        );
        let (key, _) = run(&|o| {
            o.shard = Some(shard);
            o.cdf = Some("c.csv".into());
        })
        .unwrap();
        assert_eq!(key, "--cdf");
        let (key, message) = run(&|o| {
            o.shard = Some(shard);
            o.common.output = Some("part.csv".into());
        })
        .unwrap();
        assert_eq!(key, "--output");
        assert!(message.contains(".json"), "{message}");
        assert_eq!(run(&|o| o.cdf = Some("c.png".into())).unwrap().0, "--cdf");
        assert_eq!(
            run(&|o| o.common.output = Some("r.txt".into())).unwrap().0,
            "--output"
        );
        assert_eq!(run(&|o| o.common.alpha = 1.0).unwrap().0, "--alpha");
        assert_eq!(run(&|o| o.common.threads = Some(0)).unwrap().0, "--threads");
    }
}
