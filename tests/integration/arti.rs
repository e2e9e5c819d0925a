//! pathrisk's `tor` rules against Arti's own: Arti's `NetDir` built from the same documents,
//! and per relay and position, eligibility by `tor-relay-selection`'s `RelayUsage` and weight
//! by `NetDir::relay_weight`. Where the two agree by design the weights are equal (as ratios
//! to a common relay, to 1e-12); every difference must be one of the known ones, which the
//! test counts (docs/tor.md lists them).

use crate::real_data;
use pathrisk::model::tor::{EXIT, GUARD, MIDDLE, TorRelays, TorRules};
use std::collections::HashMap;
use std::path::Path;
use tor_checkable::{ExternallySigned, Timebound};
use tor_netdir::{MdReceiver, NetDir, PartialNetDir, WeightRole};
use tor_netdoc::AllowAnnotations;
use tor_netdoc::doc::microdesc::MicrodescReader;
use tor_netdoc::doc::netstatus::MdConsensus;
use tor_relay_selection::{LowLevelRelayPredicate, RelaySelectionConfig, RelayUsage, TargetPort};

fn netdir(dir: &Path) -> NetDir {
    let text = pathrisk::tor::read_document(&dir.join("cached-microdesc-consensus.xz")).unwrap();
    let (_, _, unchecked) = MdConsensus::parse(&text).unwrap();
    let consensus = unchecked
        .dangerously_assume_timely()
        .dangerously_assume_wellsigned();
    let mut partial = PartialNetDir::new(consensus, None);
    for file in ["cached-microdescs.xz", "cached-microdescs.new.xz"] {
        let text = pathrisk::tor::read_document(&dir.join(file)).unwrap();
        let reader = MicrodescReader::new(&text, &AllowAnnotations::AnnotationsAllowed).unwrap();
        for md in reader.flatten() {
            partial.add_microdesc(md.into_microdesc());
        }
    }
    partial
        .unwrap_if_sufficient()
        .unwrap_or_else(|_| panic!("{}: not enough for a NetDir", dir.display()))
}

/// Arti's selection settings for an exit circuit to port 443: no long-lived ports (443 is
/// not one), the default /16 and /32 subnet rules.
fn selection_config() -> RelaySelectionConfig<'static> {
    static LONG_LIVED: std::sync::LazyLock<std::collections::HashSet<u16>> =
        std::sync::LazyLock::new(Default::default);
    RelaySelectionConfig {
        long_lived_ports: &LONG_LIVED,
        subnet_config: Default::default(),
    }
}

