//! The human-readable table printed by default.

use super::{Exporter, human_number};
use crate::report::{MetricRow, ReproduceReport, RunReport};
use std::fmt::Write;

pub struct Table;

fn interval(m: &MetricRow, paths: u64) -> String {
    // Only an exact computation (no samples) has a `first` that never comes.
    let never = if m.samples == 0 {
        "never".to_string()
    } else {
        format!("> {paths}")
    };
    let end = |x: Option<f64>| x.map_or(never.clone(), human_number);
    format!("[{}, {}]", end(m.ci95[0]), end(m.ci95[1]))
}

fn cells(m: &MetricRow, paths: u64) -> [String; 7] {
    let estimate = match m.metric {
        "first" => m.median.clone().unwrap_or_default(),
        _ => m.estimate.map(human_number).unwrap_or_default(),
    };
    let closed = match (m.metric, m.closed_form) {
        ("first", Some(c)) => format!(
            "{} (mean {})",
            human_number(c),
            m.mean_closed_form
                .map_or("inf".into(), |x| human_number(x.round()))
        ),
        ("first", None) if m.p_value.is_some() => "inf".to_string(),
        (_, Some(c)) => human_number(c),
        (_, None) => "-".to_string(),
    };
    let label = match (m.metric, m.tested_at_paths) {
        ("first", Some(k)) => format!("first (≤{k})"),
        _ => m.metric.to_string(),
    };
    [
        label,
        estimate,
        interval(m, paths),
        closed,
        m.p_value.map_or("-".into(), |p| format!("{p:.3}")),
        m.verdict.name().to_string(),
        if m.samples == 0 {
            "-".to_string()
        } else {
            format!("{}/{}", m.hits, m.samples)
        },
    ]
}

fn grid(rows: &[[String; 7]]) -> String {
    let header = [
        "metric",
        "estimate",
        "95% interval",
        "closed form",
        "p-value",
        "verdict",
        "hits/samples",
    ];
    super::grid(&header, rows)
}

fn body(r: &RunReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "network   {}", r.network);
    let _ = writeln!(
        s,
        "path      {} hops, {}; target {}, event {}",
        r.hops, r.selection, r.target, r.event
    );
    if r.method == "exact" {
        let _ = writeln!(
            s,
            "run       {} paths per client, computed in {:.3} s",
            r.paths, r.elapsed_seconds
        );
    } else {
        let _ = writeln!(
            s,
            "run       {} clients × {} paths, seed {}, {} threads: {} paths drawn in {:.2} s",
            r.trials, r.paths, r.seed, r.threads, r.paths_simulated, r.elapsed_seconds
        );
    }
    if let Some(note) = &r.method_note {
        let _ = writeln!(s, "method    {note}");
    }
    if let Some(reason) = &r.no_closed_form_reason {
        let _ = writeln!(s, "note      no closed form: {reason}");
    }
    s.push('\n');
    let rows: Vec<_> = r.results.iter().map(|m| cells(m, r.paths)).collect();
    s.push_str(&grid(&rows));
    s
}

/// The quantiles of the first compromised path, in paths and (with paths per day) days.
fn quantiles(r: &RunReport) -> String {
    let Some(first) = r.row("first") else {
        return String::new();
    };
    if first.quantiles.is_empty() {
        return String::new();
    }
    let exact = r.method == "exact";
    // Whether the closed forms give the law of the first compromised path.
    let has_law =
        first.p_value.is_some() || (exact && first.verdict != crate::stats::Verdict::NoClosedForm);
    let beyond = if exact {
        "never".to_string()
    } else {
        format!("> {}", r.paths)
    };
    let paths = |k: Option<u64>, never: &str| k.map_or(never.to_string(), |k| k.to_string());
    let days = |d: Option<f64>, never: &str| d.map_or(never.to_string(), |d| format!("{d:.1}"));
    let mut table = vec![
        std::iter::once("first compromised path".to_string())
            .chain(
                first
                    .quantiles
                    .iter()
                    .map(|q| format!("{:.0}%", 100.0 * q.q)),
            )
            .collect::<Vec<_>>(),
        std::iter::once(
            if exact {
                "paths, exact"
            } else {
                "paths, simulated"
            }
            .to_string(),
        )
        .chain(first.quantiles.iter().map(|q| paths(q.paths, &beyond)))
        .collect(),
        std::iter::once("paths, closed form".to_string())
            .chain(first.quantiles.iter().map(|q| {
                if !has_law {
                    "-".into()
                } else {
                    paths(q.closed_form_paths, "never")
                }
            }))
            .collect(),
    ];
    if first
        .quantiles
        .iter()
        .any(|q| q.days.is_some() || q.closed_form_days.is_some())
    {
        let per_day = r.paths_per_day.unwrap_or(1.0);
        table.push(
            std::iter::once("days, simulated".to_string())
                .chain(
                    first
                        .quantiles
                        .iter()
                        .map(|q| days(q.days, &format!("> {:.1}", r.paths as f64 / per_day))),
                )
                .collect(),
        );
        table.push(
            std::iter::once("days, closed form".to_string())
                .chain(
                    first
                        .quantiles
                        .iter()
                        .map(|q| days(q.closed_form_days, "never")),
                )
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|c| {
            table
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::from("\n");
    for row in &table {
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
        }
        s.push('\n');
    }
    s
}

impl Exporter for Table {
    fn run(&self, r: &RunReport) -> String {
        let mut s = format!("scenario  {}", r.scenario);
        if !r.description.is_empty() {
            let _ = write!(s, " — {}", r.description);
        }
        s.push('\n');
        s + &body(r) + &quantiles(r)
    }

    fn reproduce(&self, r: &ReproduceReport) -> String {
        let mut s = String::new();
        for c in &r.cases {
            let _ = writeln!(s, "== {} — {}", c.id, c.description);
            s.push_str(&body(&c.report));
            s.push('\n');
        }
        let _ = writeln!(s, "{}", r.conclusion);
        let _ = writeln!(s, "\nelapsed: {:.2} s", r.elapsed_seconds);
        s
    }
}
