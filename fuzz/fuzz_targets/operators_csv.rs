//! Operator CSV text → parse → build the network. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(specs) = pathrisk::scenario::csv::parse_operators(text, "fuzz.csv") {
        if let Ok(network) = pathrisk::model::Network::from_specs(specs) {
            assert!(!network.operators.is_empty());
        }
    }
});
