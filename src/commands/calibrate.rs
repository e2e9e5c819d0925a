//! `pathrisk calibrate`: runs the calibration (`crate::calibrate`) and prints it in the format
//! asked for; a row off its claim is exit code 1.

use super::Status;
use crate::error::{Error, Result};
use crate::options::CalibrationOptions;
use std::io::Write;

pub fn calibrate(options: &CalibrationOptions, out: &mut dyn Write) -> Result<Status> {
    let report = crate::calibrate::calibrate(&options.calibrate)?;
    for line in &report.skipped {
        eprintln!("pathrisk calibrate: skipped {line}");
    }
    let text = options.format.exporter().calibrate(&report);
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Runtime(format!("cannot write to standard output: {e}")))?;
    Ok(if report.any_off() {
        Status::Disagree
    } else {
        Status::Agree
    })
}
