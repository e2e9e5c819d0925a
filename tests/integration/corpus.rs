//! The bad-input corpus under `tests/bad-inputs/`: every `NAME.toml` there is a malformed
//! scenario (some name a malformed CSV file beside them) whose first line says
//! `# expect: FRAGMENT | FRAGMENT …`. Each must be refused with exit code 2 and one line on
//! stderr holding every fragment and naming the file at fault, with nothing on stdout, no
//! panic, and no output file.

use super::{pathrisk, root};

#[test]
fn every_malformed_input_in_the_corpus_is_refused_clearly() {
    let dir = root().join("tests/bad-inputs");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let text = std::fs::read_to_string(case).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect:"))
            .unwrap_or_else(|| panic!("{case:?}: first line must be `# expect: …`"))
            .split('|')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        let output = out_dir.path().join("result.json");
        let out = pathrisk()
            .arg("run")
            .arg(case)
            .args(["--trials", "10", "--quiet", "--output"])
            .arg(&output)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = case.file_name().unwrap().to_string_lossy();
        // The file at fault: a CSV fragment when one is expected, else the scenario.
        let at_fault = expected
            .iter()
            .find(|f| f.ends_with(".csv"))
            .map_or(name.to_string(), |f| f.to_string());
        let mut problems = Vec::new();
        if out.status.code() != Some(2) {
            problems.push(format!("exit {:?}", out.status.code()));
        }
        if !out.stdout.is_empty() {
            problems.push("output on stdout".to_string());
        }
        if stderr.contains("panicked") {
            problems.push("a panic".to_string());
        }
        if stderr.trim().lines().count() != 1 {
            problems.push("not one line".to_string());
        }
        if !stderr.contains(&at_fault) {
            problems.push(format!("does not name {at_fault}"));
        }
        for f in &expected {
            if !stderr.contains(f) {
                problems.push(format!("lacks `{f}`"));
            }
        }
        if output.exists() {
            problems.push("an output file".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {} — {}",
                problems.join(", "),
                stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
