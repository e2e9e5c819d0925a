//! `pathrisk check`: the CI regression of the analytic formulas. Every scenario is simulated
//! and each metric's estimate is tested against its closed form (exact binomial test,
//! Bonferroni-corrected over all checks of the run), and each closed form is compared with the
//! committed reference value, so that a formula that drifts is caught either way. Two more
//! witnesses: the exact computation (it must match each closed form, and stands in for a
//! missing one) and an importance-sampling estimate of the path metric (normal test).

use super::{CommonOptions, Status, chunks_of, progress_bar};
use crate::analytic::{self, ClosedForm};
use crate::error::{Error, InputError, Result};
use crate::exact::Exact;
pub use crate::report::check::{
    CheckReport, CheckRow, CheckVerdict, ExactStatus, IMPORTANCE_CLIENTS, POWER,
    REFERENCE_TOLERANCE, Reference, ReferenceStatus, checks_of, closed_forms, importance_check_row,
    importance_expected, rows_of, same,
};
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Default family-wise significance level of a whole check run.
pub const DEFAULT_FAMILY_ALPHA: f64 = 1e-3;

pub use crate::options::CheckOptions;

/// Every `*.toml` under the inputs, folders searched recursively, in a stable order.
pub fn scenario_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let defaults = [PathBuf::from("scenarios")];
    let by_default = inputs.is_empty();
    let inputs = if by_default { &defaults[..] } else { inputs };
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            collect(input, &mut files)?;
            // The presets read real data from outside the project and mostly have no closed
            // form: the default run leaves them out; name them to check them.
            if by_default {
                let presets = input.join("presets");
                files.retain(|f| !f.starts_with(&presets));
            }
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            return Err(
                InputError::whole(input.display().to_string(), "no such file or folder").into(),
            );
        }
    }
    if files.is_empty() {
        return Err(InputError::whole(
            inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            "no scenario (*.toml) files found",
        )
        .into());
    }
    Ok(files)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            InputError::whole(
                dir.display().to_string(),
                format!("cannot read folder: {e}"),
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    Ok(())
}

fn reference_path(dir: &Path, scenario: &Scenario) -> PathBuf {
    dir.join(format!("{}.json", scenario.name))
}

