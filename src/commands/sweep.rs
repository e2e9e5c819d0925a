//! `pathrisk sweep FILE --vary KEY=FROM:TO:STEPS [--compare KEY=A,B]`: a grid of scenarios, each
//! simulated and checked, as a tidy CSV and optionally an SVG plot.

use super::{CommonOptions, Status, chunks_of, progress_bar};
use crate::analytic;
use crate::engine;
use crate::error::{Error, InputError, Result};
use crate::export::svg::{Plot, Series};
use crate::export::{PendingOutput, data_number};
use crate::metric::Metric;
pub use crate::report::sweep::{SweepPoint, SweepResult};
use crate::scenario::{Overrides, Scenario};
use crate::shard::{Job, Partial, Shard};
use crate::sweep::{Base, Compare, Vary, vary_value};
use std::io::Write;

/// The metrics a sweep can plot.
pub const PLOT_METRICS: [Metric; 3] = SweepOptions::PLOT_METRICS;

/// Points of the closed-form curve drawn under a plot's simulated points.
const CURVE_POINTS: usize = 120;

pub use crate::options::SweepOptions;

/// Every combination of the compared values: (label, settings).
pub(super) fn series_of(compares: &[Compare]) -> Vec<(String, Vec<(String, toml::Value)>)> {
    let mut out = vec![(String::new(), Vec::new())];
    for c in compares {
        out = out
            .into_iter()
            .flat_map(|(label, settings)| {
                c.values.iter().zip(&c.labels).map(move |(v, l)| {
                    let mut s = settings.clone();
                    s.push((c.key.clone(), v.clone()));
                    let label = if label.is_empty() {
                        l.clone()
                    } else {
                        format!("{label}, {l}")
                    };
                    (label, s)
                })
            })
            .collect();
    }
    if out.len() == 1 && out[0].0.is_empty() {
        out[0].0 = "simulation".to_string();
    }
    out
}

/// Every point of the grid, first `--vary` slowest.
fn grid(varies: &[Vary]) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new()];
    for v in varies {
        out = out
            .into_iter()
            .flat_map(|p| {
                v.values.iter().map(move |&x| {
                    let mut q = p.clone();
                    q.push(x);
                    q
                })
            })
            .collect();
    }
    out
}

fn settings_for(
    varies: &[Vary],
    values: &[f64],
    series: &[(String, toml::Value)],
) -> Vec<(String, toml::Value)> {
    let mut s: Vec<(String, toml::Value)> = varies
        .iter()
        .zip(values)
        .map(|(v, &x)| (v.key.clone(), vary_value(v, x)))
        .collect();
    s.extend(series.iter().cloned());
    s
}

fn build(
    base: &Base,
    settings: &[(String, toml::Value)],
    overrides: &Overrides,
) -> Result<Scenario, InputError> {
    let pairs: Vec<(&str, toml::Value)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    base.with(&pairs)?.with_overrides(overrides)
}

/// A sweep ready to run: every point's scenario built (and so validated) before any runs.
struct Prepared {
    base: Base,
    varies: Vec<Vary>,
    series: Vec<(String, Vec<(String, toml::Value)>)>,
    overrides: Overrides,
    /// (varied values, series index, scenario) for every point.
    jobs: Vec<(Vec<f64>, usize, Scenario)>,
}

fn prepare(options: &SweepOptions) -> Result<Prepared> {
    options.validate()?;
    let varies = options.vary.clone();
    let base = Base::load(&options.scenario)?;
    let overrides = Overrides {
        trials: options.trials,
        seed: options.seed,
        ..Overrides::default()
    };
    let fixed: Vec<_> = options.set.iter().map(|s| s.pair()).collect();
    let mut series = series_of(&options.compare);
    for (_, settings) in &mut series {
        settings.splice(0..0, fixed.iter().cloned());
    }
    let mut jobs = Vec::new();
    if options.over_consensus {
        // Each point: the static scenario on one consensus of the series.
        let mut varies = Vec::new();
        for (i, (_, s)) in series.iter().enumerate() {
            let scenario = build(&base, s, &overrides)?;
            let Some(steps) = scenario.series.as_ref().map(|t| t.steps.len()) else {
                return Err(InputError::new(
                    "command line",
                    "--over consensus",
                    format!(
                        "{} is not on a series of consensuses; give [network] tor_series = …",
                        options.scenario.display()
                    ),
                )
                .into());
            };
            let times: Vec<u64> = (0..steps)
                .map(|c| {
                    scenario.series.as_ref().expect("a series").steps[c]
                        .relays
                        .valid_after
                })
                .collect();
            for (c, &t) in times.iter().enumerate() {
                jobs.push((vec![t as f64], i, scenario.at_consensus(c)));
            }
            if varies.is_empty() {
                varies.push(Vary::consensuses(&times));
            }
        }
        return Ok(Prepared {
            base,
            varies,
            series,
            overrides,
            jobs,
        });
    }
    for values in &grid(&varies) {
        for (i, (_, s)) in series.iter().enumerate() {
            jobs.push((
                values.clone(),
                i,
                build(&base, &settings_for(&varies, values, s), &overrides)?,
            ));
        }
    }
    Ok(Prepared {
        base,
        varies,
        series,
        overrides,
        jobs,
    })
}

