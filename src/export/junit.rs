//! JUnit XML, which CI systems display: one `testsuite` per scenario (per case, sweep point
//! or solve), one `testcase` per verdict. A disagreement is a `failure` whose text says what
//! disagreed; a missing reference an `error`; a metric without a closed form is `skipped`.
//! No timings, so the same run gives the same bytes.

use super::{Exporter, human_number};
use crate::report::check::{CheckReport, CheckVerdict};
use crate::report::solve::SolveReport;
use crate::report::sweep::SweepResult;
use crate::report::{MetricRow, ReproduceReport, RunReport};
use crate::stats::Verdict;
use std::fmt::Write;

pub struct Junit;

/// What became of one test case.
enum Outcome {
    Passed,
    Failed(String),
    Error(String),
    Skipped(String),
}

struct Case {
    name: String,
    outcome: Outcome,
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

/// Text for an XML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn render(name: &str, suites: &[Suite]) -> String {
    let count = |f: &dyn Fn(&Outcome) -> bool| -> usize {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| f(&c.outcome))
            .count()
    };
    let failures = count(&|o| matches!(o, Outcome::Failed(_)));
    let errors = count(&|o| matches!(o, Outcome::Error(_)));
    let skipped = count(&|o| matches!(o, Outcome::Skipped(_)));
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        escape(name)
    );
    for s in suites {
        let n = |f: &dyn Fn(&Outcome) -> bool| s.cases.iter().filter(|c| f(&c.outcome)).count();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(&s.name),
            s.cases.len(),
            n(&|o| matches!(o, Outcome::Failed(_))),
            n(&|o| matches!(o, Outcome::Error(_))),
            n(&|o| matches!(o, Outcome::Skipped(_))),
        );
        for c in &s.cases {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&format!("{name}.{}", s.name)),
                escape(&c.name)
            );
            let _ = match &c.outcome {
                Outcome::Passed => writeln!(x, "{open}/>"),
                Outcome::Failed(m) => writeln!(
                    x,
                    "{open}>\n      <failure message=\"{}\" type=\"disagree\">{}</failure>\n    </testcase>",
                    escape(m),
                    escape(m)
                ),
                Outcome::Error(m) => writeln!(
                    x,
                    "{open}>\n      <error message=\"{}\" type=\"no-reference\">{}</error>\n    </testcase>",
                    escape(m),
                    escape(m)
                ),
                Outcome::Skipped(m) => {
                    writeln!(
                        x,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(m)
                    )
                }
            };
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn cell(x: Option<f64>) -> String {
    x.map_or("-".to_string(), human_number)
}

/// A report's metrics as test cases: each verdict of simulation against closed form.
fn metric_cases(r: &RunReport) -> Vec<Case> {
    r.results
        .iter()
        .map(|m: &MetricRow| Case {
            name: m.metric.to_string(),
            outcome: match m.verdict {
                Verdict::Agree => Outcome::Passed,
                Verdict::NoClosedForm => Outcome::Skipped("no closed form".into()),
                Verdict::Disagree => Outcome::Failed(format!(
                    "{}: estimate {} ({}/{}), 95% interval [{}, {}], closed form {}, p-value {}",
                    m.metric,
                    cell(m.estimate),
                    m.hits,
                    m.samples,
                    cell(m.ci95[0]),
                    cell(m.ci95[1]),
                    cell(m.closed_form),
                    cell(m.p_value)
                )),
            },
        })
        .collect()
}

impl Exporter for Junit {
    fn run(&self, r: &RunReport) -> String {
        render(
            "pathrisk.run",
            &[Suite {
                name: r.scenario.clone(),
                cases: metric_cases(r),
            }],
        )
    }

    fn reproduce(&self, r: &ReproduceReport) -> String {
        let suites: Vec<Suite> = r
            .cases
            .iter()
            .map(|c| Suite {
                name: c.id.clone(),
                cases: metric_cases(&c.report),
            })
            .collect();
        render("pathrisk.reproduce", &suites)
    }

