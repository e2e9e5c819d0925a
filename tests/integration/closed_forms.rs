//! Closed forms against the reproduction's table (README), values derived by hand, and exhaustive enumeration
//! of every path of tiny networks.

use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::analytic::{self, ClosedForm, client, enumerate};
use pathrisk::commands::reproduce::{ReproduceOptions, scenarios};
use pathrisk::model::{Network, OperatorSpec, Size};
use pathrisk::scenario::{RunSettings, Scenario};
use pathrisk::select::Selection;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn spec_table_of_the_claim() {
    let s = scenarios(&ReproduceOptions::default()).unwrap();
    let p: Vec<f64> = s
        .iter()
        .map(|s| analytic::path_probability(s).value().unwrap())
        .collect();
    let c: Vec<f64> = p.iter().map(|&p| client::at_least_one(p, 2000)).collect();
    assert!(close(c[0], 0.015873, 5e-7), "{}", c[0]);
    assert!(close(c[1], 0.550743, 5e-7), "{}", c[1]);
    assert!(close(c[2], 0.496501, 5e-7), "{}", c[2]);
    assert!(close(c[3], 0.550743, 5e-7), "{}", c[3]);
    assert_eq!(client::first_median(p[3]), Some(1733));
    assert_eq!(p[4], 0.0);
    assert_eq!(c[4], 0.0);
    assert!(close(p[5], 5.10204e-5, 5e-11), "{}", p[5]);
    assert!(close(c[5], 0.097010, 5e-7), "{}", c[5]);
}

fn shares(list: &[(&str, f64, Option<&str>)]) -> Network {
    Network::from_specs(
        list.iter()
            .map(|&(n, s, e)| OperatorSpec {
                name: n.into(),
                entity: e.map(Into::into),
                size: Size::Share(s),
            })
            .collect(),
    )
    .unwrap()
}

fn servers(list: &[(&str, u64, Option<&str>)]) -> Network {
    Network::from_specs(
        list.iter()
            .map(|&(n, s, e)| OperatorSpec {
                name: n.into(),
                entity: e.map(Into::into),
                size: Size::Servers(s),
            })
            .collect(),
    )
    .unwrap()
}

fn scenario(
    network: Network,
    hops: usize,
    selection: Selection,
    target: Target,
    event: Event,
) -> Scenario {
    Scenario {
        name: "t".into(),
        description: String::new(),
        source: "test".into(),
        network,
        hops,
        selection,
        adversary: Adversary { target, event },
        guards: None,
        paths_per_day: None,
        horizons: Vec::new(),
        tor: None,
        series: None,
        documents: None,
        rules: Default::default(),
        run: RunSettings {
            paths: 1,
            trials: 1,
            seed: 1,
        },
    }
}

fn closed(s: &Scenario) -> f64 {
    match analytic::path_probability(s) {
        ClosedForm::Exact(p) => p,
        ClosedForm::Missing(r) => panic!("no closed form: {r}"),
    }
}