fn read_reference(dir: &Path, scenario: &Scenario) -> Result<Option<Reference>> {
    let path = reference_path(dir, scenario);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| InputError::whole(path.display().to_string(), format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map(Some).map_err(|e| {
        InputError::whole(
            path.display().to_string(),
            format!("not a reference file: {e}"),
        )
        .into()
    })
}

pub fn check(options: &CheckOptions, out: &mut dyn Write) -> Result<Status> {
    check_formula(options, &analytic::path_probability, out)
}

/// `check` with the path probability taken from `formula`: the real closed forms in use, a
/// deliberately broken one in the tests that show a wrong formula is caught.
pub fn check_formula(
    options: &CheckOptions,
    formula: &(dyn Fn(&Scenario) -> ClosedForm + Sync),
    out: &mut dyn Write,
) -> Result<Status> {
    options.validate()?;
    if options.update_reference && options.common.output.is_some() {
        return Err(InputError::new(
            "command line",
            "--output",
            "not with --update-reference, which writes the references themselves",
        )
        .into());
    }
    let pending = options.common.pending_output()?;
    let start = std::time::Instant::now();
    let files = scenario_files(&options.inputs)?;
    let scenarios = files
        .iter()
        .map(|f| Scenario::load(f))
        .collect::<Result<Vec<_>, _>>()?;
    let mut names = std::collections::HashSet::new();
    for s in &scenarios {
        if !names.insert(s.name.clone()) {
            return Err(InputError::new(
                &s.source,
                "key `name`",
                format!(
                    "`{}` is used by two scenarios; references are kept by name",
                    s.name
                ),
            )
            .into());
        }
    }
    if options.update_reference {
        return update_references(&scenarios, &options.reference_dir, formula, out);
    }
    // The third witness: exact values wherever the computation fits its limit.
    let exacts: Vec<Option<Exact>> = scenarios
        .iter()
        .map(|s| crate::exact::compute(s).ok())
        .collect();
    let checks: usize = scenarios
        .iter()
        .zip(&exacts)
        .map(|(s, e)| checks_of(s, formula, e.as_ref()))
        .sum();
    let alpha_each = options.common.alpha / checks.max(1) as f64;
    let per_check = CommonOptions {
        alpha: alpha_each,
        ..options.common.clone()
    };
    super::announce_cost(&scenarios.iter().collect::<Vec<_>>(), &options.common)?;
    let bar = progress_bar(
        options.common.progress,
        scenarios.iter().map(chunks_of).sum(),
    );
    let mut rows = Vec::new();
    let mut paths_simulated = 0;
    for (s, exact) in scenarios.iter().zip(&exacts) {
        bar.set_message(s.name.clone());
        let outcome = crate::engine::simulate(s, &per_check.engine(), &|n| bar.inc(n))?;
        let report =
            crate::report::analyse_with(s, &outcome, alpha_each, formula(s), exact.as_ref());
        paths_simulated += report.paths_simulated;
        let reference = read_reference(&options.reference_dir, s)?;
        let mut scenario_rows = rows_of(
            &report,
            s,
            formula(s).value(),
            reference.as_ref(),
            alpha_each,
            exact.as_ref(),
        );
        if let Some(expected) = importance_expected(s, formula, exact.as_ref()) {
            let (row, drawn) = importance_row(s, &per_check, expected, &scenario_rows[0])?;
            paths_simulated += drawn;
            scenario_rows.insert(1, row);
        }
        rows.extend(scenario_rows);
    }
    bar.finish_and_clear();
    let all_agree = rows.iter().all(|r| r.verdict != CheckVerdict::Disagree);
    let missing: Vec<String> = {
        let mut m: Vec<String> = rows
            .iter()
            .filter(|r| r.verdict == CheckVerdict::NoReference)
            .map(|r| r.scenario.clone())
            .collect();
        m.dedup();
        m
    };
    let report = CheckReport {
        family_alpha: options.common.alpha,
        alpha_per_check: alpha_each,
        checks,
        rows,
        all_agree,
        paths_simulated,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    };
    super::emit(options.common.format, pending, out, &|e| e.check(&report))?;
    if !all_agree {
        return Ok(Status::Disagree);
    }
    if !missing.is_empty() {
        return Err(InputError::whole(
            options.reference_dir.display().to_string(),
            format!(
                "no reference for {}: record the closed forms with `pathrisk check {} \
                 --update-reference` (and commit them), or name another folder of references \
                 with --reference DIR",
                missing.join(", "),
                if options.inputs.is_empty() {
                    "SCENARIO".to_string()
                } else {
                    options
                        .inputs
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            ),
        )
        .into());
    }
    Ok(Status::Agree)
}

/// The `path-importance` row: the path metric by importance sampling, tested like the others.
fn importance_row(
    s: &Scenario,
    options: &CommonOptions,
    expected: f64,
    path_row: &CheckRow,
) -> Result<(CheckRow, u64)> {
    // One path per client: the path metric does not depend on it, and a client then draws
    // its tilted path only.
    let mut small = s.clone();
    small.run.trials = s.run.trials.min(IMPORTANCE_CLIENTS);
    small.run.paths = 1;
    let outcome = crate::importance::simulate(&small, &options.engine(), &|_| {})?;
    let row = importance_check_row(&outcome.path, expected, options.alpha, path_row);
    Ok((row, outcome.paths_drawn))
}

fn update_references(
    scenarios: &[Scenario],
    dir: &Path,
    formula: &dyn Fn(&Scenario) -> ClosedForm,
    out: &mut dyn Write,
) -> Result<Status> {
    std::fs::create_dir_all(dir).map_err(|error| Error::Write {
        path: dir.display().to_string(),
        error,
    })?;
    let mut text = String::new();
    for s in scenarios {
        let new = Reference {
            scenario: s.name.clone(),
            source: s.source.clone(),
            closed_forms: closed_forms(s, formula),
        };
        let old = read_reference(dir, s)?;
        let path = reference_path(dir, s);
        match &old {
            None => {
                let _ = writeln!(text, "{}: new reference {}", s.name, path.display());
            }
            Some(old) => {
                for (metric, value) in &new.closed_forms {
                    let before = old.closed_forms.get(metric).copied().flatten();
                    if !same(before, *value) || !old.closed_forms.contains_key(metric) {
                        let show =
                            |v: Option<f64>| v.map_or("none".to_string(), |x| format!("{x:e}"));
                        let _ = writeln!(
                            text,
                            "{} {metric}: {} → {}",
                            s.name,
                            show(before),
                            show(*value)
                        );
                    }
                }
            }
        }
        if old.as_ref() != Some(&new) {
            let pending = crate::export::PendingOutput::create(&path)?;
            pending.commit(&(serde_json::to_string_pretty(&new).expect("serialisable") + "\n"))?;
        }
    }
    if text.is_empty() {
        text.push_str("references unchanged\n");
    }
    out.write_all(text.as_bytes())
        .map_err(|e| Error::Runtime(format!("cannot write to standard output: {e}")))?;
    Ok(Status::Agree)
}
