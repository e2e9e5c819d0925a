//! CSV: one row per metric, with the scenario's settings repeated on each row so the file is
//! tidy (loadable as is by pandas, polars or R). Threads and timings are left out, so the
//! same scenario and seed give the same bytes on any machine.

use super::{Exporter, data_number};
use crate::report::check::CheckReport;
use crate::report::solve::SolveReport;
use crate::report::sweep::SweepResult;
use crate::report::{MetricRow, ReproduceReport, RunReport};

pub struct Csv;

const HEADER: [&str; 20] = [
    "scenario",
    "seed",
    "trials",
    "paths",
    "hops",
    "selection",
    "target",
    "event",
    "metric",
    "hits",
    "samples",
    "estimate",
    "ci95_low",
    "ci95_high",
    "closed_form",
    "p_value",
    "verdict",
    "tested_at_paths",
    "median",
    "mean_closed_form",
];

fn row(r: &RunReport, m: &MetricRow) -> Vec<String> {
    vec![
        r.scenario.clone(),
        r.seed.to_string(),
        r.trials.to_string(),
        r.paths.to_string(),
        r.hops.to_string(),
        r.selection.to_string(),
        r.target.clone(),
        r.event.to_string(),
        m.metric.to_string(),
        m.hits.to_string(),
        m.samples.to_string(),
        opt(m.estimate),
        opt(m.ci95[0]),
        opt(m.ci95[1]),
        opt(m.closed_form),
        opt(m.p_value),
        m.verdict.name().to_string(),
        m.first()
            .and_then(|f| f.tested_at_paths)
            .map(|k| k.to_string())
            .unwrap_or_default(),
        m.first().map(|f| f.median.clone()).unwrap_or_default(),
        opt(m.first().and_then(|f| f.mean_closed_form)),
    ]
}

