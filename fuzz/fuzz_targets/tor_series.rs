//! A series of Tor consensuses as pathrisk loads one: consensuses parted by lines
//! `@@consensus`, then a line `@@microdescs` and the microdescriptors they share → each read
//! against one index → ordered by time (two of one time refused) → each consensus's relays
//! under tor's rules. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (consensuses, microdescs) = text.split_once("\n@@microdescs\n").unwrap_or((text, ""));
    let texts = vec![(microdescs.to_string(), PathBuf::from("fuzz-microdescs"))];
    let Ok(index) = pathrisk::tor::index_microdescs(&texts) else {
        return;
    };
    let mut series = Vec::new();
    for (i, consensus) in consensuses.split("\n@@consensus\n").take(8).enumerate() {
        let file = PathBuf::from(format!("fuzz-consensus-{i}"));
        match pathrisk::tor::parse_with(consensus, Path::new(&file), &index, 1.0) {
            Ok(network) => series.push((file, Arc::new(network))),
            Err(_) => return,
        }
    }
    let Ok(series) = pathrisk::tor::order_series(series) else {
        return;
    };
    for (_, network) in &series {
        let _ = pathrisk::model::tor::TorRelays::new(
            network,
            &network.bandwidth_weights,
            Default::default(),
        );
    }
});
