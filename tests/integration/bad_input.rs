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
