//! `pathrisk run FILE`: one scenario, with command-line overrides, and optionally the CDF of
//! the first compromised path (`--cdf`).

use super::{Method, Status, chunks_of, progress_bar};
use crate::analytic::{self, client::ClientLaw};
use crate::engine::{self, Counts};
use crate::error::{Error, Result};
use crate::export::svg::{Plot, Series};
use crate::export::{Format, PendingOutput, data_number};
use crate::report;
use crate::scenario::Scenario;
use crate::shard::{Job, Partial, Shard};
use crate::stats;
use std::io::Write;
use std::path::Path;

/// Most rows of a CDF file; longer clients are sampled at log-spaced path counts.
const CDF_ROWS: u64 = 1000;
/// Simulated points (with intervals) drawn in a CDF plot.
const CDF_MARKERS: usize = 30;

pub use crate::options::RunOptions;

/// One point of the CDF of the first compromised path.
#[derive(Debug, Clone, PartialEq)]
pub struct CdfPoint {
    pub paths: u64,
    pub days: Option<f64>,
    pub simulated: f64,
    pub ci95: (f64, f64),
    pub closed_form: Option<f64>,
}

fn cdf_file(path: &Path) -> Result<PendingOutput> {
    match crate::options::cdf_format(path)? {
        Format::Csv => PendingOutput::create_as(path, Format::Csv),
        _ => crate::export::plot_file(path, "--cdf"),
    }
}

pub fn run(options: &RunOptions, out: &mut dyn Write) -> Result<Status> {
    options.validate()?;
    let scenario = if options.set.is_empty() {
        Scenario::load_with_data(&options.scenario, options.data.as_deref())?
    } else {
        let pairs: Vec<(&str, toml::Value)> = options
            .set
            .iter()
            .map(|s| (s.key.as_str(), s.value.clone()))
            .collect();
        crate::sweep::Base::load_with_data(&options.scenario, options.data.as_deref())?
            .with(&pairs)?
    }
    .with_overrides(&options.overrides)?;
    let pending = options.common.pending_output()?;
    if options.method != Method::MonteCarlo {
        let bar = progress_bar(options.common.progress, chunks_of(&scenario));
        bar.set_message(scenario.name.clone());
        let report = super::report_by(options.method, &scenario, &options.common, &bar)?;
        bar.finish_and_clear();
        return finish(&report, options, pending, out);
    }
    if let Some(shard) = options.shard {
        return run_shard(&scenario, shard, options, pending, out);
    }
    let cdf = options.cdf.as_deref().map(cdf_file).transpose()?;
    super::announce_cost(&[&scenario], &options.common)?;
    let bar = progress_bar(options.common.progress, chunks_of(&scenario));
    bar.set_message(scenario.name.clone());
    let outcome = engine::simulate(&scenario, &options.common.engine(), &|n| bar.inc(n))?;
    let report = report::analyse(&scenario, &outcome, options.common.alpha);
    bar.finish_and_clear();
    let status = finish(&report, options, pending, out)?;
    if let Some(file) = cdf {
        let points = cdf_points(&scenario, &outcome.counts);
        let text = match file.format() {
            Format::Csv => cdf_csv(&points),
            _ => cdf_plot(&scenario, &points)
                .render()
                .map_err(|e| Error::Runtime(format!("cannot draw the CDF: {e}")))?,
        };
        file.commit(&text)?;
    }
    Ok(status)
}

/// Prints the report, writes it to the output file if one was asked for, and says whether
/// every verdict agrees.
fn finish(
    report: &report::RunReport,
    options: &RunOptions,
    pending: Option<PendingOutput>,
    out: &mut dyn Write,
) -> Result<Status> {
    super::emit(options.common.format, pending, out, &|e| e.run(report))?;
    Ok(if report.any_disagree() {
        Status::Disagree
    } else {
        Status::Agree
    })
}

/// One shard of the run: its chunks simulated, its partial result (JSON) written where the
/// result would go. No closed forms or verdicts: those come with `pathrisk merge`.
fn run_shard(
    scenario: &Scenario,
    shard: Shard,
    options: &RunOptions,
    pending: Option<PendingOutput>,
    out: &mut dyn Write,
) -> Result<Status> {
    let mut job = Job::new(scenario.clone(), shard);
    let bar = progress_bar(options.common.progress, job.chunks.end - job.chunks.start);
    bar.set_message(format!("{} {}/{}", scenario.name, shard.index, shard.count));
    let outcome = engine::simulate_chunks(
        scenario,
        &options.common.engine(),
        &|n| bar.inc(n),
        job.chunks.clone(),
    )?;
    bar.finish_and_clear();
    job.counts = outcome.counts;
    let partial = Partial::new(
        "run",
        shard,
        vec![job],
        Vec::new(),
        Vec::new(),
        outcome.threads,
        outcome.elapsed_seconds,
    );
    super::write_partial(&partial, pending, out)?;
    Ok(Status::Agree)
}

/// Path counts at which the CDF is reported: every one up to [`CDF_ROWS`], else log-spaced.
fn cdf_ks(paths: u64) -> Vec<u64> {
    if paths <= CDF_ROWS {
        return (1..=paths).collect();
    }
    let mut ks: Vec<u64> = (0..CDF_ROWS)
        .map(|i| {
            (paths as f64)
                .powf(i as f64 / (CDF_ROWS - 1) as f64)
                .round()
                .max(1.0) as u64
        })
        .collect();
    ks.dedup();
    ks
}

/// The simulated CDF of the first compromised path (clients compromised by path k, with a
/// Clopper–Pearson interval at each k) and its closed form.
pub fn cdf_points(scenario: &Scenario, counts: &Counts) -> Vec<CdfPoint> {
    let law: Option<ClientLaw> = analytic::client_law(scenario).ok();
    let n = counts.clients;
    cdf_ks(scenario.run.paths)
        .into_iter()
        .map(|k| {
            let hits = counts.first_at_most(k);
            CdfPoint {
                paths: k,
                days: scenario.paths_per_day.map(|d| k as f64 / d),
                simulated: hits as f64 / n as f64,
                ci95: stats::clopper_pearson(hits, n, report::CI_ALPHA),
                closed_form: law.as_ref().map(|l| l.cdf(k)),
            }
        })
        .collect()
}

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

fn cdf_plot(scenario: &Scenario, points: &[CdfPoint]) -> Plot {
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
