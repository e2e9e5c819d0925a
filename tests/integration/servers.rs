//! Server-level networks: weighted servers, subnets, roles and position weights, for every
//! policy, against exhaustive enumeration; loading and bad input.

use super::{pathrisk, write};
use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::analytic::{self, ClosedForm, enumerate};
use pathrisk::engine::{self, EngineConfig};
use pathrisk::metric::Metric;
use pathrisk::model::{Network, ServerSpec};
use pathrisk::report;
use pathrisk::scenario::{Guards, RunSettings, Scenario};
use pathrisk::select::{PathRules, SamplerKind, Selection};
use pathrisk::stats;

fn server(
    op: &str,
    weight: f64,
    subnet: Option<&str>,
    entity: Option<&str>,
    roles: &[&str],
) -> ServerSpec {
    ServerSpec {
        operator: op.into(),
        weight,
        subnet: subnet.map(Into::into),
        entity: entity.map(Into::into),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn network() -> Network {
    Network::from_servers(vec![
        server("a", 2.0, Some("X"), Some("m"), &["guard", "exit"]),
        server("a", 1.0, Some("Y"), Some("m"), &["middle"]),
        server("b", 1.5, Some("X"), Some("m"), &["guard"]),
        server("c", 1.0, Some("Z"), None, &["exit", "middle"]),
        server("c", 0.5, Some("Y"), None, &["guard", "middle", "exit"]),
        server("d", 3.0, None, None, &["middle", "exit"]),
    ])
    .unwrap()
}

/// Rules: none; distinct subnets; roles; roles with position weights and distinct subnets.
fn rule_sets(net: &Network) -> Vec<PathRules> {
    let role = |name: &str| net.roles.iter().position(|r| r == name).map(|i| i as u32);
    let mask = |names: &[&str]| {
        names
            .iter()
            .map(|n| 1u32 << role(n).unwrap())
            .fold(0, |a, b| a | b)
    };
    let roles = vec![role("guard"), role("middle"), role("exit")];
    vec![
        PathRules::default(),
        PathRules {
            distinct_subnets: true,
            ..PathRules::default()
        },
        // Session's rule: distinct subnets among the hops after the first (the guard).
        PathRules {
            distinct_subnets: true,
            subnets_from: 1,
            ..PathRules::default()
        },
        PathRules {
            roles: roles.clone(),
            ..PathRules::default()
        },
        PathRules {
            distinct_subnets: true,
            subnets_from: 0,
            roles,
            multipliers: vec![
                vec![(mask(&["guard", "exit"]), 0.25)],
                vec![],
                vec![(mask(&["middle", "exit"]), 2.0)],
            ],
        },
    ]
}

fn scenario(
    rules: PathRules,
    selection: Selection,
    target: Target,
    event: Event,
    seed: u64,
) -> Scenario {
    Scenario {
        name: "servers".into(),
        description: String::new(),
        source: "test".into(),
        network: network(),
        hops: 3,
        selection,
        adversary: Adversary { target, event },
        guards: None,
        rules,
        run: RunSettings {
            paths: 3,
            trials: 30_000,
            seed,
        },
        paths_per_day: None,
        horizons: Vec::new(),
        tor: None,
        series: None,
        documents: None,
    }
}

#[test]
fn every_policy_and_rule_agrees_with_enumeration() {
    let net = network();
    let mut seed = 0;
    let mut exact_forms = 0;
    for rules in rule_sets(&net) {
        for selection in Selection::OF_OPERATORS {
            for target in [
                Target::Entity(0),
                Target::Coalition(vec![0, 1]),
                Target::Any,
            ] {
                for event in Event::ALL {
                    seed += 1;
                    let s = scenario(rules.clone(), selection, target.clone(), event, seed);
                    let exact =
                        enumerate::path_probability(&s.network, selection, &rules, &s.adversary, 3)
                            .unwrap();
                    if let ClosedForm::Exact(p) = analytic::path_probability(&s) {
                        assert!(
                            (p - exact).abs() < 1e-12,
                            "{rules:?} {selection:?} {target:?} {event:?}: {p} vs {exact}"
                        );
                        exact_forms += 1;
                    }
                    for sampler in [SamplerKind::Fast, SamplerKind::Reference] {
                        let mut s = s.clone();
                        if sampler == SamplerKind::Reference {
                            s.run.trials = 4_000;
                        }
                        let outcome = engine::simulate(
                            &s,
                            &EngineConfig {
                                threads: Some(2),
                                sampler,
                                ..Default::default()
                            },
                            &|_| {},
                        )
                        .unwrap();
                        let c = &outcome.counts;
                        let pv = stats::binomial_p_value(c.path_hits, c.paths_drawn, exact);
                        assert!(
                            pv > 1e-4,
                            "{sampler:?} {rules:?} {selection:?} {target:?} {event:?}: {} of {} vs {exact}",
                            c.path_hits,
                            c.paths_drawn
                        );
                    }
                }
            }
        }
    }
    // random under every rule set but distinct subnets (9 × 2), operator-aware without rules (9).
    assert_eq!(exact_forms, 27);
}

#[test]
fn guards_on_servers_agree_with_enumeration() {
    let net = network();
    for (i, rules) in rule_sets(&net).into_iter().enumerate() {
        for selection in Selection::OF_OPERATORS {
            let guards = Guards {
                count: 2,
                lifetime: Some(2),
            };
            let mut s = scenario(
                rules.clone(),
                selection,
                Target::Entity(0),
                Event::Ends,
                50 + i as u64,
            );
            s.guards = Some(guards);
            s.run.paths = 5;
            // Unequal server weights: no guard closed form, rather than a wrong one.
            assert!(analytic::Laws::of(&s).client.is_none());
            assert!(analytic::Laws::of(&s).guard.is_none());
            assert!(matches!(
                analytic::path_probability(&s),
                ClosedForm::Missing(_)
            ));
            let (path, client, guard) = enumerate::guarded_client(
                &s.network,
                selection,
                &rules,
                &s.adversary,
                3,
                guards,
                5,
            )
            .unwrap();
            let outcome = engine::simulate(&s, &EngineConfig::default(), &|_| {}).unwrap();
            let r = report::analyse(&s, &outcome, stats::DEFAULT_ALPHA);
            for (metric, exact) in [
                (Metric::Path, path),
                (Metric::Client, client),
                (Metric::Guard, guard),
            ] {
                let row = r.row(metric).unwrap();
                let pv = stats::binomial_p_value(row.hits, row.samples, exact);
                assert!(
                    pv > 1e-4,
                    "{rules:?} {selection:?} {metric}: {row:?} vs {exact}"
                );
            }
        }
    }
}

#[test]
fn servers_load_from_toml_and_csv_with_ip_subnets() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "servers.csv",
        "operator,weight,ip,entity,roles\nalpha,2,10.1.2.3,big,guard;exit\nalpha,1,10.1.9.9,big,middle\nbeta,1,10.2.0.1,,guard|middle|exit\ngamma,1,10.3.0.1,,middle exit\n",
    );
    let file = write(
        dir.path(),
        "s.toml",
        "[network]\nservers_csv = \"servers.csv\"\nsubnet_prefix = 16\n[path]\nhops = 3\ndistinct-subnets = true\nroles = [\"guard\", \"middle\", \"exit\"]\n[adversary]\ntarget = { entity = \"big\" }\nevent = \"ends\"\n[run]\ntrials = 2000\n",
    );
    let s = Scenario::load(&file).unwrap();
    assert_eq!(s.network.servers.len(), 4);
    assert_eq!(
        s.network.subnets,
        ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]
    );
    // alpha's two servers share 10.1/16, so with distinct subnets `big` never holds two hops.
    let exact =
        enumerate::path_probability(&s.network, s.selection, &s.rules, &s.adversary, 3).unwrap();
    assert_eq!(exact, 0.0);
    pathrisk()
        .arg("run")
        .arg(&file)
        .arg("--quiet")
        .assert()
        .success();

    let toml = write(
        dir.path(),
        "t.toml",
        "[[network.servers]]\noperator = \"a\"\nweight = 3\nsubnet = \"n1\"\n[[network.servers]]\noperator = \"b\"\nsubnet = \"n1\"\n[[network.servers]]\noperator = \"c\"\n[path]\nhops = 2\ndistinct-subnets = true\nselection = \"distinct-servers\"\n",
    );
    let s = Scenario::load(&toml).unwrap();
    assert_eq!(s.network.operators.len(), 3);
    assert_eq!(s.network.operators[0].weight, 3.0);
    pathrisk()
        .arg("run")
        .arg(&toml)
        .args(["--quiet", "--trials", "1000"])
        .assert()
        .success();
}

