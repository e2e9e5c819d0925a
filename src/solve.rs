//! Inverse questions: the value of one scenario key at which a metric crosses a bound ("the
//! largest share that keeps the client risk at most 1%", "the paths until the risk reaches
//! 50%"), by bisection on the closed form. The metric must be monotone in the key over the
//! range searched; the answer is the value nearest the crossing on the side that meets the
//! goal, and the first value past it is reported beside it, so the crossing is bracketed.

use crate::engine::{self, EngineConfig};
use crate::error::{InputError, Result};
use crate::metric::Metric;
use crate::stats;

/// `METRIC<=VALUE` or `METRIC>=VALUE`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Goal {
    pub metric: Metric,
    /// `true` for `<=`, `false` for `>=`.
    pub at_most: bool,
    pub value: f64,
}

impl Goal {
    /// The metrics a goal may bound.
    pub const METRICS: [Metric; 2] = [Metric::Path, Metric::Client];

    pub fn parse(text: &str) -> Result<Goal, InputError> {
        let bad = |m: &str| InputError::new("command line", "--target", format!("`{text}`: {m}"));
        let (metric, at_most, value) = if let Some((m, v)) = text.split_once("<=") {
            (m, true, v)
        } else if let Some((m, v)) = text.split_once(">=") {
            (m, false, v)
        } else {
            return Err(bad(
                "expected METRIC<=VALUE or METRIC>=VALUE, e.g. client<=0.01",
            ));
        };
        let metric = match Metric::parse(metric.trim()) {
            Some(m) if Goal::METRICS.contains(&m) => m,
            _ => {
                return Err(bad(&format!(
                    "unknown metric `{}`; expected {}",
                    metric.trim(),
                    Metric::names(&Goal::METRICS)
                )));
            }
        };
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| bad("the bound is not a number"))?;
        if !(0.0..=1.0).contains(&value) {
            return Err(bad("the bound is a probability, from 0 to 1"));
        }
        Ok(Goal {
            metric,
            at_most,
            value,
        })
    }

    /// Whether a metric known to lie in `[a, b]` meets the goal: `None` while the interval
    /// still holds the bound.
    pub fn judge_interval(&self, a: f64, b: f64) -> Option<bool> {
        if self.at_most {
            if b <= self.value {
                Some(true)
            } else if a > self.value {
                Some(false)
            } else {
                None
            }
        } else if a >= self.value {
            Some(true)
        } else if b < self.value {
            Some(false)
        } else {
            None
        }
    }

    pub fn met_by(&self, x: f64) -> bool {
        if self.at_most {
            x <= self.value
        } else {
            x >= self.value
        }
    }
}

/// Clients of a simulated evaluation's first try (then ×4 while undecided).
pub const START_TRIALS: u64 = 10_000;
/// One minus the confidence of the intervals that decide a simulated evaluation.
pub const SOLVE_ALPHA: f64 = 1e-3;

/// The metric at scenario `s` by simulation: clients ×4 from [`START_TRIALS`] until its
/// Clopper–Pearson interval lies on one side of the bound, or `max_trials` is reached (then
/// `met` is `None`: cannot tell). The scenario's own seed, so every evaluation draws from the
/// same streams (common random numbers keep the simulated metric monotone in practice).
pub fn judge_by_simulation(
    s: &crate::scenario::Scenario,
    goal: Goal,
    max_trials: u64,
    engine: &EngineConfig,
) -> Result<Judged> {
    let mut trials = START_TRIALS.min(max_trials.max(1));
    loop {
        let mut t = s.clone();
        t.run.trials = trials;
        let o = engine::simulate(&t, engine, &|_| {})?;
        let c = &o.counts;
        let (hits, n) = match goal.metric {
            Metric::Path if t.guards.is_none() => (c.path_hits, c.paths_drawn),
            // With guards the path metric counts one path per client (see `report`).
            Metric::Path => (c.first_path_hits, c.clients),
            // A goal bounds the path or the client metric (`Goal::METRICS`).
            _ => (c.client_hits, c.clients),
        };
        let (a, b) = stats::clopper_pearson(hits, n, SOLVE_ALPHA);
        let met = goal.judge_interval(a, b);
        if met.is_some() || trials >= max_trials {
            return Ok(Judged {
                metric: hits as f64 / n as f64,
                met,
                interval: Some((a, b)),
            });
        }
        trials = trials.saturating_mul(4).min(max_trials);
    }
}

