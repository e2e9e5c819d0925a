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
