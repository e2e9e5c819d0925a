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
        for selection in Selection::ALL {
            for hops in 1..=4usize {
                let allowed = match selection {
                    Selection::Random => true,
                    Selection::DistinctServers => {
                        net.total_servers() >= hops as u64 && net.total_servers() > 0
                    }
                    Selection::OperatorAware => net.operators.len() >= hops,
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