/// From 1 up, the first whole number at which `valid` holds (operator-aware needs as many
/// operators as hops, say); 64 if none below it does.
pub fn first_valid_integer(valid: impl Fn(f64) -> bool) -> f64 {
    let mut lo = 1.0;
    while lo < 64.0 && !valid(lo) {
        lo += 1.0;
    }
    lo
}

/// The range an integer key is searched over when none is given: from `lo`, doubling until
/// the goal changes side (or cannot be told, or the scenario refuses the value: then the last
/// value it took), at most to 2^53.
pub fn range_upwards<E>(
    judge: &mut dyn FnMut(f64) -> Result<Judged, E>,
    lo: f64,
) -> Result<(f64, f64), E> {
    let at_lo = judge(lo)?.met;
    let mut hi = 2.0 * lo;
    while hi < 9.007e15 {
        match judge(hi) {
            Ok(j) if j.met != at_lo || j.met.is_none() => break,
            Ok(_) => hi *= 2.0,
            Err(_) => {
                hi /= 2.0;
                break;
            }
        }
    }
    Ok((lo, hi.max(lo)))
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Answer {
    /// The value nearest the crossing that meets the goal, and the metric there.
    pub value: f64,
    pub metric: f64,
    /// The nearest value that does not (the crossing lies between), and the metric there;
    /// `None` when every value of the range meets the goal.
    pub past: Option<(f64, f64)>,
    /// When both ends of the range meet the goal: the range (no crossing in it).
    pub whole_range: Option<(f64, f64)>,
    /// By simulation: a value where the metric's interval still held the bound at the most
    /// trials allowed, with that interval. The search stopped there: the crossing lies
    /// between `value` and `past`, this value included.
    pub unresolved: Option<(f64, (f64, f64))>,
}

/// What is known of the metric at one key value: its estimate, whether it meets the goal
/// (`None`: cannot tell), and its interval when it was simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    pub metric: f64,
    pub met: Option<bool>,
    pub interval: Option<(f64, f64)>,
}

/// How the scan spaces its points over the range: evenly, evenly in the logarithm (ranges over
/// orders of magnitude), or evenly in the log-odds (shares in (0, 1), which need as fine a
/// look near 1 as near 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spacing {
    Linear,
    Log,
    Logit,
}

impl Spacing {
    /// The spacing that suits `[lo, hi]`: log-odds for shares, logarithmic over more than two
    /// orders of magnitude, else even.
    pub fn for_range(lo: f64, hi: f64, share: bool) -> Spacing {
        if share && lo > 0.0 && hi < 1.0 {
            Spacing::Logit
        } else if lo > 0.0 && hi / lo >= 100.0 {
            Spacing::Log
        } else {
            Spacing::Linear
        }
    }

    fn to(self, x: f64) -> f64 {
        match self {
            Spacing::Linear => x,
            Spacing::Log => x.ln(),
            Spacing::Logit => (x / (1.0 - x)).ln(),
        }
    }

    fn from(self, t: f64) -> f64 {
        match self {
            Spacing::Linear => t,
            Spacing::Log => t.exp(),
            Spacing::Logit => 1.0 / (1.0 + (-t).exp()),
        }
    }

    /// The point halfway between `a` and `b` in this spacing (a whole number when `integer`),
    /// `None` when there is none strictly between them.
    fn middle(self, a: f64, b: f64, integer: bool) -> Option<f64> {
        let m = self.from((self.to(a) + self.to(b)) / 2.0);
        let m = if integer { m.round() } else { m };
        (m > a.min(b) && m < a.max(b)).then_some(m)
    }
}

