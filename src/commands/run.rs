//! `pathrisk run FILE`: one scenario, with command-line overrides, and optionally the CDF of
//! the first compromised path (`--cdf`).

use super::{Method, Status, chunks_of, progress_bar};
use crate::engine::{self};
use crate::error::{Error, Result};
use crate::export::{Format, PendingOutput};
use crate::report;
use crate::scenario::Scenario;
use crate::shard::{Job, Partial, Shard};
use std::io::Write;
use std::path::Path;

pub use crate::options::RunOptions;

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
        let points = crate::report::cdf::cdf_points(&scenario, &outcome.counts);
        let text = match file.format() {
            Format::Csv => crate::export::cdf::cdf_csv(&points),
            _ => crate::export::cdf::cdf_plot(&scenario, &points)
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
