//! `--method importance` and `--method exact` on the command line, and importance sampling
//! against the closed forms and the exact computation on every policy, target and event.

use super::{pathrisk, root, scenario_of, write};
use pathrisk::adversary::{Event, Target};
use pathrisk::analytic;
use pathrisk::engine::EngineConfig;
use pathrisk::exact;
use pathrisk::importance;
use pathrisk::model::{Network, OperatorSpec, Size};
use pathrisk::scenario::{RunSettings, Scenario};
use pathrisk::select::Selection;

fn network(finite: bool) -> Network {
    // Entities: m (op0, op1), a, b, c; unequal sizes.
    let sizes = [3u64, 1, 2, 4, 2];
    let entities = ["m", "m", "a", "b", "c"];
    Network::from_specs(
        sizes
            .iter()
            .zip(entities)
            .enumerate()
            .map(|(i, (&n, e))| OperatorSpec {
                name: format!("op{i}"),
                entity: Some(e.into()),
                size: if finite {
                    Size::Servers(n)
                } else {
                    Size::Share(n as f64)
                },
            })
            .collect(),
    )
    .unwrap()
}

fn scenario(
    finite: bool,
    selection: Selection,
    target: Target,
    event: Event,
    seed: u64,
) -> Scenario {
    let mut s = scenario_of(network(finite), selection, target, event, 3);
    s.run = RunSettings {
        paths: 5,
        trials: 20_000,
        seed,
    };
    s
}

