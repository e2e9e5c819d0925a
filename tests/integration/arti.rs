//! pathrisk's `tor` rules against Arti's own: Arti's `NetDir` built from the same documents,
//! and per relay and position, eligibility by `tor-relay-selection`'s `RelayUsage` and weight
//! by `NetDir::relay_weight`. Where the two agree by design the weights are equal (as ratios
//! to a common relay, to 1e-12); every difference must be one of the known ones, which the
//! test counts (docs/tor.md lists them).

use crate::real_data;
use pathrisk::model::tor::{EXIT, GUARD, MIDDLE, TorRelays, TorRules};
use std::collections::HashMap;
use std::path::Path;
use tor_checkable::{ExternallySigned, Timebound};
use tor_netdir::{MdReceiver, NetDir, PartialNetDir, WeightRole};
use tor_netdoc::AllowAnnotations;
use tor_netdoc::doc::microdesc::MicrodescReader;
use tor_netdoc::doc::netstatus::MdConsensus;
use tor_relay_selection::{LowLevelRelayPredicate, RelaySelectionConfig, RelayUsage, TargetPort};

fn netdir(dir: &Path) -> NetDir {
    let text = pathrisk::tor::read_document(&dir.join("cached-microdesc-consensus.xz")).unwrap();
    let (_, _, unchecked) = MdConsensus::parse(&text).unwrap();
    let consensus = unchecked
        .dangerously_assume_timely()
        .dangerously_assume_wellsigned();
    let mut partial = PartialNetDir::new(consensus, None);
    for file in ["cached-microdescs.xz", "cached-microdescs.new.xz"] {
        let text = pathrisk::tor::read_document(&dir.join(file)).unwrap();
        let reader = MicrodescReader::new(&text, &AllowAnnotations::AnnotationsAllowed).unwrap();
        for md in reader.flatten() {
            partial.add_microdesc(md.into_microdesc());
        }
    }
    partial
        .unwrap_if_sufficient()
        .unwrap_or_else(|_| panic!("{}: not enough for a NetDir", dir.display()))
}

/// Counts of one kind of difference: relays, and their share of pathrisk's weight there.
#[derive(Debug, Default)]
struct Tally {
    relays: usize,
    weight: f64,
}

