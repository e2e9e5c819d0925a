//! Guards (docs/model.md, docs/scenarios.md): closed forms against exhaustive enumeration, Monte Carlo against both,
//! and bad input.

use super::{pathrisk, write};
use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::analytic::{self, enumerate};
use pathrisk::engine::{self, EngineConfig};
use pathrisk::metric::Metric;
use pathrisk::model::{Network, OperatorSpec, Size};
use pathrisk::report;
use pathrisk::scenario::{Guards, RunSettings, Scenario};
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::stats::{self, Verdict};

fn net(finite: bool) -> Network {
    let ops = [
        ("a", 2u64, 0.3, Some("m")),
        ("b", 1, 0.1, Some("m")),
        ("c", 2, 0.4, None),
        ("d", 1, 0.2, None),
    ];
    Network::from_specs(
        ops.iter()
            .map(|&(n, s, w, e)| OperatorSpec {
                name: n.into(),
                entity: e.map(Into::into),
                size: if finite {
                    Size::Servers(s)
                } else {
                    Size::Share(w)
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
    hops: usize,
    guards: Guards,
    paths: u64,
) -> Scenario {
    Scenario {
        name: "guards".into(),
        description: String::new(),
        source: "test".into(),
        network: net(finite),
        hops,
        selection,
        adversary: Adversary { target, event },
        guards: Some(guards),
        paths_per_day: None,
        horizons: Vec::new(),
        tor: None,
        series: None,
        documents: None,
        rules: Default::default(),
        run: RunSettings {
            paths,
            trials: 40_000,
            seed: 11,
        },
    }
}

fn guard_settings() -> Vec<Guards> {
    vec![
        Guards {
            count: 1,
            lifetime: None,
        },
        Guards {
            count: 2,
            lifetime: None,
        },
        Guards {
            count: 2,
            lifetime: Some(2),
        },
        Guards {
            count: 3,
            lifetime: Some(1),
        },
    ]
}

#[test]
fn random_guard_closed_forms_equal_enumeration() {
    let mut checked = 0;
    for finite in [false, true] {
        for guards in guard_settings() {
            // Entities: m (a, b), c, d. Targets: the Sybil m, a coalition, and any.
            for target in [
                Target::Entity(0),
                Target::Coalition(vec![0, 2]),
                Target::Entity(1),
                Target::Any,
            ] {
                for event in Event::ALL {
                    for hops in 1..=3 {
                        for paths in [1, 3, 5] {
                            let s = scenario(
                                finite,
                                Selection::Random,
                                target.clone(),
                                event,
                                hops,
                                guards,
                                paths,
                            );
                            let (path, client, guard) = enumerate::guarded_client(
                                &s.network,
                                s.selection,
                                &s.rules,
                                &s.adversary,
                                hops,
                                guards,
                                paths,
                            )
                            .unwrap();
                            let p = analytic::path_probability(&s).value().unwrap();
                            assert!(
                                (p - path).abs() < 1e-12,
                                "path {finite} {guards:?} {target:?} {event:?} {hops}: {p} vs {path}"
                            );
                            let g = analytic::Laws::of(&s).guard.unwrap();
                            assert!(
                                (g - guard).abs() < 1e-12,
                                "guard {finite} {guards:?} {target:?}: {g} vs {guard}"
                            );
                            match analytic::Laws::of(&s).client {
                                Some(law) => {
                                    let c = law.cdf(paths);
                                    assert!(
                                        (c - client).abs() < 1e-12,
                                        "client {finite} {guards:?} {target:?} {event:?} {hops} {paths}: {c} vs {client}"
                                    );
                                    checked += 1;
                                }
                                None => assert!(target == Target::Any && guards.count > 1),
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

fn simulate(s: &Scenario, sampler: SamplerKind) -> report::RunReport {
    let outcome = engine::simulate(
        s,
        &EngineConfig {
            threads: Some(2),
            sampler,
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap();
    report::analyse(s, &outcome, stats::DEFAULT_ALPHA)
}

#[test]
fn monte_carlo_with_guards_agrees_with_the_closed_forms() {
    let mut seed = 0;
    for finite in [false, true] {
        for guards in guard_settings() {
            for target in [
                Target::Entity(0),
                Target::Coalition(vec![0, 2]),
                Target::Any,
            ] {
                for event in Event::ALL {
                    seed += 1;
                    let mut s = scenario(
                        finite,
                        Selection::Random,
                        target.clone(),
                        event,
                        3,
                        guards,
                        6,
                    );
                    s.run.seed = seed;
                    let r = simulate(&s, SamplerKind::Fast);
                    for row in &r.results {
                        assert_ne!(
                            row.verdict,
                            Verdict::Disagree,
                            "{finite} {guards:?} {target:?} {event:?}: {row:?}"
                        );
                    }
                    assert_eq!(r.results.len(), 4);
                }
            }
        }
    }
}

#[test]
fn every_policy_with_guards_agrees_with_enumeration() {
    // No closed form beyond `random`: the enumerator is the witness.
    for sampler in [SamplerKind::Fast, SamplerKind::Reference] {
        for selection in [Selection::DistinctServers, Selection::OperatorAware] {
            for (i, guards) in guard_settings().into_iter().enumerate() {
                let mut s = scenario(
                    true,
                    selection,
                    Target::Entity(0),
                    Event::FullPath,
                    3,
                    guards,
                    4,
                );
                s.run.seed = 100 + i as u64;
                if sampler == SamplerKind::Reference {
                    s.run.trials = 5_000;
                }
                let (path, client, guard) = enumerate::guarded_client(
                    &s.network,
                    selection,
                    &s.rules,
                    &s.adversary,
                    3,
                    guards,
                    4,
                )
                .unwrap();
                let r = simulate(&s, sampler);
                for (metric, exact) in [
                    (Metric::Path, path),
                    (Metric::Client, client),
                    (Metric::Guard, guard),
                ] {
                    let row = r.row(metric).unwrap();
                    let pv = stats::binomial_p_value(row.hits, row.samples, exact);
                    assert!(
                        pv > 1e-4,
                        "{sampler:?} {selection:?} {guards:?} {metric}: {row:?} vs {exact}"
                    );
                }
            }
        }
    }
}

#[test]
fn rejects_bad_guards() {
    let dir = tempfile::tempdir().unwrap();
    for (guards, key) in [
        ("count = 0", "guards.count"),
        ("count = 65", "guards.count"),
        ("count = 1\nlifetime = 0", "guards.lifetime"),
        ("count = 5", "guards.count"),
        ("lifetime = 3", "missing field `count`"),
    ] {
        let file = write(
            dir.path(),
            "g.toml",
            &format!("[network]\nuniform = {{ operators = 2, servers = 2 }}\n[guards]\n{guards}\n"),
        );
        let out = pathrisk()
            .arg("run")
            .arg(&file)
            .arg("--quiet")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{guards}: {stderr}");
        assert!(
            stderr.contains("g.toml") && stderr.contains(key),
            "{guards}: {stderr}"
        );
    }
}
