//! Arti's own path selection on W6's network: `pathrisk bench`'s peer, built with the `arti`
//! feature (its crates stay out of the default build; docs/engine.md gives the build times).

use crate::error::{Error, Result};
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tor_checkable::{ExternallySigned, Timebound};
use tor_netdir::{FamilyRules, MdReceiver, NetDir, PartialNetDir};
use tor_netdoc::AllowAnnotations;
use tor_netdoc::doc::microdesc::MicrodescReader;
use tor_netdoc::doc::netstatus::MdConsensus;
use tor_relay_selection::{
    RelayExclusion, RelaySelectionConfig, RelaySelector, RelayUsage, TargetPort,
};

fn failed(what: &Path, e: impl std::fmt::Display) -> Error {
    Error::Runtime(format!("Arti cannot read {}: {e}", what.display()))
}

/// Arti's `NetDir` of a consensus and its microdescriptors (signatures and times not checked,
/// as pathrisk's reader does not).
pub fn netdir(consensus: &Path, microdescriptors: &[PathBuf]) -> Result<NetDir> {
    let text = crate::tor::read_document(consensus)?;
    let (_, _, unchecked) = MdConsensus::parse(&text).map_err(|e| failed(consensus, e))?;
    let consensus_doc = unchecked
        .dangerously_assume_timely()
        .dangerously_assume_wellsigned();
    let mut partial = PartialNetDir::new(consensus_doc, None);
    for file in microdescriptors {
        let text = crate::tor::read_document(file)?;
        let reader = MicrodescReader::new(&text, &AllowAnnotations::AnnotationsAllowed)
            .map_err(|e| failed(file, e))?;
        // Arti refuses some microdescriptors (docs/tor.md, difference (d)); it skips them.
        for md in reader.flatten() {
            partial.add_microdesc(md.into_microdesc());
        }
    }
    partial
        .unwrap_if_sufficient()
        .map_err(|_| failed(consensus, "too few microdescriptors for a NetDir"))
}

/// ns per circuit of Arti's selectors on one thread, in Arti's order: a guard kept for
/// `per_guard` circuits (by `RelayUsage::new_guard`), then per circuit an exit to port 443
/// excluding the guard's family and subnets, and a middle excluding both.
pub fn circuit_ns(netdir: &NetDir, circuits: u64, per_guard: u64) -> f64 {
    let long_lived = std::collections::HashSet::new();
    let cfg = RelaySelectionConfig {
        long_lived_ports: &long_lived,
        subnet_config: Default::default(),
    };
    let rules = FamilyRules::from(netdir.params());
    let exit_usage = RelayUsage::exit_to_all_ports(&cfg, vec![TargetPort::ipv4(443)]);
    let middle_usage = RelayUsage::middle_relay(Some(&exit_usage));
    let guards = RelaySelector::new(
        RelayUsage::new_guard(),
        RelayExclusion::no_relays_excluded(),
    );
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(6);
    let start = Instant::now();
    let mut guard = None;
    let mut drawn = 0u64;
    for i in 0..circuits {
        if i % per_guard.max(1) == 0 {
            guard = guards.select_relay(&mut rng, netdir).0;
        }
        let Some(g) = guard.clone() else { break };
        let exclusion = RelayExclusion::exclude_relays_in_same_family(&cfg, vec![g.clone()], rules);
        let Some(exit) = RelaySelector::new(exit_usage.clone(), exclusion)
            .select_relay(&mut rng, netdir)
            .0
        else {
            continue;
        };
        let exclusion = RelayExclusion::exclude_relays_in_same_family(&cfg, vec![g, exit], rules);
        let middle = RelaySelector::new(middle_usage.clone(), exclusion)
            .select_relay(&mut rng, netdir)
            .0;
        drawn += u64::from(std::hint::black_box(middle).is_some());
    }
    start.elapsed().as_secs_f64() * 1e9 / drawn.max(1) as f64
}
