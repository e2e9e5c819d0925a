//! Clients through a series of consensuses: a series of one consensus is the static network;
//! on a hand-made series a guard that loses its Guard flag is replaced and comes back, and the
//! client law is the hand computation; without guards the simulation agrees with the
//! piecewise exact law; on the real 2016–17 series, thread counts do not change a byte, and
//! the bad inputs are refused.

use crate::{pathrisk, real_data};
use pathrisk::adversary::{Adversary, Event, PathTest, Target};
use pathrisk::analytic::Laws;
use pathrisk::engine::{self, EngineConfig, Outcome};
use pathrisk::model::series::{DAY, TorSeries};
use pathrisk::model::tor::{Order, TorRelays, TorRules};
use pathrisk::scenario::{Guards, RunSettings, Scenario};
use pathrisk::select::{SamplerKind, Selection};
use pathrisk::stats::binomial_p_value;
use pathrisk::tor::{Flag, Flags, Microdesc, Relay, TorNetwork};
use std::collections::BTreeMap;
use std::sync::Arc;
use tor_netdoc::types::policy::PortPolicy;

const GUARD: &[Flag] = &[
    Flag::Running,
    Flag::Valid,
    Flag::Fast,
    Flag::Guard,
    Flag::Stable,
    Flag::V2Dir,
];
const EXIT: &[Flag] = &[Flag::Running, Flag::Valid, Flag::Fast, Flag::Exit];
const MIDDLE: &[Flag] = &[Flag::Running, Flag::Valid, Flag::Fast];

