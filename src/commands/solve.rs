//! `pathrisk solve FILE --for KEY --target METRIC<=VALUE`: the values of a scenario key at which
//! a metric crosses a bound, by a scan of the range and bisection at each crossing (see
//! `crate::solve`), optionally for each series of `--compare`.

use super::Status;
use crate::analytic;
use crate::engine::EngineConfig;
use crate::error::{Error, InputError, Result};
use crate::export::{Format, PendingOutput};
pub use crate::report::solve::{SeriesAnswer, SolveMethod, SolveReport};
use crate::solve::{
    Judged, SCAN_POINTS, SCAN_REFINEMENTS, SIMULATED_SCAN_POINTS, ScanPlan, Spacing,
};
pub use crate::solve::{SOLVE_ALPHA, START_TRIALS};
use crate::sweep::{Base, is_integer_key};
use std::io::Write;

pub use crate::options::SolveOptions;

fn cli(key: &str, m: impl Into<String>) -> Error {
    InputError::new("command line", key, m).into()
}

/// The key's value in the scenario's TOML, if it has one.
fn current(base: &Base, key: &str) -> Option<f64> {
    let mut v = base.table.get(key.split('.').next()?)?;
    for part in key.split('.').skip(1) {
        v = v.as_table()?.get(part)?;
    }
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

pub fn solve(options: &SolveOptions, out: &mut dyn Write) -> Result<Status> {
    options.validate()?;
    let goal = options.target;
    let engine_config = EngineConfig {
        threads: options.threads,
        isa: options.isa,
        ..EngineConfig::default()
    };
    let base = Base::load(&options.scenario)?;
    let integer = is_integer_key(&options.key);
    // A key the scenario format does not know is refused as such, before any search.
    let probe = if integer {
        toml::Value::Integer(1)
    } else {
        toml::Value::Float(0.5)
    };
    if let Err(e) = base.with(&[(options.key.as_str(), probe)])
        && e.message.starts_with("unknown field")
    {
        return Err(cli("--for", e.message));
    }
    let fixed: Vec<_> = options.set.iter().map(|s| s.pair()).collect();
    let mut series = super::sweep::series_of(&options.compare);
    for (label, settings) in &mut series {
        settings.splice(0..0, fixed.iter().cloned());
        if options.compare.is_empty() {
            *label = String::new();
        }
    }
    let pending = options
        .output
        .as_deref()
        .map(PendingOutput::create)
        .transpose()?;

    let mut answers = Vec::new();
    let mut range_used = (f64::NAN, f64::NAN);
    let mut spacing = Spacing::Linear;
    for (label, settings) in &series {
        let scenario_at = |x: f64| -> Result<crate::scenario::Scenario> {
            let value = if integer {
                toml::Value::Integer(x as i64)
            } else {
                toml::Value::Float(x)
            };
            let mut all: Vec<(&str, toml::Value)> = settings
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            all.push((options.key.as_str(), value));
            Ok(base.with(&all)?)
        };
        // The closed form where there is one, else the exact computation where it fits its
        // limit (it then counts as exact, marked in `by_exact`).
        let by_exact = std::cell::Cell::new(false);
        let closed = |s: &crate::scenario::Scenario| {
            analytic::closed_form(s, goal.metric).or_else(|| {
                let e = crate::exact::compute(s).ok()?;
                by_exact.set(true);
                e.metric(goal.metric, s.run.paths)
            })
        };
        let mut simulated = false;
        let mut f = |x: f64| -> Result<Judged> {
            let s = scenario_at(x)?;
            if !options.simulate
                && let Some(m) = closed(&s)
            {
                return Ok(Judged {
                    metric: m,
                    met: Some(goal.met_by(m)),
                    interval: None,
                });
            }
            simulated = true;
            crate::solve::judge_by_simulation(&s, goal, options.max_trials, &engine_config)
        };
        let (lo, hi) = match options.between {
            Some(b) => (b.lo, b.hi),
            None if integer => {
                // From the smallest valid value (operator-aware needs as many operators as
                // hops, say), doubling until the goal changes side (or the scenario refuses).
                let lo = crate::solve::first_valid_integer(|x| scenario_at(x).is_ok());
                // Doubling on simulations could run for ever (a metric that never crosses
                // the bound, each try larger than the last): simulation needs a range.
                if options.simulate || closed(&scenario_at(lo)?).is_none() {
                    return Err(cli(
                        "--between",
                        format!(
                            "needed to solve `{}` by simulation (no closed form{}): give the \
                             range to search, LO:HI",
                            options.key,
                            if options.simulate { " used" } else { "" }
                        ),
                    ));
                }
                crate::solve::range_upwards(&mut f, lo)?
            }
            None => match current(&base, &options.key) {
                Some(v) if v > 0.0 && v < 1.0 => (1e-12, 1.0 - 1e-12),
                _ => {
                    return Err(cli(
                        "--between",
                        format!(
                            "needed for `{}`: give the range to search, LO:HI",
                            options.key
                        ),
                    ));
                }
            },
        };
        range_used = (lo, hi);
        spacing = Spacing::for_range(lo, hi, !integer && options.between.is_none());
        let plan = if options.simulate {
            ScanPlan {
                spacing,
                points: SIMULATED_SCAN_POINTS,
                refinements: 0,
            }
        } else {
            ScanPlan {
                spacing,
                points: SCAN_POINTS,
                refinements: SCAN_REFINEMENTS,
            }
        };
        let solution = crate::solve::solve(&mut f, lo, hi, integer, &plan)?;
        answers.push(SeriesAnswer {
            method: if simulated {
                SolveMethod::Simulation {
                    confidence: 1.0 - SOLVE_ALPHA,
                    start_trials: START_TRIALS,
                    max_trials: options.max_trials,
                }
            } else if by_exact.get() {
                SolveMethod::ClosedFormOrExact
            } else {
                SolveMethod::ClosedForm
            },
            series: if label.is_empty() {
                "scenario".to_string()
            } else {
                label.clone()
            },
            answers: solution.answers,
            monotone: solution.monotone,
            evaluations: solution.evaluations,
        });
    }
    let report = SolveReport {
        scenario: base.name.clone(),
        key: options.key.clone(),
        goal,
        range: range_used,
        method: "scan-and-bisection",
        spacing,
        series: answers,
    };
    if options.format != Format::Table {
        for a in report.series.iter().filter(|a| !a.monotone) {
            eprintln!(
                "pathrisk: warning: {}: the metric is not monotone in {} over the range; every \
                 crossing found is listed",
                a.series, report.key
            );
        }
    }
    super::emit(options.format, pending, out, &|e| e.solve(&report))?;
    Ok(Status::Agree)
}
