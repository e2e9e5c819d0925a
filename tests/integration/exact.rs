//! `--method exact`: the dynamic programme over classes of interchangeable servers against the
//! unit-by-unit enumerator and the closed forms, its size limit, and the command line.

use super::{root, scenario_of};
use pathrisk::adversary::{Event, Target};
use pathrisk::analytic::{self, ClosedForm, enumerate};
use pathrisk::exact;
use pathrisk::model::{Network, ServerSpec};
use pathrisk::scenario::{Guards, Scenario};
use pathrisk::select::{PathRules, Selection};
use proptest::prelude::*;

const ROLES: [&str; 3] = ["guard", "middle", "exit"];

/// A tiny server-level network: up to 6 servers of 3 operators and 3 entities, with weights,
/// subnets and roles drawn at random.
#[derive(Debug, Clone)]
struct TinyServers {
    /// (operator, entity, weight in halves, subnet 0 = none, role mask)
    servers: Vec<(u8, u8, u8, u8, u8)>,
}

impl TinyServers {
    fn network(&self) -> Option<Network> {
        let specs = self
            .servers
            .iter()
            .map(|&(op, _, weight, subnet, roles)| ServerSpec {
                operator: format!("op{op}"),
                weight: weight as f64 / 2.0,
                subnet: (subnet > 0).then(|| format!("s{subnet}")),
                // An operator's servers share its entity: the entity of its first server.
                entity: Some(format!(
                    "e{}",
                    self.servers.iter().find(|s| s.0 == op).unwrap().1
                )),
                roles: ROLES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| roles >> i & 1 == 1)
                    .map(|(_, r)| r.to_string())
                    .collect(),
            })
            .collect();
        Network::from_servers(specs).ok()
    }
}

fn tiny_servers() -> impl Strategy<Value = TinyServers> {
    prop::collection::vec((0u8..3, 0u8..3, 1u8..=4, 0u8..3, 1u8..8), 1..=6)
        .prop_map(|servers| TinyServers { servers })
}

fn target_for(entities: usize, pick: u8) -> Target {
    match pick % 3 {
        0 => Target::Any,
        1 => Target::Entity(pick as usize / 3 % entities),
        _ if entities > 1 => Target::Coalition(vec![0, entities - 1]),
        _ => Target::Entity(0),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300) || (a - b).abs() <= 1e-14
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn exact_equals_enumeration_on_random_server_level_networks(
        t in tiny_servers(),
        sel in prop::sample::select(Selection::OF_OPERATORS.to_vec()),
        ev in prop::sample::select(Event::ALL.to_vec()),
        hops in 1usize..=4,
        pick: u8,
        subnets in 0u8..3,
        role_rule: u8,
        guard_rule in 0u8..4,
        paths in 1u64..=4,
    ) {
        let net = t.network();
        prop_assume!(net.is_some());
        let net = net.unwrap();
        let role = |name: &str| net.roles.iter().position(|r| r == name).map(|i| i as u32);
        let rules = PathRules {
            distinct_subnets: subnets > 0,
            subnets_from: usize::from(subnets == 2),
            roles: (0..hops)
                .map(|i| if role_rule >> i & 1 == 1 { role(ROLES[i % 3]) } else { None })
                .collect(),
            multipliers: Vec::new(),
        };
        // Every position needs a server that may take it.
        let servers = net.server_list();
        prop_assume!((0..hops).all(|i| servers.iter().any(|s| rules.weight(i, s) > 0.0)));
        let target = target_for(net.entities.len(), pick);
        let guards = match guard_rule {
            0 | 1 => None,
            g => Some(Guards { count: u64::from(g) - 1, lifetime: (paths > 2).then_some(2) }),
        };
        if let Some(g) = guards {
            let eligible = servers.iter().filter(|s| rules.weight(0, s) > 0.0).count();
            prop_assume!(eligible as u64 >= g.count);
        }
        let mut s = scenario_of(net.clone(), sel, target, ev, hops);
        s.rules = rules.clone();
        s.guards = guards;
        s.run.paths = paths;
        let e = exact::compute(&s).unwrap();
        match guards {
            None => {
                let p = enumerate::path_probability(&net, sel, &rules, &s.adversary, hops).unwrap();
                prop_assert!(close(e.path, p), "exact {} vs enumeration {p}", e.path);
                prop_assert!(close(e.metric(pathrisk::metric::Metric::Client, paths).unwrap(), 1.0 - (1.0 - p).powi(paths as i32)));
            }
            Some(g) => {
                let (path, client, guard) =
                    enumerate::guarded_client(&net, sel, &rules, &s.adversary, hops, g, paths).unwrap();
                prop_assert!(close(e.path, path), "path: exact {} vs enumeration {path}", e.path);
                let c = e.metric(pathrisk::metric::Metric::Client, paths).unwrap();
                prop_assert!(close(c, client), "client: exact {c} vs enumeration {client}");
                prop_assert!(close(e.guard.unwrap(), guard), "guard: exact {:?} vs {guard}", e.guard);
            }
        }
    }
}

