//! Tor's directory documents read with Arti's parser: every relay of the archived snapshots,
//! checked against the statistics the data's curator computed independently
//! (`tor/sources.json`), and bad documents refused with the file named.

use super::{real_data, write};
use pathrisk::tor::{self, Flag, TorNetwork};
use std::path::{Path, PathBuf};

const COMPLETE: [&str; 4] = [
    "2018-07-05T0500",
    "2019-02-26T1500",
    "2019-06-06T1600",
    "2019-12-15T1300",
];

fn snapshot(data: &Path, name: &str, max_missing: f64) -> TorNetwork {
    let dir = data.join("tor").join(name);
    let microdescs: Vec<PathBuf> = ["cached-microdescs.xz", "cached-microdescs.new.xz"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect();
    let refs: Vec<&Path> = microdescs.iter().map(PathBuf::as_path).collect();
    tor::read(
        &dir.join("cached-microdesc-consensus.xz"),
        &refs,
        max_missing,
    )
    .unwrap()
}

fn stats(data: &Path, name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(data.join("tor/sources.json")).unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    all[name]["stats"].clone()
}

#[test]
fn every_relay_of_the_complete_snapshots_is_read_as_the_curator_counted_it() {
    let Some(data) = real_data("every_relay_of_the_complete_snapshots_is_read") else {
        return;
    };
    for name in COMPLETE {
        let net = snapshot(&data, name, 0.0);
        let s = stats(&data, name);
        let n = s["relays"].as_u64().unwrap() as usize;
        // Complete: every relay has its microdescriptor, the ones Arti refuses included.
        assert_eq!(net.listed, n, "{name}");
        assert_eq!(net.relays.len(), n, "{name}: relays lost");
        assert_eq!(net.missing_weight_share, 0.0, "{name}");
        let weight: u64 = net.relays.iter().map(|r| u64::from(r.weight)).sum();
        assert_eq!(
            weight,
            s["total_consensus_weight"].as_u64().unwrap(),
            "{name}"
        );
        for (flag, count) in s["flag_counts"].as_object().unwrap() {
            let Some(f) = Flag::ALL.into_iter().find(|f| f.name() == flag) else {
                continue; // StaleDesc and the like: no rule reads them
            };
            let ours = net.relays.iter().filter(|r| r.flags.has(f)).count();
            assert_eq!(ours as u64, count.as_u64().unwrap(), "{name} {flag}");
        }
        let guard_and_exit = net
            .relays
            .iter()
            .filter(|r| r.flags.has(Flag::Guard) && r.flags.has(Flag::Exit))
            .count();
        assert_eq!(
            guard_and_exit as u64,
            s["guard_and_exit"].as_u64().unwrap(),
            "{name}"
        );
        let with_family = net
            .relays
            .iter()
            .filter(|r| !r.microdesc.family.is_empty())
            .count();
        assert_eq!(
            with_family as u64,
            s["relays_with_family_line"].as_u64().unwrap(),
            "{name}"
        );
        for (k, v) in s["bandwidth_weights"].as_object().unwrap() {
            assert_eq!(
                net.bandwidth_weights.get(k).map(|w| i64::from(*w)),
                v.as_i64(),
                "{name} {k}"
            );
        }
        assert!(
            net.relays
                .iter()
                .all(|r| r.fingerprint.len() == 40 && r.ipv4.is_some())
        );
        println!(
            "{name}: {} relays, {} microdescriptors by the fallback",
            net.relays.len(),
            net.by_fallback
        );
    }
}

#[test]
fn microdescriptors_arti_refuses_are_read_by_the_fallback() {
    let Some(data) = real_data("microdescriptors_arti_refuses_are_read_by_the_fallback") else {
        return;
    };
    let net = snapshot(&data, "2019-12-15T1300", 0.0);
    let fallback: Vec<_> = net
        .relays
        .iter()
        .filter(|r| r.microdesc.by_fallback)
        .collect();
    assert!(!fallback.is_empty());
    // Their exit policies and families are read: some are exits that accept 443.
    assert!(
        fallback
            .iter()
            .any(|r| r.microdesc.ipv4_policy.allows_port(443))
    );
}

#[test]
fn a_snapshot_with_partial_microdescriptors_is_refused_unless_allowed() {
    let Some(data) = real_data("a_snapshot_with_partial_microdescriptors_is_refused") else {
        return;
    };
    let dir = data.join("tor/2022-11-19T1000");
    let md = dir.join("cached-microdescs.new.xz");
    let e = tor::read(&dir.join("cached-microdesc-consensus.xz"), &[&md], 0.05).unwrap_err();
    assert!(e.message.contains("cover 27."), "{}", e.message);
    let net = tor::read(&dir.join("cached-microdesc-consensus.xz"), &[&md], 0.8).unwrap();
    let pct = stats(&data, "2022-11-19T1000")["microdesc_found_weight_pct"]
        .as_f64()
        .unwrap();
    assert!((100.0 * (1.0 - net.missing_weight_share) - pct).abs() < 0.01);
}

#[test]
fn a_file_that_is_not_a_consensus_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "consensus",
        "network-status-version 3 microdesc\nvote-status consensus\n",
    );
    let garbage = write(dir.path(), "md", "this is not a microdescriptor\n");
    let e = tor::read(&bad, &[], 0.0).unwrap_err();
    assert!(e.source.ends_with("consensus"), "{e}");
    assert!(
        e.message.contains("not a microdesc-flavour consensus"),
        "{e}"
    );
    let e = tor::read(&garbage, &[], 0.0).unwrap_err();
    assert!(
        e.message.contains("not a microdesc-flavour consensus"),
        "{e}"
    );
    let xz = write(dir.path(), "broken.xz", "not xz at all");
    let e = tor::read(&xz, &[], 0.0).unwrap_err();
    assert!(e.message.contains("cannot decompress"), "{e}");
}

