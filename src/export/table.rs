//! The human-readable table printed by default.

use super::{Exporter, data_number, grid, human_number};
use crate::metric::Metric;
use crate::report::check::{CheckReport, CheckVerdict, ExactStatus, POWER};
use crate::report::solve::SolveReport;
use crate::report::sweep::SweepResult;
use crate::report::{Method, MethodDetail, MetricRow, ReproduceReport, RunReport};
use crate::solve::Answer;
use crate::stats::Detectable;
use std::fmt::Write;

pub struct Table;

fn interval(m: &MetricRow, paths: u64) -> String {
    // Only an exact computation (no samples) has a `first` that never comes.
    let never = if m.samples == 0 {
        "never".to_string()
    } else {
        format!("> {paths}")
    };
    let end = |x: Option<f64>| x.map_or(never.clone(), human_number);
    format!("[{}, {}]", end(m.ci95[0]), end(m.ci95[1]))
}

fn cells(m: &MetricRow, paths: u64) -> [String; 7] {
    let first = m.first();
    let estimate = match first {
        Some(f) => f.median.clone(),
        None => m.estimate.map(human_number).unwrap_or_default(),
    };
    let closed = match (first, m.closed_form) {
        (Some(f), Some(c)) => format!(
            "{} (mean {})",
            human_number(c),
            f.mean_closed_form
                .map_or("inf".into(), |x| human_number(x.round()))
        ),
        (Some(_), None) if m.p_value.is_some() => "inf".to_string(),
        (_, Some(c)) => human_number(c),
        (_, None) => "-".to_string(),
    };
    let label = match first.and_then(|f| f.tested_at_paths) {
        Some(k) => format!("{} (≤{k})", m.metric),
        None => m.metric.to_string(),
    };
    [
        label,
        estimate,
        interval(m, paths),
        closed,
        m.p_value.map_or("-".into(), |p| format!("{p:.3}")),
        m.verdict.name().to_string(),
        if m.samples == 0 {
            "-".to_string()
        } else {
            format!("{}/{}", m.hits, m.samples)
        },
    ]
}

fn metric_grid(rows: &[[String; 7]]) -> String {
    let header = [
        "metric",
        "estimate",
        "95% interval",
        "closed form",
        "p-value",
        "verdict",
        "hits/samples",
    ];
    super::grid(&header, rows)
}

fn body(r: &RunReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "network   {}", r.network);
    let _ = writeln!(
        s,
        "path      {} hops, {}; target {}, event {}",
        r.hops, r.selection, r.target, r.event
    );
    if r.method == Method::Exact {
        let _ = writeln!(
            s,
            "run       {} paths per client, computed in {:.3} s",
            r.paths, r.elapsed_seconds
        );
    } else {
        let _ = writeln!(
            s,
            "run       {} clients × {} paths, seed {}, {} threads: {} paths drawn in {:.2} s",
            r.trials, r.paths, r.seed, r.threads, r.paths_simulated, r.elapsed_seconds
        );
    }
    if let Some(detail) = &r.method_detail {
        let _ = writeln!(s, "method    {}", method_note(detail));
    }
    if let Some(reason) = &r.no_closed_form_reason {
        let _ = writeln!(s, "note      no closed form: {reason}");
    }
    s.push('\n');
    let rows: Vec<_> = r.results.iter().map(|m| cells(m, r.paths)).collect();
    s.push_str(&metric_grid(&rows));
    s
}

/// `[run] horizons`: the clients compromised by each day, with interval and closed form.
fn horizons(r: &RunReport) -> String {
    if r.horizons.is_empty() {
        return String::new();
    }
    let mut rows = vec![
        std::iter::once("compromised by day".to_string())
            .chain(r.horizons.iter().map(|h| format!("{}", h.days)))
            .collect::<Vec<_>>(),
    ];
    rows.push(
        std::iter::once("clients, simulated".to_string())
            .chain(r.horizons.iter().map(|h| super::human_number(h.estimate)))
            .collect(),
    );
    rows.push(
        std::iter::once("95% interval".to_string())
            .chain(r.horizons.iter().map(|h| {
                format!(
                    "[{}, {}]",
                    super::human_number(h.ci95[0]),
                    super::human_number(h.ci95[1])
                )
            }))
            .collect(),
    );
    rows.push(
        std::iter::once("closed form".to_string())
            .chain(
                r.horizons
                    .iter()
                    .map(|h| h.closed_form.map_or("-".into(), super::human_number)),
            )
            .collect(),
    );
    format!("\n{}", grid_rows(&rows))
}

