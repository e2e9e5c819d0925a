//! Every command × every `--format` × every `--output` extension: the output parses with a
//! real parser (a CSV reader, serde_json, an XML parser), and an unknown extension is refused
//! with the list of accepted ones before anything runs.

use super::{pathrisk, root};
use std::path::Path;

fn scenario(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

/// The commands, each with small arguments, as (name, arguments).
fn commands(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Two shards of a run for `merge`.
    let mut parts = Vec::new();
    for i in 0..2 {
        let part = dir.join(format!("part{i}.json")).display().to_string();
        let out = pathrisk()
            .args(["run", &scenario("one-entity-ends.toml"), "--trials", "2000"])
            .args(["--quiet", "--shard", &format!("{i}/2"), "--output", &part])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        parts.push(part);
    }
    vec![
        (
            "run",
            s(&["run", &scenario("one-entity-ends.toml"), "--trials", "2000"]),
        ),
        ("reproduce", s(&["reproduce", "--trials", "200"])),
        (
            "check",
            s(&[
                "check",
                &scenario("one-entity-ends.toml"),
                "--reference",
                &root().join("results/reference").display().to_string(),
            ]),
        ),
        (
            "sweep",
            s(&[
                "sweep",
                &scenario("one-entity-ends.toml"),
                "--vary",
                "run.paths=10:100:2",
                "--trials",
                "1000",
            ]),
        ),
        (
            "solve",
            s(&[
                "solve",
                &scenario("one-entity-ends.toml"),
                "--for",
                "run.paths",
                "--target",
                "client>=0.5",
            ]),
        ),
        ("merge", {
            let mut v = s(&["merge"]);
            v.extend(parts);
            v
        }),
    ]
}

/// Parses `text` as `format` and says how many records it holds.
fn parse(format: &str, text: &str, what: &str) -> usize {
    match format {
        "table" => {
            assert!(!text.trim().is_empty(), "{what}: empty table");
            text.lines().count()
        }
        "csv" => {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let width = r
                .headers()
                .unwrap_or_else(|e| panic!("{what}: {e}\n{text}"))
                .len();
            assert!(width >= 3, "{what}: {width} columns\n{text}");
            let mut rows = 0;
            for record in r.records() {
                let record = record.unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
                assert_eq!(record.len(), width, "{what}: ragged row\n{text}");
                rows += 1;
            }
            rows
        }
        "json" => {
            let v: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
            v.as_object()
                .unwrap_or_else(|| panic!("{what}: not an object"))
                .len()
        }
        "junit" => {
            let doc =
                roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "testsuites", "{what}");
            let cases = doc
                .descendants()
                .filter(|n| n.has_tag_name("testcase"))
                .count();
            assert_eq!(
                root.attribute("tests").and_then(|t| t.parse().ok()),
                Some(cases),
                "{what}: the tests count"
            );
            cases
        }
        _ => unreachable!(),
    }
}

#[test]
fn every_command_writes_every_format_to_stdout_and_by_extension_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in commands(dir.path()) {
        for format in ["table", "csv", "json", "junit"] {
            let out = pathrisk()
                .args(&args)
                .args(["--format", format, "--quiet"])
                .output()
                .unwrap();
            let what = format!("{name} --format {format}");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let records = parse(format, &String::from_utf8(out.stdout).unwrap(), &what);
            assert!(records >= 1, "{what}: nothing in it");
        }
        for (ext, format) in [("csv", "csv"), ("json", "json"), ("xml", "junit")] {
            let file = dir.path().join(format!("{name}.{ext}"));
            let out = pathrisk()
                .args(&args)
                .arg("--output")
                .arg(&file)
                .arg("--quiet")
                .output()
                .unwrap();
            let what = format!("{name} --output .{ext}");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(parse(format, &text, &what) >= 1, "{what}: nothing in it");
        }
        // Any other extension: exit 2, the accepted list, nothing run or written.
        for bad in ["out.txt", "out.png", "out"] {
            let file = dir.path().join(format!("{name}-{bad}"));
            let out = pathrisk()
                .args(&args)
                .arg("--output")
                .arg(&file)
                .arg("--quiet")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name} {bad}: {stderr}");
            assert!(
                stderr.contains("--output") && stderr.contains(".csv, .json or .xml"),
                "{name} {bad}: {stderr}"
            );
            assert!(out.stdout.is_empty(), "{name} {bad}");
            assert!(!file.exists(), "{name} {bad}");
        }
    }
}

#[test]
fn a_failed_check_is_a_junit_failure_with_its_text() {
    // A reference changed by 1%: the path check disagrees, and JUnit says so.
    let dir = tempfile::tempdir().unwrap();
    let refs = dir.path().join("refs");
    std::fs::create_dir(&refs).unwrap();
    let text =
        std::fs::read_to_string(root().join("results/reference/one-entity-ends.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let p = v["closed_forms"]["path"].as_f64().unwrap();
    v["closed_forms"]["path"] = serde_json::json!(p * 1.01);
    std::fs::write(refs.join("one-entity-ends.json"), v.to_string()).unwrap();
    let out = pathrisk()
        .args([
            "check",
            &scenario("one-entity-ends.toml"),
            "--format",
            "junit",
        ])
        .arg("--reference")
        .arg(&refs)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert!(!failures.is_empty(), "{xml}");
    let case = failures[0].parent().unwrap();
    assert_eq!(case.attribute("name"), Some("path"), "{xml}");
    assert!(failures[0].text().unwrap().contains("differs"), "{xml}");
    assert_eq!(
        doc.root_element().attribute("failures"),
        Some(failures.len().to_string().as_str())
    );
}

#[test]
fn plots_need_an_svg_name() {
    let dir = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (
            vec!["sweep", "--vary", "run.paths=10:20:2", "--plot"],
            "--plot",
        ),
        (vec!["run", "--cdf"], "--cdf"),
    ] {
        let file = dir.path().join("out.png");
        let mut cmd = pathrisk();
        cmd.arg(args[0]).arg(scenario("one-entity-ends.toml"));
        cmd.args(&args[1..])
            .arg(&file)
            .args(["--quiet", "--trials", "100"]);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(flag) && stderr.contains(".svg"), "{stderr}");
        assert!(!file.exists());
    }
}

#[test]
fn run_takes_set_like_sweep_and_solve() {
    let json = |extra: &[&str]| -> serde_json::Value {
        let out = pathrisk()
            .args([
                "run",
                &scenario("one-entity-full-path.toml"),
                "--method",
                "exact",
            ])
            .args(extra)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = json(&["--set", "network.adversary.share=0.1"]);
    // One entity with 10% holds all 3 random hops with probability 0.1³.
    let p = v["results"][0]["estimate"].as_f64().unwrap();
    assert!((p - 1e-3).abs() < 1e-15, "{p}");
    let out = pathrisk()
        .args(["run", &scenario("one-entity-full-path.toml")])
        .args(["--set", "network.adversary.shares=0.1", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
