//! The same scenario and seed give the same bytes for any thread count.

use super::{pathrisk, root};

fn csv_with_threads(scenario: &str, threads: &str) -> Vec<u8> {
    let out = pathrisk()
        .arg("run")
        .arg(root().join(scenario))
        .args([
            "--trials",
            "3000",
            "--quiet",
            "--format",
            "csv",
            "--threads",
            threads,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn results_are_byte_identical_for_1_2_and_8_threads() {
    for scenario in [
        "scenarios/any-of-50-full-path.toml",
        "scenarios/any-of-50-full-path-distinct.toml",
        "scenarios/operator-aware-sybil.toml",
        "scenarios/zipf-largest-operator.toml",
        "scenarios/guards-rotating.toml",
    ] {
        let one = csv_with_threads(scenario, "1");
        assert_eq!(one, csv_with_threads(scenario, "2"), "{scenario}");
        assert_eq!(one, csv_with_threads(scenario, "8"), "{scenario}");
    }
}

#[test]
fn json_differs_across_threads_only_in_threads_and_time() {
    let run = |threads: &str| {
        let out = pathrisk()
            .arg("run")
            .arg(root().join("scenarios/one-entity-ends.toml"))
            .args([
                "--trials",
                "2000",
                "--quiet",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let obj = v.as_object_mut().unwrap();
        obj.remove("threads");
        obj.remove("elapsed_seconds");
        v
    };
    assert_eq!(run("1"), run("8"));
}

#[test]
fn a_different_seed_gives_different_draws() {
    let out = |seed: &str| {
        pathrisk()
            .arg("run")
            .arg(root().join("scenarios/any-of-50-full-path.toml"))
            .args([
                "--trials", "2000", "--quiet", "--format", "csv", "--seed", seed,
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_ne!(out("1"), out("2"));
}

/// Issue 18: every shipped scenario (the presets too where the real data is) gives the same
/// bytes under every instruction set this machine has (`PATHRISK_ISA`), and `reproduce` too.
#[test]
fn results_are_byte_identical_under_every_instruction_set() {
    use pathrisk::engine::lanes::Isa;
    let sets = Isa::available_all();
    println!(
        "instruction sets on this machine: {:?}",
        sets.iter().map(|i| i.name()).collect::<Vec<_>>()
    );
    let files = super::scenario_files("the byte comparison under every instruction set");
    let run = |isa: Isa, args: &[&str]| {
        let out = pathrisk()
            .env("PATHRISK_ISA", isa.name())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?} under {}: {}",
            isa.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    for file in &files {
        let f = file.to_str().unwrap();
        let args = ["run", f, "--trials", "2000", "--quiet", "--format", "csv"];
        let plain = run(Isa::Scalar, &args);
        for &isa in &sets[1..] {
            assert!(
                run(isa, &args) == plain,
                "{f}: {} against scalar",
                isa.name()
            );
        }
    }
    let args = [
        "reproduce",
        "--trials",
        "5000",
        "--quiet",
        "--format",
        "csv",
    ];
    let plain = run(Isa::Scalar, &args);
    for &isa in &sets[1..] {
        assert!(run(isa, &args) == plain, "reproduce: {}", isa.name());
    }
}
