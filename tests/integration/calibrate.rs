//! `pathrisk calibrate` (issue 19): every interval type and test has its row, the rates are
//! read off the seeds, and the table is the same on any thread count.

use super::{pathrisk, real_data};

fn json(args: &[&str]) -> serde_json::Value {
    let out = pathrisk().arg("calibrate").args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn calibrate_reports_every_interval_type_and_test_with_its_rate() {
    let data = real_data("calibrate's tor rows").is_some();
    let v = json(&["--seeds", "40", "--format", "json"]);
    let rows = v["rows"].as_array().unwrap();
    let intervals: Vec<&str> = rows
        .iter()
        .map(|r| r["interval"].as_str().unwrap())
        .collect();
    let mut wanted = vec![
        "clopper-pearson path",
        "clopper-pearson client",
        "first-compromise median",
        "cdf band at",
        "importance path",
        "importance client",
        "false alarm: path test",
        "false alarm: importance test",
        "detection: closed form +",
        "detection: closed form −",
    ];
    if data {
        wanted.extend(["tor clopper-pearson path", "tor clopper-pearson client"]);
    } else {
        assert!(
            v["skipped"].as_array().is_some_and(|s| !s.is_empty()),
            "{v}"
        );
    }
    for w in &wanted {
        assert!(
            intervals.iter().any(|i| i.starts_with(w)),
            "{w}: {intervals:?}"
        );
    }
    assert_eq!(
        rows.len(),
        wanted.len() + 1,
        "two cdf points: {intervals:?}"
    );
    for r in rows {
        let f = |k: &str| r[k].as_f64().unwrap();
        assert_eq!(r["seeds"], 40, "{r}");
        // The observed rate is a count over 40 seeds, inside its own interval.
        assert_eq!((f("observed") * 40.0).round(), f("observed") * 40.0, "{r}");
        assert!(
            f("low") <= f("observed") && f("observed") <= f("high"),
            "{r}"
        );
        assert!([0.95, 0.05, 0.99].contains(&f("nominal")), "{r}");
        assert!(
            ["ok", "off"].contains(&r["verdict"].as_str().unwrap()),
            "{r}"
        );
    }
}

#[test]
fn calibrate_prints_the_same_bytes_on_one_thread_and_on_two() {
    let csv = |threads: &str| {
        let out = pathrisk()
            .args([
                "calibrate",
                "--seeds",
                "25",
                "--format",
                "csv",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let one = csv("1");
    assert!(one.starts_with("interval,scenario,nominal,observed,low,high,seeds,verdict\n"));
    assert_eq!(one, csv("2"));
}

#[test]
fn calibrate_refuses_zero_seeds_and_seeds_with_quick() {
    for args in [&["--seeds", "0"][..], &["--seeds", "5", "--quick"]] {
        let out = pathrisk().arg("calibrate").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}