/// Per relay of Arti's NetDir (in the order given): pathrisk's index of the same relay.
fn pathrisk_index(ours: &TorRelays, relays: &[tor_netdir::Relay<'_>]) -> Vec<usize> {
    let index: HashMap<&str, usize> = (0..ours.len())
        .map(|r| (ours.fingerprints[r].as_str(), r))
        .collect();
    relays
        .iter()
        .map(|relay| {
            let fp = relay.rsa_id().to_string();
            index[fp.trim_start_matches('$').to_ascii_uppercase().as_str()]
        })
        .collect()
}

/// Counts of one kind of difference: relays, and their share of pathrisk's weight there.
#[derive(Debug, Default)]
struct Tally {
    relays: usize,
    weight: f64,
}

#[test]
fn the_rules_agree_with_arti_selection_except_where_known() {
    let Some(data) = real_data("the_rules_agree_with_arti_selection_except_where_known") else {
        return;
    };
    let cfg = selection_config();
    for snapshot in ["2018-07-05T0500", "2019-06-06T1600", "2019-12-15T1300"] {
        let dir = data.join("tor").join(snapshot);
        let doc = crate::tor_snapshot(&dir);
        let ours = TorRelays::new(&doc, &doc.bandwidth_weights, TorRules::default()).unwrap();
        let arti = netdir(&dir);
        let index: HashMap<String, usize> = (0..ours.len())
            .map(|r| (ours.fingerprints[r].clone(), r))
            .collect();
        // An exit circuit to port 443, as Arti's path builder asks for one: its middle need
        // only support what the exit's usage needs (port 443 is not long-lived: no Stable).
        let exit = RelayUsage::exit_to_all_ports(&cfg, vec![TargetPort::ipv4(443)]);
        let usages = [
            (GUARD, RelayUsage::new_guard(), WeightRole::Guard),
            (
                MIDDLE,
                RelayUsage::middle_relay(Some(&exit)),
                WeightRole::Middle,
            ),
            (EXIT, exit.clone(), WeightRole::Exit),
        ];
        let mut tallies: std::collections::BTreeMap<String, Tally> = Default::default();
        let mut count = |kind: &str, p: usize, r: usize| {
            let t = tallies.entry(kind.to_string()).or_default();
            t.relays += 1;
            t.weight += ours.weights[p][r] / ours.weights[p].iter().sum::<f64>();
        };
        let mut seen = vec![false; ours.len()];
        let mut compared = 0;
        for (p, usage, role) in &usages {
            // A common relay both weigh alike: the heaviest measured one of a plain class.
            let mut reference = None;
            for relay in arti.relays() {
                let fp = relay
                    .rsa_id()
                    .to_string()
                    .trim_start_matches('$')
                    .to_ascii_uppercase();
                let r = index[&fp];
                seen[r] = true;
                // Eligible with a positive weight (Wgd is 0 when exits are scarce: a
                // Guard-and-Exit relay is then never a guard, in either).
                let w = arti.relay_weight(&relay, *role);
                let theirs = usage.low_level_predicate_permits_relay(&relay)
                    && w != tor_netdir::RelayWeight::from(0u64);
                let mine = ours.weights[*p][r] > 0.0;
                let details = relay.low_level_details();
                let unmeasured = !doc.relays[r].measured;
                let bad_class = doc.relays[r].flags.has(pathrisk::tor::Flag::BadExit)
                    && details.is_flagged_exit();
                if !mine && !theirs {
                    continue;
                }
                // The known differences, counted wherever they show (eligibility or weight).
                if bad_class {
                    count(
                        &format!("{p}: Guard+Exit+BadExit weighed by the raw Exit flag in Arti"),
                        *p,
                        r,
                    );
                    continue;
                }
                if unmeasured {
                    count(&format!("{p}: unmeasured, weight 0 in Arti"), *p, r);
                    continue;
                }
                match (mine, theirs) {
                    (true, true) => {
                        let Some((rw, ow)) = reference else {
                            reference = Some((w, ours.weights[*p][r]));
                            continue;
                        };
                        let ratio_arti = w.checked_div(rw).unwrap();
                        let ratio_ours = ours.weights[*p][r] / ow;
                        assert!(
                            (ratio_arti - ratio_ours).abs() <= 1e-12 * ratio_ours.max(1.0),
                            "{snapshot} position {p} relay {fp}: Arti {ratio_arti}, pathrisk {ratio_ours}"
                        );
                        compared += 1;
                    }
                    (true, false) if *p == GUARD && !details.is_dir_cache() => {
                        count("0: guard without DirCache=2, refused by Arti", *p, r);
                    }
                    _ => panic!(
                        "{snapshot} position {p} relay {fp} ({}): pathrisk eligible {mine}, Arti {theirs}, flags {:?}",
                        doc.relays[r].nickname,
                        doc.relays[r].flags.names()
                    ),
                }
            }
        }
        for (r, s) in seen.iter().enumerate() {
            if !s {
                assert!(
                    doc.relays[r].microdesc.by_fallback,
                    "{snapshot}: {} missing from Arti's NetDir",
                    ours.fingerprints[r]
                );
                count(
                    "every position: microdescriptor refused by Arti (no id ed25519)",
                    MIDDLE,
                    r,
                );
            }
        }
        assert!(
            compared > 4000,
            "{snapshot}: only {compared} weights compared"
        );
        println!("{snapshot}: {compared} weights equal; differences:");
        for (kind, t) in &tallies {
            println!(
                "  {kind}: {} relays, {:.3}% of pathrisk's weight there",
                t.relays,
                100.0 * t.weight
            );
        }
        if snapshot == "2019-12-15T1300" {
            // The four differences measured on this snapshot by summing over Arti's selectors
            // (issue 16): DirCache guards, unmeasured relays, the BadExit class, and the
            // microdescriptors Arti refuses.
            let relays = |k: &str| tallies.get(k).map_or(0, |t| t.relays);
            assert_eq!(relays("0: guard without DirCache=2, refused by Arti"), 161);
            let share = tallies["0: guard without DirCache=2, refused by Arti"].weight;
            assert!((share - 0.0522).abs() < 5e-4, "{share}");
            assert_eq!(relays("0: unmeasured, weight 0 in Arti"), 2);
            assert_eq!(
                relays("0: Guard+Exit+BadExit weighed by the raw Exit flag in Arti"),
                1
            );
            assert_eq!(
                relays("every position: microdescriptor refused by Arti (no id ed25519)"),
                34
            );
        }
    }
}

/// Where Arti's rules differ from pathrisk's (C tor's), by kind: docs/tor.md's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// (a) a guard must support DirCache=2.
    DirCache,
    /// (b) an unmeasured relay weighs 0.
    Unmeasured,
    /// (c) a Guard+Exit+BadExit relay is weighed by its raw Exit flag.
    BadExitClass,
    /// (d) a microdescriptor without `id ed25519` is refused: the relay is unusable.
    RefusedMicrodescriptor,
    /// (e) a family line's bare nicknames are ignored (only `$FINGERPRINT`s count).
    NicknameFamily,
}

