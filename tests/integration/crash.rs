//! Crash safety: Ctrl-C stops a run within a second with exit code 130 and no partial output;
//! a run, a sweep or a merge killed outright leaves the previous result file as it was (or,
//! once renamed, the whole new one); an output path that cannot be written fails before any
//! simulation; a disk that fills up while the result is written leaves the previous file and
//! exits 3.

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

/// A sweep of 200 points writing to `output` (a second or so), its stderr piped.
fn sweep_command(output: &std::path::Path, trials: &str) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin!("pathrisk"));
    c.arg("sweep")
        .arg(root().join("scenarios/one-entity-ends.toml"))
        .args([
            "--vary",
            "network.adversary.share=0.01:0.2:200",
            "--trials",
            trials,
            "--output",
        ])
        .arg(output)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

#[test]
fn a_killed_sweep_leaves_the_previous_result_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("sweep.csv");
    std::fs::write(&output, "previous").unwrap();
    let mut child = sweep_command(&output, "10000000").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "the sweep ended early");
    signal(&child, "KILL");
    let (code, _) = wait_for(&mut child, Duration::from_secs(10));
    assert_eq!(code, None, "killed by a signal");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous");
}

/// `merge --output` killed at moments from its start to its end: the file is always whole,
/// the previous one or the complete merge, never a part of it.
#[test]
fn a_merge_killed_at_any_moment_leaves_a_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/one-entity-ends.toml");
    let parts: Vec<String> = (0..3)
        .map(|i| {
            let part = dir.path().join(format!("part-{i}.json"));
            let out = pathrisk()
                .arg("sweep")
                .arg(&scenario)
                .args(["--vary", "network.adversary.share=0.01:0.2:400"])
                .args(["--trials", "2000", "--shard", &format!("{i}/3"), "--output"])
                .arg(&part)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{out:?}");
            part.display().to_string()
        })
        .collect();
    let merge = |output: &std::path::Path| {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin!("pathrisk"));
        c.arg("merge")
            .args(&parts)
            .arg("--output")
            .arg(output)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let whole = dir.path().join("whole.csv");
    assert!(merge(&whole).status().unwrap().success());
    let whole = std::fs::read_to_string(&whole).unwrap();
    assert!(whole.lines().count() > 400, "{whole}");
    let output = dir.path().join("merged.csv");
    let (mut old, mut new) = (0, 0);
    for delay in [
        0u64, 2, 5, 10, 20, 40, 70, 100, 140, 180, 240, 320, 450, 700, 3000,
    ] {
        std::fs::write(&output, "previous").unwrap();
        let mut child = merge(&output).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        child.wait().unwrap();
        let text = std::fs::read_to_string(&output).unwrap();
        if text == "previous" {
            old += 1;
        } else {
            assert_eq!(text, whole, "after {delay} ms: a part of a file");
            new += 1;
        }
    }
    println!("killed merges: {old} left the previous file, {new} the whole new one");
    // The moments span the merge: from before it wrote anything to after it was done.
    assert!(old >= 1 && new >= 1, "{old} old, {new} new");
}

/// A full disk, as `ulimit -f` makes one (with SIGXFSZ ignored, a write past the limit fails
/// as it does on a full filesystem): the previous result stays, no temporary file is left,
/// and the failure is exit 3 naming the file.
#[cfg(unix)]
#[test]
fn a_full_disk_while_writing_keeps_the_previous_result_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("sweep.csv");
    std::fs::write(&output, "previous").unwrap();
    let sweep = sweep_command(&output, "200");
    let line = std::iter::once(sweep.get_program())
        .chain(sweep.get_args())
        .map(|a| shlex::try_quote(a.to_str().unwrap()).unwrap().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    // 1 KiB: the 200-point CSV is some 60 KiB.
    let out = Command::new("bash")
        .args(["-c", &format!("trap '' XFSZ; ulimit -f 1; exec {line}")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("sweep.csv"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous");
    assert_eq!(files_in(dir.path()), vec!["sweep.csv".to_string()]);
}
