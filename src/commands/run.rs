//! `pathrisk run FILE`: one scenario, with command-line overrides.

use super::{CommonOptions, Status, chunks_of, progress_bar, simulate_and_analyse};
use crate::error::Result;
use crate::scenario::{Overrides, Scenario};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub scenario: PathBuf,
    pub overrides: Overrides,
    pub common: CommonOptions,
}

pub fn run(options: &RunOptions, out: &mut dyn Write) -> Result<Status> {
    options.common.validate()?;
    let scenario = Scenario::load(&options.scenario)?.with_overrides(&options.overrides)?;
    let pending = options.common.pending_output()?;
    let bar = progress_bar(options.common.progress, chunks_of(&scenario));
    bar.set_message(scenario.name.clone());
    let report = simulate_and_analyse(&scenario, &options.common, &bar)?;
    bar.finish_and_clear();
    out.write_all(options.common.format.exporter().run(&report).as_bytes())
        .map_err(|e| crate::Error::Runtime(format!("cannot write to standard output: {e}")))?;
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
