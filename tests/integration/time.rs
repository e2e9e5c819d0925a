//! Time to first compromise: quantiles in paths and days, and the CDF file and plot.

use super::{pathrisk, write};
use pathrisk::analytic::client::ClientLaw;

const SCENARIO: &str = "[network]\nadversary = { share = 0.1, others = 9 }\n[path]\nhops = 2\n[adversary]\ntarget = { entity = \"adversary\" }\n[guards]\ncount = 1\nlifetime = 20\n[run]\npaths = 60\ntrials = 20000\npaths_per_day = 4\n";

#[test]
fn quantiles_of_independent_paths_are_geometric() {
    for p in [0.3, 0.01, 1e-5] {
        let law = ClientLaw::Independent { p };
        for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
            // Smallest k with 1 − (1 − p)^k ≥ q.
            let k = ((1.0f64 - q).ln() / (1.0f64 - p).ln()).ceil() as u64;
            let got = law.quantile(q).unwrap();
            assert!(
                got == k || got + 1 == k || got == k + 1,
                "p {p} q {q}: {got} vs {k}"
            );
            assert!(law.cdf(got) >= q && (got == 1 || law.cdf(got - 1) < q));
        }
    }
    assert_eq!(ClientLaw::Independent { p: 0.0 }.quantile(0.5), None);
}

#[test]
fn first_reports_quantiles_in_paths_and_days() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "t.toml", SCENARIO);
    let out = pathrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "first")
        .unwrap();
    let q = first["quantiles"].as_array().unwrap();
    assert_eq!(q.len(), 5);
    assert_eq!(q[0]["q"], 0.1);
    let paths = q[0]["paths"].as_u64().unwrap();
    assert_eq!(q[0]["days"].as_f64().unwrap(), paths as f64 / 4.0);
    let closed = q[0]["closed_form_paths"].as_u64().unwrap();
    assert!(
        (closed as i64 - paths as i64).abs() <= 2,
        "{paths} vs {closed}"
    );
    let table = pathrisk()
        .arg("run")
        .arg(&file)
        .arg("--quiet")
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("days, closed form"), "{text}");
}

#[test]
fn cdf_file_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "t.toml", SCENARIO);
    let csv = dir.path().join("cdf.csv");
    let svg = dir.path().join("cdf.svg");
    for target in [&csv, &svg] {
        pathrisk()
            .arg("run")
            .arg(&file)
            .arg("--quiet")
            .arg("--cdf")
            .arg(target)
            .assert()
            .success();
    }
    let mut rdr = csv::Reader::from_path(&csv).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "paths",
            "days",
            "simulated_cdf",
            "ci_low",
            "ci_high",
            "closed_form_cdf"
        ]
    );
    let rows: Vec<Vec<f64>> = rdr
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|x| x.parse::<f64>().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 60);
    for w in rows.windows(2) {
        assert!(w[1][2] >= w[0][2] && w[1][5] >= w[0][5], "CDFs never fall");
    }
    let misses = rows.iter().filter(|r| r[5] < r[3] || r[5] > r[4]).count();
    assert!(
        misses <= 12,
        "the closed form lies in most pointwise intervals: {misses} of 60 outside"
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert!(
        doc.descendants()
            .any(|n| n.text().is_some_and(|t| t.contains("days")))
    );
    // Bad input: the CDF's extension, and paths per day.
    pathrisk()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--cdf"])
        .arg(dir.path().join("cdf.txt"))
        .assert()
        .code(2);
    let bad = write(
        dir.path(),
        "bad.toml",
        &SCENARIO.replace("paths_per_day = 4", "paths_per_day = 0"),
    );
    let out = pathrisk()
        .arg("run")
        .arg(&bad)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run.paths_per_day"));
}
