//! `pathrisk reproduce`: the six readings of SimpleX Chat's "2% of servers, 3 hops, 2000 paths,
//! over 50%" claim (the README's "The reproduction"), each simulated and checked, and a conclusion drawn from the
//! numbers themselves.

use super::{Status, progress_bar, simulate_and_analyse};
use crate::error::Result;
use crate::report::{CaseReport, ReproduceReport};
use crate::scenario::{Overrides, Scenario};
use std::io::Write;
use std::path::Path;

/// The cases, in the order of the README's reproduction. The scenario files under `scenarios/` are compiled in, so the
/// reproduction runs from any directory and `pathrisk run scenarios/ID.toml` gives the same.
pub const CASES: [(&str, &str); 6] = [
    (
        "one-entity-full-path",
        include_str!("../../scenarios/one-entity-full-path.toml"),
    ),
    (
        "any-of-50-full-path",
        include_str!("../../scenarios/any-of-50-full-path.toml"),
    ),
    (
        "any-of-50-full-path-distinct",
        include_str!("../../scenarios/any-of-50-full-path-distinct.toml"),
    ),
    (
        "one-entity-ends",
        include_str!("../../scenarios/one-entity-ends.toml"),
    ),
    (
        "operator-aware-any-of-50",
        include_str!("../../scenarios/operator-aware-any-of-50.toml"),
    ),
    (
        "operator-aware-sybil",
        include_str!("../../scenarios/operator-aware-sybil.toml"),
    ),
];

/// Clients per case by default: every client-metric 95% interval is then at most ±0.0044
/// wide (the worst case, p = ½), and the six cases take a few seconds. The scenario files
/// themselves carry the larger counts `pathrisk check` needs for its power.
pub const DEFAULT_TRIALS: u64 = 50_000;

pub use crate::options::ReproduceOptions;

/// The built-in case scenarios with overrides applied.
pub fn scenarios(options: &ReproduceOptions) -> Result<Vec<Scenario>> {
    let overrides = Overrides {
        trials: Some(options.trials.unwrap_or(DEFAULT_TRIALS)),
        seed: options.seed,
        ..Overrides::default()
    };
    CASES
        .iter()
        .map(|(id, text)| {
            let label = format!("scenarios/{id}.toml");
            Ok(Scenario::parse(text, &label, Path::new("scenarios"), id)?
                .with_overrides(&overrides)?)
        })
        .collect()
}

pub fn reproduce(options: &ReproduceOptions, out: &mut dyn Write) -> Result<Status> {
    options.validate()?;
    let start = std::time::Instant::now();
    let scenarios = scenarios(options)?;
    let pending = options.common.pending_output()?;
    let chunks = scenarios.iter().map(super::chunks_of).sum();
    super::announce_cost(&scenarios.iter().collect::<Vec<_>>(), &options.common)?;
    let bar = progress_bar(options.common.progress, chunks);
    let mut cases = Vec::new();
    for s in &scenarios {
        bar.set_message(s.name.clone());
        let report = simulate_and_analyse(s, &options.common, &bar)?;
        cases.push(CaseReport {
            id: s.name.clone(),
            description: s.description.clone(),
            report,
        });
    }
    bar.finish_and_clear();
    let report = ReproduceReport {
        cases,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    };
    super::emit(options.common.format, pending, out, &|e| {
        e.reproduce(&report)
    })?;
    let disagree = report.cases.iter().any(|c| c.report.any_disagree());
    Ok(if disagree {
        Status::Disagree
    } else {
        Status::Agree
    })
}