/// Every point of a prepared sweep, by `method`.
fn run_points(
    prepared: &Prepared,
    method: super::Method,
    common: &CommonOptions,
) -> Result<SweepResult> {
    let jobs = &prepared.jobs;
    if method == super::Method::MonteCarlo {
        let scenarios: Vec<&Scenario> = jobs.iter().map(|j| &j.2).collect();
        super::announce_cost(&scenarios, common)?;
    }
    let bar = progress_bar(
        common.progress,
        jobs.iter().map(|(_, _, s)| chunks_of(s)).sum(),
    );
    let mut result = SweepResult {
        scenario: jobs.first().map(|j| j.2.name.clone()).unwrap_or_default(),
        varies: prepared.varies.clone(),
        series: prepared.series.iter().map(|s| s.0.clone()).collect(),
        points: Vec::new(),
    };
    for (values, series_index, scenario) in jobs {
        bar.set_message(format!(
            "{} {}",
            scenario.name, result.series[*series_index]
        ));
        let report = super::report_by(method, scenario, common, &bar)?;
        result.points.push(SweepPoint {
            values: values.clone(),
            series: *series_index,
            report,
        });
    }
    bar.finish_and_clear();
    Ok(result)
}

pub fn sweep(options: &SweepOptions, out: &mut dyn Write) -> Result<Status> {
    let prepared = prepare(options)?;
    let csv_file = options.common.pending_output()?;
    if let Some(shard) = options.shard {
        let series_labels = prepared.series.iter().map(|s| s.0.clone()).collect();
        return sweep_shard(
            prepared.jobs,
            shard,
            prepared.varies,
            series_labels,
            options,
            csv_file,
            out,
        );
    }
    let plot_file = options
        .plot
        .as_deref()
        .map(|p| crate::export::plot_file(p, "--plot"))
        .transpose()?;
    let result = run_points(&prepared, options.method, &options.common)?;

    super::emit(options.common.format, csv_file, out, &|e| e.sweep(&result))?;
    if let Some(f) = plot_file {
        let plot = plot(&result, &prepared, options.metric, options.log_y);
        f.commit(
            &plot
                .render()
                .map_err(|e| Error::Runtime(format!("cannot draw the plot: {e}")))?,
        )?;
    }
    let disagree = result.points.iter().any(|p| p.report.any_disagree());
    Ok(if disagree {
        Status::Disagree
    } else {
        Status::Agree
    })
}

/// One shard of every point of the sweep, written as a partial result (JSON) where the CSV
/// would go; `pathrisk merge` turns the parts into the sweep's CSV.
fn sweep_shard(
    jobs: Vec<(Vec<f64>, usize, Scenario)>,
    shard: Shard,
    varies: Vec<Vary>,
    series: Vec<String>,
    options: &SweepOptions,
    pending: Option<PendingOutput>,
    out: &mut dyn Write,
) -> Result<Status> {
    let mut parts: Vec<Job> = jobs
        .into_iter()
        .map(|(values, series, scenario)| Job {
            values,
            series,
            ..Job::new(scenario, shard)
        })
        .collect();
    let bar = progress_bar(
        options.common.progress,
        parts.iter().map(|j| j.chunks.end - j.chunks.start).sum(),
    );
    let (mut threads, mut elapsed) = (1, 0.0);
    for job in &mut parts {
        let outcome = engine::simulate_chunks(
            &job.scenario,
            &options.common.engine(),
            &|n| bar.inc(n),
            job.chunks.clone(),
        )?;
        job.counts = outcome.counts;
        threads = outcome.threads;
        elapsed += outcome.elapsed_seconds;
    }
    bar.finish_and_clear();
    let partial = Partial::new("sweep", shard, parts, varies, series, threads, elapsed);
    super::write_partial(&partial, pending, out)?;
    Ok(Status::Agree)
}

