//! CSV: one row per metric, with the scenario's settings repeated on each row so the file is
//! tidy (loadable as is by pandas, polars or R). Threads and timings are left out, so the
//! same scenario and seed give the same bytes on any machine.

use super::{Exporter, data_number};
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

fn opt(x: Option<f64>) -> String {
    x.map(data_number).unwrap_or_default()
}

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
        m.tested_at_paths.map(|k| k.to_string()).unwrap_or_default(),
        m.median.clone().unwrap_or_default(),
        opt(m.mean_closed_form),
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
}
