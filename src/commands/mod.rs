//! The commands: each glues scenario loading, the engine, the closed forms and an exporter.

pub mod bench;
pub mod calibrate;
pub mod check;
pub mod merge;
pub mod network;
pub mod presets;
pub mod reproduce;
pub mod run;
pub mod solve;
pub mod sweep;

use crate::engine::{self, EngineConfig, Outcome};
use crate::error::{InputError, Result};
use crate::export::{Exporter, Format, PendingOutput};
use crate::report::{self, RunReport};
use crate::scenario::Scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub use crate::options::CommonOptions;
pub use crate::report::Method;

/// What a command concluded, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every verdict agrees (or has no closed form).
    Agree,
    /// At least one verdict disagrees: exit code 1.
    Disagree,
}

impl Status {
    pub fn exit_code(self) -> crate::exit::ExitCode {
        match self {
            Status::Agree => crate::exit::ExitCode::Success,
            Status::Disagree => crate::exit::ExitCode::Disagree,
        }
    }
}

fn progress_bar(enabled: bool, chunks: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(chunks), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {percent}% eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Runs one scenario and compares it with its closed forms.
fn simulate_and_analyse(
    scenario: &Scenario,
    options: &CommonOptions,
    bar: &ProgressBar,
) -> Result<RunReport> {
    let outcome: Outcome = engine::simulate(scenario, &options.engine(), &|n| bar.inc(n))?;
    Ok(report::analyse(scenario, &outcome, options.alpha))
}

/// One scenario's report by `method`: plain Monte Carlo, importance sampling or the exact
/// computation (whose size limit, like importance sampling's refusal of guards, is bad input).
fn report_by(
    method: Method,
    scenario: &Scenario,
    options: &CommonOptions,
    bar: &ProgressBar,
) -> Result<RunReport> {
    match method {
        Method::MonteCarlo => simulate_and_analyse(scenario, options, bar),
        Method::Importance => {
            crate::importance::supports(scenario)?;
            let outcome =
                crate::importance::simulate(scenario, &options.engine(), &|n| bar.inc(n))?;
            Ok(report::from_importance(
                scenario,
                &outcome,
                options.alpha,
                None,
            ))
        }
        Method::Exact => {
            let start = std::time::Instant::now();
            let exact = crate::exact::compute(scenario)
                .map_err(|e| InputError::new(&scenario.source, "--method exact", e.to_string()))?;
            bar.inc(chunks_of(scenario));
            Ok(report::from_exact(
                scenario,
                &exact,
                start.elapsed().as_secs_f64(),
            ))
        }
    }
}

/// Writes a report to standard output in `format`, and to the result file (if any) in the
/// file's own format: `render` gives the report in the format of the exporter it is handed.
fn emit(
    format: Format,
    pending: Option<PendingOutput>,
    out: &mut dyn std::io::Write,
    render: &dyn Fn(&dyn Exporter) -> String,
) -> Result<()> {
    out.write_all(render(format.exporter()).as_bytes())
        .map_err(|e| {
            crate::error::Error::Runtime(format!("cannot write to standard output: {e}"))
        })?;
    if let Some(p) = pending {
        let text = render(p.format().exporter());
        p.commit(&text)?;
    }
    Ok(())
}

/// A shard's partial result (JSON) to its `--output` file, or to stdout without one.
fn write_partial(
    partial: &crate::shard::Partial,
    pending: Option<PendingOutput>,
    out: &mut dyn std::io::Write,
) -> Result<()> {
    let text = serde_json::to_string(partial).expect("a partial result serialises") + "\n";
    match pending {
        Some(p) => p.commit(&text),
        None => out.write_all(text.as_bytes()).map_err(|e| {
            crate::error::Error::Runtime(format!("cannot write to standard output: {e}"))
        }),
    }
}

/// Runs estimated to take longer than this many seconds say so before they start.
pub const ANNOUNCE_SECONDS: f64 = 60.0;
/// Below this many paths in all no estimate is made (the slowest kernel draws them in well
/// under a minute).
const ANNOUNCE_PATHS: u64 = 100_000_000;
/// Paths a pilot run draws to measure a scenario's rate.
const PILOT_PATHS: u64 = 1 << 21;

/// Paths a Monte Carlo run of `scenario` draws.
fn paths_of(scenario: &Scenario) -> u64 {
    scenario.run.trials.saturating_mul(scenario.run.paths)
}

/// The paths a run of `scenarios` draws and the seconds it should take at the rate a short
/// pilot run of each measures here (`None` when they are too few to be worth measuring).
pub fn estimate_cost(scenarios: &[&Scenario], engine: &EngineConfig) -> Result<Option<(u64, f64)>> {
    let total: u64 = scenarios
        .iter()
        .map(|s| paths_of(s))
        .fold(0, u64::saturating_add);
    if total < ANNOUNCE_PATHS {
        return Ok(None);
    }
    // The pilots together draw about PILOT_PATHS (at least 2^14 each), and a scenario that is
    // small next to its pilot takes the rate last measured: a sweep of many small points is
    // not run twice to be estimated.
    let budget = (PILOT_PATHS / scenarios.len().max(1) as u64).max(1 << 14);
    let (mut seconds, mut rate) = (0.0, None);
    for s in scenarios {
        let r = match rate {
            Some(r) if paths_of(s) < 16 * budget => r,
            _ => {
                let mut pilot = (*s).clone();
                pilot.run.paths = pilot.run.paths.min(budget);
                pilot.run.trials = (budget / pilot.run.paths).clamp(1, pilot.run.trials);
                let o = engine::simulate(&pilot, engine, &|_| {})?;
                let r = o.counts.paths_drawn.max(1) as f64 / o.elapsed_seconds.max(1e-9);
                rate = Some(r);
                r
            }
        };
        seconds += paths_of(s) as f64 / r;
    }
    Ok(Some((total, seconds)))
}

/// "4.6 days", "3.2 h", "12 min", "45 s".
fn duration_text(seconds: f64) -> String {
    if seconds >= 2.0 * 86_400.0 {
        format!("{:.1} days", seconds / 86_400.0)
    } else if seconds >= 2.0 * 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else if seconds >= 120.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{seconds:.0} s")
    }
}

/// Says on stderr (with or without a terminal) what a run that should take longer than
/// [`ANNOUNCE_SECONDS`] will cost, before it starts.
fn announce_cost(scenarios: &[&Scenario], options: &CommonOptions) -> Result<()> {
    if let Some((paths, seconds)) = estimate_cost(scenarios, &options.engine())?
        && seconds > ANNOUNCE_SECONDS
    {
        eprintln!(
            "pathrisk: this run draws {paths:.3e} paths: about {} at the rate measured here \
             ({:.3e} paths/s); Ctrl-C stops it",
            duration_text(seconds),
            paths as f64 / seconds
        );
    }
    Ok(())
}

/// Chunks a scenario will run, for the progress bar.
fn chunks_of(scenario: &Scenario) -> u64 {
    engine::ChunkLayout::new(scenario.run.trials, scenario.run.paths).chunks
}
