//! Integration tests: one binary, a module per topic.

mod arti;
mod bad_input;
mod calibrate;
mod check;
mod cli;
mod closed_forms;
mod corpus;
mod crash;
mod determinism;
mod docs;
mod exact;
mod examples;
mod formats;
mod guards;
mod importance;
mod kernels;
mod limits;
mod monte_carlo;
mod mutation;
mod presets;
mod properties;
mod servers;
mod shards;
mod solve;
mod sweep;
mod time;
mod tor_documents;
mod tor_rules;
mod tor_scenarios;
mod tor_series;

use std::path::{Path, PathBuf};

/// A large hosting provider's blocks: Hetzner's best-known /16s (a target on real Tor
/// networks).
pub const HETZNER_BLOCKS: [&str; 13] = [
    "5.9.0.0/16",
    "88.99.0.0/16",
    "78.46.0.0/15",
    "136.243.0.0/16",
    "144.76.0.0/16",
    "148.251.0.0/16",
    "176.9.0.0/16",
    "178.63.0.0/16",
    "46.4.0.0/16",
    "94.130.0.0/16",
    "95.216.0.0/16",
    "159.69.0.0/16",
    "116.202.0.0/16",
];

/// The documents of a complete Tor snapshot folder (consensus and both microdescriptor
/// files), every relay kept.
pub fn tor_snapshot(dir: &Path) -> std::sync::Arc<pathrisk::tor::TorNetwork> {
    pathrisk::tor::read_cached(
        &dir.join("cached-microdesc-consensus.xz"),
        &[
            dir.join("cached-microdescs.xz"),
            dir.join("cached-microdescs.new.xz"),
        ],
        0.0,
    )
    .unwrap()
}

/// The `pathrisk` binary under test.
pub fn pathrisk() -> assert_cmd::Command {
    assert_cmd::cargo::cargo_bin_cmd!("pathrisk")
}

/// The project's root folder (where `scenarios/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped scenario files, sorted: `scenarios/*.toml`, and `scenarios/presets/*.toml`
/// when the real data they read is there (else a line saying that `test` runs without them).
pub fn scenario_files(test: &str) -> Vec<PathBuf> {
    let folders: &[&str] = match real_data(&format!("the presets of {test}")) {
        Some(_) => &["scenarios", "scenarios/presets"],
        None => &["scenarios"],
    };
    let mut files: Vec<PathBuf> = folders
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// The folder of real data, found as the tool finds it (`PATHRISK_DATA`, else the nearest
/// `shared/data` beside the project or above it), or `None` after a line saying that `test` is
/// skipped. With `PATHRISK_REQUIRE_DATA` set, as `.ci/run` sets it, a missing folder fails the
/// test instead: CI always runs the tests on real data.
pub fn real_data(test: &str) -> Option<PathBuf> {
    let found = pathrisk::scenario::data::data_dir(&root()).filter(|d| d.is_dir());
    if found.is_none() {
        if std::env::var_os("PATHRISK_REQUIRE_DATA").is_some_and(|v| !v.is_empty()) {
            panic!(
                "{test}: PATHRISK_REQUIRE_DATA is set but the real data was not found: set PATHRISK_DATA"
            );
        }
        println!(
            "skipped {test}: the real data was not found (set PATHRISK_DATA to the shared/data folder)"
        );
    }
    found
}

/// Writes `text` to `name` inside `dir` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A scenario on `network` without guards or path rules, for tests to adjust: one path per
/// client, 10 000 clients, seed 1.
pub fn scenario_of(
    network: pathrisk::model::Network,
    selection: pathrisk::select::Selection,
    target: pathrisk::adversary::Target,
    event: pathrisk::adversary::Event,
    hops: usize,
) -> pathrisk::scenario::Scenario {
    pathrisk::scenario::Scenario {
        name: "test".into(),
        description: String::new(),
        source: "test".into(),
        network,
        hops,
        selection,
        adversary: pathrisk::adversary::Adversary { target, event },
        guards: None,
        paths_per_day: None,
        horizons: Vec::new(),
        tor: None,
        series: None,
        documents: None,
        rules: Default::default(),
        run: pathrisk::scenario::RunSettings {
            paths: 1,
            trials: 10_000,
            seed: 1,
        },
    }
}
