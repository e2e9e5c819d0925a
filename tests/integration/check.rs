//! `pathrisk check`: it passes on the shipped scenarios, has the power it claims, and fails on
//! a wrong formula or a changed reference.

use super::{pathrisk, root};
use pathrisk::analytic::{self, ClosedForm};
use pathrisk::commands::check::{
    CheckOptions, DEFAULT_FAMILY_ALPHA, POWER, check_formula, closed_forms, scenario_files,
};
use pathrisk::commands::{CommonOptions, Status};
use pathrisk::scenario::Scenario;
use pathrisk::select::Selection;
use pathrisk::stats::{Detectable, detectable_error};

fn options(files: &[&str]) -> CheckOptions {
    CheckOptions {
        inputs: files.iter().map(|f| root().join(f)).collect(),
        reference_dir: root().join("results/reference"),
        update_reference: false,
        common: CommonOptions {
            alpha: DEFAULT_FAMILY_ALPHA,
            ..CommonOptions::default()
        },
    }
}

fn status_with(
    files: &[&str],
    formula: &(dyn Fn(&Scenario) -> ClosedForm + Sync),
) -> (Status, String) {
    let mut out = Vec::new();
    let status = check_formula(&options(files), formula, &mut out).unwrap();
    (status, String::from_utf8(out).unwrap())
}

const CHEAP: [&str; 3] = [
    "scenarios/zipf-largest-operator.toml",
    "scenarios/coalition-ends.toml",
    "scenarios/csv-hosting-providers.toml",
];

#[test]
fn shipped_scenarios_detect_a_two_percent_error_with_99_percent_power() {
    let scenarios: Vec<Scenario> = // The default set, as `pathrisk check` runs it (cargo runs tests from the package root).
        scenario_files(&[])
        .unwrap()
        .iter()
        .map(|f| Scenario::load(f).unwrap())
        .collect();
    let checks: usize = scenarios
        .iter()
        .map(|s| {
            let forms = closed_forms(s, &analytic::path_probability);
            // Every metric (the exact computation witnesses them all), and the
            // importance-sampling row of the path metric without guards.
            forms.len() + usize::from(s.guards.is_none())
        })
        .sum();
    let alpha = DEFAULT_FAMILY_ALPHA / checks as f64;
    for s in &scenarios {
        // Without a closed form, the exact computation is what the check tests against.
        let exact = pathrisk::exact::compute(s).unwrap();
        let p = analytic::path_probability(s).value().unwrap_or(exact.path);
        if p < 1e-6 {
            // A rare event: plain Monte Carlo cannot see it in any affordable run; its
            // importance-sampling row carries the check (see the test below).
            continue;
        }
        let law = analytic::Laws::of(s).client.unwrap_or(exact.law);
        let (trials, paths) = (s.run.trials, s.run.paths);
        let k = law.median().map_or(paths, |m| m.min(paths));
        // With guards the path metric uses one path per client.
        let path_samples = if s.guards.is_some() {
            trials
        } else {
            trials * paths
        };
        let mut checks = vec![
            ("path", path_samples, p),
            ("client", trials, law.cdf(paths)),
            ("first", trials, law.cdf(k)),
        ];
        if let Some(g) = analytic::Laws::of(s).guard.or(exact.guard) {
            checks.push(("guard", trials, g));
        }
        for (metric, n, q) in checks {
            match detectable_error(n, q, alpha, POWER) {
                Detectable::Relative(d) => assert!(
                    d <= 0.02,
                    "{} {metric}: detects only ±{:.2}%",
                    s.name,
                    100.0 * d
                ),
                Detectable::Absolute(_) => assert_eq!(q, 0.0),
                Detectable::Nothing => panic!("{} {metric}: detects nothing", s.name),
            }
        }
    }
}

#[test]
fn passes_with_the_real_closed_forms() {
    let (status, out) = status_with(&CHEAP, &analytic::path_probability);
    assert_eq!(status, Status::Agree, "{out}");
    assert!(out.contains("all agree"), "{out}");
}

#[test]
fn fails_when_a_closed_form_is_two_percent_too_high_or_low() {
    for factor in [1.02, 0.98] {
        let wrong = move |s: &Scenario| match analytic::path_probability(s) {
            ClosedForm::Exact(p) => ClosedForm::Exact(p * factor),
            missing => missing,
        };
        for file in CHEAP {
            let (status, out) = status_with(&[file], &wrong);
            assert_eq!(status, Status::Disagree, "×{factor} {file}: {out}");
        }
    }
}

