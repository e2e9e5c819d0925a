//! Tor documents as pathrisk reads them: a microdesc-flavour consensus, then a line
//! `@@microdescs`, then microdescriptors → the relays joined by digest → the relays under
//! tor's rules (weights per position, families, subnets). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (consensus, microdescs) = text.split_once("\n@@microdescs\n").unwrap_or((text, ""));
    let texts = vec![(microdescs.to_string(), PathBuf::from("fuzz-microdescs"))];
    let Ok(index) = pathrisk::tor::index_microdescs(&texts) else {
        return;
    };
    if let Ok(network) =
        pathrisk::tor::parse_with(consensus, Path::new("fuzz-consensus"), &index, 1.0)
    {
        let _ = pathrisk::model::tor::TorRelays::new(
            &network,
            &network.bandwidth_weights,
            Default::default(),
        );
    }
});
