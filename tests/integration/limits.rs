//! Limits: counts at the edge of 64 bits, the hop maximum, and data files over the row and
//! byte limits — clear errors, never a wrapped-around number.

use super::{pathrisk, write};
use pathrisk::scenario::Scenario;
use std::path::Path;

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::parse(text, "edge.toml", Path::new("."), "edge").map_err(|e| e.to_string())
}

#[test]
fn trials_times_paths_of_exactly_u64_max_is_accepted_and_one_more_is_refused() {
    // u64::MAX = 3 × 6148914691236517205.
    let at_edge = parse(
        "[network]\nuniform = { operators = 5 }\n[run]\ntrials = 6148914691236517205\npaths = 3\n",
    )
    .unwrap();
    assert_eq!(
        at_edge.run.trials.checked_mul(at_edge.run.paths),
        Some(u64::MAX)
    );
    let past = parse(
        "[network]\nuniform = { operators = 5 }\n[run]\ntrials = 6148914691236517206\npaths = 3\n",
    )
    .unwrap_err();
    assert!(past.contains("overflows a 64-bit count"), "{past}");
}

#[test]
fn command_line_overrides_are_checked_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        dir.path(),
        "s.toml",
        "[network]\nuniform = { operators = 5 }\n",
    );
    let out = pathrisk()
        .arg("run")
        .arg(&s)
        .args(["--trials", &u64::MAX.to_string(), "--paths", "2", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--trials") && stderr.contains("overflows"),
        "{stderr}"
    );
}

#[test]
fn thirty_two_hops_are_accepted_and_thirty_three_refused() {
    assert!(parse("[network]\nuniform = { operators = 5 }\n[path]\nhops = 32\n").is_ok());
    let e = parse("[network]\nuniform = { operators = 5 }\n[path]\nhops = 33\n").unwrap_err();
    assert!(e.contains("path.hops") && e.contains("1 to 32"), "{e}");
}

#[test]
fn a_csv_of_more_than_a_million_rows_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("name,share\n");
    for i in 0..1_000_001 {
        text.push_str(&format!("o{i},1\n"));
    }
    write(dir.path(), "big.csv", &text);
    let s = write(dir.path(), "s.toml", "[network]\ncsv = \"big.csv\"\n");
    let e = Scenario::load(&s).unwrap_err().to_string();
    assert!(e.contains("big.csv") && e.contains("1000000"), "{e}");
}

#[test]
fn a_csv_over_100_mb_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    // A sparse file: the size is checked before a byte is read.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 * 1024 * 1024 + 1)
        .unwrap();
    let s = write(dir.path(), "s.toml", "[network]\ncsv = \"big.csv\"\n");
    let e = Scenario::load(&s).unwrap_err().to_string();
    assert!(
        e.contains("big.csv") && e.contains("104857601 bytes"),
        "{e}"
    );
}