#[test]
fn hand_derived_values() {
    let net = shares(&[("a", 0.1, None), ("b", 0.2, None), ("c", 0.7, None)]);
    // 1. random, coalition {a, b}, full path of 3: 0.3^3.
    let s = scenario(
        net.clone(),
        3,
        Selection::Random,
        Target::Coalition(vec![0, 1]),
        Event::FullPath,
    );
    assert!(close(closed(&s), 0.027, 1e-15));
    // 2. random, any, ends of 4 hops: 0.1² + 0.2² + 0.7².
    let s = scenario(net.clone(), 4, Selection::Random, Target::Any, Event::Ends);
    assert!(close(closed(&s), 0.54, 1e-15));
    // 3. random, any, entry: some entity always holds the first hop.
    let s = scenario(net.clone(), 3, Selection::Random, Target::Any, Event::Entry);
    assert!(close(closed(&s), 1.0, 1e-15));
    // 4. one hop: ends is the entry.
    let s = scenario(
        net.clone(),
        1,
        Selection::Random,
        Target::Entity(1),
        Event::Ends,
    );
    assert!(close(closed(&s), 0.2, 1e-15));
    // 5. operator-aware, entity b, entry: 0.2.
    let s = scenario(
        net.clone(),
        2,
        Selection::OperatorAware,
        Target::Entity(1),
        Event::Entry,
    );
    assert!(close(closed(&s), 0.2, 1e-15));
    // 6. operator-aware, coalition {a, c}, full path of 2: a then c, or c then a.
    let s = scenario(
        net,
        2,
        Selection::OperatorAware,
        Target::Coalition(vec![0, 2]),
        Event::FullPath,
    );
    assert!(close(closed(&s), 0.1 * 0.7 / 0.9 + 0.7 * 0.1 / 0.3, 1e-15));

    let fin = servers(&[("x1", 2, Some("x")), ("x2", 1, Some("x")), ("y", 1, None)]);
    // 7. distinct-servers, entity x (3 of 4 servers), full path of 2: 3/4 · 2/3.
    let s = scenario(
        fin.clone(),
        2,
        Selection::DistinctServers,
        Target::Entity(0),
        Event::FullPath,
    );
    assert!(close(closed(&s), 0.5, 1e-15));
    // 8. operator-aware on servers: operator x1 weighs 2, x2 and y 1. Both hops in x:
    // x1 then x2: 2/4 · 1/2; x2 then x1: 1/4 · 2/3.
    let s = scenario(
        fin.clone(),
        2,
        Selection::OperatorAware,
        Target::Entity(0),
        Event::FullPath,
    );
    assert!(close(closed(&s), 0.25 + 1.0 / 6.0, 1e-15));
    // 9. distinct-servers, any, ends of 3 on 4 servers (x has 3, y 1): 3·2 / (4·3).
    let s = scenario(
        fin.clone(),
        3,
        Selection::DistinctServers,
        Target::Any,
        Event::Ends,
    );
    assert!(close(closed(&s), 0.5, 1e-15));
    // 10. operator-aware needs 3 distinct operators for 3 hops: x holds 2 of them, y 1, so
    // "x holds all 3" is impossible.
    let s = scenario(
        fin,
        3,
        Selection::OperatorAware,
        Target::Entity(0),
        Event::FullPath,
    );
    assert_eq!(closed(&s), 0.0);
    // 11. client and first for p = 0.1, M = 3: 1 − 0.9³; median 7 (0.9^6 > ½ ≥ 0.9^7), mean 10.
    assert!(close(client::at_least_one(0.1, 3), 0.271, 1e-15));
    assert_eq!(client::first_median(0.1), Some(7));
    assert!(close(client::first_mean(0.1), 10.0, 1e-12));
}

/// Small networks of each pool with Sybils and uneven sizes, for enumeration.
fn tiny_networks() -> Vec<Network> {
    vec![
        shares(&[
            ("a", 0.5, Some("m")),
            ("b", 0.3, Some("m")),
            ("c", 0.15, None),
            ("d", 0.05, None),
        ]),
        shares(&[
            ("a", 1.0, None),
            ("b", 2.0, None),
            ("c", 3.0, Some("m")),
            ("d", 1.0, Some("m")),
            ("e", 0.5, Some("m")),
        ]),
        shares(&[
            ("a", 0.25, None),
            ("b", 0.25, None),
            ("c", 0.25, None),
            ("d", 0.25, None),
        ]),
        servers(&[
            ("a", 2, Some("m")),
            ("b", 1, Some("m")),
            ("c", 2, None),
            ("d", 1, None),
        ]),
        servers(&[
            ("a", 3, None),
            ("b", 1, Some("m")),
            ("c", 1, Some("m")),
            ("d", 1, Some("m")),
        ]),
    ]
}