/// How finely [`solve`] looks at the range before bisecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanPlan {
    pub spacing: Spacing,
    /// Points of the first pass, both ends included.
    pub points: usize,
    /// Passes that halve every gap across which the metric moves by more than an eighth of
    /// its range over the scan.
    pub refinements: usize,
}

/// Points of the first pass on closed forms and exact computations, and passes of refinement.
pub const SCAN_POINTS: usize = 65;
pub const SCAN_REFINEMENTS: usize = 4;
/// Points of the first pass on simulations (each point is a simulation), no refinement.
pub const SIMULATED_SCAN_POINTS: usize = 9;

/// Everything the search found over the range.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Solution {
    /// Every crossing found, in increasing order of the key; when there is none, one answer
    /// with `whole_range` if the whole range meets the goal, none if no value does.
    pub answers: Vec<Answer>,
    /// `false` when the metric was seen to rise and to fall over the range.
    pub monotone: bool,
    /// Key values at which the metric was looked at (scan and bisections).
    pub evaluations: usize,
}

/// The scanned points, sorted, without repeats.
fn scan_points(lo: f64, hi: f64, integer: bool, plan: &ScanPlan) -> Vec<f64> {
    let n = plan.points.max(2);
    let (a, b) = (plan.spacing.to(lo), plan.spacing.to(hi));
    let mut xs: Vec<f64> = (0..n)
        .map(|i| {
            let x = match i {
                0 => lo,
                _ if i == n - 1 => hi,
                _ => plan.spacing.from(a + (b - a) * i as f64 / (n - 1) as f64),
            };
            if integer { x.round() } else { x }
        })
        .filter(|x| (lo..=hi).contains(x))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs
}

/// Scans `[lo, hi]` (whole numbers only when `integer`), refines the scan where the metric
/// moves, then bisects between every two neighbouring points of which one meets the goal and
/// the other does not. So a bound is never reported met or unmet across a part of the range
/// that was not looked at, and a metric that rises and falls gets every crossing the scan
/// sees (with `monotone` false). An excursion narrower than the scan's spacing can still be
/// missed; the docs say so.
pub fn solve<E>(
    judge: &mut dyn FnMut(f64) -> Result<Judged, E>,
    lo: f64,
    hi: f64,
    integer: bool,
    plan: &ScanPlan,
) -> Result<Solution, E> {
    let mut seen: Vec<(f64, Judged)> = Vec::new();
    for x in scan_points(lo, hi, integer, plan) {
        seen.push((x, judge(x)?));
    }
    for _ in 0..plan.refinements {
        let (min, max) = seen
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.1.metric), b.max(p.1.metric))
            });
        let step = (max - min) / 8.0;
        let mut added = Vec::new();
        for w in seen.windows(2) {
            let ((a, ja), (b, jb)) = (w[0], w[1]);
            if step > 0.0
                && (ja.metric - jb.metric).abs() > step
                && let Some(m) = plan.spacing.middle(a, b, integer)
            {
                added.push((m, judge(m)?));
            }
        }
        if added.is_empty() {
            break;
        }
        seen.extend(added);
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let mut evaluations = seen.len();
    let monotone = is_monotone(&seen);
    let mut answers = Vec::new();
    for w in seen.windows(2) {
        let ((a, ja), (b, jb)) = (w[0], w[1]);
        match (ja.met, jb.met) {
            (Some(x), Some(y)) if x != y => {
                let (good, bad) = if x {
                    ((a, ja), (b, jb))
                } else {
                    ((b, jb), (a, ja))
                };
                let (answer, steps) = narrow(judge, good, bad, integer)?;
                evaluations += steps;
                answers.push(answer);
            }
            _ => {}
        }
    }
    // A point where a simulation could not tell: the crossing may be there.
    for &(x, j) in &seen {
        if j.met.is_none() {
            answers.push(Answer {
                value: x,
                metric: j.metric,
                past: None,
                whole_range: None,
                unresolved: Some((x, j.interval.unwrap_or((j.metric, j.metric)))),
            });
        }
    }
    answers.sort_by(|a, b| a.value.total_cmp(&b.value));
    if answers.is_empty() && seen.iter().all(|(_, j)| j.met == Some(true)) {
        // No crossing in the range; which end is "the" answer depends on the question
        // (fewest operators, largest share), so both are given.
        answers.push(Answer {
            value: lo,
            metric: seen[0].1.metric,
            past: None,
            whole_range: Some((lo, hi)),
            unresolved: None,
        });
    }
    Ok(Solution {
        answers,
        monotone,
        evaluations,
    })
}

