//! Bad input: exit code 2, one message on stderr naming the file and the key or row, nothing on
//! stdout, no panic and no output file.

use super::{pathrisk, write};

const NET: &str = "[network]\nuniform = { operators = 5 }\n";

/// Runs `pathrisk run` on a scenario made of `toml` and checks the failure: the message must
/// hold every fragment of `expected`.
fn rejects(toml: &str, expected: &[&str]) {
    rejects_with_files(toml, &[], expected, &[]);
}

fn rejects_with_files(toml: &str, files: &[(&str, &str)], expected: &[&str], args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    let scenario = write(dir.path(), "bad.toml", toml);
    let output_file = dir.path().join("result.json");
    let out = pathrisk()
        .arg("run")
        .arg(&scenario)
        .args(["--trials", "10", "--quiet", "--output"])
        .arg(&output_file)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("bad.toml") || expected.iter().any(|e| e.ends_with(".csv")),
        "names the file: {stderr}"
    );
    for e in expected {
        assert!(stderr.contains(e), "expected `{e}` in: {stderr}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("result"))
        .collect();
    assert!(leftovers.is_empty(), "no output file: {leftovers:?}");
}

#[test]
fn rejects_unknown_keys() {
    rejects(
        &format!("{NET}[run]\ntrails = 5\n"),
        &["run.trails", "unknown field", "line 4"],
    );
}

#[test]
fn rejects_a_missing_network() {
    rejects("[path]\nhops = 3\n", &["missing field `network`"]);
}

#[test]
fn rejects_a_missing_key_inside_a_generator() {
    rejects(
        "[network]\nadversary = { others = 49 }\n",
        &["network.adversary", "missing field `share`"],
    );
}

#[test]
fn rejects_values_of_the_wrong_type() {
    rejects(
        &format!("{NET}[path]\nhops = \"three\"\n"),
        &["path.hops", "invalid type"],
    );
}

#[test]
fn rejects_shares_that_are_zero_or_negative() {
    for share in ["0.0", "-0.5"] {
        rejects(
            &format!(
                "[[network.operators]]\nname = \"a\"\nshare = {share}\n[[network.operators]]\nname = \"b\"\nshare = 1.0\n"
            ),
            &["network.operators", "operator `a`", "positive finite"],
        );
    }
}

#[test]
fn rejects_shares_that_are_nan_or_infinite() {
    for share in ["nan", "inf"] {
        rejects(
            &format!("[[network.operators]]\nname = \"a\"\nshare = {share}\n"),
            &["network.operators", "positive finite"],
        );
    }
}

#[test]
fn rejects_zero_servers() {
    rejects(
        "[network]\nuniform = { operators = 5, servers = 0 }\n",
        &["network.uniform.servers", "positive integer"],
    );
    rejects(
        "[[network.operators]]\nname = \"a\"\nservers = 0\n",
        &["network.operators", "servers = 0"],
    );
}

#[test]
fn rejects_zero_hops() {
    rejects(
        &format!("{NET}[path]\nhops = 0\n"),
        &["path.hops", "from 1 to 32"],
    );
}

#[test]
fn rejects_hops_above_the_limit() {
    rejects(
        &format!("{NET}[path]\nhops = 33\n"),
        &["path.hops", "from 1 to 32"],
    );
}

#[test]
fn rejects_more_hops_than_servers_with_distinct_servers() {
    rejects(
        "[network]\nuniform = { operators = 1, servers = 2 }\n[path]\nhops = 3\nselection = \"distinct-servers\"\n",
        &["path.hops", "only 2 servers"],
    );
}

#[test]
fn rejects_distinct_servers_on_an_infinite_pool() {
    rejects(
        &format!("{NET}[path]\nselection = \"distinct-servers\"\n"),
        &["path.selection", "finite pool"],
    );
}

#[test]
fn rejects_more_hops_than_operators_with_operator_aware() {
    rejects(
        "[network]\nuniform = { operators = 2 }\n[path]\nhops = 3\nselection = \"operator-aware\"\n",
        &["path.hops", "only 2 operators"],
    );
}

#[test]
fn rejects_hops_override_above_the_operators() {
    rejects_with_files(
        "[network]\nuniform = { operators = 2 }\n[path]\nhops = 2\nselection = \"operator-aware\"\n",
        &[],
        &["--hops", "only 2 operators"],
        &["--hops", "3"],
    );
}

#[test]
fn rejects_a_mix_of_shares_and_servers() {
    rejects(
        "[[network.operators]]\nname = \"a\"\nshare = 0.5\n[[network.operators]]\nname = \"b\"\nservers = 3\n",
        &["network.operators", "mixes shares and servers"],
    );
}

#[test]
fn rejects_an_entity_no_operator_has() {
    rejects(
        &format!("{NET}[adversary]\ntarget = {{ entity = \"nobody\" }}\n"),
        &["adversary.target", "`nobody`"],
    );
}

#[test]
fn rejects_a_coalition_member_no_operator_has() {
    rejects(
        &format!("{NET}[adversary]\ntarget = {{ coalition = [\"op1\", \"ghost\"] }}\n"),
        &["adversary.target", "`ghost`"],
    );
}

#[test]
fn rejects_zero_trials() {
    // --trials 0 on the command line is refused by the argument parser; here the file says 0.
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "bad.toml", &format!("{NET}[run]\ntrials = 0\n"));
    let out = pathrisk()
        .arg("run")
        .arg(&scenario)
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("bad.toml") && stderr.contains("run.trials") && stderr.contains("positive"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn rejects_a_csv_with_a_bad_row() {
    rejects_with_files(
        "[network]\ncsv = \"ops.csv\"\n",
        &[("ops.csv", "name,share\na,0.5\nb,abc\n")],
        &["ops.csv", "row 3, column share", "not a number"],
        &[],
    );
}

#[test]
fn rejects_a_csv_that_does_not_exist() {
    rejects(
        "[network]\ncsv = \"missing.csv\"\n",
        &["missing.csv", "network.csv"],
    );
}

#[test]
fn rejects_a_scenario_that_does_not_exist() {
    let out = pathrisk()
        .args(["run", "no/such/file.toml", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("no/such/file.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn rejects_two_networks_at_once() {
    rejects(
        "[network]\nuniform = { operators = 5 }\nzipf = { operators = 5, exponent = 1.0 }\n",
        &["key `network`", "both uniform and zipf"],
    );
}

#[test]
fn rejects_an_adversary_share_of_one() {
    rejects(
        "[network]\nadversary = { share = 1.0, others = 3 }\n",
        &["network.adversary.share", "between 0 and 1"],
    );
}

#[test]
fn rejects_an_unknown_selection() {
    rejects(
        &format!("{NET}[path]\nselection = \"fastest\"\n"),
        &["path.selection", "unknown variant"],
    );
}

#[test]
fn rejects_an_output_without_a_known_extension() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "ok.toml", NET);
    let out = pathrisk()
        .arg("run")
        .arg(&scenario)
        .args(["--trials", "10", "--quiet", "--output"])
        .arg(dir.path().join("result.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output"));
    assert!(!dir.path().join("result.txt").exists());
}

#[test]
fn counts_accept_exponents_and_separators_and_refuse_fractions() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(
        dir.path(),
        "ok.toml",
        &format!("{NET}[run]\ntrials = 1e3\npaths = 1_000\n"),
    );
    let out = pathrisk()
        .arg("run")
        .arg(&ok)
        .args(["--format", "json", "--seed", "1e1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["trials"].as_u64(), v["paths"].as_u64()),
        (Some(1000), Some(1000))
    );
    assert_eq!(v["seed"].as_u64(), Some(10));
    let out = pathrisk()
        .arg("run")
        .arg(&ok)
        .args([
            "--trials",
            "1_000_000",
            "--paths",
            "1e0",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["trials"].as_u64(), Some(1_000_000));
    for bad in ["1.5", "-1", "lots", "0"] {
        let out = pathrisk()
            .arg("run")
            .arg(&ok)
            .arg(format!("--trials={bad}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains("--trials") && !stderr.contains("u64"),
            "{bad}: {stderr}"
        );
    }
    rejects(
        &format!("{NET}[run]\ntrials = 2.5\n"),
        &["run.trials", "not a whole number"],
    );
    rejects(
        &format!("{NET}[path]\nhops = \"four\"\n"),
        &["line 4", "path.hops", "expected a whole number"],
    );
}

#[test]
fn unknown_names_get_their_line_and_a_suggestion() {
    rejects(
        &format!("{NET}[adversary]\ntarget = {{ coalition = [\"op1\", \"opp2\"] }}\n"),
        &[
            "line 4",
            "adversary.target",
            "`opp2`",
            "did you mean `op2`?",
        ],
    );
    rejects(
        &format!("{NET}[network.entities]\nm = [\"op1\", \"op7\"]\n"),
        &[
            "line 4",
            "no operator is named `op7`",
            "did you mean `op1`?",
        ],
    );
    rejects(
        &format!("{NET}[runn]\ntrials = 3\n"),
        &["line 3", "`runn`", "did you mean `run`?"],
    );
}

#[test]
fn a_misspelt_setting_is_blamed_on_the_command_line() {
    let scenario = super::root().join("scenarios/one-entity-ends.toml");
    for args in [
        vec!["sweep", "--vary", "network.adversary.shar=0.1:0.2:2"],
        vec!["run", "--set", "network.adversry.share=0.1"],
        vec![
            "solve",
            "--for",
            "network.adversary.shares",
            "--target",
            "client<=0.1",
        ],
    ] {
        let out = pathrisk()
            .arg(args[0])
            .arg(&scenario)
            .args(&args[1..])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("command line") && stderr.contains("did you mean `"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("line 1"), "{args:?}: {stderr}");
    }
}