/// The plot of a sweep: its points with their intervals, and along x the closed form of the
/// CSV's `closed_form` column (guards and server-level networks included).
fn plot(result: &SweepResult, prepared: &Prepared, metric: Metric, log_y: bool) -> Plot {
    let (base, series, overrides) = (&prepared.base, &prepared.series, &prepared.overrides);
    let x = &result.varies[0];
    // Other varied keys become part of the series.
    let others: Vec<Vec<f64>> = grid(&result.varies[1..]);
    let mut out = Vec::new();
    for (si, (label, settings)) in series.iter().enumerate() {
        for rest in &others {
            let mut name = label.clone();
            for (v, val) in result.varies[1..].iter().zip(rest) {
                name.push_str(&format!(", {}={}", v.key, data_number(*val)));
            }
            let points = result
                .points
                .iter()
                .filter(|p| p.series == si && p.values[1..] == rest[..])
                .filter_map(|p| {
                    let m = p.report.row(metric)?;
                    Some((
                        p.values[0],
                        m.estimate?,
                        m.ci95[0]?,
                        m.ci95[1].unwrap_or(f64::INFINITY),
                    ))
                })
                .collect();
            if x.dates {
                // Per consensus, the closed form of each point's own network.
                let curve = result
                    .points
                    .iter()
                    .filter(|p| p.series == si)
                    .filter_map(|p| Some((p.values[0], p.report.row(metric)?.closed_form?)))
                    .collect();
                out.push(Series {
                    label: name,
                    points,
                    curve,
                });
                continue;
            }
            let (lo, hi) = (
                x.values[0].min(*x.values.last().unwrap()),
                x.values[0].max(*x.values.last().unwrap()),
            );
            let xs: Vec<f64> = if x.integer {
                let (a, b) = (lo as i64, hi as i64);
                let step = ((b - a) / CURVE_POINTS as i64).max(1);
                (a..=b).step_by(step as usize).map(|v| v as f64).collect()
            } else {
                (0..CURVE_POINTS)
                    .map(|i| {
                        let t = i as f64 / (CURVE_POINTS - 1) as f64;
                        if x.log {
                            lo * (hi / lo).powf(t)
                        } else {
                            lo + (hi - lo) * t
                        }
                    })
                    .collect()
            };
            // The sweep's own values too, so the line passes through each point's closed form.
            let mut xs = xs;
            xs.extend(x.values.iter().copied());
            xs.sort_by(f64::total_cmp);
            xs.dedup();
            let curve = xs
                .into_iter()
                .filter_map(|xv| {
                    let mut values = vec![xv];
                    values.extend(rest);
                    let s = build(
                        base,
                        &settings_for(&result.varies, &values, settings),
                        overrides,
                    )
                    .ok()?;
                    analytic::closed_form(&s, metric).map(|y| (xv, y))
                })
                .collect();
            out.push(Series {
                label: name,
                points,
                curve,
            });
        }
    }
    let y_label = match metric {
        Metric::Path | Metric::PathImportance => "path: P(one path compromised)".to_string(),
        Metric::Client => "client: P(at least one of M paths compromised)".to_string(),
        Metric::First => "first: median paths until the first compromised one".to_string(),
        Metric::Guard => "guard: P(a guard of the target at some point)".to_string(),
    };
    Plot {
        title: format!(
            "{} — Monte Carlo (points, 95% intervals) and closed form (lines)",
            result.scenario
        ),
        x_label: if x.dates {
            "valid after (the consensus' date, UTC)".to_string()
        } else {
            x.key.clone()
        },
        x_dates: x.dates,
        y_label,
        log_x: x.log,
        log_y,
        series: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn options(file: &str, vary: &str, compare: &[&str], metric: Metric) -> SweepOptions {
        SweepOptions {
            scenario: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file),
            vary: vec![Vary::parse(vary).unwrap()],
            over_consensus: false,
            compare: compare.iter().map(|c| Compare::parse(c).unwrap()).collect(),
            set: Vec::new(),
            trials: Some(500),
            seed: None,
            metric,
            plot: None,
            log_y: false,
            common: CommonOptions::default(),
            shard: None,
            method: super::super::Method::MonteCarlo,
        }
    }

    /// The plotted line at each point's x is the closed form of the CSV's row: with rotating
    /// guards it is not 1 − (1 − p)^M.
    #[test]
    fn the_plotted_closed_form_is_the_csvs_with_guards_too() {
        for (file, vary, compare, metric) in [
            (
                "scenarios/guards-rotating.toml",
                "run.paths=10:100:4",
                &[][..],
                Metric::Client,
            ),
            (
                "scenarios/guards-rotating.toml",
                "run.paths=10:100:4",
                &[],
                Metric::First,
            ),
            (
                "scenarios/coalition-ends.toml",
                "run.paths=5:50:3",
                &["path.selection=random,operator-aware"][..],
                Metric::Client,
            ),
        ] {
            let prepared = prepare(&options(file, vary, compare, metric)).unwrap();
            let result = run_points(
                &prepared,
                super::super::Method::MonteCarlo,
                &CommonOptions::default(),
            )
            .unwrap();
            let plot = plot(&result, &prepared, metric, false);
            let mut compared = 0;
            for p in &result.points {
                let csv = p.report.row(metric).unwrap().closed_form.unwrap();
                let series = &plot.series[p.series];
                let (_, drawn) = series
                    .curve
                    .iter()
                    .find(|(x, _)| *x == p.values[0])
                    .unwrap_or_else(|| panic!("{file}: no curve point at {:?}", p.values));
                assert_eq!(*drawn, csv, "{file} {metric} at {:?}", p.values);
                compared += 1;
            }
            assert_eq!(compared, result.points.len());
        }
        // The guarded client risk is well below the unguarded formula, which the plot drew
        // before: the comparison above would have failed.
        let s = Scenario::load(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/guards-rotating.toml"),
        )
        .unwrap();
        let p = analytic::closed_form(&s, Metric::Path).unwrap();
        let unguarded = crate::analytic::client::at_least_one(p, s.run.paths);
        let guarded = analytic::closed_form(&s, Metric::Client).unwrap();
        assert!(
            (unguarded - guarded).abs() > 0.01,
            "{unguarded} vs {guarded}"
        );
    }
}