/// The subnet rule may start at any hop, and the walk must tell the hops it binds from those
/// before it. The proptest above draws such rules at random; this one walks each start on a
/// network where it matters (two servers of one operator share a subnet, a third stands
/// alone), so that the check does not hang on what a run happens to draw.
#[test]
fn the_subnet_rule_starting_at_a_later_hop_is_walked_exactly() {
    let t = TinyServers {
        servers: vec![(0, 0, 1, 0, 1), (0, 0, 1, 1, 1), (1, 1, 1, 0, 1)],
    };
    let net = t.network().unwrap();
    let mut compared = 0;
    for sel in Selection::OF_OPERATORS {
        for hops in 2..=4 {
            for from in 0..=hops {
                let rules = PathRules {
                    distinct_subnets: true,
                    subnets_from: from,
                    ..PathRules::default()
                };
                let mut s = scenario_of(net.clone(), sel, Target::Any, Event::FullPath, hops);
                s.rules = rules.clone();
                let Ok(p) = enumerate::path_probability(&net, sel, &rules, &s.adversary, hops)
                else {
                    continue;
                };
                let e = exact::compute(&s).unwrap();
                assert!(
                    close(e.path, p),
                    "{sel:?} {hops} hops, subnets from {from}: exact {} vs enumeration {p}",
                    e.path
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 20, "only {compared} rules compared");
}

#[test]
fn exact_equals_the_closed_forms_on_every_scenario_file() {
    let mut compared = 0;
    let presets = super::real_data("the presets of this test").is_some();
    for file in pathrisk::commands::check::scenario_files(&[root().join("scenarios")]).unwrap() {
        if !presets && file.starts_with(root().join("scenarios/presets")) {
            continue;
        }
        let s = Scenario::load(&file).unwrap();
        let Ok(e) = exact::compute(&s) else {
            continue;
        };
        if let ClosedForm::Exact(p) = analytic::path_probability(&s) {
            assert!(
                close(e.path, p),
                "{}: exact {} vs closed form {p}",
                s.name,
                e.path
            );
            compared += 1;
        }
        if let Some(law) = analytic::Laws::of(&s).client {
            let (a, b) = (e.law.cdf(s.run.paths), law.cdf(s.run.paths));
            assert!(
                (a - b).abs() <= 1e-9 * b.max(1e-300),
                "{}: {a} vs {b}",
                s.name
            );
            assert_eq!(e.law.median(), law.median(), "{}", s.name);
        }
    }
    assert!(compared >= 10, "{compared}");
}

#[test]
fn merging_interchangeable_servers_makes_large_uniform_networks_small() {
    // 50 operators of 20 servers: 1000 servers, but 2 classes for one entity's full path.
    let text = "name = \"big\"\n[network]\nuniform = { operators = 50, servers = 20 }\n\
                [path]\nhops = 3\nselection = \"distinct-servers\"\n\
                [adversary]\ntarget = { entity = \"op1\" }\nevent = \"full-path\"\n";
    let s = Scenario::parse(text, "big.toml", std::path::Path::new("."), "big").unwrap();
    let e = exact::compute(&s).unwrap();
    assert_eq!(e.classes, 2);
    let expected = (20.0 * 19.0 * 18.0) / (1000.0 * 999.0 * 998.0);
    assert!(close(e.path, expected), "{} vs {expected}", e.path);
}

#[test]
fn refuses_what_exceeds_its_step_limit() {
    let text = "name = \"zipf\"\n[network]\nzipf = { operators = 300, exponent = 1.0 }\n\
                [path]\nhops = 3\nselection = \"operator-aware\"\n\
                [adversary]\ntarget = \"any\"\nevent = \"ends\"\n";
    let s = Scenario::parse(text, "zipf.toml", std::path::Path::new("."), "zipf").unwrap();
    let err = exact::compute_within(&s, 1_000_000).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("1000000 steps"), "{message}");
    assert!(message.contains("300 classes"), "{message}");
    assert!(message.contains("--method monte-carlo"), "{message}");
}

#[test]
fn the_step_limit_may_be_reached_but_not_exceeded() {
    // Without guards the walk of the paths counts the steps; with them the walk of the guard
    // sets goes on from there. Either way a limit of exactly the steps taken is enough.
    let base = "name = \"zipf\"\n[network]\nzipf = { operators = 12, exponent = 1.0 }\n\
                [path]\nhops = 3\nselection = \"operator-aware\"\n\
                [adversary]\ntarget = \"any\"\nevent = \"ends\"\n";
    for guards in ["", "[guards]\ncount = 2\nlifetime = 10\n"] {
        let text = format!("{base}{guards}");
        let s = Scenario::parse(&text, "zipf.toml", std::path::Path::new("."), "zipf").unwrap();
        let whole = exact::compute(&s).unwrap();
        assert!(whole.steps > 0);
        let at = exact::compute_within(&s, whole.steps).unwrap();
        assert_eq!(
            (at.path, at.steps),
            (whole.path, whole.steps),
            "guards {guards:?}"
        );
        let err = exact::compute_within(&s, whole.steps - 1).unwrap_err();
        assert!(err.to_string().contains("steps"), "{err}");
    }
}

#[test]
fn the_steps_reported_are_the_evaluations_of_the_walk() {
    // Two servers, the target's t and another o, so two classes; `random`, three hops,
    // full path, the first hop a guard. A step is one evaluation of a hop's candidates
    // (classes + 1 = 3 steps each), and `random` memoises by depth, so without guards: the
    // first hop, then the second and the third after t (after o the path is already missed):
    // 3 evaluations, 9 steps.
    // With one guard: the paths after a guard t (2 evaluations; a guard o is missed at once)
    // and the root of the guard sets (1): 9 again. When t cannot be a guard, only the root of
    // the guard sets is left: 3.
    let server = |operator: &str, roles: &[&str]| ServerSpec {
        operator: operator.into(),
        weight: 1.0,
        subnet: None,
        entity: None,
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    for (t_roles, guards, steps) in [
        (&ROLES[..], false, 9),
        (&ROLES[..], true, 9),
        (&ROLES[1..], true, 3),
    ] {
        let net = Network::from_servers(vec![server("t", t_roles), server("o", &ROLES)]).unwrap();
        let guard = net
            .roles
            .iter()
            .position(|r| r == "guard")
            .map(|i| i as u32);
        let mut s = scenario_of(
            net,
            Selection::Random,
            Target::Entity(0),
            Event::FullPath,
            3,
        );
        s.rules.roles = vec![guard, None, None];
        s.guards = guards.then_some(Guards {
            count: 1,
            lifetime: None,
        });
        let e = exact::compute(&s).unwrap();
        assert_eq!(e.classes, 2);
        assert_eq!(e.steps, steps, "t's roles {t_roles:?}, guards {guards}");
    }
}

#[test]
fn exact_equals_enumeration_with_guards_in_both_pools() {
    use pathrisk::model::{OperatorSpec, Size};
    let mut compared = 0;
    for finite in [false, true] {
        let net = Network::from_specs(
            [(2u64, "m"), (1, "m"), (3, "a"), (1, "b")]
                .iter()
                .enumerate()
                .map(|(i, &(n, e))| OperatorSpec {
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
        .unwrap();
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
                    for guards in [
                        Guards {
                            count: 1,
                            lifetime: None,
                        },
                        Guards {
                            count: 2,
                            lifetime: Some(2),
                        },
                        Guards {
                            count: 3,
                            lifetime: None,
                        },
                    ] {
                        let mut s = scenario_of(net.clone(), selection, target.clone(), event, 3);
                        s.guards = Some(guards);
                        s.run.paths = 5;
                        let (path, client, guard) = enumerate::guarded_client(
                            &net,
                            selection,
                            &s.rules,
                            &s.adversary,
                            3,
                            guards,
                            5,
                        )
                        .unwrap();
                        let e = exact::compute(&s).unwrap();
                        let case =
                            format!("{finite} {selection:?} {target:?} {event:?} {guards:?}");
                        assert!(close(e.path, path), "{case}: path {} vs {path}", e.path);
                        let c = e.law.cdf(5);
                        assert!(close(c, client), "{case}: client {c} vs {client}");
                        assert!(close(e.guard.unwrap(), guard), "{case}: guard");
                        compared += 1;
                    }
                }
            }
        }
    }
    // Infinite pool: random and operator-aware; finite: all three. 3 targets, 3 events, 3 guards.
    assert_eq!(compared, (2 + 3) * 27);
}