fn render(
    first_column: Option<&str>,
    rows: impl Iterator<Item = (Option<String>, Vec<String>)>,
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = first_column.into_iter().collect();
    header.extend(HEADER);
    w.write_record(&header).expect("writing to memory");
    for (first, mut fields) in rows {
        if let Some(f) = first {
            fields.insert(0, f);
        }
        w.write_record(&fields).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("utf-8 fields")
}

/// The tidy CSV: one row per point × series × metric.
fn sweep_csv(result: &SweepResult) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = result.varies.iter().map(|v| v.key.clone()).collect();
    header.extend(
        [
            "series",
            "metric",
            "estimate",
            "ci_low",
            "ci_high",
            "closed_form",
            "verdict",
            "hits",
            "samples",
            "p_value",
        ]
        .map(String::from),
    );
    w.write_record(&header).expect("writing to memory");
    for p in &result.points {
        for m in &p.report.results {
            let mut row: Vec<String> = result
                .varies
                .iter()
                .zip(&p.values)
                .map(|(v, &x)| super::vary_text(v, x))
                .collect();
            row.extend([
                result.series[p.series].clone(),
                m.metric.to_string(),
                opt(m.estimate),
                opt(m.ci95[0]),
                opt(m.ci95[1]),
                opt(m.closed_form),
                m.verdict.name().to_string(),
                m.hits.to_string(),
                m.samples.to_string(),
                opt(m.p_value),
            ]);
            w.write_record(&row).expect("writing to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("utf-8")
}

/// Any rows under a header, quoted as CSV needs.
fn table_csv<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("writing to memory");
    for r in rows {
        w.write_record(r.as_ref()).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("utf-8 fields")
}

fn opt(x: Option<f64>) -> String {
    x.map(data_number).unwrap_or_default()
}

/// One row per check (timings left out, as everywhere in CSV).
fn check_csv(r: &CheckReport) -> String {
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|c| {
            vec![
                c.scenario.clone(),
                c.source.clone(),
                c.metric.to_string(),
                opt(c.closed_form),
                opt(c.reference),
                c.reference_status.name().to_string(),
                opt(c.exact),
                c.exact_status.name().to_string(),
                opt(c.estimate),
                opt(c.ci95[0]),
                opt(c.ci95[1]),
                c.hits.to_string(),
                c.samples.to_string(),
                opt(c.p_value),
                c.monte_carlo.name().to_string(),
                c.verdict.name().to_string(),
            ]
        })
        .collect();
    table_csv(
        &[
            "scenario",
            "source",
            "metric",
            "closed_form",
            "reference",
            "reference_status",
            "exact",
            "exact_status",
            "estimate",
            "ci95_low",
            "ci95_high",
            "hits",
            "samples",
            "p_value",
            "monte_carlo",
            "verdict",
        ],
        &rows,
    )
}

/// One row per answer of each series (a series without one has a row with empty values).
fn solve_csv(r: &SolveReport) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for a in &r.series {
        let base = |kind: &str| vec![a.series.clone(), r.key.clone(), kind.to_string()];
        if a.answers.is_empty() {
            let mut row = base("none");
            row.extend(std::iter::repeat_n(String::new(), 6));
            row.push(a.monotone.to_string());
            rows.push(row);
        }
        for ans in &a.answers {
            let kind = if ans.whole_range.is_some() {
                "whole-range"
            } else if ans.unresolved.is_some() {
                "unresolved"
            } else {
                "crossing"
            };
            let mut row = base(kind);
            row.extend([
                data_number(ans.value),
                data_number(ans.metric),
                opt(ans.past.map(|p| p.0)),
                opt(ans.past.map(|p| p.1)),
                opt(ans.unresolved.map(|u| u.0)),
                opt(ans.whole_range.map(|w| w.1)),
                a.monotone.to_string(),
            ]);
            rows.push(row);
        }
    }
    table_csv(
        &[
            "series",
            "key",
            "kind",
            "value",
            "metric",
            "next_value",
            "next_metric",
            "undecided_at",
            "range_end",
            "monotone",
        ],
        &rows,
    )
}

impl Exporter for Csv {
    fn run(&self, report: &RunReport) -> String {
        render(None, report.results.iter().map(|m| (None, row(report, m))))
    }

    fn reproduce(&self, report: &ReproduceReport) -> String {
        render(
            Some("case"),
            report.cases.iter().flat_map(|c| {
                c.report
                    .results
                    .iter()
                    .map(move |m| (Some(c.id.clone()), row(&c.report, m)))
            }),
        )
    }

    fn sweep(&self, result: &SweepResult) -> String {
        sweep_csv(result)
    }

    fn check(&self, report: &CheckReport) -> String {
        check_csv(report)
    }

    fn solve(&self, report: &SolveReport) -> String {
        solve_csv(report)
    }

    fn network(&self, r: &crate::report::network::NetworkReport) -> String {
        let rows: Vec<Vec<String>> = r
            .families
            .iter()
            .map(|f| {
                vec![
                    r.scenario.clone(),
                    f.by.clone(),
                    f.rank.to_string(),
                    f.family.clone(),
                    f.relays.to_string(),
                    data_number(f.guard),
                    data_number(f.middle),
                    data_number(f.exit),
                ]
            })
            .collect();
        table_csv(
            &[
                "scenario", "by", "rank", "family", "relays", "guard", "middle", "exit",
            ],
            &rows,
        )
    }

    fn calibrate(&self, r: &crate::calibrate::CalibrationReport) -> String {
        let rows: Vec<Vec<String>> = r
            .rows
            .iter()
            .map(|c| {
                vec![
                    c.interval.clone(),
                    c.scenario.clone(),
                    data_number(c.nominal),
                    data_number(c.observed),
                    data_number(c.low),
                    data_number(c.high),
                    c.seeds.to_string(),
                    c.verdict.name().to_string(),
                ]
            })
            .collect();
        table_csv(
            &[
                "interval", "scenario", "nominal", "observed", "low", "high", "seeds", "verdict",
            ],
            &rows,
        )
    }
}
