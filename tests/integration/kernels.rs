//! Every fast kernel against the closed forms and the reference samplers: on networks chosen
//! so that each kernel the engine has is used (a test checks that they all were), and on
//! every scenario file the project ships.

use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::engine::lanes::Isa;
use pathrisk::engine::{self, EngineConfig, Outcome};
use pathrisk::model::{Network, OperatorSpec, Size};
use pathrisk::report;
use pathrisk::scenario::{Guards, RunSettings, Scenario};
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::stats::Verdict;
use std::collections::BTreeSet;

/// Operators given as (servers, entity); "m" is the entity the targets name.
fn network(ops: &[(u64, Option<&str>)]) -> Network {
    Network::from_specs(
        ops.iter()
            .enumerate()
            .map(|(i, &(servers, entity))| OperatorSpec {
                name: format!("op{i}"),
                entity: entity.map(Into::into),
                size: Size::Servers(servers),
            })
            .collect(),
    )
    .unwrap()
}

/// `n` operators of one server each, the first three held by "m".
fn equal(n: usize) -> Network {
    let ops: Vec<(u64, Option<&str>)> = (0..n)
        .map(|i| (1, if i < 3 { Some("m") } else { None }))
        .collect();
    network(&ops)
}

/// Ten servers in six operators of unequal size; "m" holds three operators.
fn unequal() -> Network {
    network(&[
        (3, Some("m")),
        (2, Some("m")),
        (1, Some("m")),
        (2, None),
        (1, None),
        (1, None),
    ])
}

fn scenario(
    network: &Network,
    selection: Selection,
    target: Target,
    event: Event,
    hops: usize,
    seed: u64,
) -> Scenario {
    Scenario {
        name: "kernels".into(),
        description: String::new(),
        source: "test".into(),
        network: network.clone(),
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
            paths: 4,
            trials: 25_000,
            seed,
        },
    }
}

fn simulate(s: &Scenario, sampler: SamplerKind) -> Outcome {
    simulate_with(s, sampler, Isa::best())
}

fn simulate_with(s: &Scenario, sampler: SamplerKind, isa: Isa) -> Outcome {
    engine::simulate(
        s,
        &EngineConfig {
            threads: Some(2),
            sampler,
            isa,
        },
        &|_| {},
    )
    .unwrap()
}

/// A lane kernel's run under every other instruction set this machine has: the same kernel
/// and the same counts (so the verdicts asserted under the best set hold under each).
fn same_under_every_instruction_set(s: &Scenario, outcome: &Outcome) {
    if !outcome.kernel.name().ends_with("-lanes") {
        return;
    }
    for isa in Isa::available_all() {
        let other = simulate_with(s, SamplerKind::Fast, isa);
        assert_eq!(other.kernel, outcome.kernel, "{}", isa.name());
        assert_eq!(
            other.counts,
            outcome.counts,
            "{} under {}",
            s.name,
            isa.name()
        );
    }
}

/// |z| of two independent binomial proportions (0 when both are 0 or 1).
fn z(a: u64, n: u64, b: u64, m: u64) -> f64 {
    let (p, q) = (a as f64 / n as f64, b as f64 / m as f64);
    let pooled = (a + b) as f64 / (n + m) as f64;
    let var = pooled * (1.0 - pooled) * (1.0 / n as f64 + 1.0 / m as f64);
    if var == 0.0 {
        0.0
    } else {
        ((p - q) / var.sqrt()).abs()
    }
}

/// Per-row α for the family below (about 1300 rows): a family-wise error near 1%.
const ALPHA: f64 = 1e-5;