    fn sweep(&self, r: &SweepResult) -> String {
        let suites: Vec<Suite> = r
            .points
            .iter()
            .map(|p| {
                let mut name = format!("{} {}", r.scenario, r.series[p.series]);
                for (v, x) in r.varies.iter().zip(&p.values) {
                    let _ = write!(name, " {}={}", v.key, super::vary_text(v, *x));
                }
                Suite {
                    name,
                    cases: metric_cases(&p.report),
                }
            })
            .collect();
        render("pathrisk.sweep", &suites)
    }

    fn check(&self, r: &CheckReport) -> String {
        let mut suites: Vec<Suite> = Vec::new();
        for row in &r.rows {
            if suites.last().is_none_or(|s| s.name != row.scenario) {
                suites.push(Suite {
                    name: row.scenario.clone(),
                    cases: Vec::new(),
                });
            }
            let what = format!(
                "{} {}: closed form {}, reference {} ({}), exact {} ({}), estimate {} in [{}, {}] \
                 ({}/{}), p-value {} (simulation: {})",
                row.scenario,
                row.metric,
                cell(row.closed_form),
                cell(row.reference),
                row.reference_status.name(),
                cell(row.exact),
                row.exact_status.name(),
                cell(row.estimate),
                cell(row.ci95[0]),
                cell(row.ci95[1]),
                row.hits,
                row.samples,
                cell(row.p_value),
                row.monte_carlo.name()
            );
            let outcome = match row.verdict {
                CheckVerdict::Agree => Outcome::Passed,
                CheckVerdict::Disagree => Outcome::Failed(what),
                CheckVerdict::NoReference => Outcome::Error(format!(
                    "{what}; no reference recorded: run `pathrisk check {} --update-reference`, or \
                     give --reference DIR",
                    row.source
                )),
                CheckVerdict::NoClosedForm => Outcome::Skipped("no closed form".into()),
            };
            suites.last_mut().expect("pushed above").cases.push(Case {
                name: row.metric.to_string(),
                outcome,
            });
        }
        render("pathrisk.check", &suites)
    }

    fn solve(&self, r: &SolveReport) -> String {
        // A series passes when some value of the range meets the goal.
        let cases = r
            .series
            .iter()
            .map(|a| Case {
                name: a.series.clone(),
                outcome: if a.answers.is_empty() {
                    Outcome::Failed(format!(
                        "no value of {} in {}..{} meets the goal",
                        r.key,
                        super::data_number(r.range.0),
                        super::data_number(r.range.1)
                    ))
                } else {
                    Outcome::Passed
                },
            })
            .collect();
        render(
            "pathrisk.solve",
            &[Suite {
                name: format!("{} {}", r.scenario, r.key),
                cases,
            }],
        )
    }

    /// A network has no verdicts: one test case that passes, named after it (the `network`
    /// command does not offer JUnit; this keeps the exporter total).
    fn network(&self, r: &crate::report::network::NetworkReport) -> String {
        render(
            "pathrisk.network",
            &[Suite {
                name: r.scenario.clone(),
                cases: vec![Case {
                    name: r.network.clone(),
                    outcome: Outcome::Passed,
                }],
            }],
        )
    }

    fn calibrate(&self, r: &crate::calibrate::CalibrationReport) -> String {
        let cases = r
            .rows
            .iter()
            .map(|c| Case {
                name: format!("{} on {}", c.interval, c.scenario),
                outcome: match c.verdict {
                    crate::calibrate::CalibrationVerdict::Ok => Outcome::Passed,
                    crate::calibrate::CalibrationVerdict::Off => Outcome::Failed(format!(
                        "observed {} in [{}, {}] over {} seeds, nominal {} ({:?})",
                        c.observed, c.low, c.high, c.seeds, c.nominal, c.claim
                    )),
                },
            })
            .chain(r.skipped.iter().map(|why| Case {
                name: why.clone(),
                outcome: Outcome::Skipped(why.clone()),
            }))
            .collect();
        render(
            "pathrisk.calibrate",
            &[Suite {
                name: "calibrate".to_string(),
                cases,
            }],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            escape("a<b & \"c\" > 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos; "
        );
    }
}
