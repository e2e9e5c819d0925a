//! Monte Carlo against the closed forms for every policy × event × target, with both the fast
//! kernels and the reference samplers, at fixed seeds; and proof that the comparison can fail.

use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::engine::{self, EngineConfig};
use pathrisk::model::{Network, OperatorSpec, Size};
use pathrisk::report;
use pathrisk::scenario::{RunSettings, Scenario};
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::stats::{self, Verdict};

/// Ten servers in six operators; entity "m" owns three operators (a Sybil).
fn network() -> Network {
    let ops = [
        ("a", 3, Some("m")),
        ("b", 2, Some("m")),
        ("c", 1, Some("m")),
        ("d", 2, None),
        ("e", 1, None),
        ("f", 1, None),
    ];
    Network::from_specs(
        ops.iter()
            .map(|&(n, s, e)| OperatorSpec {
                name: n.into(),
                entity: e.map(Into::into),
                size: Size::Servers(s),
            })
            .collect(),
    )
    .unwrap()
}

fn scenario(selection: Selection, target: Target, event: Event, seed: u64) -> Scenario {
    Scenario {
        name: "mc".into(),
        description: String::new(),
        source: "test".into(),
        network: network(),
        hops: 3,
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
            paths: 4,
            trials: 25_000,
            seed,
        },
    }
}

fn targets() -> Vec<Target> {
    // Entities in order of first appearance: m, d, e, f.
    vec![
        Target::Any,
        Target::Entity(0),
        Target::Coalition(vec![0, 1]),
    ]
}

fn check_all(sampler: SamplerKind) {
    let mut seed = 100;
    for selection in Selection::OF_OPERATORS {
        for target in targets() {
            for event in Event::ALL {
                seed += 1;
                let s = scenario(selection, target.clone(), event, seed);
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
                assert_eq!(outcome.counts.paths_drawn, 100_000);
                let r = report::analyse(&s, &outcome, stats::DEFAULT_ALPHA);
                for row in &r.results {
                    assert_eq!(
                        row.verdict,
                        Verdict::Agree,
                        "{sampler:?} {selection:?} {target:?} {event:?} {}: {row:?}",
                        row.metric
                    );
                }
            }
        }
    }
}

#[test]
fn fast_kernels_agree_with_closed_forms_for_every_combination() {
    check_all(SamplerKind::Fast);
}

#[test]
fn reference_samplers_agree_with_closed_forms_for_every_combination() {
    check_all(SamplerKind::Reference);
}

#[test]
fn fast_and_reference_samplers_draw_the_same_distribution() {
    // Two independent samples of the same Bernoulli: their difference must be within noise.
    for selection in Selection::OF_OPERATORS {
        let s = scenario(selection, Target::Entity(0), Event::Ends, 7);
        let fast = engine::simulate(
            &s,
            &EngineConfig {
                threads: None,
                sampler: SamplerKind::Fast,
                ..Default::default()
            },
            &|_| {},
        )
        .unwrap();
        let s2 = scenario(selection, Target::Entity(0), Event::Ends, 8);
        let reference = engine::simulate(
            &s2,
            &EngineConfig {
                threads: None,
                sampler: SamplerKind::Reference,
                ..Default::default()
            },
            &|_| {},
        )
        .unwrap();
        let (a, b) = (
            fast.counts.path_hits as f64,
            reference.counts.path_hits as f64,
        );
        let n = fast.counts.paths_drawn as f64;
        let pooled = (a + b) / (2.0 * n);
        let z = (a / n - b / n) / (2.0 * pooled * (1.0 - pooled) / n).sqrt();
        assert!(z.abs() < 4.5, "{selection:?}: z = {z}");
    }
}

#[test]
fn a_wrong_closed_form_is_caught() {
    // Simulate distinct-servers, then test its counts against the with-replacement formula.
    let s = scenario(
        Selection::DistinctServers,
        Target::Entity(0),
        Event::FullPath,
        3,
    );
    let outcome = engine::simulate(&s, &EngineConfig::default(), &|_| {}).unwrap();
    let mut wrong = s.clone();
    wrong.selection = Selection::Random;
    let wrong_p = pathrisk::analytic::path_probability(&wrong)
        .value()
        .unwrap();
    let p_value = stats::binomial_p_value(
        outcome.counts.path_hits,
        outcome.counts.paths_drawn,
        wrong_p,
    );
    assert!(p_value < 1e-10, "{p_value}");
    // And a closed form 2% off on a large sample.
    let right = pathrisk::analytic::path_probability(&s).value().unwrap();
    let big = Scenario {
        run: RunSettings {
            paths: 10,
            trials: 200_000,
            seed: 4,
        },
        ..s
    };
    let outcome = engine::simulate(&big, &EngineConfig::default(), &|_| {}).unwrap();
    let c = &outcome.counts;
    assert!(stats::binomial_p_value(c.path_hits, c.paths_drawn, right) > 1e-4);
    assert!(stats::binomial_p_value(c.path_hits, c.paths_drawn, right * 1.02) < 1e-4);
}

#[test]
fn zero_probability_means_no_hit_ever() {
    // Entity d declares one operator: with operator-aware selection it never holds two hops.
    let s = scenario(Selection::OperatorAware, Target::Entity(1), Event::Ends, 9);
    let outcome = engine::simulate(&s, &EngineConfig::default(), &|_| {}).unwrap();
    assert_eq!(outcome.counts.path_hits, 0);
    let r = report::analyse(&s, &outcome, stats::DEFAULT_ALPHA);
    assert_eq!(r.results[0].closed_form, Some(0.0));
    assert_eq!(r.results[0].verdict, Verdict::Agree);
}
