//! `pathrisk sweep`: a tidy CSV of a grid, a plot with one marker per point and series, and
//! completions and a man page from the same command-line definition.

use super::{pathrisk, root};

#[test]
fn a_grid_gives_one_csv_row_per_point_series_and_metric() {
    let out = pathrisk()
        .arg("sweep")
        .arg(root().join("scenarios/coalition-ends.toml"))
        .args([
            "--vary",
            "network.uniform.operators=10:30:3",
            "--vary",
            "path.hops=2:4:3",
        ])
        .args([
            "--compare",
            "path.selection=random,operator-aware",
            "--trials",
            "500",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "network.uniform.operators",
            "path.hops",
            "series",
            "metric",
            "estimate",
            "ci_low",
            "ci_high",
            "closed_form",
            "verdict",
            "hits",
            "samples",
            "p_value"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    // 3 operator counts × 3 hop counts × 2 series × 3 metrics.
    assert_eq!(rows.len(), 3 * 3 * 2 * 3);
    assert_eq!(&rows[0][0], "10");
    assert_eq!(&rows[0][1], "2");
    assert!(rows.iter().all(|r| &r[8] != "disagree"));
}

#[test]
fn the_plot_is_svg_with_one_marker_per_point_and_series() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("plot.svg");
    let csv = dir.path().join("sweep.csv");
    let out = pathrisk()
        .arg("sweep")
        .arg(root().join("scenarios/one-entity-ends.toml"))
        .args(["--vary", "network.adversary.share=log:0.01:0.2:5"])
        .args([
            "--compare",
            "path.hops=2,3,4",
            "--trials",
            "500",
            "--quiet",
            "--plot",
        ])
        .arg(&svg)
        .arg("--output")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap().as_bytes(),
        &out.stdout[..]
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the plot is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let circles = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "circle")
        .count();
    assert_eq!(circles, 5 * 3, "one marker per point per series");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for expected in [
        "network.adversary.share",
        "one-entity-ends",
        "hops=2",
        "hops=3",
        "hops=4",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(expected)),
            "no text `{expected}` in the plot"
        );
    }
    assert!(
        texts.iter().any(|t| t.contains("client")),
        "the y axis names the metric"
    );
}

#[test]
fn rejects_a_bad_vary() {
    let out = pathrisk()
        .arg("sweep")
        .arg(root().join("scenarios/coalition-ends.toml"))
        .args(["--vary", "path.hops=1:3", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--vary path.hops"));
    let out = pathrisk()
        .arg("sweep")
        .arg(root().join("scenarios/coalition-ends.toml"))
        .args(["--vary", "path.hopz=1:3:3", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("path.hopz"));
}

#[test]
fn set_takes_exactly_one_value_in_sweep_and_solve() {
    let file = root().join("scenarios/coalition-ends.toml");
    for args in [
        vec!["sweep", "--vary", "path.hops=2:4:3", "--quiet"],
        vec!["solve", "--for", "run.paths", "--target", "client>=0.5"],
    ] {
        let out = pathrisk()
            .arg(args[0])
            .arg(&file)
            .args(&args[1..])
            .args(["--set", "path.selection=random,operator-aware"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--set path.selection") && err.contains("expected one value"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let out = pathrisk().args(["completions", "bash"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("pathrisk") && text.contains("--vary"),
        "bash completion names the flags"
    );
    let out = pathrisk().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(".TH") && text.contains("pathrisk"));
}
