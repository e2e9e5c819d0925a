//! Scenarios on real Tor networks through the command line: a run agrees with its exact sums,
//! an adversary joins with the bandwidth-weights recomputed, `pathrisk network` lists what the
//! network is, and bad input exits 2 naming the file and the key.

use crate::{pathrisk, real_data, write};
use pathrisk::analytic::Laws;
use pathrisk::model::tor::{EXIT, GUARD};
use pathrisk::scenario::Scenario;
use pathrisk::tor::weights;
use std::path::Path;

const SNAPSHOT: &str = "tor/2019-12-15T1300";

/// The `[network] tor = …` line of the 2019-12-15 snapshot under `data`.
fn network_line(data: &Path) -> String {
    let dir = data.join(SNAPSHOT);
    format!(
        "tor = {{ consensus = \"{0}/cached-microdesc-consensus.xz\", microdescriptors = \
         [\"{0}/cached-microdescs.xz\", \"{0}/cached-microdescs.new.xz\"] }}",
        dir.display()
    )
}

fn scenario_text(data: &Path, extra_network: &str, target: &str, rest: &str) -> String {
    format!(
        "name = \"tor-test\"\n[network]\n{}\n{extra_network}\n[path]\nselection = \"tor\"\n\
         [adversary]\ntarget = {target}\nevent = \"ends\"\n{rest}",
        network_line(data)
    )
}

const ADVERSARY: &str = "add_adversary = { relays = [ { count = 10, weight = 50000, flags = \
    [\"Guard\", \"Stable\", \"V2Dir\"] }, { count = 2, weight = 50000, flags = [\"Exit\"] } ] }";

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn a_tor_run_agrees_with_its_exact_sums() {
    let Some(data) = real_data("a_tor_run_agrees_with_its_exact_sums") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = scenario_text(
        &data,
        "",
        "{ ipv4 = [\"5.9.0.0/16\", \"88.99.0.0/16\", \"78.46.0.0/15\", \"144.76.0.0/16\"] }",
        "[run]\ntrials = 500000\n",
    );
    let file = write(dir.path(), "tor.toml", &text);
    let run = pathrisk()
        .arg("run")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let exact = pathrisk()
        .arg("run")
        .arg(&file)
        .args(["--format", "json", "--method", "exact"])
        .output()
        .unwrap();
    assert!(exact.status.success());
    let (run, exact) = (json(&run.stdout), json(&exact.stdout));
    assert_eq!(run["selection"], "tor");
    let row = &run["results"][0];
    assert_eq!(row["metric"], "path");
    assert_eq!(row["verdict"], "agree", "{row}");
    assert_eq!(row["closed_form"], exact["results"][0]["estimate"]);
    assert!(row["closed_form"].as_f64().unwrap() > 0.0);
}

#[test]
fn family_of_takes_the_family_component_and_any_counts_components() {
    let Some(data) = real_data("family_of_takes_the_family_component_and_any_counts_components")
    else {
        return;
    };
    let parse = |target: &str| {
        let text = scenario_text(&data, "", target, "");
        Scenario::parse(&text, "family.toml", Path::new("."), "family").unwrap()
    };
    let s = parse("\"any\"");
    let relays = s.tor.clone().unwrap();
    // A relay whose component is more than the relays that list it back: families that are
    // not cliques exist in the real documents.
    let wider = (0..relays.len())
        .find(|&r| relays.component_of(r).len() > 1 + relays.families[r].len())
        .expect("a family component that is not a clique");
    let component = relays.component_of(wider);
    // Every relay of the component is the same entity under `any`, and no other relay is.
    let entity = s.network.operators[wider].entity;
    let same: Vec<usize> = (0..relays.len())
        .filter(|&r| s.network.operators[r].entity == entity)
        .collect();
    assert_eq!(same, component);
    assert_eq!(s.network.entities.len(), relays.components().len());
    // family_of names the component, from any of its relays.
    for &r in [component[0], wider, *component.last().unwrap()].iter() {
        let f = parse(&format!("{{ family_of = \"{}\" }}", relays.fingerprints[r]));
        let pathrisk::adversary::Target::Entity(e) = f.adversary.target else {
            panic!("family_of is one entity");
        };
        let chosen: Vec<usize> = (0..relays.len())
            .filter(|&x| f.network.operators[x].entity == e)
            .collect();
        assert_eq!(chosen, component, "family_of {}", relays.fingerprints[r]);
    }
    // `any` sums over the components (relays of one family never share a circuit, so only
    // components that are not cliques count: a small number).
    let p_any = Laws::of(&s).path.unwrap();
    let by_component: f64 = relays
        .components()
        .iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            Laws::of(&parse(&format!(
                "{{ family_of = \"{}\" }}",
                relays.fingerprints[c[0]]
            )))
            .path
            .unwrap()
        })
        .sum();
    assert!(p_any > 0.0 && p_any < 0.01, "{p_any}");
    assert!(
        (p_any - by_component).abs() <= 1e-9 * p_any,
        "{p_any} vs {by_component}"
    );
}

