//! A sweep's results: every point of every series with its report.

use super::RunReport;
use crate::sweep::Vary;

/// One simulated point of one series.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepPoint {
    /// The varied values, in `--vary` order.
    pub values: Vec<f64>,
    /// Index into the series labels.
    pub series: usize,
    pub report: RunReport,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepResult {
    pub scenario: String,
    pub varies: Vec<Vary>,
    pub series: Vec<String>,
    pub points: Vec<SweepPoint>,
}