#[test]
fn a_microdescriptor_file_of_garbage_is_refused_naming_it() {
    let Some(data) = real_data("a_microdescriptor_file_of_garbage_is_refused_naming_it") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let garbage = write(dir.path(), "cached-microdescs", "garbage\nmore garbage\n");
    let consensus = data.join("tor/2019-12-15T1300/cached-microdesc-consensus.xz");
    let e = tor::read(&consensus, &[&garbage], 0.0).unwrap_err();
    assert!(e.source.ends_with("cached-microdescs"), "{e}");
    assert!(e.message.contains("no microdescriptor"), "{e}");
}

/// dir-spec §3.8.3's equations, evaluated as tor's authorities do, give back the published
/// `bandwidth-weights` line of every complete snapshot from its own relays.
#[test]
fn the_bandwidth_weights_are_recomputed_from_the_consensus_totals() {
    use pathrisk::tor::weights::{self, Totals};
    let Some(data) = real_data("the_bandwidth_weights_are_recomputed") else {
        return;
    };
    for name in COMPLETE {
        let net = snapshot(&data, name, 0.0);
        let totals = Totals::of(net.relays.iter().map(|r| (r.weight, r.flags)));
        assert_eq!(totals, net.totals, "{name}: complete, so the same relays");
        let scale = net
            .params
            .get(weights::SCALE_PARAM)
            .map_or(weights::DEFAULT_SCALE, |&s| i64::from(s));
        let w = weights::compute(totals, scale).expect("weights");
        let published: std::collections::BTreeMap<String, i64> = net
            .bandwidth_weights
            .iter()
            .map(|(k, v)| (k.clone(), i64::from(*v)))
            .collect();
        assert_eq!(w.line(), published, "{name}: {} from {totals:?}", w.case);
        println!("{name}: {} reproduces the published line", w.case);
    }
}

