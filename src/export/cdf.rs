//! The CDF of the first compromised path as a table (CSV) and as a plot (SVG).

use super::data_number;
use super::svg::{Plot, Series};
use crate::report::cdf::CdfPoint;
use crate::scenario::Scenario;

/// Simulated points (with intervals) drawn in a CDF plot.
const CDF_MARKERS: usize = 30;

/// The CDF as CSV: one row per path count.
pub fn cdf_csv(points: &[CdfPoint]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "paths",
        "days",
        "simulated_cdf",
        "ci_low",
        "ci_high",
        "closed_form_cdf",
    ])
    .expect("memory");
    let opt = |x: Option<f64>| x.map(data_number).unwrap_or_default();
    for p in points {
        w.write_record([
            p.paths.to_string(),
            opt(p.days),
            data_number(p.simulated),
            data_number(p.ci95.0),
            data_number(p.ci95.1),
            opt(p.closed_form),
        ])
        .expect("memory");
    }
    String::from_utf8(w.into_inner().expect("memory")).expect("utf-8")
}

/// The CDF as a plot: simulated points with their intervals, the closed form as a line.
pub fn cdf_plot(scenario: &Scenario, points: &[CdfPoint]) -> Plot {
    let x = |p: &CdfPoint| p.days.unwrap_or(p.paths as f64);
    let step = (points.len() / CDF_MARKERS).max(1);
    let markers = points
        .iter()
        .step_by(step)
        .map(|p| (x(p), p.simulated, p.ci95.0, p.ci95.1))
        .collect();
    let curve = points
        .iter()
        .filter_map(|p| p.closed_form.map(|c| (x(p), c)))
        .collect();
    Plot {
        x_dates: false,
        title: format!(
            "{} — first compromised path: simulated CDF (points, 95% intervals), closed form (line)",
            scenario.name
        ),
        x_label: if scenario.paths_per_day.is_some() {
            "days".into()
        } else {
            "paths built".into()
        },
        y_label: "P(first compromised path by then)".into(),
        log_x: false,
        log_y: false,
        series: vec![Series {
            label: "simulation and closed form".into(),
            points: markers,
            curve,
        }],
    }
}
