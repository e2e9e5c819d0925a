//! JSON: one object per command, fields as SPEC §5.

use super::Exporter;
use crate::report::{ReproduceReport, RunReport};

pub struct Json;

impl Exporter for Json {
    fn run(&self, report: &RunReport) -> String {
        serde_json::to_string_pretty(report).expect("reports serialise") + "\n"
    }

    fn reproduce(&self, report: &ReproduceReport) -> String {
        serde_json::to_string_pretty(report).expect("reports serialise") + "\n"
    }
}
