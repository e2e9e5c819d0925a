//! The `tor` policy on a small hand-made network whose every rule bites (families by
//! fingerprint and by nickname, one-sided family lines, a shared /16, BadExit, MiddleOnly, an
//! exit by policy without the Exit flag, a guard whose policy accepts the port, a family
//! component of six relays joined by mutual declarations of which some may share a path):
//! the exact sums
//! against a brute-force enumeration written here from the rules' words, and the fast and the
//! reference draws against both; then on the real 2019-12-15 snapshot.

use crate::real_data;
use pathrisk::adversary::{Adversary, Event, Target};
use pathrisk::analytic::Laws;
use pathrisk::engine::{self, EngineConfig, Outcome};
use pathrisk::metric::Metric;
use pathrisk::model::tor::{EXIT, GUARD, MIDDLE, Order, TorRelays, TorRules};
use pathrisk::report;
use pathrisk::scenario::{Guards, RunSettings, Scenario};
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::stats::Verdict;
use pathrisk::tor::{FamilyEntry, Flag, Flags, Microdesc, Relay, TorNetwork};
use std::collections::BTreeMap;
use std::sync::Arc;
use tor_netdoc::types::policy::PortPolicy;

const G: &[Flag] = &[
    Flag::Running,
    Flag::Valid,
    Flag::Fast,
    Flag::Guard,
    Flag::Stable,
    Flag::V2Dir,
];
const E: &[Flag] = &[Flag::Running, Flag::Valid, Flag::Fast, Flag::Exit];
const M: &[Flag] = &[Flag::Running, Flag::Valid, Flag::Fast];

fn relay(
    nickname: &str,
    weight: u32,
    flags: &[&[Flag]],
    ip: [u8; 4],
    accept: &str,
    family: &[&str],
) -> Relay {
    let fingerprint = format!(
        "{:0>40X}",
        nickname.bytes().fold(0u64, |h, b| h * 131 + u64::from(b))
    );
    Relay {
        fingerprint,
        nickname: nickname.into(),
        ipv4: Some(ip.into()),
        ipv6: None,
        weight,
        measured: true,
        flags: flags
            .iter()
            .flat_map(|f| f.iter())
            .fold(Flags::default(), |f, &x| f.with(x)),
        microdesc: Microdesc {
            family: family
                .iter()
                .map(|f| FamilyEntry::Nickname((*f).into()))
                .collect(),
            family_ids: Vec::new(),
            ipv4_policy: Arc::new(if accept.is_empty() {
                PortPolicy::new_reject_all()
            } else {
                format!("accept {accept}").parse().unwrap()
            }),
            ipv6_policy: Arc::new(PortPolicy::new_reject_all()),
            by_fallback: false,
        },
    }
}

/// The hand-made network: see the module's notes.
fn relays() -> Vec<Relay> {
    vec![
        relay("g1", 50, &[G], [10, 1, 0, 1], "443", &["g2", "m2"]),
        relay("g2", 30, &[G], [10, 2, 0, 1], "", &["G1", "m3"]),
        relay("d1", 40, &[G, &[Flag::Exit]], [10, 3, 0, 1], "80,443", &[]),
        relay("e1", 60, &[E], [10, 1, 0, 2], "443", &["m2"]),
        relay("e2", 20, &[E], [10, 4, 0, 1], "1-65535", &["g2"]),
        relay("m1", 70, &[M], [10, 5, 0, 1], "", &[]),
        relay("m2", 10, &[M], [10, 5, 0, 2], "", &["e1", "e4", "g1"]),
        relay("m3", 12, &[M], [10, 10, 0, 1], "443", &["g2"]),
        relay(
            "e4",
            35,
            &[G, &[Flag::Exit]],
            [10, 11, 0, 1],
            "443",
            &["m2"],
        ),
        relay("bad", 25, &[E, &[Flag::BadExit]], [10, 6, 0, 1], "443", &[]),
        relay(
            "mo",
            15,
            &[G, &[Flag::MiddleOnly]],
            [10, 7, 0, 1],
            "443",
            &[],
        ),
        relay("e3", 5, &[M], [10, 8, 0, 1], "443", &[]),
        relay(
            "slow",
            90,
            &[&[Flag::Running, Flag::Valid]],
            [10, 9, 0, 1],
            "443",
            &[],
        ),
    ]
}

