//! The committed example results are what `scripts/examples.sh` produces: the test runs the
//! script with the binary under test into a temporary folder and compares the bytes.

use super::{real_data, root};

#[test]
fn the_committed_examples_are_what_the_script_produces() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(root().join("scripts/examples.sh"))
        .arg(dir.path())
        .env("PATHRISK", assert_cmd::cargo::cargo_bin!("pathrisk"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = root().join("results/examples");
    let data = real_data("the tor-series examples").is_some();
    let mut compared = 0;
    for entry in std::fs::read_dir(&committed).unwrap() {
        let name = entry.unwrap().file_name();
        // The series examples read the real data.
        if !data && name.to_string_lossy().starts_with("tor-series") {
            continue;
        }
        let made = std::fs::read(dir.path().join(&name))
            .unwrap_or_else(|e| panic!("the script does not make {name:?}: {e}"));
        let kept = std::fs::read(committed.join(&name)).unwrap();
        assert!(
            made == kept,
            "results/examples/{} differs from what scripts/examples.sh makes: rerun it",
            name.to_string_lossy()
        );
        compared += 1;
    }
    assert_eq!(
        compared,
        if data { 6 } else { 2 },
        "the share sweep's CSV and plot, and on real data the tor series' CDF and sweep"
    );
}
