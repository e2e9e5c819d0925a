//! `pathrisk merge PARTS...`: the partial results of a sharded run (`run --shard I/N`) added up
//! and reported exactly as the unsharded run would be (its timings aside).

use super::Status;
use super::sweep::{SweepPoint, SweepResult};
use crate::engine::Outcome;
use crate::error::{InputError, Result};
use crate::export::Format;
use crate::report;
use std::io::Write;

pub use crate::options::MergeOptions;

pub fn merge(options: &MergeOptions, out: &mut dyn Write) -> Result<Status> {
    options.validate()?;
    let pending = options.common.pending_output()?;
    let mut parts = Vec::with_capacity(options.parts.len());
    for path in &options.parts {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::whole(&label, format!("cannot read the part: {e}")))?;
        parts.push((label, text));
    }
    let mut merged = crate::shard::merge(&parts)?;
    for job in &mut merged.jobs {
        restore_documents(&mut job.scenario);
    }
    let outcome = |job: &crate::shard::Job| Outcome {
        counts: job.counts.clone(),
        threads: merged.threads,
        elapsed_seconds: merged.elapsed_seconds,
        kernel: crate::engine::Kernel::Merged,
    };
    let alpha = options.common.alpha;
    // The same rendering as the unsharded command: a run's report, or a sweep's tidy CSV.
    let disagree = if merged.kind == "sweep" {
        let points: Vec<SweepPoint> = merged
            .jobs
            .iter()
            .map(|j| SweepPoint {
                values: j.values.clone(),
                series: j.series,
                report: report::analyse(&j.scenario, &outcome(j), alpha),
            })
            .collect();
        let result = SweepResult {
            scenario: merged
                .jobs
                .first()
                .map(|j| j.scenario.name.clone())
                .unwrap_or_default(),
            varies: merged.varies.clone(),
            series: merged.series.clone(),
            points,
        };
        let format = options.format.unwrap_or(Format::Csv);
        super::emit(format, pending, out, &|e| e.sweep(&result))?;
        result.points.iter().any(|p| p.report.any_disagree())
    } else {
        let job = merged
            .jobs
            .first()
            .ok_or_else(|| InputError::whole("merge", "the parts hold no run"))?;
        let report = report::analyse(&job.scenario, &outcome(job), alpha);
        let format = options.format.unwrap_or(Format::Table);
        super::emit(format, pending, out, &|e| e.run(&report))?;
        report.any_disagree()
    };
    Ok(if disagree {
        Status::Disagree
    } else {
        Status::Agree
    })
}

/// A part holds its scenario without the Tor documents (too large to copy into every part),
/// only their digest: they are read again from the scenario's file, when it is still where the
/// run read it and its documents have that digest (a point of `sweep --over consensus`: one of
/// its consensuses), so that the merged report has the unsharded one's closed forms.
/// Otherwise the scenario stays without them, and its report without closed forms.
fn restore_documents(scenario: &mut crate::scenario::Scenario) {
    let Some(digest) = scenario.documents.clone() else {
        return;
    };
    let Ok(loaded) = crate::scenario::Scenario::load(std::path::Path::new(&scenario.source)) else {
        return;
    };
    if loaded.documents.as_deref() == Some(digest.as_str()) {
        scenario.tor = loaded.tor;
        scenario.series = loaded.series;
        return;
    }
    if let Some(series) = &loaded.series
        && let Some(c) = series
            .steps
            .iter()
            .position(|s| s.relays.digest() == digest)
    {
        scenario.tor = loaded.at_consensus(c).tor;
    }
}