fn bandwidth_weights() -> BTreeMap<String, i32> {
    [
        ("Wgg", 6000),
        ("Wgd", 3000),
        ("Wmg", 4000),
        ("Wmm", 10000),
        ("Wme", 2000),
        ("Wmd", 3500),
        ("Wee", 10000),
        ("Wed", 3500),
        ("Weg", 1000),
        ("Wem", 10000),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn documents(relays: Vec<Relay>) -> TorNetwork {
    TorNetwork {
        valid_after: 0,
        listed: relays.len(),
        totals: pathrisk::tor::weights::Totals::of(relays.iter().map(|r| (r.weight, r.flags))),
        relays,
        bandwidth_weights: bandwidth_weights(),
        params: BTreeMap::new(),
        missing_weight_share: 0.0,
        by_fallback: 0,
        without_ntor: 0,
        added: 0,
    }
}

/// A `tor` scenario on `doc` whose target is the relays named in `target`.
fn scenario(
    doc: &TorNetwork,
    order: Order,
    target: &[&str],
    event: Event,
    guards: Option<Guards>,
    paths: u64,
) -> Scenario {
    let rules = TorRules {
        exit_port: 443,
        order,
    };
    let relays = TorRelays::new(doc, &doc.bandwidth_weights, rules).unwrap();
    let mut network = pathrisk::model::tor::network_of(doc).unwrap();
    let fingerprints: Vec<String> = target
        .iter()
        .map(|n| {
            doc.relays
                .iter()
                .find(|r| r.nickname == *n)
                .unwrap()
                .fingerprint
                .clone()
        })
        .collect();
    // No relay named: target `any`, whose entities are the family components.
    let target = if fingerprints.is_empty() {
        Target::Any
    } else {
        network.assign_entity("target", &fingerprints).unwrap();
        Target::Entity(network.entity_index("target").unwrap())
    };
    Scenario {
        name: "tor-test".into(),
        description: String::new(),
        source: "tor-test".into(),
        network,
        hops: 3,
        selection: Selection::Tor,
        adversary: Adversary { target, event },
        guards,
        rules: Default::default(),
        run: RunSettings {
            paths,
            trials: 200_000,
            seed: 7,
        },
        paths_per_day: None,
        horizons: Vec::new(),
        tor: Some(Arc::new(relays)),
        series: None,
        documents: None,
    }
}

/// The rules, written again from their words, for the oracle.
struct Oracle {
    /// Per position, each relay's weight there.
    w: [Vec<f64>; 3],
    conflict: Vec<Vec<bool>>,
    member: Vec<bool>,
    /// Under `any`: each relay's family component (mutual declarations, transitively).
    component: Option<Vec<usize>>,
}

impl Oracle {
    /// The oracle of target `any`: one family component holds every looked-at hop.
    fn any(doc: &TorNetwork) -> Oracle {
        let mut oracle = Oracle::new(doc, &[]);
        let rs = &doc.relays;
        let n = rs.len();
        let lists = |a: &Relay, b: &Relay| {
            a.microdesc.family.iter().any(|f| match f {
                FamilyEntry::Nickname(x) => x.eq_ignore_ascii_case(&b.nickname),
                FamilyEntry::Fingerprint(fp) => *fp == b.fingerprint,
            })
        };
        // Reachability over mutual declarations, by repeated relaxation.
        let mut joined: Vec<Vec<bool>> = (0..n)
            .map(|a| {
                (0..n)
                    .map(|b| a == b || (lists(&rs[a], &rs[b]) && lists(&rs[b], &rs[a])))
                    .collect()
            })
            .collect();
        for k in 0..n {
            for a in 0..n {
                for b in 0..n {
                    joined[a][b] = joined[a][b] || (joined[a][k] && joined[k][b]);
                }
            }
        }
        oracle.component = Some(
            (0..n)
                .map(|a| (0..n).find(|&b| joined[a][b]).unwrap())
                .collect(),
        );
        oracle
    }

    fn new(doc: &TorNetwork, target: &[&str]) -> Oracle {
        let bw = bandwidth_weights();
        let rs = &doc.relays;
        let has = |r: &Relay, f: Flag| r.flags.has(f);
        let w = std::array::from_fn(|p| {
            rs.iter()
                .map(|r| {
                    let usable = has(r, Flag::Running) && has(r, Flag::Valid) && has(r, Flag::Fast);
                    let guard_flag = has(r, Flag::Guard);
                    let exit_flag = has(r, Flag::Exit) && !has(r, Flag::BadExit);
                    let ok = usable
                        && match p {
                            GUARD => {
                                guard_flag
                                    && has(r, Flag::Stable)
                                    && has(r, Flag::V2Dir)
                                    && !has(r, Flag::MiddleOnly)
                            }
                            MIDDLE => true,
                            _ => {
                                r.microdesc.ipv4_policy.allows_port(443)
                                    && !has(r, Flag::BadExit)
                                    && !has(r, Flag::MiddleOnly)
                            }
                        };
                    let key = match (p, guard_flag, exit_flag) {
                        (GUARD, true, true) => "Wgd",
                        (GUARD, _, _) => "Wgg",
                        (MIDDLE, true, true) => "Wmd",
                        (MIDDLE, true, false) => "Wmg",
                        (MIDDLE, false, true) => "Wme",
                        (MIDDLE, false, false) => "Wmm",
                        (_, true, true) => "Wed",
                        (_, true, false) => "Weg",
                        (_, false, true) => "Wee",
                        (_, false, false) => "Wem",
                    };
                    if ok {
                        f64::from(r.weight) * f64::from(bw[key])
                    } else {
                        0.0
                    }
                })
                .collect()
        });
        let lists = |a: &Relay, b: &Relay| {
            a.microdesc.family.iter().any(|f| match f {
                FamilyEntry::Nickname(n) => n.eq_ignore_ascii_case(&b.nickname),
                FamilyEntry::Fingerprint(fp) => *fp == b.fingerprint,
            })
        };
        let conflict = rs
            .iter()
            .map(|a| {
                rs.iter()
                    .map(|b| {
                        let same16 = a.ipv4.unwrap().octets()[..2] == b.ipv4.unwrap().octets()[..2];
                        std::ptr::eq(a, b) || same16 || (lists(a, b) && lists(b, a))
                    })
                    .collect()
            })
            .collect();
        Oracle {
            w,
            conflict,
            member: rs
                .iter()
                .map(|r| target.contains(&r.nickname.as_str()))
                .collect(),
            component: None,
        }
    }

    /// P(relay y at position p | the relays in `taken`), with the fallback when none is
    /// allowed.
    fn p(&self, p: usize, y: usize, taken: &[usize]) -> f64 {
        let ok = |r: usize| taken.iter().all(|&t| !self.conflict[r][t]);
        let n = self.w[p].len();
        let allowed: f64 = (0..n).filter(|&r| ok(r)).map(|r| self.w[p][r]).sum();
        if allowed > 0.0 {
            if ok(y) { self.w[p][y] / allowed } else { 0.0 }
        } else {
            self.w[p][y] / self.w[p].iter().sum::<f64>()
        }
    }

    fn hit(&self, event: Event, g: usize, m: usize, e: usize) -> bool {
        if let Some(c) = &self.component {
            return match event {
                Event::FullPath => c[g] == c[m] && c[m] == c[e],
                Event::Ends => c[g] == c[e],
                Event::Entry => true,
            };
        }
        match event {
            Event::FullPath => self.member[g] && self.member[m] && self.member[e],
            Event::Ends => self.member[g] && self.member[e],
            Event::Entry => self.member[g],
        }
    }

    /// P(compromised | guard g, exit e), the middle drawn after both.
    fn given(&self, event: Event, g: usize, e: usize) -> f64 {
        let n = self.w[0].len();
        (0..n)
            .map(|m| self.p(MIDDLE, m, &[g, e]) * f64::from(u8::from(self.hit(event, g, m, e))))
            .sum()
    }

    /// A fresh circuit.
    fn fresh(&self, order: Order, event: Event) -> f64 {
        let n = self.w[0].len();
        let mut sum = 0.0;
        for x in 0..n {
            for y in 0..n {
                let (g, e, a, b) = match order {
                    Order::ExitFirst => (y, x, EXIT, GUARD),
                    Order::GuardFirst => (x, y, GUARD, EXIT),
                };
                sum += self.p(a, x, &[]) * self.p(b, y, &[x]) * self.given(event, g, e);
            }
        }
        sum
    }

    /// A circuit of a client whose one primary guard is g.
    fn with_guard(&self, order: Order, event: Event, g: usize) -> f64 {
        let n = self.w[0].len();
        let mut sum = 0.0;
        for e in 0..n {
            match order {
                Order::GuardFirst => sum += self.p(EXIT, e, &[g]) * self.given(event, g, e),
                Order::ExitFirst => {
                    let pe = self.p(EXIT, e, &[]);
                    if !self.conflict[g][e] {
                        sum += pe * self.given(event, g, e);
                    } else {
                        for g2 in 0..n {
                            sum += pe * self.p(GUARD, g2, &[e]) * self.given(event, g2, e);
                        }
                    }
                }
            }
        }
        sum
    }

    /// P(a client of `paths` circuits and one guard, rotated every `lifetime`, is compromised).
    fn client(&self, order: Order, event: Event, paths: u64, lifetime: Option<u64>) -> f64 {
        let n = self.w[0].len();
        let total: f64 = self.w[GUARD].iter().sum();
        let block = |len: u64| -> f64 {
            (0..n)
                .map(|g| {
                    self.w[GUARD][g] / total
                        * (1.0 - self.with_guard(order, event, g)).powi(len as i32)
                })
                .sum()
        };
        let l = lifetime.unwrap_or(paths);
        let mut clean = 1.0;
        let mut left = paths;
        while left > 0 {
            let len = left.min(l);
            clean *= block(len);
            left -= len;
        }
        1.0 - clean
    }
}

const TARGETS: [&[&str]; 4] = [
    &["g1", "e1"],
    &["d1", "e2", "m1"],
    &["g2", "e1", "m2", "d1"],
    &["g1", "g2", "d1", "e1", "e2", "e3", "m1", "m2", "mo", "bad"],
];

#[test]
fn the_sums_equal_a_brute_force_enumeration_of_every_circuit() {
    let nonzero = sums_against_the_enumeration(&documents(relays()), &TARGETS);
    assert!(nonzero >= 15, "too few targets are ever hit: {nonzero}");
}

/// Where a relay conflicts with every relay eligible at a later position, that hop takes
/// any relay eligible there (the fallback, nothing excluded): a network in two /16s, with a
/// guard whose family holds the exit of the other /16. Exit e1 shares its /16 with every
/// guard but g3, whose family it is in, so a circuit through e1 draws its guard from them
/// all; guard g3 excludes both exits; and a circuit of e2 (or g3) and any relay of the
/// other /16 excludes every middle.
#[test]
fn the_sums_fall_back_to_every_eligible_relay_as_the_enumeration_does() {
    let relays = vec![
        relay("g1", 50, &[G], [10, 1, 0, 1], "", &[]),
        relay("g2", 30, &[G], [10, 1, 0, 2], "", &[]),
        relay("e1", 60, &[E], [10, 1, 0, 3], "443", &["g3"]),
        relay("m2", 10, &[M], [10, 1, 0, 4], "", &[]),
        relay("e2", 20, &[E], [10, 2, 0, 1], "443", &[]),
        relay("m1", 70, &[M], [10, 2, 0, 2], "", &[]),
        relay("g3", 20, &[G], [10, 2, 0, 3], "", &["e1"]),
    ];
    let targets: [&[&str]; 4] = [
        &["g1", "e2"],
        &["g3", "e1", "m1"],
        &["g1", "g2", "e1", "m2"],
        &["g2", "e2", "m1", "g3"],
    ];
    let doc = documents(relays);
    let nonzero = sums_against_the_enumeration(&doc, &targets);
    assert!(nonzero >= 15, "too few targets are ever hit: {nonzero}");
    // The fallbacks happen: no guard is allowed after e1, no exit after g3, no middle after
    // (g3, e1) or (g1, e2).
    let oracle = Oracle::new(&doc, &[]);
    let at = |n: &str| doc.relays.iter().position(|r| r.nickname == n).unwrap();
    let none_allowed = |p: usize, taken: &[usize]| {
        (0..doc.relays.len())
            .filter(|&r| oracle.w[p][r] > 0.0)
            .all(|r| taken.iter().any(|&t| oracle.conflict[r][t]))
    };
    assert!(none_allowed(GUARD, &[at("e1")]));
    assert!(none_allowed(EXIT, &[at("g3")]));
    assert!(none_allowed(MIDDLE, &[at("g3"), at("e1")]));
    assert!(none_allowed(MIDDLE, &[at("g1"), at("e2")]));
    // Some relays weigh nothing at a position (the guards as exits): the fallback's "every
    // eligible relay" leaves them out.
    assert!(oracle.w[EXIT][at("g1")] == 0.0 && oracle.w[GUARD][at("e1")] == 0.0);
}

/// The sums of every order, event and target (fresh circuits, and clients of one guard with
/// and without rotation) against the enumeration; returns how many fresh circuits' sums are
/// not 0.
fn sums_against_the_enumeration(doc: &TorNetwork, targets: &[&[&str]]) -> usize {
    let mut nonzero = 0;
    for &target in targets {
        let oracle = Oracle::new(doc, target);
        for order in Order::ALL {
            for event in Event::ALL {
                let s = scenario(doc, order, target, event, None, 1);
                let sums = Laws::of(&s).path.unwrap();
                let brute = oracle.fresh(order, event);
                assert!(
                    (sums - brute).abs() <= 1e-12,
                    "{target:?} {order:?} {event:?}: sums {sums} enumeration {brute}"
                );
                nonzero += usize::from(brute > 0.0);
                for lifetime in [None, Some(3)] {
                    let guards = Some(Guards { count: 1, lifetime });
                    let s = scenario(doc, order, target, event, guards, 7);
                    let laws = Laws::of(&s);
                    let brute = oracle.client(order, event, 7, lifetime);
                    let sums = laws.metric(Metric::Client).unwrap();
                    assert!(
                        (sums - brute).abs() <= 1e-12,
                        "{target:?} {order:?} {event:?} {lifetime:?}: client {sums} vs {brute}"
                    );
                    let total: f64 = oracle.w[GUARD].iter().sum();
                    let path: f64 = (0..oracle.w[0].len())
                        .map(|g| oracle.w[GUARD][g] / total * oracle.with_guard(order, event, g))
                        .sum();
                    assert!((laws.path.unwrap() - path).abs() <= 1e-12);
                }
            }
        }
    }
    nonzero
}

#[test]
fn under_any_the_sums_equal_the_enumeration_over_family_components() {
    let doc = documents(relays());
    let network = pathrisk::model::tor::network_of(&doc).unwrap();
    // g1, g2, m2, e1, e4 and m3 are one component; every other relay its own entity.
    let entity = |n: &str| {
        let r = doc.relays.iter().position(|r| r.nickname == n).unwrap();
        network.operators[r].entity
    };
    assert!(
        ["g2", "m2", "e1", "e4", "m3"]
            .iter()
            .all(|n| entity(n) == entity("g1"))
    );
    assert_eq!(network.entities.len(), doc.relays.len() - 5);
    let oracle = Oracle::any(&doc);
    for order in Order::ALL {
        for event in Event::ALL {
            let s = scenario(&doc, order, &[], event, None, 1);
            let sums = Laws::of(&s).path.unwrap();
            let brute = oracle.fresh(order, event);
            assert!(
                (sums - brute).abs() <= 1e-12,
                "any {order:?} {event:?}: sums {sums} enumeration {brute}"
            );
            // Ends and full path hit through relays of one component that list each other
            // not; entry is every circuit.
            match event {
                Event::Entry => assert!((brute - 1.0).abs() < 1e-12),
                _ => assert!(brute > 0.01, "{order:?} {event:?}: {brute}"),
            }
            for lifetime in [None, Some(3)] {
                let guards = Some(Guards { count: 1, lifetime });
                let s = scenario(&doc, order, &[], event, guards, 7);
                let (sums, brute) = (
                    Laws::of(&s).metric(Metric::Client).unwrap(),
                    oracle.client(order, event, 7, lifetime),
                );
                assert!(
                    (sums - brute).abs() <= 1e-12,
                    "any {order:?} {event:?} {lifetime:?}: client {sums} vs {brute}"
                );
            }
        }
    }
    // And the draws agree with them.
    for order in Order::ALL {
        for guards in [
            None,
            Some(Guards {
                count: 1,
                lifetime: Some(3),
            }),
        ] {
            let mut s = scenario(&doc, order, &[], Event::FullPath, guards, 5);
            s.run.seed = 31;
            let outcome = simulate(&s, SamplerKind::Fast);
            for row in &report::analyse(&s, &outcome, ALPHA).results {
                assert_eq!(
                    row.verdict,
                    Verdict::Agree,
                    "any {order:?} {guards:?}: {row:?}"
                );
            }
        }
    }
}

fn simulate(s: &Scenario, sampler: SamplerKind) -> Outcome {
    engine::simulate(
        s,
        &EngineConfig {
            threads: Some(2),
            sampler,
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap()
}

/// Per-row α for the rows below: a family-wise error near 1%.
const ALPHA: f64 = 1e-4;

#[test]
fn the_fast_and_the_reference_draws_agree_with_the_sums() {
    let doc = documents(relays());
    let mut used = std::collections::BTreeSet::new();
    for (i, target) in TARGETS.iter().enumerate() {
        for order in Order::ALL {
            for (event, guards) in [
                (Event::FullPath, None),
                (Event::Ends, None),
                (
                    Event::Ends,
                    Some(Guards {
                        count: 1,
                        lifetime: Some(3),
                    }),
                ),
                (
                    Event::Entry,
                    Some(Guards {
                        count: 1,
                        lifetime: None,
                    }),
                ),
                (
                    Event::FullPath,
                    Some(Guards {
                        count: 1,
                        lifetime: None,
                    }),
                ),
            ] {
                let mut s = scenario(
                    &doc,
                    order,
                    target,
                    event,
                    guards,
                    1 + 4 * u64::from(guards.is_some()),
                );
                s.run.seed = 100 + i as u64;
                for sampler in [SamplerKind::Fast, SamplerKind::Reference] {
                    if sampler == SamplerKind::Reference {
                        s.run.trials = 20_000;
                    }
                    let outcome = simulate(&s, sampler);
                    if sampler == SamplerKind::Fast {
                        // The lanes take the circuits whose first hop gates them: looked at,
                        // and drawn by weight (not a kept guard).
                        let first = order.positions()[0];
                        let gated = event.positions(3) >> first & 1 == 1
                            && !(first == GUARD && guards.is_some());
                        let kernel = if gated { "tor-lanes" } else { "tor" };
                        assert_eq!(
                            outcome.kernel.name(),
                            kernel,
                            "{order:?} {event:?} {guards:?}"
                        );
                        used.insert(kernel);
                        for isa in pathrisk::engine::lanes::Isa::available_all() {
                            let again = engine::simulate(
                                &s,
                                &EngineConfig {
                                    threads: Some(1),
                                    sampler,
                                    isa,
                                },
                                &|_| {},
                            )
                            .unwrap();
                            assert_eq!(again.counts, outcome.counts, "{isa:?}");
                        }
                    }
                    let r = report::analyse(&s, &outcome, ALPHA);
                    for row in &r.results {
                        assert!(
                            row.metric == Metric::First || row.closed_form.is_some(),
                            "{row:?}"
                        );
                        assert_eq!(
                            row.verdict,
                            Verdict::Agree,
                            "{target:?} {order:?} {event:?} {guards:?} {sampler:?}: {row:?}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(used.len(), 2, "both tor kernels: {used:?}");
}

#[test]
fn importance_sampling_of_circuits_agrees_with_the_sums() {
    let doc = documents(relays());
    let config = EngineConfig {
        threads: Some(2),
        sampler: SamplerKind::Fast,
        ..Default::default()
    };
    let mut cases = 0;
    for (i, target) in TARGETS.iter().chain([&[][..]].iter()).enumerate() {
        for order in Order::ALL {
            for event in Event::ALL {
                let mut s = scenario(&doc, order, target, event, None, 4);
                s.run.trials = 20_000;
                s.run.seed = 200 + i as u64;
                let laws = Laws::of(&s);
                let (path, client) = (laws.path.unwrap(), laws.metric(Metric::Client).unwrap());
                let o = pathrisk::importance::simulate(&s, &config, &|_| {}).unwrap();
                for (what, sums, exact) in [("path", &o.path, path), ("client", &o.client, client)]
                {
                    let p = sums.p_value(exact);
                    assert!(
                        p > ALPHA,
                        "{target:?} {order:?} {event:?} {what}: importance {} ± {}, sums {exact}",
                        sums.estimate(),
                        sums.standard_error()
                    );
                }
                // The tilt does what it is for: rare events are hit far more often.
                if path > 0.0 && path < 0.05 {
                    assert!(o.path.hits as f64 > 5.0 * path * o.path.samples as f64);
                    cases += 1;
                }
            }
        }
    }
    assert!(cases >= 5, "{cases} rare cases");
}

/// A library caller may put a tor network under another policy (the scenario file refuses
/// it): its relays are then operators weighted by consensus weight, and every method draws
/// by that policy, not by Tor's rules.
#[test]
fn a_tor_network_under_another_policy_is_drawn_by_that_policy() {
    let doc = documents(relays());
    let mut s = scenario(&doc, Order::ExitFirst, TARGETS[2], Event::FullPath, None, 1);
    let tor = Laws::of(&s).path.unwrap();
    s.selection = Selection::Random;
    s.run.trials = 100_000;
    let random = pathrisk::analytic::path_probability(&s).value().unwrap();
    // Far apart at this size: a run by the wrong rules could not pass for the right one.
    let se = (random * (1.0 - random) / s.run.trials as f64).sqrt();
    assert!((random - tor).abs() > 10.0 * se, "{random} against {tor}");
    let o = simulate(&s, SamplerKind::Fast);
    let plain = o.counts.first_path_hits as f64 / o.counts.clients as f64;
    assert!(
        (plain - random).abs() < 5.0 * se,
        "monte carlo {plain}, random {random}"
    );
    let config = EngineConfig::default();
    let o = pathrisk::importance::simulate(&s, &config, &|_| {}).unwrap();
    assert!(
        o.path.p_value(random) > ALPHA,
        "importance {} ± {}, random {random}",
        o.path.mean(),
        o.path.standard_error()
    );
}

#[test]
fn several_primary_guards_are_drawn_but_have_no_sum() {
    let doc = documents(relays());
    let s = scenario(
        &doc,
        Order::ExitFirst,
        TARGETS[1],
        Event::Ends,
        Some(Guards {
            count: 2,
            lifetime: None,
        }),
        5,
    );
    let laws = Laws::of(&s);
    assert!(laws.metric(Metric::Client).is_none());
    let err = pathrisk::exact::compute(&s).unwrap_err().to_string();
    assert!(err.contains("one primary guard"), "{err}");
    let fast = simulate(&s, SamplerKind::Fast);
    let plain = simulate(&s, SamplerKind::Reference);
    let rate = |o: &Outcome| o.counts.client_hits as f64 / o.counts.clients as f64;
    let (a, b) = (rate(&fast), rate(&plain));
    let sd = (a * (1.0 - a) / fast.counts.clients as f64
        + b * (1.0 - b) / plain.counts.clients as f64)
        .sqrt();
    assert!((a - b).abs() < 5.0 * sd, "fast {a} reference {b}");
}

/// The 2019-12-15 snapshot, every relay.
fn snapshot(data: &std::path::Path) -> Arc<TorNetwork> {
    let dir = data.join("tor/2019-12-15T1300");
    crate::tor_snapshot(&dir)
}

#[test]
fn on_the_real_snapshot_the_draws_agree_with_the_sums() {
    let Some(data) = real_data("on_the_real_snapshot_the_draws_agree_with_the_sums") else {
        return;
    };
    let doc = snapshot(&data);
    let blocks = crate::HETZNER_BLOCKS;
    let in_blocks: Vec<&str> = doc
        .relays
        .iter()
        .filter(|r| {
            blocks.iter().any(|b| {
                let (net, prefix) = b.split_once('/').unwrap();
                let net = u32::from(net.parse::<std::net::Ipv4Addr>().unwrap());
                let mask = u32::MAX << (32 - prefix.parse::<u32>().unwrap());
                r.ipv4.is_some_and(|a| u32::from(a) & mask == net & mask)
            })
        })
        .map(|r| r.nickname.as_str())
        .collect();
    assert!(
        in_blocks.len() > 100,
        "{} relays in the blocks",
        in_blocks.len()
    );
    let _ = in_blocks;
    for order in Order::ALL {
        for (event, guards) in [
            (Event::Ends, None),
            (Event::FullPath, None),
            (
                Event::Ends,
                Some(Guards {
                    count: 1,
                    lifetime: None,
                }),
            ),
        ] {
            let text = format!(
                "[network]\ntor = {{ consensus = \"{0}/cached-microdesc-consensus.xz\", microdescriptors = [\"{0}/cached-microdescs.xz\", \"{0}/cached-microdescs.new.xz\"], max_missing_weight = 0.0 }}\n\
                 [path]\nselection = \"tor\"\norder = \"{1}\"\n[adversary]\ntarget = {{ ipv4 = [{2}] }}\nevent = \"{3}\"\n{4}[run]\ntrials = {5}\npaths = {6}\n",
                data.join("tor/2019-12-15T1300").display(),
                order.name(),
                blocks
                    .iter()
                    .map(|b| format!("\"{b}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                event.name(),
                if guards.is_some() {
                    "[guards]\ncount = 1\n"
                } else {
                    ""
                },
                if guards.is_some() { 20_000 } else { 400_000 },
                if guards.is_some() { 50 } else { 1 },
            );
            let s = Scenario::parse(&text, "real.toml", std::path::Path::new("."), "real").unwrap();
            let outcome = simulate(&s, SamplerKind::Fast);
            // The first hop gates the circuit in lanes, but for a kept guard drawn first.
            let gated = order == Order::ExitFirst || guards.is_none();
            let kernel = if gated { "tor-lanes" } else { "tor" };
            assert_eq!(
                outcome.kernel.name(),
                kernel,
                "{order:?} {event:?} {guards:?}"
            );
            let r = report::analyse(&s, &outcome, ALPHA);
            for row in &r.results {
                assert_eq!(
                    row.verdict,
                    Verdict::Agree,
                    "{order:?} {event:?} {guards:?}: {row:?}"
                );
            }
            let p = Laws::of(&s).path.unwrap();
            assert!(p > 1e-6 && p < 0.5, "{order:?} {event:?}: {p}");
        }
    }
}
