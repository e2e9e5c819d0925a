//! The plain-language conclusion of `pathrisk reproduce`, in words, from the figures of its
//! cases (none is hard-coded): which reading of SimpleX's claim holds.

use super::human_number;
use crate::metric::Metric;
use crate::report::{CaseReport, RunReport};

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