/// pathrisk's relays with Arti's weights and families for the relays of the kinds in `take`
/// (every kind: Arti's rules exactly).
fn with_arti(
    ours: &TorRelays,
    arti_weights: &[Vec<f64>; 3],
    arti_families: &[Vec<u32>],
    kind: &[Option<Difference>],
    take: &[Difference],
) -> TorRelays {
    let mut out = ours.clone();
    for r in 0..ours.len() {
        if kind[r].is_some_and(|k| take.contains(&k)) {
            for p in [GUARD, MIDDLE, EXIT] {
                out.weights[p][r] = arti_weights[p][r];
            }
        }
    }
    if take.contains(&Difference::NicknameFamily) {
        out.families = arti_families.to_vec();
    }
    out
}

/// The 2019-12-15 snapshot as pathrisk and as Arti see it, for a guard-first `ends` circuit
/// whose target is the relays in Hetzner's and OVH's blocks (the hosting-provider preset).
struct UnderArti {
    scenario: pathrisk::scenario::Scenario,
    ours: TorRelays,
    arti: NetDir,
    /// Per relay: Arti's weight at each position, in pathrisk's units.
    weights: [Vec<f64>; 3],
    /// Per relay: the relays Arti's family exclusion excludes that pathrisk's family has.
    families: Vec<Vec<u32>>,
    /// Per relay: how Arti's rules differ there, if they do.
    kind: Vec<Option<Difference>>,
    /// Pairs in one family by pathrisk's rules (a nickname line) and not by Arti's.
    by_nickname: usize,
    /// Per relay of Arti's NetDir (in its order): pathrisk's index.
    at: Vec<usize>,
}

const ALL_DIFFERENCES: [Difference; 5] = [
    Difference::DirCache,
    Difference::Unmeasured,
    Difference::BadExitClass,
    Difference::RefusedMicrodescriptor,
    Difference::NicknameFamily,
];

fn exit_usage(cfg: &RelaySelectionConfig) -> RelayUsage {
    RelayUsage::exit_to_all_ports(cfg, vec![TargetPort::ipv4(443)])
}

