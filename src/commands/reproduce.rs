//! `pathrisk reproduce`: the six readings of SimpleX Chat's "2% of servers, 3 hops, 2000 paths,
//! over 50%" claim (the README's "The reproduction"), each simulated and checked, and a conclusion drawn from the
//! numbers themselves.

use super::{Status, progress_bar, simulate_and_analyse};
use crate::error::Result;
use crate::export::human_number;
use crate::metric::Metric;
use crate::report::{CaseReport, ReproduceReport, RunReport};
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
    let conclusion = conclusion(&cases);
    let report = ReproduceReport {
        cases,
        conclusion,
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

/// A probability as a percentage with up to six significant digits: "1.58727%", "0%".
fn percent(x: f64) -> String {
    let s = human_number(100.0 * x);
    let trimmed = if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    format!("{trimmed}%")
}

/// "1.6% (closed form 1.5873%)" for a case's client metric.
fn client_figure(r: &RunReport) -> String {
    let row = r
        .row(Metric::Client)
        .expect("every report has a client row");
    let sim = row
        .estimate
        .map(|e| format!("{:.1}%", 100.0 * e))
        .unwrap_or_default();
    match row.closed_form {
        Some(c) => format!("{sim} (closed form {})", percent(c)),
        None => format!("{sim} (no closed form)"),
    }
}

/// The client probability a verdict about "over 50%" rests on: the closed form where there is
/// one, else the simulation.
fn client_value(r: &RunReport) -> f64 {
    let row = r
        .row(Metric::Client)
        .expect("every report has a client row");
    row.closed_form.or(row.estimate).unwrap_or(0.0)
}

fn over_half(x: f64) -> &'static str {
    if x > 0.5 {
        "over 50%: the claim holds in this reading"
    } else {
        "not over 50%: the claim does not hold in this reading"
    }
}

/// The plain-language conclusion, built from the figures of the cases (none is hard-coded).
pub fn conclusion(cases: &[CaseReport]) -> String {
    let get = |id: &str| cases.iter().find(|c| c.id == id).map(|c| &c.report);
    let mut lines =
        vec!["Which reading of the claim holds (3 hops, 2000 paths per client):".to_string()];
    if let Some(r) = get("one-entity-full-path") {
        lines.push(format!(
            "- One specific entity with 2% holds all 3 hops of at least one of {} paths: {} — {}.",
            r.paths,
            client_figure(r),
            over_half(client_value(r))
        ));
    }
    if let Some(r) = get("any-of-50-full-path") {
        lines.push(format!(
            "- Some one of 50 operators with 2% each holds all 3 hops of at least one path: {} — {}.",
            client_figure(r),
            over_half(client_value(r))
        ));
    }
    if let Some(r) = get("any-of-50-full-path-distinct") {
        lines.push(format!(
            "- The same with 50 operators of 20 servers and no server twice in a path: {} — {}.",
            client_figure(r),
            over_half(client_value(r))
        ));
    }
    if let Some(r) = get("one-entity-ends") {
        let first = r.row(Metric::First).expect("every report has a first row");
        let reached = match (first.closed_form, first.first().map(|f| f.median.as_str())) {
            (Some(k), Some(sim)) => {
                format!("the chance passes 50% after {k:.0} paths (simulated median {sim})")
            }
            _ => "the chance does not reach 50% within the paths simulated".to_string(),
        };
        lines.push(format!(
            "- Entry and exit held by one specific 2% entity (the published model): {} — {}; {}.",
            client_figure(r),
            over_half(client_value(r)),
            reached
        ));
    }
    if let (Some(a), Some(s)) = (get("operator-aware-any-of-50"), get("operator-aware-sybil")) {
        lines.push(format!(
            "- With operator-aware selection (no operator twice in a path) no single operator can hold all 3 hops: {}; \
             unless one entity poses as 3 of the 50 operators: {} of clients, {} per path.",
            client_figure(a),
            client_figure(s),
            s.row(Metric::Path).and_then(|p| p.closed_form).map_or("-".into(), human_number)
        ));
    }
    let (holds, fails): (Vec<&CaseReport>, Vec<&CaseReport>) =
        cases.iter().partition(|c| client_value(&c.report) > 0.5);
    let ids = |v: &[&CaseReport]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    lines.push(format!(
        "So \"over 50%\" holds in: {}; it does not in: {}.",
        ids(&holds),
        ids(&fails)
    ));
    lines.join("\n")
}
