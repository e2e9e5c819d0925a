//! Sharded runs (`run --shard I/N`) merged with `pathrisk merge` give the unsharded result,
//! timings aside; parts that do not belong together are refused with exit code 2.

use super::{pathrisk, root};
use std::path::{Path, PathBuf};

fn run(args: &[&str]) -> std::process::Output {
    pathrisk().args(args).output().unwrap()
}

fn ok(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The JSON result without its timing.
fn result(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("elapsed_seconds");
    v
}

fn shards(dir: &Path, scenario: &str, trials: &str, n: u64) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let part = dir.join(format!("part-{i}-of-{n}.json"));
            ok(&run(&[
                "run",
                scenario,
                "--trials",
                trials,
                "--threads",
                "2",
                "--quiet",
                "--shard",
                &format!("{i}/{n}"),
                "--output",
                part.to_str().unwrap(),
            ]));
            part
        })
        .collect()
}

#[test]
fn merged_shards_equal_the_whole_run_for_one_three_and_seven_shards() {
    let dir = tempfile::tempdir().unwrap();
    for (file, trials) in [
        ("scenarios/guards-rotating.toml", "20000"),
        ("scenarios/one-entity-ends.toml", "30000"),
        ("scenarios/any-of-50-full-path-distinct.toml", "9000"),
    ] {
        let scenario = root().join(file);
        let scenario = scenario.to_str().unwrap();
        let whole = dir.path().join("whole.json");
        ok(&run(&[
            "run",
            scenario,
            "--trials",
            trials,
            "--threads",
            "2",
            "--quiet",
            "--output",
            whole.to_str().unwrap(),
        ]));
        for n in [1, 3, 7] {
            let parts = shards(dir.path(), scenario, trials, n);
            let merged = dir.path().join("merged.json");
            let mut args = vec!["merge", "--quiet", "--output", merged.to_str().unwrap()];
            // Any order will do.
            args.extend(parts.iter().rev().map(|p| p.to_str().unwrap()));
            ok(&run(&args));
            assert_eq!(result(&merged), result(&whole), "{file}, {n} shards");
        }
    }
}

fn refused(args: &[&str], fragments: &[&str]) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    for f in fragments {
        assert!(stderr.contains(f), "expected `{f}` in {stderr}");
    }
}

#[test]
fn merge_refuses_missing_duplicate_foreign_and_edited_parts() {
    let dir = tempfile::tempdir().unwrap();
    let a = root().join("scenarios/one-entity-ends.toml");
    let parts = shards(dir.path(), a.to_str().unwrap(), "3000", 3);
    let p: Vec<&str> = parts.iter().map(|p| p.to_str().unwrap()).collect();
    refused(&["merge", p[0], p[2]], &["missing shard 1/3"]);
    refused(
        &["merge", p[0], p[1], p[1], p[2]],
        &["part-1-of-3.json", "given twice"],
    );
    // Another seed is another run.
    let other = dir.path().join("other.json");
    ok(&run(&[
        "run",
        a.to_str().unwrap(),
        "--trials",
        "3000",
        "--seed",
        "9",
        "--quiet",
        "--shard",
        "1/3",
        "--output",
        other.to_str().unwrap(),
    ]));
    refused(
        &["merge", p[0], other.to_str().unwrap(), p[2]],
        &["other.json", "belongs to another run"],
    );
    // A part whose scenario was edited no longer matches its fingerprint.
    let edited = dir.path().join("edited.json");
    let text = std::fs::read_to_string(&parts[1]).unwrap();
    std::fs::write(&edited, text.replace("\"hops\":3", "\"hops\":2")).unwrap();
    refused(
        &["merge", p[0], edited.to_str().unwrap(), p[2]],
        &["edited.json", "fingerprint"],
    );
    // A part whose counts were edited no longer matches its checksum.
    let text = std::fs::read_to_string(&parts[1]).unwrap();
    let hits = regex::Regex::new(r#""path_hits": ?(\d+)"#).unwrap();
    let n: u64 = hits.captures(&text).expect("a path_hits count")[1]
        .parse()
        .unwrap();
    let more = hits.replace(&text, format!("\"path_hits\": {}", n + 1));
    assert_ne!(more, text);
    std::fs::write(&edited, more.as_ref()).unwrap();
    refused(
        &["merge", p[0], edited.to_str().unwrap(), p[2]],
        &["edited.json", "checksum", "edited"],
    );
    // A part cut short (a disk that filled up, a copy stopped half way) is refused too.
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    refused(
        &["merge", p[0], cut.to_str().unwrap(), p[2]],
        &["cut.json", "not a pathrisk partial"],
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    refused(
        &["merge", junk.to_str().unwrap()],
        &["junk.json", "not a pathrisk partial"],
    );
}

#[test]
fn a_shard_outside_its_count_is_refused() {
    let a = root().join("scenarios/one-entity-ends.toml");
    for bad in ["3/3", "1/0", "x/2"] {
        let out = run(&["run", a.to_str().unwrap(), "--quiet", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("I/N"));
    }
}

#[test]
fn merged_sweep_shards_give_the_unsharded_csv_for_one_three_and_seven_shards() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/one-entity-ends.toml");
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            scenario.to_str().unwrap(),
            "--vary",
            "network.adversary.share=0.01:0.05:3",
            "--compare",
            "path.selection=random,operator-aware",
            "--trials",
            "3000",
            "--threads",
            "2",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let whole = sweep(&[]);
    ok(&whole);
    for n in [1, 3, 7] {
        let parts: Vec<PathBuf> = (0..n)
            .map(|i| {
                let part = dir.path().join(format!("sweep-{i}-of-{n}.json"));
                ok(&sweep(&[
                    "--shard",
                    &format!("{i}/{n}"),
                    "--output",
                    part.to_str().unwrap(),
                ]));
                part
            })
            .collect();
        let mut args = vec!["merge", "--quiet"];
        args.extend(parts.iter().map(|p| p.to_str().unwrap()));
        let merged = run(&args);
        ok(&merged);
        assert_eq!(
            String::from_utf8_lossy(&merged.stdout),
            String::from_utf8_lossy(&whole.stdout),
            "{n} shards"
        );
    }
}