#[test]
fn the_rules_agree_with_arti_selection_except_where_known() {
    let Some(data) = real_data("the_rules_agree_with_arti_selection_except_where_known") else {
        return;
    };
    let long_lived = std::collections::HashSet::new();
    let cfg = RelaySelectionConfig {
        long_lived_ports: &long_lived,
        subnet_config: Default::default(),
    };
    for snapshot in ["2018-07-05T0500", "2019-06-06T1600", "2019-12-15T1300"] {
        let dir = data.join("tor").join(snapshot);
        let doc = pathrisk::tor::read_cached(
            &dir.join("cached-microdesc-consensus.xz"),
            &[
                dir.join("cached-microdescs.xz"),
                dir.join("cached-microdescs.new.xz"),
            ],
            0.0,
        )
        .unwrap();
        let ours = TorRelays::new(&doc, &doc.bandwidth_weights, TorRules::default()).unwrap();
        let arti = netdir(&dir);
        let index: HashMap<String, usize> = (0..ours.len())
            .map(|r| (ours.fingerprints[r].clone(), r))
            .collect();
        // An exit circuit to port 443, as Arti's path builder asks for one: its middle need
        // only support what the exit's usage needs (port 443 is not long-lived: no Stable).
        let exit = RelayUsage::exit_to_all_ports(&cfg, vec![TargetPort::ipv4(443)]);
        let usages = [
            (GUARD, RelayUsage::new_guard(), WeightRole::Guard),
            (
                MIDDLE,
                RelayUsage::middle_relay(Some(&exit)),
                WeightRole::Middle,
            ),
            (EXIT, exit.clone(), WeightRole::Exit),
        ];
        let mut tallies: std::collections::BTreeMap<String, Tally> = Default::default();
        let mut count = |kind: &str, p: usize, r: usize| {
            let t = tallies.entry(kind.to_string()).or_default();
            t.relays += 1;
            t.weight += ours.weights[p][r] / ours.weights[p].iter().sum::<f64>();
        };
        let mut seen = vec![false; ours.len()];
        let mut compared = 0;
        for (p, usage, role) in &usages {
            // A common relay both weigh alike: the heaviest measured one of a plain class.
            let mut reference = None;
            for relay in arti.relays() {
                let fp = relay
                    .rsa_id()
                    .to_string()
                    .trim_start_matches('$')
                    .to_ascii_uppercase();
                let r = index[&fp];
                seen[r] = true;
                // Eligible with a positive weight (Wgd is 0 when exits are scarce: a
                // Guard-and-Exit relay is then never a guard, in either).
                let w = arti.relay_weight(&relay, *role);
                let theirs = usage.low_level_predicate_permits_relay(&relay)
                    && w != tor_netdir::RelayWeight::from(0u64);
                let mine = ours.weights[*p][r] > 0.0;
                let details = relay.low_level_details();
                let unmeasured = !doc.relays[r].measured;
                let bad_class = doc.relays[r].flags.has(pathrisk::tor::Flag::BadExit)
                    && details.is_flagged_exit();
                if !mine && !theirs {
                    continue;
                }
                // The known differences, counted wherever they show (eligibility or weight).
                if bad_class {
                    count(
                        &format!("{p}: Guard+Exit+BadExit weighed by the raw Exit flag in Arti"),
                        *p,
                        r,
                    );
                    continue;
                }
                if unmeasured {
                    count(&format!("{p}: unmeasured, weight 0 in Arti"), *p, r);
                    continue;
                }
                match (mine, theirs) {
                    (true, true) => {
                        let Some((rw, ow)) = reference else {
                            reference = Some((w, ours.weights[*p][r]));
                            continue;
                        };
                        let ratio_arti = w.checked_div(rw).unwrap();
                        let ratio_ours = ours.weights[*p][r] / ow;
                        assert!(
                            (ratio_arti - ratio_ours).abs() <= 1e-12 * ratio_ours.max(1.0),
                            "{snapshot} position {p} relay {fp}: Arti {ratio_arti}, pathrisk {ratio_ours}"
                        );
                        compared += 1;
                    }
                    (true, false) if *p == GUARD && !details.is_dir_cache() => {
                        count("0: guard without DirCache=2, refused by Arti", *p, r);
                    }
                    _ => panic!(
                        "{snapshot} position {p} relay {fp} ({}): pathrisk eligible {mine}, Arti {theirs}, flags {:?}",
                        doc.relays[r].nickname,
                        doc.relays[r].flags.names()
                    ),
                }
            }
        }
        for (r, s) in seen.iter().enumerate() {
            if !s {
                assert!(
                    doc.relays[r].microdesc.by_fallback,
                    "{snapshot}: {} missing from Arti's NetDir",
                    ours.fingerprints[r]
                );
                count(
                    "every position: microdescriptor refused by Arti (no id ed25519)",
                    MIDDLE,
                    r,
                );
            }
        }
        assert!(
            compared > 4000,
            "{snapshot}: only {compared} weights compared"
        );
        println!("{snapshot}: {compared} weights equal; differences:");
        for (kind, t) in &tallies {
            println!(
                "  {kind}: {} relays, {:.3}% of pathrisk's weight there",
                t.relays,
                100.0 * t.weight
            );
        }
        if snapshot == "2019-12-15T1300" {
            // The four differences measured on this snapshot by summing over Arti's selectors
            // (issue 16): DirCache guards, unmeasured relays, the BadExit class, and the
            // microdescriptors Arti refuses.
            let relays = |k: &str| tallies.get(k).map_or(0, |t| t.relays);
            assert_eq!(relays("0: guard without DirCache=2, refused by Arti"), 161);
            let share = tallies["0: guard without DirCache=2, refused by Arti"].weight;
            assert!((share - 0.0522).abs() < 5e-4, "{share}");
            assert_eq!(relays("0: unmeasured, weight 0 in Arti"), 2);
            assert_eq!(
                relays("0: Guard+Exit+BadExit weighed by the raw Exit flag in Arti"),
                1
            );
            assert_eq!(
                relays("every position: microdescriptor refused by Arti (no id ed25519)"),
                34
            );
        }
    }
}
