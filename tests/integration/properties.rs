//! Properties over random tiny networks (proptest, a bounded number of cases): closed forms are
//! probabilities, ordered by event and by target, equal to exhaustive enumeration, and matched
//! by the simulation.

use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::analytic::{self, enumerate};
use pathrisk::engine::{self, EngineConfig};
use pathrisk::model::{Network, OperatorSpec, Size};
use pathrisk::report;
use pathrisk::scenario::{RunSettings, Scenario};
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::stats::Verdict;
use proptest::prelude::*;

/// A tiny network: 1–4 operators of 1–3 servers (a finite pool) or of shares (an infinite
/// one), each held by one of up to three entities.
#[derive(Debug, Clone)]
struct Tiny {
    finite: bool,
    /// Per operator: servers (finite) or share weight in tenths (infinite), and its entity.
    ops: Vec<(u64, usize)>,
}

impl Tiny {
    fn network(&self) -> Network {
        Network::from_specs(
            self.ops
                .iter()
                .enumerate()
                .map(|(i, &(size, entity))| OperatorSpec {
                    name: format!("op{i}"),
                    entity: Some(format!("e{entity}")),
                    size: if self.finite {
                        Size::Servers(size)
                    } else {
                        Size::Share(size as f64 / 10.0)
                    },
                })
                .collect(),
        )
        .unwrap()
    }
}

fn tiny() -> impl Strategy<Value = Tiny> {
    (
        any::<bool>(),
        prop::collection::vec((1u64..=3, 0usize..3), 1..=4),
    )
        .prop_map(|(finite, ops)| Tiny { finite, ops })
        // Six servers at most, so enumeration stays instant.
        .prop_filter("at most 6 servers", |t| {
            !t.finite || t.ops.iter().map(|o| o.0).sum::<u64>() <= 6
        })
}

fn scenario(
    network: Network,
    selection: Selection,
    target: Target,
    event: Event,
    hops: usize,
) -> Scenario {
    Scenario {
        name: "prop".into(),
        description: String::new(),
        source: "proptest".into(),
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
            paths: 3,
            trials: 20_000,
            seed: 3,
        },
    }
}

/// Whether `selection` may draw `hops` hops on `network` (the validity rules of docs/model.md).
fn allowed(network: &Network, selection: Selection, hops: usize) -> bool {
    match selection {
        Selection::Random => true,
        Selection::DistinctServers => {
            network.pool == pathrisk::model::Pool::Finite && network.total_servers() >= hops as u64
        }
        Selection::OperatorAware => network.operators.len() >= hops,
        Selection::Tor => false,
    }
}

fn closed(s: &Scenario) -> f64 {
    analytic::path_probability(s)
        .value()
        .expect("operator-level networks without guards have closed forms")
}

fn selection() -> impl Strategy<Value = Selection> {
    prop::sample::select(Selection::OF_OPERATORS.to_vec())
}

fn event() -> impl Strategy<Value = Event> {
    prop::sample::select(Event::ALL.to_vec())
}