fn relay(nickname: &str, weight: u32, flags: &[Flag], ip: u8, accept: &str) -> Relay {
    Relay {
        fingerprint: format!(
            "{:0>40X}",
            nickname.bytes().fold(7u64, |h, b| h * 131 + u64::from(b))
        ),
        nickname: nickname.into(),
        ipv4: Some([10, ip, 0, 1].into()),
        ipv6: None,
        weight,
        measured: true,
        flags: flags.iter().fold(Flags::default(), |f, &x| f.with(x)),
        microdesc: Microdesc {
            family: Vec::new(),
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

const T0: u64 = 1_483_228_800;

/// A consensus at `valid_after` in which g1 has the Guard flag or not.
fn consensus(valid_after: u64, g1_guard: bool) -> TorNetwork {
    let relays = vec![
        relay("g1", 60, if g1_guard { GUARD } else { MIDDLE }, 1, ""),
        relay("g2", 40, GUARD, 2, ""),
        relay("e1", 30, EXIT, 3, "443"),
        relay("e2", 70, EXIT, 4, "443"),
        relay("m1", 50, MIDDLE, 5, ""),
    ];
    let weights: BTreeMap<String, i32> = [
        ("Wgg", 10000),
        ("Wgd", 0),
        ("Wmg", 0),
        ("Wmm", 10000),
        ("Wme", 0),
        ("Wmd", 0),
        ("Wee", 10000),
        ("Wed", 10000),
        ("Weg", 0),
        ("Wem", 0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    TorNetwork {
        valid_after,
        listed: relays.len(),
        totals: pathrisk::tor::weights::Totals::of(relays.iter().map(|r| (r.weight, r.flags))),
        relays,
        bandwidth_weights: weights,
        params: BTreeMap::new(),
        missing_weight_share: 0.0,
        by_fallback: 0,
        without_ntor: 0,
        added: 0,
    }
}

/// A scenario on the series of `docs` whose target is g2 and e1, event `ends`.
fn scenario(docs: &[TorNetwork], guards: Option<Guards>, paths: u64, per_day: f64) -> Scenario {
    let rules = TorRules {
        exit_port: 443,
        order: Order::ExitFirst,
    };
    let event = Event::Ends;
    let mut steps = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let relays = Arc::new(TorRelays::new(doc, &doc.bandwidth_weights, rules).unwrap());
        let mut network = pathrisk::model::tor::network_of(doc).unwrap();
        let fps: Vec<String> = ["g2", "e1"]
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
        network.assign_entity("target", &fps).unwrap();
        let adversary = Adversary {
            target: Target::Entity(network.entity_index("target").unwrap()),
            event,
        };
        let labels = PathTest::new(&network, &adversary, 3).labels(&network);
        steps.push((format!("c{i}"), relays, network, Some(adversary), labels));
    }
    let series = TorSeries::new(steps, docs[0].valid_after);
    let first = &series.steps[0];
    Scenario {
        name: "series-test".into(),
        description: String::new(),
        source: "series-test".into(),
        network: first.network.clone(),
        hops: 3,
        selection: Selection::Tor,
        adversary: first.adversary.clone().unwrap(),
        guards,
        rules: Default::default(),
        run: RunSettings {
            paths,
            trials: 100_000,
            seed: 11,
        },
        paths_per_day: Some(per_day),
        horizons: Vec::new(),
        tor: Some(Arc::clone(&first.relays)),
        series: Some(Arc::new(series)),
        documents: None,
    }
}

fn simulate(s: &Scenario, sampler: SamplerKind, threads: usize) -> Outcome {
    engine::simulate(
        s,
        &EngineConfig {
            threads: Some(threads),
            sampler,
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap()
}

/// Family-wise error of the assertions below near 1e-3.
const ALPHA: f64 = 1e-4;

fn agrees(what: &str, hits: u64, n: u64, p: f64) {
    let pv = binomial_p_value(hits, n, p);
    println!(
        "{what}: {hits}/{n} = {:.5} against {p:.5}: p-value {pv:.3}",
        hits as f64 / n as f64
    );
    assert!(pv > ALPHA, "{what}: {hits}/{n} against {p}: p-value {pv}");
}

/// Consensus A: g1 (60) and g2 (40) are the guards; B, a day later: g1 has lost its Guard
/// flag; C, another day later: g1 has it again. One primary guard, 10 circuits a day for 3
/// days. Each circuit takes exit e1 with x = 0.3 (30 of 100), and is compromised when its
/// guard is g2. A client samples both guards, g2 first with β = 0.4.
/// - g2 first: g2 is its primary guard throughout: every circuit hits with x.
/// - g1 first: no hit in A; in B g1 is unlisted and g2 (the next sampled) replaces it, and
///   is confirmed by use; in C g1 is listed again and, confirmed and first in sampled order,
///   is the primary guard again (`entry_guards_update_primary`): no hit.
///
/// So P(first ≤ k) = β(1 − (1−x)^k) + (1 − β)(1 − (1−x)^(min(k,20) − 10)) for k > 10.
#[test]
fn a_guard_that_loses_its_guard_flag_is_replaced_and_returns_as_the_hand_computation_says() {
    let docs = [
        consensus(T0, true),
        consensus(T0 + DAY, false),
        consensus(T0 + 2 * DAY, true),
    ];
    let guards = Some(Guards {
        count: 1,
        lifetime: None,
    });
    let s = scenario(&docs, guards, 30, 10.0);
    let (beta, x) = (0.4f64, 0.3f64);
    let cdf = |k: i32| {
        let own = beta * (1.0 - (1.0 - x).powi(k));
        let replaced = if k > 10 {
            (1.0 - beta) * (1.0 - (1.0 - x).powi(k.min(20) - 10))
        } else {
            0.0
        };
        own + replaced
    };
    for sampler in [SamplerKind::Fast, SamplerKind::Reference] {
        let out = simulate(&s, sampler, 2);
        let c = &out.counts;
        assert_eq!(c.clients, 100_000);
        for k in [1, 10, 11, 15, 20, 30] {
            agrees(
                &format!("{sampler:?}: first ≤ {k}"),
                c.first_at_most(k as u64),
                c.clients,
                cdf(k),
            );
        }
        // In B every client's primary guard is g2, the target's.
        assert_eq!(c.guard_hits, c.clients, "{sampler:?}");
        // Had g2 stayed primary in C, P(first ≤ 30) would be this much larger: the test can
        // tell the two apart.
        let stayed = (1.0 - beta) * ((1.0 - x).powi(10) - (1.0 - x).powi(20));
        assert!(binomial_p_value(c.first_at_most(30), c.clients, cdf(30) + stayed) < 1e-9);
    }
}

/// Without guards a client's circuits are independent: the piecewise law of the per-consensus
/// sums (here: g1's weight moves between guards and middles) is what the simulation counts.
#[test]
fn without_guards_the_series_agrees_with_its_piecewise_exact_law() {
    let docs = [
        consensus(T0, true),
        consensus(T0 + DAY, false),
        consensus(T0 + 2 * DAY, true),
    ];
    // 7 paths a day: consensus B takes paths 7..13, C from 14 on.
    let s = scenario(&docs, None, 25, 7.0);
    let laws = Laws::of(&s);
    let law = laws.client.clone().expect("a law without guards");
    // A and C: guard g2 with 0.4, so p = 0.4 · 0.3; B: g2 is the only guard, p = 0.3.
    let path = (18.0 * 0.12 + 7.0 * 0.3) / 25.0;
    assert!((laws.path.unwrap() - path).abs() < 1e-12, "{:?}", laws.path);
    let none = (0.88f64).powi(18) * 0.7f64.powi(7);
    assert!((law.cdf(25) - (1.0 - none)).abs() < 1e-12);
    let out = simulate(&s, SamplerKind::Fast, 2);
    let c = &out.counts;
    agrees("path", c.path_hits, c.paths_drawn, path);
    for k in [1, 7, 8, 14, 20, 25] {
        agrees(
            &format!("first ≤ {k}"),
            c.first_at_most(k),
            c.clients,
            law.cdf(k),
        );
    }
}

/// A series of one consensus has one path probability, so its client law is that of
/// independent paths; when a check puts in a wrong path probability on purpose, the client law
/// must follow the probability put in, not the sums', or the check could not catch it.
#[test]
fn a_series_of_one_consensus_takes_the_client_law_from_the_path_probability_in_use() {
    let s = scenario(&[consensus(T0, true)], None, 25, 7.0);
    let laws = Laws::of(&s);
    // g2 is chosen as guard with 0.4, e1 as exit with 0.3.
    assert!((laws.path.unwrap() - 0.12).abs() < 1e-12, "{:?}", laws.path);
    assert_eq!(
        laws.client,
        Some(pathrisk::analytic::client::ClientLaw::Independent {
            p: laws.path.unwrap()
        })
    );
    let wrong = Laws::given(&s, Some(0.5));
    assert_eq!(wrong.path, Some(0.5));
    assert_eq!(
        wrong.client,
        Some(pathrisk::analytic::client::ClientLaw::Independent { p: 0.5 })
    );
    let client = wrong.metric(pathrisk::metric::Metric::Client).unwrap();
    assert!((client - (1.0 - 0.5f64.powi(25))).abs() < 1e-15, "{client}");
}

/// A series and its data: the 2016–17 series' first `n` consensuses.
fn series_toml(data: &std::path::Path, n: usize, extra: &str) -> String {
    let dir = data.join("tor/series-2016-12_2017-03");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("consensus_"))
        .collect();
    files.sort();
    let list: Vec<String> = files[..n]
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    format!(
        "name = \"series\"\n[network]\ntor_series = {{ consensuses = [{}], microdescriptors = [{:?}] }}\n{extra}",
        list.join(", "),
        dir.join("microdescs-referenced.xz").display().to_string()
    )
}

const RULES: &str = "[path]\nselection = \"tor\"\n[adversary]\ntarget = { ipv4 = [\"5.9.0.0/16\", \"136.243.0.0/16\", \"144.76.0.0/16\", \"88.198.0.0/16\", \"78.46.0.0/15\"] }\nevent = \"ends\"\n";

fn run(dir: &std::path::Path, name: &str, text: &str, args: &[&str]) -> String {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let out = pathrisk()
        .arg("run")
        .arg(&file)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// On a shape the static network draws path by path (`entry` with the exit drawn first: the
/// exit cannot gate the circuit), a series of one consensus is that network's `tor` kernel,
/// byte for byte. On the shapes `tor-lanes` takes (`ends`) the static network's first hops
/// come from the lanes, so the two draw differently: each agrees with the exact law.
#[test]
fn a_series_of_one_consensus_gives_the_static_network_s_result_byte_for_byte() {
    let Some(data) = real_data("a_series_of_one_consensus_gives_the_static_result") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let run_keys = "[run]\ntrials = 2000\npaths = 200\npaths_per_day = 48\n";
    let entry = RULES.replace("event = \"ends\"", "event = \"entry\"");
    assert_ne!(entry, RULES);
    let dir = data.join("tor/series-2016-12_2017-03");
    let static_toml = |rules: &str| {
        format!(
            "name = \"series\"\n[network]\ntor = {{ consensus = {:?}, microdescriptors = [{:?}] }}\n{rules}{run_keys}",
            dir.join("cached-microdesc-consensus_2016-12-10T21.xz")
                .display()
                .to_string(),
            dir.join("microdescs-referenced.xz").display().to_string()
        )
    };
    for rules in [RULES, entry.as_str()] {
        let series = series_toml(&data, 1, &format!("{rules}{run_keys}"));
        let a = run(tmp.path(), "series.toml", &series, &["--format", "json"]);
        let b = run(
            tmp.path(),
            "static.toml",
            &static_toml(rules),
            &["--format", "json"],
        );
        for out in [&a, &b] {
            let v: serde_json::Value = serde_json::from_str(out).unwrap();
            let results = v["results"].as_array().unwrap();
            assert!(results.len() >= 2, "{out}");
            for r in results {
                assert_eq!(r["verdict"], "agree", "{rules}: {r}");
            }
        }
    }
    let rules = entry.as_str();
    let series = series_toml(&data, 1, &format!("{rules}{run_keys}"));
    let one = static_toml(rules);
    for format in ["csv", "json"] {
        let a = run(tmp.path(), "series.toml", &series, &["--format", format]);
        let b = run(tmp.path(), "static.toml", &one, &["--format", format]);
        let mask = |s: &str| {
            s.lines()
                .filter(|l| {
                    !l.contains("elapsed")
                        && !l.contains("source")
                        && !l.contains("paths_per_second")
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(mask(&a), mask(&b), "{format}");
        assert!(a.contains("path"), "{a}");
    }
}

#[test]
fn a_series_gives_the_same_bytes_on_one_thread_and_on_two() {
    let Some(data) = real_data("a_series_gives_the_same_bytes_on_one_thread_and_on_two") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let text = series_toml(
        &data,
        4,
        &format!(
            "add_adversary = {{ share = 0.01, guard_exit = [5, 1], from = \"2016-12-17\" }}\n{}[guards]\ncount = 3\n[run]\ntrials = 3000\npaths = 960\npaths_per_day = 48\n",
            RULES.replace("target = { ipv4", "target = { entity = \"adversary\" }\n#")
        ),
    );
    let one = run(
        tmp.path(),
        "s.toml",
        &text,
        &["--threads", "1", "--format", "csv"],
    );
    let two = run(
        tmp.path(),
        "s.toml",
        &text,
        &["--threads", "2", "--format", "csv"],
    );
    assert_eq!(one, two);
    assert!(one.contains("guard"), "{one}");
}

#[test]
fn a_series_refuses_what_it_cannot_take_naming_the_key() {
    let Some(data) = real_data("a_series_refuses_what_it_cannot_take") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (series_toml(&data, 2, RULES), "paths_per_day"),
        (
            series_toml(&data, 2, "[run]\npaths_per_day = 48\n"),
            "selection = \\\"tor\\\"",
        ),
        (
            series_toml(
                &data,
                2,
                &format!("{RULES}[run]\npaths_per_day = 48\nstart = \"2016-11-01\"\n"),
            ),
            "run.start",
        ),
        (
            series_toml(
                &data,
                2,
                &format!("{RULES}[guards]\ncount = 1\nlifetime = 10\n[run]\npaths_per_day = 48\n"),
            ),
            "guards.lifetime",
        ),
        (
            series_toml(
                &data,
                2,
                &format!(
                    "add_adversary = {{ share = 0.01, guard_exit = [5, 1], from = \"2018-01-01\" }}\n{RULES}[run]\npaths_per_day = 48\n"
                ),
            ),
            "network.add_adversary.from",
        ),
    ];
    for (i, (text, fragment)) in cases.iter().enumerate() {
        let file = tmp.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = pathrisk().arg("run").arg(&file).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{i}: {err}");
        assert!(
            err.contains(fragment.trim_matches('\\'))
                || err.contains(&fragment.replace("\\\"", "\"")),
            "{i}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    // Two consensuses of the same time: the second file is named.
    let dir = data.join("tor/series-2016-12_2017-03");
    let copy = tmp.path().join("copy-consensus.xz");
    std::fs::copy(
        dir.join("cached-microdesc-consensus_2016-12-10T21.xz"),
        &copy,
    )
    .unwrap();
    let text = format!(
        "[network]\ntor_series = {{ consensuses = [{:?}, {:?}], microdescriptors = [{:?}] }}\n{RULES}[run]\npaths_per_day = 48\n",
        dir.join("cached-microdesc-consensus_2016-12-10T21.xz")
            .display()
            .to_string(),
        copy.display().to_string(),
        dir.join("microdescs-referenced.xz").display().to_string()
    );
    let file = tmp.path().join("twice.toml");
    std::fs::write(&file, text).unwrap();
    let out = pathrisk().arg("run").arg(&file).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("distinct times") && err.contains("consensus"),
        "{err}"
    );
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn sweep_over_consensus_gives_each_consensus_its_own_exact_value() {
    let Some(data) = real_data("sweep_over_consensus_gives_each_consensus_its_own_exact_value")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let text = series_toml(
        &data,
        3,
        &format!("{RULES}[run]\ntrials = 4000\npaths = 100\npaths_per_day = 48\n"),
    );
    let file = tmp.path().join("series.toml");
    std::fs::write(&file, &text).unwrap();
    let sweep = |extra: &[&str]| {
        let out = pathrisk()
            .args([
                "sweep",
                file.to_str().unwrap(),
                "--over",
                "consensus",
                "--quiet",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        csv_rows(&String::from_utf8(out.stdout).unwrap())
    };
    let exact = sweep(&["--method", "exact"]);
    let simulated = sweep(&[]);
    let dir = data.join("tor/series-2016-12_2017-03");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("consensus_"))
        .collect();
    files.sort();
    let paths: Vec<&BTreeMap<String, String>> =
        exact.iter().filter(|r| r["metric"] == "path").collect();
    assert_eq!(paths.len(), 3);
    for (c, row) in paths.iter().enumerate() {
        // The consensus on its own, as a static network, computed exactly.
        let one = format!(
            "[network]\ntor = {{ consensus = {:?}, microdescriptors = [{:?}] }}\n{RULES}[run]\npaths = 100\n",
            files[c].display().to_string(),
            dir.join("microdescs-referenced.xz").display().to_string()
        );
        let f = tmp.path().join(format!("one{c}.toml"));
        std::fs::write(&f, one).unwrap();
        let out = pathrisk()
            .args([
                "run",
                f.to_str().unwrap(),
                "--method",
                "exact",
                "--format",
                "csv",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let own = csv_rows(&String::from_utf8(out.stdout).unwrap());
        let own_path = own.iter().find(|r| r["metric"] == "path").unwrap();
        assert_eq!(row["estimate"], own_path["estimate"], "consensus {c}");
        let p: f64 = row["estimate"].parse().unwrap();
        assert!(p > 1e-5 && p < 1e-2, "{p}");
        assert!(row["valid_after"].starts_with("2016-12-"), "{row:?}");
        // The simulated row of the same consensus: its closed form is that value, and agrees.
        let sim = simulated
            .iter()
            .find(|r| r["metric"] == "path" && r["valid_after"] == row["valid_after"])
            .unwrap();
        assert_eq!(sim["closed_form"], row["estimate"]);
        assert_eq!(sim["verdict"], "agree", "{sim:?}");
        println!(
            "{}: exact {} simulated {}",
            row["valid_after"], row["estimate"], sim["estimate"]
        );
    }
    // The valid-after times differ and are in order.
    assert!(paths[0]["valid_after"] < paths[1]["valid_after"]);
    assert!(paths[1]["valid_after"] < paths[2]["valid_after"]);
}

#[test]
fn three_shards_of_a_series_merge_to_the_unsharded_result() {
    let Some(data) = real_data("three_shards_of_a_series_merge_to_the_unsharded_result") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let text = series_toml(
        &data,
        3,
        &format!(
            "add_adversary = {{ share = 0.02, guard_exit = [5, 1], from = \"2016-12-16\" }}\n{}[guards]\ncount = 1\n[run]\ntrials = 3000\npaths = 480\npaths_per_day = 48\n",
            RULES.replace("target = { ipv4", "target = { entity = \"adversary\" }\n#")
        ),
    );
    let file = tmp.path().join("series.toml");
    std::fs::write(&file, &text).unwrap();
    let f = file.to_str().unwrap();
    let whole = tmp.path().join("whole.json");
    let ok = |args: &[&str]| {
        let out = pathrisk().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&["run", f, "--quiet", "--output", whole.to_str().unwrap()]);
    let mut parts = Vec::new();
    for i in 0..3 {
        let part = tmp.path().join(format!("part{i}.json"));
        ok(&[
            "run",
            f,
            "--quiet",
            "--shard",
            &format!("{i}/3"),
            "--output",
            part.to_str().unwrap(),
        ]);
        parts.push(part.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged.json");
    let mut args = vec!["merge".to_string()];
    args.extend(parts);
    args.extend(["--output".into(), merged.to_str().unwrap().into()]);
    let out = pathrisk().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |p: &std::path::Path| {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("elapsed_seconds");
        v
    };
    let (w, m) = (read(&whole), read(&merged));
    assert_eq!(w, m);
    assert!(w.to_string().contains("guard"), "{w}");
}

/// `[run] horizons`: per day, the share of clients compromised by then, its interval and the
/// closed form (here independent paths: 1 − (1 − p)^k at k = days × paths per day).
#[test]
fn horizons_give_the_clients_compromised_by_each_day() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("h.toml");
    std::fs::write(
        &file,
        "[network]\nadversary = { share = 0.1, others = 9 }\n[adversary]\ntarget = { entity = \"adversary\" }\nevent = \"ends\"\n[run]\ntrials = 20000\npaths = 300\npaths_per_day = 10\nhorizons = [1, 7.5, 30]\n",
    )
    .unwrap();
    let out = pathrisk()
        .arg("run")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["horizons"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for (row, k) in rows.iter().zip([10u64, 75, 300]) {
        assert_eq!(row["paths"].as_u64(), Some(k));
        let closed = 1.0 - (1.0f64 - 0.01).powi(k as i32);
        assert!((row["closed_form"].as_f64().unwrap() - closed).abs() < 1e-12);
        let (lo, hi) = (
            row["ci95"][0].as_f64().unwrap(),
            row["ci95"][1].as_f64().unwrap(),
        );
        assert!(lo <= closed && closed <= hi, "{row}");
    }
    let table = pathrisk().arg("run").arg(&file).output().unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("compromised by day") && text.contains("7.5"),
        "{text}"
    );
    // Beyond the run, or without paths per day: refused naming the key.
    let bad = tmp.path().join("bad.toml");
    for (text, fragment) in [
        (
            "[network]\nuniform = { operators = 5 }\n[run]\npaths = 10\npaths_per_day = 1\nhorizons = [11]\n",
            "run.horizons",
        ),
        (
            "[network]\nuniform = { operators = 5 }\n[run]\npaths = 10\nhorizons = [1]\n",
            "paths_per_day",
        ),
    ] {
        std::fs::write(&bad, text).unwrap();
        let out = pathrisk().arg("run").arg(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(fragment));
    }
}