/// Rows of cells as aligned columns, the first left-aligned, the others right-aligned.
fn grid_rows(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
        }
        s.push('\n');
    }
    s
}

/// The quantiles of the first compromised path, in paths and (with paths per day) days.
fn quantiles(r: &RunReport) -> String {
    let Some(first) = r.row(Metric::First) else {
        return String::new();
    };
    let Some(detail) = first.first().filter(|d| !d.quantiles.is_empty()) else {
        return String::new();
    };
    let exact = r.method == Method::Exact;
    // Whether the closed forms give the law of the first compromised path.
    let has_law =
        first.p_value.is_some() || (exact && first.verdict != crate::stats::Verdict::NoClosedForm);
    let beyond = if exact {
        "never".to_string()
    } else {
        format!("> {}", r.paths)
    };
    let paths = |k: Option<u64>, never: &str| k.map_or(never.to_string(), |k| k.to_string());
    let days = |d: Option<f64>, never: &str| d.map_or(never.to_string(), |d| format!("{d:.1}"));
    let mut table = vec![
        std::iter::once("first compromised path".to_string())
            .chain(
                detail
                    .quantiles
                    .iter()
                    .map(|q| format!("{:.0}%", 100.0 * q.q)),
            )
            .collect::<Vec<_>>(),
        std::iter::once(
            if exact {
                "paths, exact"
            } else {
                "paths, simulated"
            }
            .to_string(),
        )
        .chain(detail.quantiles.iter().map(|q| paths(q.paths, &beyond)))
        .collect(),
        std::iter::once("paths, closed form".to_string())
            .chain(detail.quantiles.iter().map(|q| {
                if !has_law {
                    "-".into()
                } else {
                    paths(q.closed_form_paths, "never")
                }
            }))
            .collect(),
    ];
    if detail
        .quantiles
        .iter()
        .any(|q| q.days.is_some() || q.closed_form_days.is_some())
    {
        let per_day = r.paths_per_day.unwrap_or(1.0);
        table.push(
            std::iter::once("days, simulated".to_string())
                .chain(
                    detail
                        .quantiles
                        .iter()
                        .map(|q| days(q.days, &format!("> {:.1}", r.paths as f64 / per_day))),
                )
                .collect(),
        );
        table.push(
            std::iter::once("days, closed form".to_string())
                .chain(
                    detail
                        .quantiles
                        .iter()
                        .map(|q| days(q.closed_form_days, "never")),
                )
                .collect(),
        );
    }
    format!("\n{}", grid_rows(&table))
}

fn detectable_text(d: Option<Detectable>) -> String {
    match d {
        None => "-".into(),
        Some(Detectable::Relative(x)) => format!("±{:.2}%", 100.0 * x),
        Some(Detectable::Absolute(x)) => format!("p ≥ {}", human_number(x)),
        Some(Detectable::Nothing) => "> 100%".into(),
    }
}

fn check_table(r: &CheckReport) -> String {
    let header = [
        "scenario",
        "metric",
        "closed form",
        "reference",
        "exact",
        "estimate",
        "95% interval",
        "detects",
        "verdict",
    ];
    let cell = |x: Option<f64>| x.map_or("-".to_string(), human_number);
    let rows: Vec<[String; 9]> = r
        .rows
        .iter()
        .map(|c| {
            [
                c.scenario.clone(),
                c.metric.to_string(),
                cell(c.closed_form),
                c.reference_status.name().to_string(),
                match c.exact_status {
                    ExactStatus::Differs => format!("{} (differs)", cell(c.exact)),
                    _ => cell(c.exact),
                },
                cell(c.estimate),
                format!("[{}, {}]", cell(c.ci95[0]), cell(c.ci95[1])),
                detectable_text(c.detectable),
                c.verdict.name().to_string(),
            ]
        })
        .collect();
    let mut s = grid(&header, &rows);
    let failed = r
        .rows
        .iter()
        .filter(|c| c.verdict == CheckVerdict::Disagree)
        .count();
    let unreferenced = r
        .rows
        .iter()
        .filter(|c| c.verdict == CheckVerdict::NoReference)
        .count();
    let _ = writeln!(
        s,
        "\n{} checks at family α {} (each at {:.3e}); \"detects\": the smallest closed-form error caught with probability {POWER}.",
        r.checks, r.family_alpha, r.alpha_per_check
    );
    let _ = writeln!(
        s,
        "{}; {} paths in {:.1} s",
        match (failed, unreferenced) {
            (0, 0) => "all agree".to_string(),
            (0, n) => format!("{n} without a reference, none disagrees"),
            (f, 0) => format!("{f} disagree"),
            (f, n) => format!("{f} disagree, {n} without a reference"),
        },
        r.paths_simulated,
        r.elapsed_seconds
    );
    s
}

