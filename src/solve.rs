//! Inverse questions: the value of one scenario key at which a metric crosses a bound ("the
//! largest share that keeps the client risk at most 1%", "the paths until the risk reaches
//! 50%"), by bisection on the closed form. The metric must be monotone in the key over the
//! range searched; the answer is the value nearest the crossing on the side that meets the
//! goal, and the first value past it is reported beside it, so the crossing is bracketed.

use crate::error::InputError;

/// Which metric the goal bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    Path,
    Client,
}

/// `METRIC<=VALUE` or `METRIC>=VALUE`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Goal {
    pub metric: Metric,
    /// `true` for `<=`, `false` for `>=`.
    pub at_most: bool,
    pub value: f64,
}

impl Goal {
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
        let metric = match metric.trim() {
            "path" => Metric::Path,
            "client" => Metric::Client,
            other => {
                return Err(bad(&format!(
                    "unknown metric `{other}`; expected path or client"
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

    pub fn met_by(&self, x: f64) -> bool {
        if self.at_most {
            x <= self.value
        } else {
            x >= self.value
        }
    }
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

/// Finds where `f` crosses `goal` on `[lo, hi]`, integers only when `integer`. `f` gives the
/// metric at a key value (an error stops the search). When neither end meets the goal there
/// is no answer (`Ok(None)`); when both do, the answer says so (`whole_range`) and gives the
/// low end.
pub fn bisect<E>(
    f: &mut dyn FnMut(f64) -> Result<f64, E>,
    lo: f64,
    hi: f64,
    integer: bool,
    goal: Goal,
) -> Result<Option<Answer>, E> {
    let mut judge = |x: f64| {
        f(x).map(|m| Judged {
            metric: m,
            met: Some(goal.met_by(m)),
            interval: None,
        })
    };
    bisect_judged(&mut judge, lo, hi, integer)
}

/// As [`bisect`], from a judge that may be unable to tell (a simulated metric whose interval
/// holds the bound): the search then stops and says where (`Answer::unresolved`).
pub fn bisect_judged<E>(
    judge: &mut dyn FnMut(f64) -> Result<Judged, E>,
    lo: f64,
    hi: f64,
    integer: bool,
) -> Result<Option<Answer>, E> {
    let (j_lo, j_hi) = (judge(lo)?, judge(hi)?);
    let (f_lo, f_hi) = (j_lo.metric, j_hi.metric);
    for (x, j) in [(lo, j_lo), (hi, j_hi)] {
        if j.met.is_none() {
            return Ok(Some(Answer {
                value: lo,
                metric: f_lo,
                past: Some((hi, f_hi)),
                whole_range: None,
                unresolved: Some((x, j.interval.unwrap_or((j.metric, j.metric)))),
            }));
        }
    }
    let (ok_lo, ok_hi) = (j_lo.met == Some(true), j_hi.met == Some(true));
    if !ok_lo && !ok_hi {
        return Ok(None);
    }
    if ok_lo && ok_hi {
        // No crossing in the range; which end is "the" answer depends on the question
        // (fewest operators, largest share), so both are given.
        return Ok(Some(Answer {
            value: lo,
            metric: f_lo,
            past: None,
            whole_range: Some((lo, hi)),
            unresolved: None,
        }));
    }
    // `good` meets the goal, `bad` does not; halve the gap between them.
    let (mut good, mut f_good, mut bad, mut f_bad) = if ok_lo {
        (lo, f_lo, hi, f_hi)
    } else {
        (hi, f_hi, lo, f_lo)
    };
    let mut unresolved = None;
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
        match j.met {
            Some(true) => (good, f_good) = (mid, j.metric),
            Some(false) => (bad, f_bad) = (mid, j.metric),
            None => {
                unresolved = Some((mid, j.interval.unwrap_or((j.metric, j.metric))));
                break;
            }
        }
    }
    Ok(Some(Answer {
        value: good,
        metric: f_good,
        past: Some((bad, f_bad)),
        whole_range: None,
        unresolved,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(text: &str) -> Goal {
        Goal::parse(text).unwrap()
    }

    #[test]
    fn the_smallest_integer_meeting_an_increasing_bound() {
        // 1 − (1 − p)^M ≥ ½ first at M = ⌈ln ½ / ln(1 − p)⌉.
        let p: f64 = 4e-4;
        let mut f = |m: f64| Ok::<f64, ()>(1.0 - (1.0 - p).powf(m));
        let a = bisect(&mut f, 1.0, 1e6, true, goal("client>=0.5"))
            .unwrap()
            .unwrap();
        let want = ((0.5f64).ln() / (1.0 - p).ln()).ceil();
        assert_eq!(a.value, want);
        assert_eq!(a.past.unwrap().0, want - 1.0);
    }

    #[test]
    fn the_largest_real_keeping_an_increasing_metric_below_a_bound() {
        let mut f = |s: f64| Ok::<f64, ()>(s * s * s);
        let a = bisect(&mut f, 1e-9, 1.0 - 1e-9, false, goal("path<=0.001"))
            .unwrap()
            .unwrap();
        assert!((a.value - 0.1).abs() < 1e-12, "{a:?}");
        assert!(a.metric <= 0.001 && a.past.unwrap().1 > 0.001);
    }

    #[test]
    fn decreasing_metrics_and_ranges_without_a_crossing() {
        // 1/n² ≤ 0.01 first at n = 10.
        let mut f = |n: f64| Ok::<f64, ()>(1.0 / (n * n));
        let a = bisect(&mut f, 1.0, 1000.0, true, goal("path<=0.01"))
            .unwrap()
            .unwrap();
        assert_eq!(a.value, 10.0);
        assert!(
            bisect(&mut f, 1.0, 5.0, true, goal("path<=0.01"))
                .unwrap()
                .is_none()
        );
        let all = bisect(&mut f, 20.0, 30.0, true, goal("path<=0.01"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (all.value, all.past, all.whole_range),
            (20.0, None, Some((20.0, 30.0)))
        );
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
        let a = bisect_judged(&mut judge, 0.0, 64.0, false)
            .unwrap()
            .unwrap();
        let (at, _) = a.unresolved.unwrap();
        assert!((at - 10.0).abs() <= 0.3, "{a:?}");
        assert!(a.value <= at && at <= a.past.unwrap().0);
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
