//! The human-readable table printed by default.

use super::{Exporter, human_number};
use crate::report::{MetricRow, ReproduceReport, RunReport};
use std::fmt::Write;

pub struct Table;

fn interval(m: &MetricRow, paths: u64) -> String {
    let end = |x: Option<f64>| x.map_or(format!("> {paths}"), human_number);
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
        format!("{}/{}", m.hits, m.samples),
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
    let mut widths = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&header);
    for r in rows {
        out.push_str(&line(&r.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    out
}

fn body(r: &RunReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "network   {}", r.network);
    let _ = writeln!(
        s,
        "path      {} hops, {}; target {}, event {}",
        r.hops, r.selection, r.target, r.event
    );
    let _ = writeln!(
        s,
        "run       {} clients × {} paths, seed {}, {} threads: {} paths drawn in {:.2} s",
        r.trials, r.paths, r.seed, r.threads, r.paths_simulated, r.elapsed_seconds
    );
    if let Some(reason) = &r.no_closed_form_reason {
        let _ = writeln!(s, "note      no closed form: {reason}");
    }
    s.push('\n');
    let rows: Vec<_> = r.results.iter().map(|m| cells(m, r.paths)).collect();
    s.push_str(&grid(&rows));
    s
}

impl Exporter for Table {
    fn run(&self, r: &RunReport) -> String {
        let mut s = format!("scenario  {}", r.scenario);
        if !r.description.is_empty() {
            let _ = write!(s, " — {}", r.description);
        }
        s.push('\n');
        s + &body(r)
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
