//! Crash safety: Ctrl-C stops a run within a second with exit code 130 and no partial output;
//! a run killed outright leaves the previous result file as it was; an output path that
//! cannot be written fails before any simulation.

use super::{pathrisk, root};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts a run that would take minutes, writing to `output`.
fn long_run(output: &std::path::Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin!("pathrisk"))
        .arg("run")
        .arg(root().join("scenarios/one-entity-ends.toml"))
        .args(["--trials", "1000000000", "--quiet", "--output"])
        .arg(output)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits at most `limit` for `child`; its exit code and how long it took.
fn wait_for(child: &mut Child, limit: Duration) -> (Option<i32>, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), start.elapsed());
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn ctrl_c_stops_a_run_within_a_second_with_130_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("result.json");
    let mut child = long_run(&output);
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "the run ended early");
    signal(&child, "INT");
    let (code, took) = wait_for(&mut child, Duration::from_secs(10));
    assert_eq!(code, Some(130));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Neither the result nor its temporary file is left.
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn ctrl_c_keeps_the_previous_result_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("result.json");
    std::fs::write(&output, "previous").unwrap();
    let mut child = long_run(&output);
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, "INT");
    let (code, _) = wait_for(&mut child, Duration::from_secs(10));
    assert_eq!(code, Some(130));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous");
    assert_eq!(files_in(dir.path()), ["result.json"]);
}

#[test]
fn a_killed_run_leaves_the_previous_result_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("result.json");
    std::fs::write(&output, "previous").unwrap();
    let mut child = long_run(&output);
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, "KILL");
    let (code, _) = wait_for(&mut child, Duration::from_secs(10));
    assert_eq!(code, None, "killed by a signal");
    // The result is the old file; at most a temporary file is left beside it.
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous");
    assert!(
        files_in(dir.path())
            .iter()
            .all(|f| f == "result.json" || f.ends_with(".tmp"))
    );
}

#[test]
fn an_output_path_that_cannot_be_written_fails_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = pathrisk()
        .arg("run")
        .arg(root().join("scenarios/one-entity-ends.toml"))
        .args(["--trials", "1000000000", "--quiet", "--output"])
        .arg(dir.path().join("no-such-folder/result.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A failure while running: exit 3, not 1 (a verdict) nor 2 (bad input).
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("no-such-folder/result.json"), "{stderr}");
    // A billion clients would take minutes: the failure came first.
    assert!(start.elapsed() < Duration::from_secs(5));
}