fn solve_table(r: &SolveReport) -> String {
    let goal = format!(
        "{}{}{}",
        r.goal.metric,
        if r.goal.at_most { "<=" } else { ">=" },
        r.goal.value
    );
    let mut s = format!(
        "solve  {} for {goal} in {} over {}..{} (scanned, then bisected at every crossing)\n\n",
        r.key,
        r.scenario,
        data_number(r.range.0),
        data_number(r.range.1)
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    for a in &r.series {
        if a.answers.is_empty() {
            rows.push(vec![
                a.series.clone(),
                format!(
                    "none in {}..{}",
                    data_number(r.range.0),
                    data_number(r.range.1)
                ),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
            ]);
        }
        for ans in &a.answers {
            rows.push(match ans {
                Answer {
                    whole_range: Some((lo, hi)),
                    metric,
                    ..
                } => vec![
                    a.series.clone(),
                    format!(
                        "every value from {} to {}",
                        data_number(*lo),
                        data_number(*hi)
                    ),
                    data_number(*metric),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                ],
                ans => vec![
                    a.series.clone(),
                    data_number(ans.value),
                    data_number(ans.metric),
                    ans.past.map_or("-".into(), |p| data_number(p.0)),
                    ans.past.map_or("-".into(), |p| data_number(p.1)),
                    ans.unresolved.map_or("-".into(), |(x, (lo, hi))| {
                        format!(
                            "{} [{}, {}]",
                            data_number(x),
                            data_number(lo),
                            data_number(hi)
                        )
                    }),
                ],
            });
        }
    }
    s.push_str(&grid(
        &[
            "series",
            &r.key,
            "metric there",
            "next value",
            "metric there",
            "undecided at [interval]",
        ],
        &rows,
    ));
    s.push('\n');
    for a in &r.series {
        s.push_str(&format!(
            "{}: {}; {} values computed\n",
            a.series, a.method, a.evaluations
        ));
        if !a.monotone {
            s.push_str(&format!(
                "warning: {}: the metric rises and falls over the range, so the bound can be \
                 crossed more than once: every crossing the scan found is listed (a peak \
                 narrower than the scan's spacing can still be missed)\n",
                a.series
            ));
        }
    }
    s
}

/// A sweep for people: one line per point, series and metric.
fn sweep_table(r: &SweepResult) -> String {
    let mut header: Vec<&str> = r.varies.iter().map(|v| v.key.as_str()).collect();
    header.extend([
        "series",
        "metric",
        "estimate",
        "95% interval",
        "closed form",
        "verdict",
    ]);
    let cell = |x: Option<f64>| x.map_or("-".to_string(), human_number);
    let mut rows = Vec::new();
    for p in &r.points {
        for m in &p.report.results {
            let mut row: Vec<String> = r
                .varies
                .iter()
                .zip(&p.values)
                .map(|(v, &x)| super::vary_text(v, x))
                .collect();
            row.extend([
                r.series[p.series].clone(),
                m.metric.to_string(),
                cell(m.estimate),
                interval(m, p.report.paths),
                cell(m.closed_form),
                m.verdict.name().to_string(),
            ]);
            rows.push(row);
        }
    }
    format!("sweep  {}\n\n{}", r.scenario, grid(&header, &rows))
}

impl Exporter for Table {
    fn run(&self, r: &RunReport) -> String {
        let mut s = format!("scenario  {}", r.scenario);
        if !r.description.is_empty() {
            let _ = write!(s, " — {}", r.description);
        }
        s.push('\n');
        s + &body(r) + &quantiles(r) + &horizons(r)
    }

    fn reproduce(&self, r: &ReproduceReport) -> String {
        let mut s = String::new();
        for c in &r.cases {
            let _ = writeln!(s, "== {} — {}", c.id, c.description);
            s.push_str(&body(&c.report));
            s.push('\n');
        }
        let _ = writeln!(s, "{}", super::conclusion::conclusion(&r.cases));
        let _ = writeln!(s, "\nelapsed: {:.2} s", r.elapsed_seconds);
        s
    }

    fn sweep(&self, r: &SweepResult) -> String {
        sweep_table(r)
    }

    fn check(&self, r: &CheckReport) -> String {
        check_table(r)
    }

    fn solve(&self, r: &SolveReport) -> String {
        solve_table(r)
    }

    fn network(&self, r: &crate::report::network::NetworkReport) -> String {
        network_table(r)
    }

    fn calibrate(&self, r: &crate::calibrate::CalibrationReport) -> String {
        calibration_table(r)
    }
}

fn calibration_table(r: &crate::calibrate::CalibrationReport) -> String {
    use crate::calibrate::{Claim, RATE_LEVEL};
    let rate = |x: f64| format!("{x:.4}");
    let rows: Vec<[String; 7]> = r
        .rows
        .iter()
        .map(|c| {
            [
                c.interval.clone(),
                c.scenario.clone(),
                rate(c.nominal),
                rate(c.observed),
                format!("[{}, {}]", rate(c.low), rate(c.high)),
                c.seeds.to_string(),
                c.verdict.name().to_string(),
            ]
        })
        .collect();
    let level = format!("{:.0}% interval", 100.0 * RATE_LEVEL);
    let mut s = grid(
        &[
            "interval", "scenario", "nominal", "observed", &level, "seeds", "verdict",
        ],
        &rows,
    );
    let said = |claim: Claim| match claim {
        Claim::AtLeast => {
            "at least nominal (conservative intervals; detection at the stated power)"
        }
        Claim::About => "nominal within sampling error, either way (asymptotic intervals)",
        Claim::AtMost => "at most nominal (false alarms)",
    };
    let claims = [Claim::AtLeast, Claim::About, Claim::AtMost]
        .into_iter()
        .filter(|&c| r.rows.iter().any(|row| row.claim == c));
    let _ = writeln!(
        s,
        "\nobserved: the share of seeds (1…N) whose interval held the exact value, or whose test \
         rejected; ok when its {level} is consistent with:"
    );
    for c in claims {
        let _ = writeln!(s, "  {}", said(c));
    }
    for line in &r.skipped {
        let _ = writeln!(s, "skipped: {line}");
    }
    let off = r
        .rows
        .iter()
        .filter(|c| c.verdict == crate::calibrate::CalibrationVerdict::Off);
    let _ = writeln!(
        s,
        "{} rows, {} off; {:.1} s",
        r.rows.len(),
        off.count(),
        r.elapsed_seconds
    );
    s
}

fn network_table(r: &crate::report::network::NetworkReport) -> String {
    let percent = |x: f64| format!("{:.3}%", 100.0 * x);
    // The network's line says what share of the weight had no microdescriptor, so no family.
    let mut s = format!("scenario  {}\nnetwork   {}\n\n", r.scenario, r.network);
    let rows: Vec<[String; 3]> = r
        .positions
        .iter()
        .map(|p| {
            [
                p.position.clone(),
                p.eligible.to_string(),
                format!("{}", p.consensus_weight),
            ]
        })
        .collect();
    s.push_str(&grid(&["position", "eligible", "consensus weight"], &rows));
    let mut by: Vec<&str> = r.families.iter().map(|f| f.by.as_str()).collect();
    by.dedup();
    for b in by {
        s.push_str(&format!("\nlargest by {b} probability\n"));
        let rows: Vec<[String; 6]> = r
            .families
            .iter()
            .filter(|f| f.by == b)
            .map(|f| {
                [
                    f.rank.to_string(),
                    f.family.clone(),
                    f.relays.to_string(),
                    percent(f.guard),
                    percent(f.middle),
                    percent(f.exit),
                ]
            })
            .collect();
        s.push_str(&grid(
            &["rank", "family", "relays", "guard", "middle", "exit"],
            &rows,
        ));
    }
    s
}

/// A method's detail in words.
fn method_note(detail: &MethodDetail) -> String {
    match *detail {
        MethodDetail::TorSums { relays } => format!(
            "exact: sums over the {relays} relays by tor's rules (exit × guard × middle, per-relay normalisers)"
        ),
        MethodDetail::Exact { classes, steps } => format!(
            "exact: dynamic programming over {classes} classes of interchangeable servers, {steps} steps"
        ),
        MethodDetail::Importance {
            tilt,
            tilted_paths,
            effective_sample_size,
            plain_ratio,
            plain_ratio_all,
            paths_drawn,
        } => {
            let show = |x: Option<f64>| x.map_or("-".to_string(), human_number);
            format!(
                "importance sampling, tilt {tilt}: {tilted_paths} tilted paths; path: effective sample size {}; for this precision plain Monte Carlo needs {}× the tilted paths ({}× all {paths_drawn} paths drawn)",
                human_number(effective_sample_size),
                show(plain_ratio),
                show(plain_ratio_all),
            )
        }
    }
}
