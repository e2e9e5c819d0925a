//! JSON: one object per command, each report's fields as the docs list them.

use super::Exporter;
use crate::report::check::CheckReport;
use crate::report::solve::SolveReport;
use crate::report::sweep::SweepResult;
use crate::report::{ReproduceReport, RunReport};

pub struct Json;

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("reports serialise") + "\n"
}

impl Exporter for Json {
    fn run(&self, report: &RunReport) -> String {
        pretty(report)
    }

    fn reproduce(&self, report: &ReproduceReport) -> String {
        /// The report with its conclusion in words, in the order the docs list the fields.
        #[derive(serde::Serialize)]
        struct WithConclusion<'a> {
            cases: &'a [crate::report::CaseReport],
            conclusion: String,
            elapsed_seconds: f64,
        }
        pretty(&WithConclusion {
            cases: &report.cases,
            conclusion: super::conclusion::conclusion(&report.cases),
            elapsed_seconds: report.elapsed_seconds,
        })
    }

    fn sweep(&self, result: &SweepResult) -> String {
        pretty(result)
    }

    fn check(&self, report: &CheckReport) -> String {
        pretty(report)
    }

    fn solve(&self, report: &SolveReport) -> String {
        pretty(report)
    }

    fn network(&self, report: &crate::report::network::NetworkReport) -> String {
        pretty(report)
    }

    fn calibrate(&self, report: &crate::calibrate::CalibrationReport) -> String {
        pretty(report)
    }
}