#[test]
fn importance_sampling_finds_a_rare_pair_of_relays_at_the_exact_rate() {
    let Some(data) = real_data("importance_sampling_finds_a_rare_pair_of_relays_at_the_exact_rate")
    else {
        return;
    };
    let parse = |target: &str| {
        let text = scenario_text(&data, "", target, "[run]\ntrials = 20000\npaths = 10\n");
        Scenario::parse(&text, "rare.toml", Path::new("."), "rare").unwrap()
    };
    let relays = parse("\"any\"").tor.clone().unwrap();
    // The three lightest guards and the three lightest exits: compromises of about 4e-11.
    let lightest = |p: usize| {
        let mut r: Vec<usize> = (0..relays.len())
            .filter(|&r| relays.weights[p][r] > 0.0)
            .collect();
        r.sort_by(|&a, &b| relays.weights[p][a].total_cmp(&relays.weights[p][b]));
        r.truncate(3);
        r
    };
    let chosen: Vec<String> = lightest(GUARD)
        .into_iter()
        .chain(lightest(EXIT))
        .map(|r| format!("\"{}\"", relays.fingerprints[r]))
        .collect();
    let s = parse(&format!("{{ relays = [{}] }}", chosen.join(", ")));
    let laws = Laws::of(&s);
    let (path, client) = (
        laws.path.unwrap(),
        laws.metric(pathrisk::metric::Metric::Client).unwrap(),
    );
    assert!(path > 0.0 && path < 1e-6, "{path}");
    let config = pathrisk::engine::EngineConfig {
        threads: Some(2),
        sampler: pathrisk::select::SamplerKind::Fast,
        ..Default::default()
    };
    let o = pathrisk::importance::simulate(&s, &config, &|_| {}).unwrap();
    for (what, sums, exact) in [("path", &o.path, path), ("client", &o.client, client)] {
        assert!(
            sums.p_value(exact) > 1e-4,
            "{what}: importance {} ± {}, exact {exact}",
            sums.estimate(),
            sums.standard_error()
        );
        println!(
            "{what}: importance {:.4e} ± {:.2e} ({} hits of {}), exact {exact:.4e}",
            sums.estimate(),
            sums.standard_error(),
            sums.hits,
            sums.samples
        );
        // Within 5% at 20 000 clients, where plain circuits would see none.
        assert!(
            sums.standard_error() < 0.05 * exact,
            "{what}: {}",
            sums.standard_error()
        );
    }
}

#[test]
fn guards_by_the_consensus_are_tor_s_three_primary_guards() {
    let Some(data) = real_data("guards_by_the_consensus_are_tor_s_three_primary_guards") else {
        return;
    };
    // 2019-12-15 has no guard-n-primary-guards parameters (only the old NumEntryGuards=1):
    // tor's defaults, three primary guards of which a circuit uses the first allowed.
    let text = scenario_text(&data, "", "\"any\"", "[guards]\ncount = \"consensus\"\n");
    let s = Scenario::parse(&text, "g.toml", Path::new("."), "g").unwrap();
    assert_eq!(s.guards.unwrap().count, 3);
    assert_eq!(
        s.tor.as_ref().unwrap().params.get("NumEntryGuards"),
        Some(&1)
    );
}

