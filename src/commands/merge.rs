//! `pathrisk merge PARTS...`: the partial results of a sharded run (`run --shard I/N`) added up
//! and reported exactly as the unsharded run would be (its timings aside).

use super::{CommonOptions, Status};
use crate::engine::Outcome;
use crate::error::{Error, InputError, Result};
use crate::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct MergeOptions {
    pub parts: Vec<PathBuf>,
    pub common: CommonOptions,
}

pub fn merge(options: &MergeOptions, out: &mut dyn Write) -> Result<Status> {
    options.common.validate()?;
    let pending = options.common.pending_output()?;
    let mut parts = Vec::with_capacity(options.parts.len());
    for path in &options.parts {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::whole(&label, format!("cannot read the part: {e}")))?;
        parts.push((label, text));
    }
    let merged = crate::shard::merge(&parts)?;
    let outcome = Outcome {
        counts: merged.counts,
        threads: merged.threads,
        elapsed_seconds: merged.elapsed_seconds,
        kernel: "merged",
    };
    let report = report::analyse(&merged.scenario, &outcome, options.common.alpha);
    out.write_all(options.common.format.exporter().run(&report).as_bytes())
        .map_err(|e| Error::Runtime(format!("cannot write to standard output: {e}")))?;
    if let Some(p) = pending {
        let text = p.format().exporter().run(&report);
        p.commit(&text)?;
    }
    Ok(if report.any_disagree() {
        Status::Disagree
    } else {
        Status::Agree
    })
}