#[test]
fn every_kernel_agrees_with_the_closed_forms_for_every_policy_target_event_and_length() {
    let networks = [
        ("unequal", unequal()),
        ("equal-6", equal(6)),
        // 56² pairs: more than one 16-bit value in 32 refused, so 32-bit fields.
        ("equal-56", equal(56)),
        // Too many pairs for the two-hop table.
        ("equal-100", equal(100)),
    ];
    let targets = [
        Target::Any,
        Target::Entity(0),
        Target::Coalition(vec![0, 1]),
    ];
    let mut kernels = BTreeSet::new();
    let mut seed = 1000;
    for (name, net) in &networks {
        for selection in Selection::OF_OPERATORS {
            for target in &targets {
                for event in Event::ALL {
                    for hops in [1, 2, 3, 4] {
                        seed += 1;
                        let s = scenario(net, selection, target.clone(), event, hops, seed);
                        let outcome = simulate(&s, SamplerKind::Fast);
                        kernels.insert(outcome.kernel.name());
                        same_under_every_instruction_set(&s, &outcome);
                        let r = report::analyse(&s, &outcome, ALPHA);
                        for row in &r.results {
                            // (The median of `first` has no value when p = 0.)
                            assert!(
                                row.metric == pathrisk::metric::Metric::First
                                    || row.closed_form.is_some(),
                                "{name} {selection:?}: {row:?}"
                            );
                            assert_eq!(
                                row.verdict,
                                Verdict::Agree,
                                "{name} {} {selection:?} {target:?} {event:?} {hops} hops: {row:?}",
                                outcome.kernel
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!("kernels used: {kernels:?}");
    for k in [
        "two-hop",
        "two-hop-lanes",
        "pair-lanes",
        "uniform-paths",
        "alias-paths",
        "operator-aware",
    ] {
        assert!(kernels.contains(k), "{k} not exercised: {kernels:?}");
    }
}

#[test]
fn the_kernels_with_guards_agree_with_the_reference_samplers() {
    let mut kernels = BTreeSet::new();
    let mut seed = 5000;
    for net in [unequal(), equal(6), equal(100)] {
        for (selection, count) in Selection::OF_OPERATORS
            .into_iter()
            .flat_map(|s| [(s, 1), (s, 2)])
        {
            for target in [Target::Any, Target::Entity(0)] {
                seed += 1;
                let mut s = scenario(&net, selection, target, Event::FullPath, 3, seed);
                s.guards = Some(Guards {
                    count,
                    lifetime: Some(3),
                });
                s.run.trials = 20_000;
                let fast = simulate(&s, SamplerKind::Fast);
                kernels.insert(fast.kernel.name());
                same_under_every_instruction_set(&s, &fast);
                s.run.seed += 100_000;
                let reference = simulate(&s, SamplerKind::Reference);
                let (f, r) = (&fast.counts, &reference.counts);
                for (what, a, b) in [
                    ("client", f.client_hits, r.client_hits),
                    ("first path", f.first_path_hits, r.first_path_hits),
                    ("guard", f.guard_hits, r.guard_hits),
                ] {
                    let z = z(a, f.clients, b, r.clients);
                    assert!(z < 5.0, "{selection:?} {what}: {a} vs {b}, z = {z}");
                }
            }
        }
    }
    for k in ["uniform", "alias", "operator-aware", "guard-lanes"] {
        assert!(kernels.contains(k), "{k} not exercised: {kernels:?}");
    }
}

/// Every scenario file, presets included when the real data is there: the fast kernel agrees
/// with the closed form where there is one, and with the reference sampler.
#[test]
fn fast_kernels_agree_with_reference_samplers_and_closed_forms_on_every_scenario_file() {
    let files = super::scenario_files("the kernels' comparison on every scenario file");
    let presets = files
        .iter()
        .filter(|f| f.parent().unwrap().ends_with("presets"));
    assert!(files.len() >= 10 + 5 * presets.count().min(1), "{files:?}");
    let mut kernels = BTreeSet::new();
    for file in &files {
        let mut s = Scenario::load(file).unwrap();
        // About 20 000 paths for the reference sampler, twenty times more for the kernel.
        s.run.paths = s.run.paths.min(200);
        s.run.trials = (20_000 / s.run.paths).max(100);
        let reference = simulate(&s, SamplerKind::Reference);
        s.run.trials *= 20;
        s.run.seed += 1;
        let fast = simulate(&s, SamplerKind::Fast);
        kernels.insert(fast.kernel.name());
        same_under_every_instruction_set(&s, &fast);
        let r = report::analyse(&s, &fast, 1e-4);
        for row in &r.results {
            assert_ne!(row.verdict, Verdict::Disagree, "{file:?}: {row:?}");
        }
        let (f, r) = (&fast.counts, &reference.counts);
        for (what, a, n, b, m) in [
            ("client", f.client_hits, f.clients, r.client_hits, r.clients),
            (
                "first path",
                f.first_path_hits,
                f.clients,
                r.first_path_hits,
                r.clients,
            ),
        ] {
            let z = z(a, n, b, m);
            assert!(z < 5.0, "{file:?} {what}: {a}/{n} vs {b}/{m}, z = {z}");
        }
    }
    assert!(kernels.contains("server"), "{kernels:?}");
}
