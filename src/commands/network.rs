//! `pathrisk network FILE`: what a scenario's network is — relays and weight per position and
//! the largest families by guard, middle and exit probability (docs/tor.md).

use super::Status;
use crate::error::{Error, Result};
use crate::options::NetworkOptions;
use crate::scenario::Scenario;
use std::io::Write;

pub fn network(options: &NetworkOptions, out: &mut dyn Write) -> Result<Status> {
    let scenario = Scenario::load_with_data(&options.file, options.data.as_deref())?;
    let report = crate::report::network::network(&scenario, options.top);
    let text = options.format.exporter().network(&report);
    out.write_all(text.as_bytes())
        .map_err(|e| Error::Runtime(format!("cannot write to standard output: {e}")))?;
    Ok(Status::Agree)
}