#[test]
fn fails_when_distinct_servers_uses_the_with_replacement_formula() {
    let wrong = |s: &Scenario| {
        let mut r = s.clone();
        if r.selection == Selection::DistinctServers {
            r.selection = Selection::Random;
        }
        analytic::path_probability(&r)
    };
    let mut opts = options(&["scenarios/any-of-50-full-path-distinct.toml"]);
    opts.common.threads = Some(2);
    // A short run: the two formulas differ by 14% on this 1000-server network.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/any-of-50-full-path-distinct.toml"))
        .unwrap()
        .replace("trials = 175_000", "trials = 20_000");
    let file = super::write(dir.path(), "distinct.toml", &text);
    opts.inputs = vec![file];
    let mut out = Vec::new();
    assert_eq!(
        check_formula(&opts, &wrong, &mut out).unwrap(),
        Status::Disagree
    );
    let mut out = Vec::new();
    assert_eq!(
        check_formula(&opts, &analytic::path_probability, &mut out).unwrap(),
        Status::Agree
    );
}

#[test]
fn exit_codes_and_update_reference() {
    let dir = tempfile::tempdir().unwrap();
    let refs = dir.path().join("refs");
    let scenario = root().join("scenarios/csv-hosting-providers.toml");
    // No reference yet: a missing reference is its own status (not a disagreement), and a
    // failure of its own (exit 2) whose message says how to record one or look elsewhere.
    let out = pathrisk()
        .arg("check")
        .arg(&scenario)
        .arg("--reference")
        .arg(&refs)
        .arg("--quiet")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.contains("no-reference"), "{stdout}");
    assert!(
        !stdout.lines().any(|l| l.ends_with(" disagree")),
        "{stdout}"
    );
    assert!(
        stderr.contains("--update-reference")
            && stderr.contains("--reference DIR")
            && !stderr.contains("disagrees"),
        "{stderr}"
    );
    // --update-reference writes it and says so.
    let out = pathrisk()
        .arg("check")
        .arg(&scenario)
        .arg("--reference")
        .arg(&refs)
        .arg("--update-reference")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("new reference"));
    pathrisk()
        .arg("check")
        .arg(&scenario)
        .arg("--reference")
        .arg(&refs)
        .arg("--quiet")
        .assert()
        .code(0);
    // A reference that changes (here by one part in 10^9) fails the check.
    let file = refs.join("csv-hosting-providers.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let p = v["closed_forms"]["path"].as_f64().unwrap();
    v["closed_forms"]["path"] = serde_json::json!(p * (1.0 + 1e-9));
    std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
    let out = pathrisk()
        .arg("check")
        .arg(&scenario)
        .arg("--reference")
        .arg(&refs)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("differs"));
    // Updating prints the change.
    let out = pathrisk()
        .arg("check")
        .arg(&scenario)
        .arg("--reference")
        .arg(&refs)
        .arg("--update-reference")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("csv-hosting-providers path:"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    pathrisk()
        .arg("check")
        .arg(&scenario)
        .arg("--reference")
        .arg(&refs)
        .arg("--quiet")
        .assert()
        .code(0);
}

/// `pathrisk check FILE --format json`, which must pass.
fn check_json(file: &str) -> serde_json::Value {
    let out = pathrisk()
        .current_dir(root())
        .args(["check", file, "--quiet", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_output_lists_every_check() {
    let v = check_json("scenarios/coalition-ends.toml");
    // path, path by importance sampling, client, first.
    assert_eq!(v["checks"], 4);
    assert_eq!(v["rows"].as_array().unwrap().len(), 4);
    assert_eq!(v["rows"][1]["metric"], "path-importance");
    assert_eq!(v["all_agree"], true);
    assert!(v["rows"][0]["detectable"]["relative"].as_f64().unwrap() < 0.02);
    // The exact computation witnesses every row.
    for row in v["rows"].as_array().unwrap() {
        assert_eq!(row["exact_status"], "match", "{row}");
    }
}

#[test]
fn a_one_in_a_billion_path_is_checked_by_importance_sampling() {
    let v = check_json("scenarios/rare-one-in-a-billion.toml");
    let row = &v["rows"][1];
    assert_eq!(row["metric"], "path-importance");
    assert_eq!(row["verdict"], "agree");
    let estimate = row["estimate"].as_f64().unwrap();
    assert!((estimate / 1e-9 - 1.0).abs() < 0.05, "{estimate}");
    assert!(
        row["detectable"]["relative"].as_f64().unwrap() < 0.05,
        "{row}"
    );
}
