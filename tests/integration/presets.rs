//! Presets read the real data in $PATHRISK_DATA (never copied into the project), in place or
//! through --data, and simulate what the enumerator says on the small ones.

use super::{pathrisk, real_data, root};
use pathrisk::analytic::enumerate;
use pathrisk::engine::{self, EngineConfig};
use pathrisk::scenario::Scenario;
use pathrisk::stats;

#[test]
fn tor_preset_reads_the_family_table() {
    if real_data("tor_preset_reads_the_family_table").is_none() {
        return;
    }
    let s = Scenario::load(&root().join("scenarios/presets/tor-family-table-2018.toml")).unwrap();
    // 64 families, 5500 single relays, the adversary.
    assert_eq!(s.network.operators.len(), 64 + 5500 + 1);
    let mut roles = s.network.roles.clone();
    roles.sort();
    assert_eq!(roles, ["exit", "guard", "middle"]);
    // Each position's weights add up to 100% of the table plus the adversary's 2%.
    let total = |role: &str| -> f64 {
        let r = s.network.roles.iter().position(|x| x == role).unwrap();
        s.network
            .servers
            .iter()
            .filter(|v| v.roles >> r & 1 == 1)
            .map(|v| v.weight)
            .sum()
    };
    for role in ["guard", "middle", "exit"] {
        assert!(
            (total(role) - 100.0 / 0.98).abs() < 1e-9,
            "{role}: {}",
            total(role)
        );
    }
    let largest = s
        .network
        .operators
        .iter()
        .find(|o| o.name == "family-1084200B")
        .unwrap();
    assert!((largest.weight - (2.932 + 11.54)).abs() < 1e-12);
}

#[test]
fn simplex_preset_gives_a_new_user_four_simplex_and_three_flux_servers() {
    if real_data("simplex_preset_gives_a_new_user_four_simplex_and_three_flux_servers").is_none() {
        return;
    }
    let s = Scenario::load(&root().join("scenarios/presets/simplex-private-routing.toml")).unwrap();
    let count = |op: &str| {
        let i = s
            .network
            .operators
            .iter()
            .position(|o| o.name == op)
            .unwrap();
        s.network
            .servers
            .iter()
            .filter(|v| v.operator == i as u32)
            .count()
    };
    assert_eq!((count("SimpleX Chat"), count("Flux")), (4, 3));
    let proxy = s.network.roles.iter().position(|r| r == "proxy").unwrap();
    let storage = s.network.roles.iter().position(|r| r == "storage").unwrap();
    let flux = s
        .network
        .operators
        .iter()
        .position(|o| o.name == "Flux")
        .unwrap() as u32;
    for v in s.network.servers.iter().filter(|v| v.operator == flux) {
        assert!(
            v.roles >> proxy & 1 == 1 && v.roles >> storage & 1 == 0,
            "Flux only forwards"
        );
    }
}

#[test]
fn data_path_on_the_command_line_replaces_the_scenarios() {
    let Some(data) = real_data("data_path_on_the_command_line_replaces_the_scenarios") else {
        return;
    };
    let out = pathrisk()
        .arg("run")
        .arg(root().join("scenarios/presets/simplex-private-routing-custom.toml"))
        .arg("--data")
        .arg(data.join("simplex_preset_servers.csv"))
        .args(["--trials", "500", "--quiet", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pathrisk()
        .arg("run")
        .arg(root().join("scenarios/presets/tor-family-table-2018.toml"))
        .args(["--data", "no/such/file.csv", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.csv"));
}

#[test]
fn simplex_sybil_simulation_matches_enumeration() {
    if real_data("simplex_sybil_simulation_matches_enumeration").is_none() {
        return;
    }
    // Three adversary operators with 5% in all: only a Sybil can hold both hops.
    let text =
        std::fs::read_to_string(root().join("scenarios/presets/simplex-private-routing.toml"))
            .unwrap()
            .replace("share = 0.02, operators = 1", "share = 0.05, operators = 3")
            .replace("paths = 2000", "paths = 10");
    let s = Scenario::parse(
        &text,
        "simplex.toml",
        &root().join("scenarios/presets"),
        "simplex",
    )
    .unwrap();
    let exact =
        enumerate::path_probability(&s.network, s.selection, &s.rules, &s.adversary, s.hops)
            .unwrap();
    assert!(exact > 0.0);
    let outcome = engine::simulate(&s, &EngineConfig::default(), &|_| {}).unwrap();
    let c = &outcome.counts;
    let pv = stats::binomial_p_value(c.path_hits, c.paths_drawn, exact);
    assert!(pv > 1e-4, "{} of {} vs {exact}", c.path_hits, c.paths_drawn);
}

#[test]
fn rejects_bad_preset_and_overlay_keys() {
    let Some(data) = real_data("rejects_bad_preset_and_overlay_keys") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let simplex = data
        .join("simplex_preset_servers.csv")
        .display()
        .to_string();
    for (text, expected) in [
        ("[network]\nuniform = { operators = 5 }\nadd_adversary = { share = 1.5 }\n".to_string(), "network.add_adversary"),
        ("[network]\nuniform = { operators = 5 }\nadd_adversary = { share = 0.1, operators = 0 }\n".to_string(), "0 operators"),
        ("[network]\nuniform = { operators = 5 }\nadd_adversary = { share = 0.1, name = \"op1\" }\n".to_string(), "already has an entity"),
        ("[network]\ntor_families = { csv = \"missing.csv\" }\n".to_string(), "missing.csv"),
        (format!("[network]\nsimplex_presets = {{ csv = \"{simplex}\", operators = [\"Nobody\"] }}\n"), "operator `Nobody`"),
        ("[network]\nservers_csv = \"s.csv\"\nsubnet_prefix = 40\n".to_string(), "network.subnet_prefix"),
        ("[network]\ntor_families = { csv = \"bad.csv\" }\n".to_string(), "row 2, column cw_fraction_pct"),
    ] {
        super::write(dir.path(), "bad.csv", "rank,kind,id_prefix,cw_fraction_pct,exit_pct,guard_pct,relays,first_seen\n0,family,AA,lots,1,1,3,2020-01-01\n");
        super::write(dir.path(), "s.csv", "operator\na\n");
        let file = super::write(dir.path(), "bad.toml", &text);
        let out = pathrisk().arg("run").arg(&file).args(["--quiet", "--trials", "10"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(expected) && !stderr.contains("panicked"), "{text}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_presets_command_lists_every_file_in_the_presets_folder() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("scenarios/presets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            format!(
                "scenarios/presets/{}",
                p.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = pathrisk::commands::presets::PRESETS
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    listed.sort();
    assert_eq!(files, listed);
    for (file, text) in pathrisk::commands::presets::PRESETS {
        assert_eq!(std::fs::read_to_string(root().join(file)).unwrap(), text);
    }
    let out = pathrisk().arg("presets").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for file in &files {
        assert!(text.contains(file.as_str()), "{text}");
    }
    assert!(
        text.contains("$PATHRISK_DATA/tor_families_2018-04-14_top64.csv"),
        "{text}"
    );
}