/// Whether the scanned metric only rises or only falls. Exact values count a change beyond
/// rounding (1e-9 of the largest); simulated ones only a change their intervals are sure of.
fn is_monotone(seen: &[(f64, Judged)]) -> bool {
    let scale = seen.iter().map(|p| p.1.metric.abs()).fold(0.0, f64::max);
    let (mut up, mut down) = (false, false);
    for w in seen.windows(2) {
        let (a, b) = (w[0].1, w[1].1);
        match (a.interval, b.interval) {
            (Some((_, a_hi)), Some((b_lo, _))) if b_lo > a_hi => up = true,
            (Some((a_lo, _)), Some((_, b_hi))) if b_hi < a_lo => down = true,
            (Some(_), Some(_)) => {}
            _ => {
                let tol = 1e-9 * scale;
                up |= b.metric > a.metric + tol;
                down |= b.metric < a.metric - tol;
            }
        }
    }
    !(up && down)
}

/// Halves the gap between `good` (meets the goal) and `bad` (does not) until they are
/// neighbours; the answer and the evaluations it took.
fn narrow<E>(
    judge: &mut dyn FnMut(f64) -> Result<Judged, E>,
    good: (f64, Judged),
    bad: (f64, Judged),
    integer: bool,
) -> Result<(Answer, usize), E> {
    let ((mut good, mut f_good), (mut bad, mut f_bad)) =
        ((good.0, good.1.metric), (bad.0, bad.1.metric));
    let mut unresolved = None;
    let mut steps = 0;
    for _ in 0..200 {
        let mid = if integer {
            if (bad - good).abs() <= 1.0 {
                break;
            }
            ((good + bad) / 2.0).floor()
        } else {
            let mid = (good + bad) / 2.0;
            if mid == good || mid == bad || (bad - good).abs() <= 1e-13 * good.abs().max(bad.abs())
            {
                break;
            }
            mid
        };
        let j = judge(mid)?;
        steps += 1;
        match j.met {
            Some(true) => (good, f_good) = (mid, j.metric),
            Some(false) => (bad, f_bad) = (mid, j.metric),
            None => {
                unresolved = Some((mid, j.interval.unwrap_or((j.metric, j.metric))));
                break;
            }
        }
    }
    Ok((
        Answer {
            value: good,
            metric: f_good,
            past: Some((bad, f_bad)),
            whole_range: None,
            unresolved,
        },
        steps,
    ))
}