#[test]
fn an_adversary_joins_with_the_bandwidth_weights_recomputed() {
    let Some(data) = real_data("an_adversary_joins_with_the_bandwidth_weights_recomputed") else {
        return;
    };
    let text = scenario_text(
        &data,
        ADVERSARY,
        "{ entity = \"adversary\" }",
        "[run]\ntrials = 400000\n",
    );
    let s = Scenario::parse(&text, "adv.toml", Path::new("."), "adv").unwrap();
    let relays = s.tor.as_ref().unwrap();
    assert_eq!(relays.added, 12);
    let n = relays.len();
    // The published weights, and the ones the new totals give.
    let dir = data.join(SNAPSHOT);
    let doc = crate::tor_snapshot(&dir);
    let mut totals = doc.totals;
    totals.g += 500_000;
    totals.e += 100_000;
    totals.t += 600_000;
    let scale = doc
        .params
        .get(weights::SCALE_PARAM)
        .map_or(weights::DEFAULT_SCALE, |&s| i64::from(s));
    let line = weights::compute(totals, scale).unwrap().line();
    let published = &doc.bandwidth_weights;
    assert_ne!(
        i64::from(published["Wgg"]),
        line["Wgg"],
        "the weights should move"
    );
    // An added guard-only relay weighs 50000 × the recomputed Wgg at the guard position; an
    // exit 50000 × Wee; and a relay of the consensus its weight × the recomputed weight too.
    let guard = n - 12;
    assert_eq!(relays.weights[GUARD][guard], 50_000.0 * line["Wgg"] as f64);
    assert_eq!(relays.weights[EXIT][n - 1], 50_000.0 * line["Wee"] as f64);
    let exit_only = (0..guard)
        .find(|&r| {
            relays.weights[EXIT][r] > 0.0 && relays.classes[r] == pathrisk::model::tor::Class::Exit
        })
        .unwrap();
    assert_eq!(
        relays.weights[EXIT][exit_only],
        f64::from(relays.consensus_weight[exit_only]) * line["Wee"] as f64
    );
    // Each added relay is in a /16 of its own: no two conflict.
    for a in guard..n {
        for b in guard..n {
            assert_eq!(relays.conflict(a, b), a == b);
        }
    }
    let p = Laws::of(&s).path.unwrap();
    assert!(p > 1e-6 && p < 1e-2, "{p}");
    let outcome = pathrisk::engine::simulate(&s, &Default::default(), &|_| {}).unwrap();
    let r = pathrisk::report::analyse(&s, &outcome, 1e-3);
    assert_eq!(
        r.results[0].verdict,
        pathrisk::stats::Verdict::Agree,
        "{:?}",
        r.results[0]
    );
}