#[test]
fn closed_forms_equal_exhaustive_enumeration() {
    let mut checked = 0;
    for net in tiny_networks() {
        let m = net.entity_index("m");
        let mut targets = vec![Target::Any, Target::Entity(0)];
        if let Some(m) = m {
            targets.push(Target::Entity(m));
            if m != 0 {
                targets.push(Target::Coalition(vec![0, m]));
            }
        }
        for selection in Selection::OF_OPERATORS {
            for hops in 1..=4usize {
                let allowed = match selection {
                    Selection::Random => true,
                    Selection::DistinctServers => {
                        net.total_servers() >= hops as u64 && net.total_servers() > 0
                    }
                    Selection::OperatorAware => net.operators.len() >= hops,
                    Selection::Tor => false,
                };
                if !allowed {
                    continue;
                }
                for target in &targets {
                    for event in Event::ALL {
                        let s = scenario(net.clone(), hops, selection, target.clone(), event);
                        let exact = enumerate::path_probability(
                            &net,
                            selection,
                            &s.rules,
                            &s.adversary,
                            hops,
                        )
                        .unwrap();
                        let formula = closed(&s);
                        assert!(
                            close(formula, exact, 1e-12),
                            "{selection:?} {hops} hops {target:?} {event:?}: closed form {formula} vs enumeration {exact}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

/// Every command prints the same closed form for every shipped scenario and metric: `run`'s
/// report, `sweep`'s CSV, `solve`'s metric at the scenario's own value, the CDF's value at the
/// last path, and the committed reference that `check` compares its own with (to 1e-12).
#[test]
fn every_command_prints_the_same_closed_form() {
    use super::{pathrisk, root};
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = pathrisk().args(args).output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {out:?}"
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let mut compared = 0;
    for file in &files {
        let f = file.to_str().unwrap();
        let name = file.file_stem().unwrap().to_str().unwrap();
        let s = pathrisk::scenario::Scenario::load(file).unwrap();
        let m = s.run.paths.to_string();
        let run = json(&["run", f, "--trials", "1", "--quiet", "--format", "json"]);
        let from_run: BTreeMap<String, Option<f64>> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["metric"].as_str().unwrap().to_string(),
                    r["closed_form"].as_f64(),
                )
            })
            .collect();
        // The committed reference (check fails when its own closed forms differ from it).
        let reference: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("results/reference/{name}.json")))
                .unwrap(),
        )
        .unwrap();
        for (metric, value) in &from_run {
            let recorded = reference["closed_forms"][metric].as_f64();
            match (value, recorded) {
                (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-12 * a.abs().max(b.abs())),
                (a, b) => assert_eq!(*a, b, "{name} {metric}: run vs reference"),
            }
        }
        // The sweep, at the scenario's own paths.
        let sweep = json(&[
            "sweep",
            f,
            "--vary",
            &format!("run.paths={m}:{m}:1"),
            "--trials",
            "1",
            "--quiet",
            "--format",
            "json",
        ]);
        for r in sweep["points"][0]["report"]["results"].as_array().unwrap() {
            let metric = r["metric"].as_str().unwrap();
            assert_eq!(
                r["closed_form"].as_f64(),
                from_run[metric],
                "{name} {metric}: sweep"
            );
        }
        // Solve and the CDF, on the client metric where it has a closed form.
        let Some(client) = from_run["client"] else {
            continue;
        };
        let solve = json(&[
            "solve",
            f,
            "--for",
            "run.paths",
            "--target",
            "client<=1",
            "--between",
            &format!("{m}:{}", s.run.paths + 1),
            "--format",
            "json",
        ]);
        let at = &solve["series"][0]["answers"][0];
        assert_eq!(
            at["value"].as_f64(),
            Some(s.run.paths as f64),
            "{name}: {at}"
        );
        assert_eq!(at["metric"].as_f64(), Some(client), "{name}: solve");
        let path_solve = json(&[
            "solve",
            f,
            "--for",
            "run.paths",
            "--target",
            "path<=1",
            "--between",
            &format!("{m}:{}", s.run.paths + 1),
            "--format",
            "json",
        ]);
        let p = path_solve["series"][0]["answers"][0]["metric"].as_f64();
        assert_eq!(p, from_run["path"], "{name}: solve path");
        let cdf = dir.path().join(format!("{name}.csv"));
        let out = pathrisk()
            .args(["run", f, "--trials", "1", "--quiet", "--cdf"])
            .arg(&cdf)
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        let text = std::fs::read_to_string(&cdf).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let last = reader.records().last().unwrap().unwrap();
        assert_eq!(&last[0], m.as_str(), "{name}: the CDF's last row is path M");
        let at_m: f64 = last[5].parse().unwrap();
        assert!(
            (at_m - client).abs() <= 1e-12 * client.max(1e-300),
            "{name}: CDF {at_m} vs {client}"
        );
        compared += 1;
    }
    assert!(compared >= 8, "{compared} scenarios compared");
}
