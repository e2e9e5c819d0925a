//! Integration tests: one binary, a module per topic.

mod bad_input;
mod check;
mod cli;
mod closed_forms;
mod corpus;
mod crash;
mod determinism;
mod exact;
mod guards;
mod importance;
mod kernels;
mod limits;
mod monte_carlo;
mod presets;
mod properties;
mod servers;
mod shards;
mod solve;
mod sweep;
mod time;

use std::path::{Path, PathBuf};

/// The `pathrisk` binary under test.
pub fn pathrisk() -> assert_cmd::Command {
    assert_cmd::cargo::cargo_bin_cmd!("pathrisk")
}

/// The project's root folder (where `scenarios/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
        rules: Default::default(),
        run: pathrisk::scenario::RunSettings {
            paths: 1,
            trials: 10_000,
            seed: 1,
        },
    }
}
