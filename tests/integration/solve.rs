//! `pathrisk solve`: bisection on the closed form against answers computed independently here.

use super::{pathrisk, root};

fn solve(args: &[&str]) -> serde_json::Value {
    let out = pathrisk()
        .arg("solve")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn scenario(name: &str) -> String {
    root()
        .join("scenarios")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn answer(v: &serde_json::Value, series: usize) -> f64 {
    v["series"][series]["answers"][0]["value"].as_f64().unwrap()
}

#[test]
fn paths_until_the_published_entry_and_exit_risk_reaches_half_is_1733() {
    let v = solve(&[
        &scenario("one-entity-ends.toml"),
        "--for",
        "run.paths",
        "--target",
        "client>=0.5",
    ]);
    assert_eq!(answer(&v, 0), 1733.0);
    assert_eq!(
        v["series"][0]["answers"][0]["past"][0].as_f64(),
        Some(1732.0)
    );
}

#[test]
fn the_largest_share_keeping_the_client_risk_at_one_percent() {
    let v = solve(&[
        &scenario("one-entity-full-path.toml"),
        "--for",
        "network.adversary.share",
        "--target",
        "client<=0.01",
    ]);
    // 1 − (1 − s³)^2000 = 0.01  ⇔  s = (1 − 0.99^(1/2000))^(1/3).
    let exact = (1.0 - 0.99f64.powf(1.0 / 2000.0)).cbrt();
    let s = answer(&v, 0);
    assert!((s / exact - 1.0).abs() < 1e-9, "{s} vs {exact}");
    assert!(s <= exact * (1.0 + 1e-12));
}

#[test]
fn the_fewest_equal_operators_for_a_bound_under_each_policy() {
    let v = solve(&[
        &scenario("any-of-50-full-path.toml"),
        "--for",
        "network.uniform.operators",
        "--target",
        "client<=0.05",
        "--between",
        "3:100000",
        "--compare",
        "path.selection=random,operator-aware",
    ]);
    // Random: any one of n equal operators holds all 3 hops with probability 1/n².
    let fewest = (3u64..)
        .find(|&n| 1.0 - (1.0 - 1.0 / (n * n) as f64).powi(2000) <= 0.05)
        .unwrap();
    assert_eq!(answer(&v, 0), fewest as f64);
    assert_eq!(v["series"][0]["series"], "selection=random");
    // Operator-aware: never one operator twice, so every n meets the bound.
    assert_eq!(v["series"][1]["answers"][0]["metric"].as_f64(), Some(0.0));
    assert!(v["series"][1]["answers"][0]["whole_range"].is_array());
}

#[test]
fn bad_goals_are_refused_and_simulation_needs_a_range() {
    let out = pathrisk()
        .args([
            "solve",
            &scenario("one-entity-ends.toml"),
            "--for",
            "run.paths",
        ])
        .args(["--target", "client<0.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target"));
    // On simulations, an integer key is solved only in a given range.
    if super::real_data("the SimpleX preset of this test").is_none() {
        return;
    }
    let out = pathrisk()
        .args(["solve", &scenario("presets/simplex-private-routing.toml")])
        .args([
            "--for",
            "run.paths",
            "--target",
            "client>=0.5",
            "--simulate",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--between") && stderr.contains("no closed form"),
        "{stderr}"
    );
}

#[test]
fn solving_on_simulations_brackets_the_closed_form_answer() {
    let v = solve(&[
        &scenario("one-entity-ends.toml"),
        "--for",
        "run.paths",
        "--target",
        "client>=0.5",
        "--simulate",
        "--max-trials",
        "40000",
        "--between",
        "1:4096",
    ]);
    let a = &v["series"][0];
    assert!(a["method"].as_str().unwrap().contains("Monte Carlo"), "{a}");
    let answer = &a["answers"][0];
    let (good, bad) = (
        answer["value"].as_f64().unwrap(),
        answer["past"][0].as_f64().unwrap(),
    );
    // The exact answer, 1733, lies between the last value seen to meet the goal and the last
    // seen to miss it; a value where the simulation could not tell lies between them too.
    assert!(bad < 1733.0 && 1733.0 <= good, "{answer}");
    if let Some(at) = answer["unresolved"][0].as_f64() {
        assert!(bad < at && at < good, "{answer}");
        let interval = &answer["unresolved"][1];
        assert!(interval[0].as_f64().unwrap() <= 0.5 && 0.5 <= interval[1].as_f64().unwrap());
    }
}

#[test]
fn without_a_closed_form_the_exact_computation_is_solved_on() {
    // Weighted servers in subnets: no closed form. The exact first-compromise median is the
    // answer, found independently from the exact law.
    let file = scenario("weighted-servers-subnets.toml");
    let s = pathrisk::scenario::Scenario::load(std::path::Path::new(&file)).unwrap();
    let median = pathrisk::exact::compute(&s).unwrap().law.median().unwrap();
    let v = solve(&[&file, "--for", "run.paths", "--target", "client>=0.5"]);
    assert_eq!(answer(&v, 0), median as f64);
    let method = v["series"][0]["method"].as_str().unwrap();
    assert!(method.contains("exact computation"), "{method}");
}

/// A coalition of 3 operators among 30, 4 operator-aware hops, entry and exit: the risk is
/// near 0 at both ends of (0, 1) (with a coalition of nearly everything, the one hop from
/// another operator is the exit), so a search of the ends alone finds no crossing.
const COALITION_OF_3_AMONG_30: &str = r#"
name = "coalition-3-of-30"
description = "3 of 30 operators collude, 4 operator-aware hops, entry and exit"
[network]
adversary = { share = 0.02, operators = 3, others = 27 }
[path]
hops = 4
selection = "operator-aware"
[adversary]
target = { entity = "adversary" }
event = "ends"
[run]
paths = 500
"#;

#[test]
fn solve_scans_a_range_where_the_metric_is_near_zero_at_both_ends() {
    let dir = tempfile::tempdir().unwrap();
    let file = super::write(dir.path(), "coalition.toml", COALITION_OF_3_AMONG_30);
    let file = file.to_str().unwrap();
    let v = solve(&[
        file,
        "--for",
        "network.adversary.share",
        "--target",
        "client<=0.05",
        "--compare",
        "path.selection=random,operator-aware",
    ]);
    let aware = &v["series"][1];
    assert_eq!(aware["series"], "selection=operator-aware");
    assert_eq!(aware["monotone"], false, "{aware}");
    let answers = aware["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2, "{aware}");
    // Each answer is checked on the exact computation, independently of the search: the
    // bound holds at the value and fails at its neighbour past it.
    let client_at = |share: f64| {
        let text = COALITION_OF_3_AMONG_30.replace("share = 0.02", &format!("share = {share}"));
        let s = pathrisk::scenario::Scenario::parse(&text, "c", dir.path(), "c").unwrap();
        pathrisk::exact::compute(&s).unwrap().law.cdf(500)
    };
    for a in answers {
        let (x, past) = (a["value"].as_f64().unwrap(), a["past"][0].as_f64().unwrap());
        assert!(client_at(x) <= 0.05 && client_at(past) > 0.05, "{a}");
        assert!((x - past).abs() < 1e-9, "{a}");
    }
    assert!(
        (answers[0]["value"].as_f64().unwrap() - 0.011967).abs() < 5e-7,
        "{aware}"
    );
    assert!(answers[1]["value"].as_f64().unwrap() > 0.99, "{aware}");
    // Between the crossings the risk is above the bound, which the end points do not show.
    assert!(client_at(0.5) > 0.05 && client_at(1e-9) <= 0.05 && client_at(1.0 - 1e-9) <= 0.05);
    // The random policy's metric only rises: one crossing, no warning.
    assert_eq!(v["series"][0]["monotone"], true);
    assert_eq!(v["series"][0]["answers"].as_array().unwrap().len(), 1);
    // The table says so too.
    let out = pathrisk()
        .args(["solve", file, "--for", "network.adversary.share"])
        .args([
            "--target",
            "client<=0.05",
            "--set",
            "path.selection=operator-aware",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning") && text.contains("rises and falls"),
        "{text}"
    );
    assert!(text.contains("0.011966"), "{text}");
}