/// Any, or one of the network's entities, or a coalition of some of them.
fn target_for(entities: usize, pick: u8, mask: u8) -> Target {
    match pick % 3 {
        0 => Target::Any,
        1 => Target::Entity(pick as usize / 3 % entities),
        _ => {
            let members: Vec<usize> = (0..entities).filter(|e| mask >> e & 1 == 1).collect();
            if members.is_empty() {
                Target::Entity(0)
            } else {
                Target::Coalition(members)
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn closed_forms_are_probabilities_and_equal_enumeration(
        t in tiny(), sel in selection(), ev in event(), hops in 1usize..=4, pick: u8, mask: u8,
    ) {
        let net = t.network();
        prop_assume!(allowed(&net, sel, hops));
        let target = target_for(net.entities.len(), pick, mask);
        let s = scenario(net.clone(), sel, target.clone(), ev, hops);
        let p = closed(&s);
        prop_assert!((0.0..=1.0).contains(&p), "{p}");
        let exact = enumerate::path_probability(&net, sel, &s.rules, &s.adversary, hops).unwrap();
        prop_assert!((p - exact).abs() <= 1e-12, "closed {p} vs enumeration {exact}");
    }

    #[test]
    fn full_path_is_at_most_ends_which_is_at_most_entry(
        t in tiny(), sel in selection(), hops in 1usize..=4, pick: u8, mask: u8,
    ) {
        let net = t.network();
        prop_assume!(allowed(&net, sel, hops));
        let target = target_for(net.entities.len(), pick, mask);
        let p = |ev| closed(&scenario(net.clone(), sel, target.clone(), ev, hops));
        let (full, ends, entry) = (p(Event::FullPath), p(Event::Ends), p(Event::Entry));
        prop_assert!(full <= ends + 1e-15 && ends <= entry + 1e-15, "{full} {ends} {entry}");
    }

    #[test]
    fn a_coalition_is_at_least_as_likely_as_each_member(
        t in tiny(), sel in selection(), ev in event(), hops in 1usize..=4, mask in 1u8..8,
    ) {
        let net = t.network();
        prop_assume!(allowed(&net, sel, hops));
        let members: Vec<usize> = (0..net.entities.len()).filter(|e| mask >> e & 1 == 1).collect();
        prop_assume!(!members.is_empty());
        let together = closed(&scenario(net.clone(), sel, Target::Coalition(members.clone()), ev, hops));
        for &m in &members {
            let alone = closed(&scenario(net.clone(), sel, Target::Entity(m), ev, hops));
            prop_assert!(alone <= together + 1e-15, "member {m}: {alone} > {together}");
        }
    }

    #[test]
    fn distinct_servers_is_at_most_random_for_one_entity(
        t in tiny(), ev in event(), hops in 1usize..=4, e in 0usize..3,
    ) {
        let t = Tiny { finite: true, ..t };
        let net = t.network();
        prop_assume!(allowed(&net, Selection::DistinctServers, hops));
        let target = Target::Entity(e % net.entities.len());
        let distinct = closed(&scenario(net.clone(), Selection::DistinctServers, target.clone(), ev, hops));
        let random = closed(&scenario(net.clone(), Selection::Random, target, ev, hops));
        prop_assert!(distinct <= random + 1e-15, "{distinct} > {random}");
    }

    #[test]
    fn operator_aware_never_gives_an_entity_more_hops_than_it_has_operators(
        t in tiny(), hops in 2usize..=4, e in 0usize..3,
    ) {
        let net = t.network();
        prop_assume!(allowed(&net, Selection::OperatorAware, hops));
        let entity = e % net.entities.len();
        let operators = net.operators.iter().filter(|o| o.entity == entity).count();
        prop_assume!(operators < hops);
        let s = scenario(net, Selection::OperatorAware, Target::Entity(entity), Event::FullPath, hops);
        prop_assert_eq!(closed(&s), 0.0);
        let outcome = engine::simulate(&s, &EngineConfig { threads: Some(1), sampler: SamplerKind::Fast, ..Default::default() }, &|_| {}).unwrap();
        prop_assert_eq!(outcome.counts.path_hits, 0);
    }
}

proptest! {
    // Each case simulates 60 000 paths; fewer cases, and a fixed seed so that a statistical
    // false alarm, should the cases ever produce one, would show on every run, not at random.
    #![proptest_config(ProptestConfig {
        cases: 60,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261126),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_simulation_agrees_with_the_closed_form_on_random_small_scenarios(
        t in tiny(), sel in selection(), ev in event(), hops in 1usize..=4, pick: u8, mask: u8,
    ) {
        let net = t.network();
        prop_assume!(allowed(&net, sel, hops));
        let target = target_for(net.entities.len(), pick, mask);
        let s = scenario(net, sel, target, ev, hops);
        let outcome = engine::simulate(&s, &EngineConfig { threads: Some(1), sampler: SamplerKind::Fast, ..Default::default() }, &|_| {}).unwrap();
        // α = 1e-6 per row: over 60 cases × 3 rows a false alarm is one in several thousand.
        let r = report::analyse(&s, &outcome, 1e-6);
        for row in &r.results {
            prop_assert_ne!(row.verdict, Verdict::Disagree, "{:?}", row);
        }
    }
}

#[test]
fn the_enumerator_refuses_networks_too_large_to_visit() {
    // 300 operators and 3 hops are 2.7·10⁷ paths, past enumerate::MAX_PATHS; with 2 guards,
    // 100 operators are 10¹⁰. Refused with the reason, rather than visited for minutes.
    let adversary = Adversary {
        target: Target::Any,
        event: Event::FullPath,
    };
    let rules = Default::default();
    let big = Network::from_specs(pathrisk::model::uniform_operators(300, None)).unwrap();
    let err = enumerate::path_probability(&big, Selection::Random, &rules, &adversary, 3)
        .expect_err("2.7e7 paths enumerated");
    assert!(err.contains("too many paths"), "{err}");
    let guards = pathrisk::scenario::Guards {
        count: 2,
        lifetime: None,
    };
    let mid = Network::from_specs(pathrisk::model::uniform_operators(100, None)).unwrap();
    assert!(enumerate::path_probability(&mid, Selection::Random, &rules, &adversary, 3).is_ok());
    let err = enumerate::guarded_client(&mid, Selection::Random, &rules, &adversary, 3, guards, 10)
        .expect_err("1e10 paths enumerated");
    assert!(err.contains("too many paths"), "{err}");
}