#[test]
fn rejects_bad_server_input() {
    let dir = tempfile::tempdir().unwrap();
    let servers = "[[network.servers]]\noperator = \"a\"\nroles = [\"guard\"]\n[[network.servers]]\noperator = \"b\"\nroles = [\"exit\"]\n";
    for (text, expected) in [
        (format!("{servers}[path]\nhops = 2\nroles = [\"guard\", \"middle\"]\n"), "no server has the role `middle`"),
        (format!("{servers}[path]\nhops = 3\nroles = [\"guard\", \"exit\"]\n"), "2 roles for 3 hops"),
        (format!("{servers}[path]\nhops = 2\nweights = [{{ guard = -1.0 }}, {{}}]\n"), "path.weights"),
        ("[network]\nuniform = { operators = 3 }\n[path]\ndistinct-subnets = true\n".to_string(), "path.distinct-subnets"),
        ("[[network.servers]]\noperator = \"a\"\nweight = 0.0\n".to_string(), "weight 0"),
        ("[[network.servers]]\noperator = \"a\"\nip = \"10.0.0.1\"\n".to_string(), "subnet_prefix"),
        (
            "[[network.servers]]\noperator = \"a\"\nentity = \"x\"\n[[network.servers]]\noperator = \"a\"\nentity = \"y\"\n".to_string(),
            "earlier server",
        ),
        (format!("{servers}[path]\nhops = 2\nroles = [\"exit\", \"exit\"]\nselection = \"distinct-servers\"\n"), ""),
        (format!("{servers}[path]\nhops = 2\ndistinct-subnets = \"sometimes\"\n"), "after-first"),
        (format!("{servers}[path]\nhops = 2\ndistinct-subnets = \"after-first\"\n"), ""),
    ] {
        let file = write(dir.path(), "bad.toml", &text);
        let out = pathrisk().arg("run").arg(&file).args(["--quiet", "--trials", "10"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if expected.is_empty() {
            // Feasible by the fallback: the second exit hop reuses the only exit server.
            assert_eq!(out.status.code(), Some(0), "{text}: {stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains("bad.toml") && stderr.contains(expected), "{text}: {stderr}");
    }
}

#[test]
fn equal_weight_servers_keep_the_distinct_servers_closed_form() {
    // Servers listed one by one, all of weight 1, no roles: the falling-factorial closed
    // form applies, and equals the enumeration.
    let net = Network::from_servers(vec![
        server("a", 1.0, Some("X"), Some("m"), &[]),
        server("a", 1.0, Some("Y"), Some("m"), &[]),
        server("b", 1.0, Some("X"), Some("m"), &[]),
        server("c", 1.0, None, None, &[]),
        server("d", 1.0, None, None, &[]),
    ])
    .unwrap();
    for event in Event::ALL {
        let mut s = scenario(
            PathRules::default(),
            Selection::DistinctServers,
            Target::Entity(0),
            event,
            1,
        );
        s.network = net.clone();
        let ClosedForm::Exact(p) = analytic::path_probability(&s) else {
            panic!("{event:?}: no closed form");
        };
        let e = enumerate::path_probability(&net, s.selection, &s.rules, &s.adversary, 3).unwrap();
        assert!((p - e).abs() < 1e-12, "{event:?}: {p} vs {e}");
        // With guards too: equal weights make the guards uniform, as the closed form needs.
        let mut guarded = s.clone();
        guarded.selection = Selection::Random;
        guarded.guards = Some(Guards {
            count: 2,
            lifetime: None,
        });
        let law = analytic::Laws::of(&guarded)
            .client
            .expect("a guard closed form");
        let exact = pathrisk::exact::compute(&guarded).unwrap();
        let (a, b) = (law.cdf(3), exact.law.cdf(3));
        assert!((a - b).abs() < 1e-12, "{event:?} guarded: {a} vs {b}");
    }
}