#[test]
fn the_network_command_lists_positions_and_the_largest_families() {
    let Some(data) = real_data("the_network_command_lists_positions_and_the_largest_families")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "tor.toml",
        &scenario_text(&data, "", "\"any\"", ""),
    );
    let out = pathrisk()
        .arg("network")
        .arg(&file)
        .args(["--format", "json", "--top", "4"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    let positions = v["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 3);
    assert!(v["network"].as_str().unwrap().contains("6345 relays"));
    let families = v["families"].as_array().unwrap();
    assert_eq!(families.len(), 12);
    for by in ["guard", "middle", "exit"] {
        let shares: Vec<f64> = families
            .iter()
            .filter(|f| f["by"] == by)
            .map(|f| f[by].as_f64().unwrap())
            .collect();
        assert_eq!(shares.len(), 4);
        assert!(shares.windows(2).all(|w| w[0] >= w[1]), "{by}: {shares:?}");
        assert!(shares[0] > 0.01 && shares[0] < 0.5, "{by}: {shares:?}");
    }
    let csv = pathrisk()
        .arg("network")
        .arg(&file)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("scenario,by,rank,family,relays,guard,middle,exit\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 3 * 10);
    let junit = pathrisk()
        .arg("network")
        .arg(&file)
        .args(["--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(junit.status.code(), Some(2));
}

/// Runs `pathrisk run` on `text` and returns stderr, asserting exit 2.
fn refused(dir: &Path, text: &str) -> String {
    let file = write(dir, "bad.toml", text);
    let out = pathrisk().arg("run").arg(&file).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{text}\n{err}");
    assert!(err.contains("bad.toml"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    err
}

#[test]
fn rejects_the_tor_policy_on_a_network_that_is_not_tor() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused(
        dir.path(),
        "[network]\nuniform = { operators = 5 }\n[path]\nselection = \"tor\"\n",
    );
    assert!(
        err.contains("path.selection") && err.contains("tor needs a tor network"),
        "{err}"
    );
    let err = refused(
        dir.path(),
        "[network]\nuniform = { operators = 5 }\n[adversary]\ntarget = { ipv4 = \"5.9.0.0/16\" }\n",
    );
    assert!(
        err.contains("adversary.target") && err.contains("not one"),
        "{err}"
    );
    let err = refused(
        dir.path(),
        "[network]\nuniform = { operators = 5 }\n[path]\nexit_port = 80\n",
    );
    assert!(err.contains("path.exit_port"), "{err}");
    let err = refused(
        dir.path(),
        "[network]\nuniform = { operators = 5 }\nadd_adversary = { relays = [] }\n",
    );
    assert!(err.contains("add_adversary.relays"), "{err}");
}

#[test]
fn rejects_bad_tor_scenarios_naming_the_key() {
    let Some(data) = real_data("rejects_bad_tor_scenarios_naming_the_key") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let any = "\"any\"";
    let cases: Vec<(String, &[&str])> = vec![
        (
            scenario_text(&data, "", any, "")
                .replace("selection = \"tor\"", "selection = \"tor\"\nhops = 4"),
            &["path.hops", "exactly 3"],
        ),
        (
            scenario_text(&data, "", any, "")
                .replace("selection = \"tor\"", "selection = \"random\""),
            &["path.selection", "takes selection = \"tor\""],
        ),
        (
            scenario_text(&data, "", "{ ipv4 = \"5.9.0/16\" }", ""),
            &["adversary.target", "not an IPv4 block"],
        ),
        (
            scenario_text(&data, "", "{ ipv4 = \"203.0.113.0/24\" }", ""),
            &["adversary.target", "no relay"],
        ),
        (
            scenario_text(
                &data,
                "",
                "{ relays = [\"0123456789ABCDEF0123456789ABCDEF01234567\"] }",
                "",
            ),
            &[
                "adversary.target",
                "no relay of the consensus has the fingerprint",
            ],
        ),
        (
            scenario_text(&data, "", "{ family_of = \"XYZ\" }", ""),
            &["adversary.target", "40 hexadecimal digits"],
        ),
        (
            scenario_text(&data, "add_adversary = { share = 0.1 }", any, ""),
            &["network.add_adversary", "relays"],
        ),
        (
            scenario_text(
                &data,
                "add_adversary = { relays = [ { count = 1, weight = 10, flags = [\"Fastest\"] } ] }",
                any,
                "",
            ),
            &["network.add_adversary.relays[0].flags", "Fastest"],
        ),
        (
            scenario_text(&data, "", any, "").replace(
                "selection = \"tor\"",
                "selection = \"tor\"\norder = \"middle-first\"",
            ),
            &["path.order"],
        ),
    ];
    for (text, wanted) in cases {
        let err = refused(dir.path(), &text);
        for w in wanted {
            assert!(err.contains(w), "wanted `{w}` in: {err}");
        }
    }
}

#[test]
fn rejects_a_consensus_without_bandwidth_weights() {
    let Some(data) = real_data("rejects_a_consensus_without_bandwidth_weights") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text =
        pathrisk::tor::read_document(&data.join(SNAPSHOT).join("cached-microdesc-consensus.xz"))
            .unwrap();
    let stripped: String = text
        .lines()
        .filter(|l| !l.starts_with("bandwidth-weights"))
        .map(|l| format!("{l}\n"))
        .collect();
    let consensus = write(dir.path(), "consensus", &stripped);
    let md = data.join(SNAPSHOT);
    let scenario = format!(
        "[network]\ntor = {{ consensus = \"{}\", microdescriptors = [\"{}/cached-microdescs.xz\", \"{}/cached-microdescs.new.xz\"] }}\n[path]\nselection = \"tor\"\n",
        consensus.display(),
        md.display(),
        md.display()
    );
    let err = refused(dir.path(), &scenario);
    assert!(
        err.contains("network.tor") && err.contains("bandwidth-weights"),
        "{err}"
    );
}