/// What excluding one relay's family excludes in Arti
/// (`RelayExclusion::exclude_relays_in_same_family`, with its default /16 and /32 subnets),
/// over every ordered pair of Arti's relays (`at`: pathrisk's index of each): per relay, the
/// relays of pathrisk's family Arti excludes too, and the number of pairs where the two
/// differ, each of which must be a family line by nickname (difference (e)).
fn arti_families(
    ours: &TorRelays,
    relays: &[tor_netdir::Relay<'_>],
    at: &[usize],
    cfg: &RelaySelectionConfig,
    family_rules: tor_netdir::FamilyRules,
) -> (Vec<Vec<u32>>, usize) {
    use tor_relay_selection::RelayExclusion;
    let mut families: Vec<Vec<u32>> = vec![Vec::new(); ours.len()];
    let mut by_nickname = 0;
    for (a, &ra) in relays.iter().zip(at) {
        let exclusion =
            RelayExclusion::exclude_relays_in_same_family(cfg, vec![a.clone()], family_rules);
        for (b, &rb) in relays.iter().zip(at) {
            let theirs = !exclusion.low_level_predicate_permits_relay(b);
            let mine = ours.conflict(ra, rb);
            let family = ours.families[ra].binary_search(&(rb as u32)).is_ok();
            if theirs && family {
                families[ra].push(rb as u32);
            }
            if theirs != mine {
                assert!(
                    mine && family,
                    "{} and {}: pathrisk conflict {mine}, Arti {theirs}",
                    ours.nicknames[ra],
                    ours.nicknames[rb]
                );
                by_nickname += 1;
            }
        }
    }
    families.iter_mut().for_each(|f| f.sort_unstable());
    (families, by_nickname)
}

#[test]
fn arti_excludes_the_family_and_subnet_pairs_pathrisk_does_on_the_older_snapshots() {
    let Some(data) = real_data("arti_excludes_the_family_and_subnet_pairs_pathrisk_does") else {
        return;
    };
    let cfg = selection_config();
    // 2019-12-15 is checked with the rest of Arti's rules below.
    // Ordered pairs in one family by a nickname line only (difference (e)), as docs/tor.md
    // lists them.
    for (snapshot, nickname_pairs) in [("2018-07-05T0500", 0), ("2019-06-06T1600", 2)] {
        let dir = data.join("tor").join(snapshot);
        let doc = crate::tor_snapshot(&dir);
        let ours = TorRelays::new(&doc, &doc.bandwidth_weights, TorRules::default()).unwrap();
        let arti = netdir(&dir);
        let relays: Vec<tor_netdir::Relay<'_>> = arti.relays().collect();
        let at = pathrisk_index(&ours, &relays);
        let rules = tor_netdir::FamilyRules::from(arti.params());
        let (_, by_nickname) = arti_families(&ours, &relays, &at, &cfg, rules);
        println!(
            "{snapshot}: {} relays, {} ordered pairs; pairs in one family by nickname only: \
             {by_nickname}",
            relays.len(),
            relays.len() * relays.len()
        );
        assert_eq!(by_nickname, nickname_pairs, "{snapshot}");
    }
}

fn under_arti(data: &Path) -> UnderArti {
    let dir = data.join("tor/2019-12-15T1300");
    let mut scenario = pathrisk::scenario::Scenario::load(
        &crate::root().join("scenarios/presets/tor-hosting-providers-2019.toml"),
    )
    .unwrap();
    // Arti's order: the guard first.
    let mut ours = scenario.tor.as_deref().unwrap().clone();
    ours.rules.order = pathrisk::model::tor::Order::GuardFirst;
    scenario.tor = Some(std::sync::Arc::new(ours.clone()));
    let doc = crate::tor_snapshot(&dir);
    assert_eq!(doc.relays.len(), ours.len());
    let arti = netdir(&dir);
    let n = ours.len();
    let cfg = selection_config();
    let family_rules = tor_netdir::FamilyRules::from(arti.params());
    let exit = exit_usage(&cfg);
    let usages = [
        (GUARD, RelayUsage::new_guard(), WeightRole::Guard),
        (
            MIDDLE,
            RelayUsage::middle_relay(Some(&exit)),
            WeightRole::Middle,
        ),
        (EXIT, exit.clone(), WeightRole::Exit),
    ];
    let (weights, families, by_nickname, at) = {
        let relays: Vec<tor_netdir::Relay<'_>> = arti.relays().collect();
        let at = pathrisk_index(&ours, &relays);
        // Arti's weight of each relay at each position (0 where its usage refuses the relay
        // or the relay is not in its NetDir), scaled to pathrisk's units by the heaviest relay
        // both weigh (both are consensus weight × the same bandwidth-weight).
        let one = tor_netdir::RelayWeight::from(1u64);
        let mut weights: [Vec<f64>; 3] = std::array::from_fn(|_| vec![0.0; n]);
        for (p, usage, role) in &usages {
            for (relay, &r) in relays.iter().zip(&at) {
                if usage.low_level_predicate_permits_relay(relay) {
                    weights[*p][r] = arti.relay_weight(relay, *role).checked_div(one).unwrap();
                }
            }
            let common = (0..n)
                .filter(|&r| weights[*p][r] > 0.0 && ours.weights[*p][r] > 0.0)
                .max_by(|&a, &b| ours.weights[*p][a].total_cmp(&ours.weights[*p][b]))
                .unwrap();
            let scale = ours.weights[*p][common] / weights[*p][common];
            weights[*p].iter_mut().for_each(|w| *w *= scale);
        }
        let (families, by_nickname) = arti_families(&ours, &relays, &at, &cfg, family_rules);
        (weights, families, by_nickname, at)
    };
    let in_netdir: std::collections::HashSet<usize> = at.iter().copied().collect();
    let kind: Vec<Option<Difference>> = (0..n)
        .map(|r| {
            let relay = &doc.relays[r];
            let differs = (0..3).any(|p| {
                (weights[p][r] - ours.weights[p][r]).abs() > 1e-9 * ours.weights[p][r].max(1.0)
            });
            if !in_netdir.contains(&r) {
                Some(Difference::RefusedMicrodescriptor)
            } else if !differs {
                None
            } else if relay.flags.has(pathrisk::tor::Flag::BadExit) {
                Some(Difference::BadExitClass)
            } else if !relay.measured {
                Some(Difference::Unmeasured)
            } else {
                // Nothing else may differ: a guard Arti refuses for want of DirCache=2.
                assert!(
                    weights[GUARD][r] == 0.0
                        && ours.weights[GUARD][r] > 0.0
                        && (0..3).all(|p| p == GUARD || weights[p][r] == ours.weights[p][r]),
                    "{}: a difference of no known kind",
                    ours.nicknames[r]
                );
                Some(Difference::DirCache)
            }
        })
        .collect();
    UnderArti {
        scenario,
        ours,
        arti,
        weights,
        families,
        kind,
        by_nickname,
        at,
    }
}

impl UnderArti {
    /// pathrisk's relays with Arti's weights and families for the kinds in `take`.
    fn taking(&self, take: &[Difference]) -> TorRelays {
        with_arti(&self.ours, &self.weights, &self.families, &self.kind, take)
    }

    /// The exact guard-first `ends` probability on `relays`.
    fn exact(&self, relays: TorRelays) -> f64 {
        let mut s = self.scenario.clone();
        s.tor = Some(std::sync::Arc::new(relays));
        pathrisk::analytic::Laws::of(&s).path.unwrap()
    }

    /// Per relay of Arti's NetDir (in its order): whether it is the target's.
    fn in_target(&self) -> Vec<bool> {
        let pathrisk::adversary::Target::Entity(e) = self.scenario.adversary.target else {
            unreachable!("an ipv4 target is one entity")
        };
        self.at
            .iter()
            .map(|&r| self.scenario.network.operators[r].entity == e)
            .collect()
    }
}

#[test]
fn arti_s_rules_differ_in_known_ways_each_moving_ends_by_a_measured_amount() {
    let Some(data) =
        real_data("arti_s_rules_differ_in_known_ways_each_moving_ends_by_a_measured_amount")
    else {
        return;
    };
    let u = under_arti(&data);
    // Taking every difference gives Arti's weights exactly.
    let arti_rules = u.taking(&ALL_DIFFERENCES);
    for p in [GUARD, MIDDLE, EXIT] {
        for r in 0..u.ours.len() {
            let w = u.weights[p][r];
            assert!((arti_rules.weights[p][r] - w).abs() <= 1e-9 * w.max(1.0));
        }
    }
    let p_ours = u.exact(u.ours.clone());
    let p_arti = u.exact(arti_rules);
    println!(
        "guard-first ends, Hetzner's and OVH's blocks, 2019-12-15: pathrisk (C tor's rules) \
         {p_ours:.6}, under Arti's rules {p_arti:.6}"
    );
    let mut moved = std::collections::BTreeMap::new();
    for d in ALL_DIFFERENCES {
        let relays = u.kind.iter().filter(|k| **k == Some(d)).count();
        let p = u.exact(u.taking(&[d]));
        let change = p / p_ours - 1.0;
        println!(
            "  only {d:?} ({relays} relays): {p:.6} ({:+.2}%)",
            100.0 * change
        );
        moved.insert(d, change);
    }
    println!(
        "  pairs in one family by nickname only: {} (of {} relays in Arti's NetDir)",
        u.by_nickname,
        u.at.len()
    );
    assert_eq!(u.by_nickname, 0);
    // The share of guard weight (a) removes, inside the target and overall.
    let member = u.in_target();
    let wg = &u.ours.weights[GUARD];
    let share = |inside: bool| {
        let pick =
            |r: usize| !inside || u.at.iter().position(|&x| x == r).is_some_and(|i| member[i]);
        let all: f64 = (0..wg.len()).filter(|&r| pick(r)).map(|r| wg[r]).sum();
        let refused: f64 = (0..wg.len())
            .filter(|&r| pick(r) && u.kind[r] == Some(Difference::DirCache))
            .map(|r| wg[r])
            .sum();
        refused / all
    };
    println!(
        "  guard weight without DirCache=2: {:.2}% overall, {:.2}% inside the target",
        100.0 * share(false),
        100.0 * share(true)
    );
    // The relays each kind touches on this snapshot (the other test counts them by position).
    let count = |d| u.kind.iter().filter(|k| **k == Some(d)).count();
    assert_eq!(count(Difference::DirCache), 161);
    assert_eq!(count(Difference::RefusedMicrodescriptor), 34);
    assert_eq!(count(Difference::BadExitClass), 1);
    // Arti's refusal of the guards without DirCache=2 moves the probability most.
    let dircache = moved[&Difference::DirCache].abs();
    assert!(moved.values().all(|m| m.abs() <= dircache), "{moved:?}");
    assert!(dircache > 0.005, "{moved:?}");
}

/// Arti's own selectors, seeded: 10^5 guard-first circuits (a guard by guard weight, then an
/// exit whose family and subnets differ from the guard's; `ends` needs no middle) against
/// the sums under Arti's rules. About 2 minutes on 2 cores (Arti scans every relay per
/// draw): `.ci/run` runs it.
#[test]
#[ignore = "about 2 minutes; .ci/run runs it"]
fn arti_s_own_selectors_agree_with_the_sums_under_arti_s_rules() {
    use rand::SeedableRng;
    use tor_relay_selection::{RelayExclusion, RelaySelector};
    let Some(data) = real_data("arti_s_own_selectors_agree_with_the_sums_under_arti_s_rules")
    else {
        return;
    };
    let u = under_arti(&data);
    let p_arti = u.exact(u.taking(&ALL_DIFFERENCES));
    let in_target = u.in_target();
    let arti = &u.arti;
    let position: HashMap<String, usize> = arti
        .relays()
        .enumerate()
        .map(|(i, r)| (r.rsa_id().to_string(), i))
        .collect();
    let cfg = selection_config();
    let family_rules = tor_netdir::FamilyRules::from(arti.params());
    let exit = exit_usage(&cfg);
    let guard_selector = RelaySelector::new(
        RelayUsage::new_guard(),
        RelayExclusion::no_relays_excluded(),
    );
    let paths = 100_000u64;
    let hits: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2u64)
            .map(|w| {
                let (position, in_target) = (&position, &in_target);
                let (guard_selector, cfg, exit) = (&guard_selector, &cfg, &exit);
                scope.spawn(move || {
                    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(16 + w);
                    let mut hits = 0u64;
                    for _ in 0..paths / 2 {
                        let guard = guard_selector.select_relay(&mut rng, arti).0.unwrap();
                        let g = position[&guard.rsa_id().to_string()];
                        let exclusion = RelayExclusion::exclude_relays_in_same_family(
                            cfg,
                            vec![guard],
                            family_rules,
                        );
                        let exit = RelaySelector::new(exit.clone(), exclusion)
                            .select_relay(&mut rng, arti)
                            .0
                            .unwrap();
                        let e = position[&exit.rsa_id().to_string()];
                        hits += u64::from(in_target[g] && in_target[e]);
                    }
                    hits
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let rate = hits as f64 / paths as f64;
    let sd = (p_arti * (1.0 - p_arti) / paths as f64).sqrt();
    println!(
        "Arti's selectors, {paths} paths: {rate:.6}; the sums under Arti's rules {p_arti:.6} (sd {sd:.6})"
    );
    // 4 sd: a false alarm once in 16 000 runs.
    assert!(
        (rate - p_arti).abs() < 4.0 * sd,
        "Arti {rate}, sums {p_arti}, sd {sd}"
    );
}
