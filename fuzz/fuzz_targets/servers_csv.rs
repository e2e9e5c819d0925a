//! Server CSV text (with IPv4 addresses turned into /16 subnets) → parse → build the network.
//! Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(specs) = pathrisk::scenario::csv::parse_servers(text, "fuzz.csv", Some(16)) {
        if let Ok(network) = pathrisk::model::Network::from_servers(specs) {
            assert!(!network.servers.is_empty());
        }
    }
});