#[test]
fn importance_sampling_agrees_with_the_closed_forms_and_exact_values_everywhere() {
    let mut seed = 0;
    let mut cases = 0;
    for finite in [false, true] {
        for selection in Selection::OF_OPERATORS {
            if selection == Selection::DistinctServers && !finite {
                continue;
            }
            for target in [
                Target::Entity(0),
                Target::Coalition(vec![0, 2]),
                Target::Any,
            ] {
                for event in Event::ALL {
                    seed += 1;
                    let s = scenario(finite, selection, target.clone(), event, seed);
                    let e = exact::compute(&s).unwrap();
                    let p = analytic::path_probability(&s).value().unwrap_or(e.path);
                    assert!((p - e.path).abs() <= 1e-12, "{p} vs {}", e.path);
                    let o = importance::simulate(&s, &EngineConfig::default(), &|_| {}).unwrap();
                    for (metric, sums, expected) in [
                        ("path", &o.path, p),
                        ("client", &o.client, e.law.cdf(s.run.paths)),
                    ] {
                        let pv = sums.p_value(expected);
                        assert!(
                            pv > 1e-4,
                            "{finite} {selection:?} {target:?} {event:?} {metric}: {} ± {} vs {expected} (p = {pv})",
                            sums.mean(),
                            sums.standard_error()
                        );
                        let (lo, hi) = sums.interval();
                        assert!(
                            lo <= sums.estimate() && sums.estimate() <= hi,
                            "{finite} {selection:?} {target:?} {event:?} {metric}: {} [{lo}, {hi}]",
                            sums.mean()
                        );
                    }
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 45);
}

#[test]
fn a_wrong_expected_value_is_refused() {
    // The test has power: 5% off the truth is rejected at this size.
    let mut s = scenario(
        false,
        Selection::Random,
        Target::Entity(0),
        Event::FullPath,
        7,
    );
    s.run.trials = 200_000;
    let o = importance::simulate(&s, &EngineConfig::default(), &|_| {}).unwrap();
    let p = analytic::path_probability(&s).value().unwrap();
    assert!(o.path.p_value(p) > 1e-4);
    assert!(
        o.path.p_value(p * 1.05) < 1e-4,
        "{}",
        o.path.p_value(p * 1.05)
    );
}

fn json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = pathrisk().current_dir(root()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), v, stderr)
}

#[test]
fn one_in_a_billion_to_one_percent_with_a_thousandth_of_the_paths() {
    let (code, v, err) = json(&[
        "run",
        "scenarios/rare-one-in-a-billion.toml",
        "--method",
        "importance",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["method"], "importance");
    let path = &v["results"][0];
    assert_eq!(path["metric"], "path");
    let estimate = path["estimate"].as_f64().unwrap();
    let (lo, hi) = (
        path["ci95"][0].as_f64().unwrap(),
        path["ci95"][1].as_f64().unwrap(),
    );
    assert!(lo <= 1e-9 && 1e-9 <= hi, "[{lo}, {hi}]");
    let half = (hi - lo) / 2.0 / estimate;
    assert!(half <= 0.01, "±{half}");
    // Plain Monte Carlo needs n = z² (1 − p) / (p r²) paths for ±r: 3.8e13 here.
    let plain = 1.959964f64.powi(2) * (1.0 - 1e-9) / (1e-9 * half * half);
    let drawn = v["paths_simulated"].as_f64().unwrap();
    assert!(plain / drawn >= 1000.0, "{plain} vs {drawn}");
    assert!(path["plain_monte_carlo_ratio"].as_f64().unwrap() >= 1000.0);
    assert!(path["effective_sample_size"].as_f64().unwrap() > 1000.0);
    assert_eq!(path["verdict"], "agree");
    assert_eq!(v["results"][1]["verdict"], "agree");
}

#[test]
fn importance_sampling_gives_the_same_bytes_for_any_thread_count() {
    let run = |threads: &str| {
        pathrisk()
            .current_dir(root())
            .args([
                "run",
                "scenarios/operator-aware-sybil.toml",
                "--method",
                "importance",
                "--trials",
                "30000",
                "--format",
                "csv",
                "--threads",
                threads,
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn exact_method_reports_the_closed_forms_and_fills_in_where_none_exists() {
    let (code, v, err) = json(&[
        "run",
        "scenarios/one-entity-ends.toml",
        "--method",
        "exact",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["method"], "exact");
    assert_eq!(v["paths_simulated"], 0);
    for row in v["results"].as_array().unwrap() {
        assert_eq!(row["verdict"], "agree", "{row}");
    }
    assert_eq!(v["results"][2]["estimate"], 1733.0);
    // A server-level network with roles: no closed form, an exact value all the same.
    if super::real_data("the SimpleX preset of this test").is_none() {
        return;
    }
    let (code, v, err) = json(&[
        "run",
        "scenarios/presets/simplex-private-routing-simplex-only.toml",
        "--method",
        "exact",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let path = &v["results"][0];
    assert!(path["estimate"].as_f64().is_some(), "{path}");
}

#[test]
fn exact_method_refuses_a_scenario_beyond_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "big.toml",
        "name = \"big\"\n[network]\nzipf = { operators = 3000, exponent = 1.0 }\n\
         [path]\nhops = 4\nselection = \"operator-aware\"\n\
         [adversary]\ntarget = \"any\"\nevent = \"ends\"\n",
    );
    let out = pathrisk()
        .args(["run", file.to_str().unwrap(), "--method", "exact"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("big.toml"), "{err}");
    assert!(err.contains("--method exact"), "{err}");
    assert!(err.contains("3000 classes"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn methods_refuse_what_they_do_not_cover() {
    for (args, key) in [
        (
            vec![
                "run",
                "scenarios/guards-rotating.toml",
                "--method",
                "importance",
            ],
            "guards",
        ),
        (
            vec![
                "run",
                "scenarios/coalition-ends.toml",
                "--method",
                "exact",
                "--shard",
                "0/2",
            ],
            "--shard",
        ),
        (
            vec![
                "run",
                "scenarios/coalition-ends.toml",
                "--method",
                "importance",
                "--cdf",
                "x.csv",
            ],
            "--cdf",
        ),
    ] {
        let out = pathrisk().current_dir(root()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn sweeps_take_a_method_too() {
    let out = pathrisk()
        .current_dir(root())
        .args([
            "sweep",
            "scenarios/rare-one-in-a-billion.toml",
            "--vary",
            "network.adversary.share=log:0.0001:0.01:3",
            "--method",
            "importance",
            "--trials",
            "50000",
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
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Three shares × (path, client); shares down to 1e-4, so p down to 1e-12.
    assert_eq!(rows.len(), 6, "{csv}");
    assert!(rows.iter().all(|r| r.contains(",agree,")), "{csv}");
    let out = pathrisk()
        .current_dir(root())
        .args([
            "sweep",
            "scenarios/weighted-servers-subnets.toml",
            "--vary",
            "run.paths=10:30:3",
            "--method",
            "exact",
            "--shard",
            "0/2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--shard"));
}