/// [`solve`] on an exact metric `f` against `goal`, with the default scan.
pub fn solve_exact<E>(
    f: &mut dyn FnMut(f64) -> Result<f64, E>,
    lo: f64,
    hi: f64,
    integer: bool,
    goal: Goal,
    spacing: Spacing,
) -> Result<Solution, E> {
    let mut judge = |x: f64| {
        f(x).map(|m| Judged {
            metric: m,
            met: Some(goal.met_by(m)),
            interval: None,
        })
    };
    let plan = ScanPlan {
        spacing,
        points: SCAN_POINTS,
        refinements: SCAN_REFINEMENTS,
    };
    solve(&mut judge, lo, hi, integer, &plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(text: &str) -> Goal {
        Goal::parse(text).unwrap()
    }

    fn only(s: Solution) -> Answer {
        assert_eq!(s.answers.len(), 1, "{s:?}");
        s.answers.into_iter().next().unwrap()
    }

    #[test]
    fn the_smallest_integer_meeting_an_increasing_bound() {
        // 1 − (1 − p)^M ≥ ½ first at M = ⌈ln ½ / ln(1 − p)⌉.
        let p: f64 = 4e-4;
        let mut f = |m: f64| Ok::<f64, ()>(1.0 - (1.0 - p).powf(m));
        let s = solve_exact(&mut f, 1.0, 1e6, true, goal("client>=0.5"), Spacing::Log).unwrap();
        assert!(s.monotone);
        let a = only(s);
        let want = ((0.5f64).ln() / (1.0 - p).ln()).ceil();
        assert_eq!(a.value, want);
        assert_eq!(a.past.unwrap().0, want - 1.0);
    }

    #[test]
    fn the_largest_real_keeping_an_increasing_metric_below_a_bound() {
        let mut f = |s: f64| Ok::<f64, ()>(s * s * s);
        let sol = solve_exact(
            &mut f,
            1e-9,
            1.0 - 1e-9,
            false,
            goal("path<=0.001"),
            Spacing::Logit,
        )
        .unwrap();
        let a = only(sol);
        assert!((a.value - 0.1).abs() < 1e-12, "{a:?}");
        assert!(a.metric <= 0.001 && a.past.unwrap().1 > 0.001);
    }

    #[test]
    fn decreasing_metrics_and_ranges_without_a_crossing() {
        // 1/n² ≤ 0.01 first at n = 10.
        let mut f = |n: f64| Ok::<f64, ()>(1.0 / (n * n));
        let g = goal("path<=0.01");
        let a = only(solve_exact(&mut f, 1.0, 1000.0, true, g, Spacing::Log).unwrap());
        assert_eq!(a.value, 10.0);
        let none = solve_exact(&mut f, 1.0, 5.0, true, g, Spacing::Linear).unwrap();
        assert!(none.answers.is_empty(), "{none:?}");
        let all = only(solve_exact(&mut f, 20.0, 30.0, true, g, Spacing::Linear).unwrap());
        assert_eq!(
            (all.value, all.past, all.whole_range),
            (20.0, None, Some((20.0, 30.0)))
        );
    }

    #[test]
    fn a_metric_near_zero_at_both_ends_is_not_reported_below_the_bound_everywhere() {
        // Rises from 0, peaks at 0.5 and falls back to 0: both ends meet `≤ 0.05`, and a
        // search that looked only at the ends would call the whole range safe.
        let bump = |x: f64| 16.0 * (x * (1.0 - x)).powi(2);
        let mut f = |x: f64| Ok::<f64, ()>(bump(x));
        let s = solve_exact(
            &mut f,
            1e-12,
            1.0 - 1e-12,
            false,
            goal("client<=0.05"),
            Spacing::Logit,
        )
        .unwrap();
        assert!(!s.monotone);
        assert_eq!(s.answers.len(), 2, "{s:?}");
        // 16 (x(1 − x))² = 0.05 ⇔ x(1 − x) = √0.05 / 4.
        let c = 0.05f64.sqrt() / 4.0;
        let low = (1.0 - (1.0 - 4.0 * c).sqrt()) / 2.0;
        for (a, want) in s.answers.iter().zip([low, 1.0 - low]) {
            assert!((a.value - want).abs() < 1e-9, "{a:?} vs {want}");
            assert!(
                bump(a.value) <= 0.05 && bump(a.past.unwrap().0) > 0.05,
                "{a:?}"
            );
        }
    }

    #[test]
    fn a_peak_between_scan_points_is_found_by_refinement() {
        // A peak at 10.44, 0.8 wide each way: the scan's points 10 and 11 see 0.45 and 0.3,
        // both under the bound; the halving between them finds 0.925 at 10.5.
        let peak = |x: f64| (1.0 - (x - 10.44).abs() / 0.8).max(0.0);
        let mut f = |x: f64| Ok::<f64, ()>(peak(x));
        let s = solve_exact(&mut f, 0.0, 64.0, false, goal("path<=0.5"), Spacing::Linear).unwrap();
        assert!(!s.monotone);
        assert_eq!(s.answers.len(), 2, "{s:?}");
        assert!((s.answers[0].value - 10.04).abs() < 1e-9, "{s:?}");
        assert!((s.answers[1].value - 10.84).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn a_judge_that_cannot_tell_stops_the_search_there() {
        // Unsure within 0.3 of the crossing at 10.
        let mut judge = |x: f64| {
            Ok::<Judged, ()>(Judged {
                metric: x,
                met: ((x - 10.0).abs() > 0.3).then_some(x <= 10.0),
                interval: Some((x - 0.3, x + 0.3)),
            })
        };
        let plan = ScanPlan {
            spacing: Spacing::Linear,
            points: SIMULATED_SCAN_POINTS,
            refinements: 0,
        };
        let s = solve(&mut judge, 0.0, 64.0, false, &plan).unwrap();
        assert!(s.monotone);
        let a = only(s);
        let (at, _) = a.unresolved.unwrap();
        assert!((at - 10.0).abs() <= 0.3, "{a:?}");
        assert!(a.value <= at && at <= a.past.unwrap().0);
    }

    #[test]
    fn spacings_round_trip_and_split_gaps() {
        for sp in [Spacing::Linear, Spacing::Log, Spacing::Logit] {
            for x in [1e-9, 0.25, 0.5, 0.9] {
                assert!(
                    (sp.from(sp.to(x)) - x).abs() < 1e-12 * x.max(1e-3),
                    "{sp:?} {x}"
                );
            }
        }
        assert_eq!(
            Spacing::Log.middle(1.0, 100.0, false),
            Some(10.000000000000002)
        );
        assert_eq!(Spacing::Linear.middle(3.0, 4.0, true), None);
        assert_eq!(Spacing::for_range(1e-12, 1.0 - 1e-12, true), Spacing::Logit);
        assert_eq!(Spacing::for_range(1.0, 4096.0, false), Spacing::Log);
        assert_eq!(Spacing::for_range(3.0, 30.0, false), Spacing::Linear);
    }

    #[test]
    fn an_interval_meets_a_goal_only_when_it_clears_the_bound() {
        let at_most = goal("client<=0.1");
        assert_eq!(at_most.judge_interval(0.01, 0.1), Some(true));
        assert_eq!(at_most.judge_interval(0.05, 0.15), None);
        assert_eq!(at_most.judge_interval(0.11, 0.2), Some(false));
        let at_least = goal("client>=0.1");
        assert_eq!(at_least.judge_interval(0.1, 0.2), Some(true));
        assert_eq!(at_least.judge_interval(0.05, 0.15), None);
        assert_eq!(at_least.judge_interval(0.01, 0.09), Some(false));
    }

    #[test]
    fn the_range_of_an_integer_key_doubles_until_the_goal_changes_side() {
        let g = goal("client>=0.5");
        // Met from 37 on: 1, 2, 4, …, 64 is the first value past the crossing.
        let mut judge = |x: f64| -> Result<Judged, ()> {
            Ok(Judged {
                metric: x,
                met: Some(g.met_by(x / 74.0)),
                interval: None,
            })
        };
        assert_eq!(range_upwards(&mut judge, 1.0), Ok((1.0, 64.0)));
        // Refused past 20: the last value taken.
        let mut refusing = |x: f64| -> Result<Judged, ()> {
            if x > 20.0 {
                Err(())
            } else {
                Ok(Judged {
                    metric: 0.0,
                    met: Some(false),
                    interval: None,
                })
            }
        };
        assert_eq!(range_upwards(&mut refusing, 1.0), Ok((1.0, 16.0)));
        assert_eq!(first_valid_integer(|x| x >= 3.0), 3.0);
        assert_eq!(first_valid_integer(|_| false), 64.0);
    }

    #[test]
    fn goals_are_parsed_and_checked() {
        assert_eq!(
            goal("client<=0.01"),
            Goal {
                metric: Metric::Client,
                at_most: true,
                value: 0.01
            }
        );
        for bad in ["client<0.01", "guard<=0.1", "path>=2", "path<=x"] {
            assert!(Goal::parse(bad).is_err(), "{bad}");
        }
    }
}