/// The same for the 2025 series, whose microdescriptors are mostly missing: the totals cover
/// every listed relay, so the weights do not need them. (The 2016–2017 series has router
/// entries without a `pr` line, which Arti's parser requires: docs/tor.md.)
#[test]
fn the_bandwidth_weights_of_every_consensus_of_the_series_are_recomputed() {
    use pathrisk::tor::weights;
    let Some(data) = real_data("the_bandwidth_weights_of_every_consensus_of_the_series") else {
        return;
    };
    let mut seen = 0;
    // The 2016–17 series' first three consensuses (method 22) have no `pr` lines: read
    // through the empty-protocols fallback.
    for series in ["series-2016-12_2017-03", "series-2025-04_2025-08"] {
        let dir = data.join("tor").join(series);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("cached-microdesc-consensus"))
            })
            .collect();
        files.sort();
        for file in files {
            let net = tor::read(&file, &[], 1.0).unwrap();
            let scale = net
                .params
                .get(weights::SCALE_PARAM)
                .map_or(weights::DEFAULT_SCALE, |&s| i64::from(s));
            let w = weights::compute(net.totals, scale).expect("weights");
            let published: std::collections::BTreeMap<String, i64> = net
                .bandwidth_weights
                .iter()
                .map(|(k, v)| (k.clone(), i64::from(*v)))
                .collect();
            assert_eq!(w.line(), published, "{}: {}", file.display(), w.case);
            seen += 1;
        }
    }
    assert_eq!(seen, 20);
}

#[test]
fn the_old_series_is_read_with_relays_without_an_ntor_key_dropped() {
    let Some(data) = real_data("the_old_series_is_read_with_relays_without_an_ntor_key_dropped")
    else {
        return;
    };
    let dir = data.join("tor/series-2016-12_2017-03");
    let microdescs = dir.join("microdescs-referenced.xz");
    let first = tor::read(
        &dir.join("cached-microdesc-consensus_2016-12-10T21.xz"),
        &[microdescs.as_path()],
        0.0,
    )
    .unwrap();
    // Every listed relay has its microdescriptor; six (tor older than 0.2.4) have no ntor key.
    assert_eq!(first.listed, 7236);
    assert_eq!(first.without_ntor, 6);
    assert_eq!(first.relays.len(), 7230);
    assert_eq!(first.missing_weight_share, 0.0);
    let last = tor::read(
        &dir.join("cached-microdesc-consensus_2017-03-10T10.xz"),
        &[microdescs.as_path()],
        0.0,
    )
    .unwrap();
    assert_eq!(last.listed, 7326);
}

/// The fuzz corpora of the Tor readers (`fuzz/corpus/tor_documents`, `tor_series`; cut from
/// the real 2019-12-15 documents, then grown and minimised by the fuzzer) are read as the
/// fuzz targets read them without a panic, and some of them are whole documents: a network
/// of relays, a series of two consensuses.
#[test]
fn the_fuzz_corpora_of_the_tor_readers_are_read_and_hold_real_documents() {
    let read = |text: &str| -> Vec<Result<TorNetwork, pathrisk::InputError>> {
        let (consensuses, microdescs) = text.split_once("\n@@microdescs\n").unwrap_or((text, ""));
        let texts = vec![(microdescs.to_string(), PathBuf::from("microdescs"))];
        let Ok(index) = tor::index_microdescs(&texts) else {
            return Vec::new();
        };
        consensuses
            .split("\n@@consensus\n")
            .map(|c| tor::parse_with(c, Path::new("consensus"), &index, 1.0))
            .collect()
    };
    for (target, parts) in [("tor_documents", 1), ("tor_series", 2)] {
        let dir = super::root().join("fuzz/corpus").join(target);
        let mut whole = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let networks = read(text);
            if networks.len() == parts
                && networks
                    .iter()
                    .all(|n| n.as_ref().is_ok_and(|n| n.relays.len() >= 3))
            {
                whole += 1;
            }
        }
        assert!(
            whole >= 1,
            "{target}: no whole document in {}",
            dir.display()
        );
    }
}
