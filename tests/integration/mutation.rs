//! docs/mutation-testing.md cannot drift from the outcomes it summarises: its table counts
//! what `results/mutation/` holds, and every mutant that survived is listed there with its
//! reason.

use super::root;
use std::collections::BTreeMap;

const PAGE: &str = "docs/mutation-testing.md";

/// Per results folder (`exact`, `select-sample320`, …): the mutants of each outcome over its
/// parts.
fn outcomes() -> BTreeMap<String, BTreeMap<&'static str, Vec<String>>> {
    let mut all = BTreeMap::new();
    let Ok(modules) = std::fs::read_dir(root().join("results/mutation")) else {
        return all;
    };
    for module in modules {
        let module = module.unwrap().path();
        let mut counts: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for part in std::fs::read_dir(&module).unwrap() {
            let part = part.unwrap().path();
            for outcome in ["caught", "timeout", "missed", "unviable"] {
                let text = std::fs::read_to_string(part.join(format!("{outcome}.txt")))
                    .unwrap_or_else(|e| panic!("{}: {e}", part.display()));
                counts
                    .entry(outcome)
                    .or_default()
                    .extend(text.lines().filter(|l| !l.is_empty()).map(String::from));
            }
        }
        all.insert(
            module.file_name().unwrap().to_string_lossy().into_owned(),
            counts,
        );
    }
    all
}

/// The table's rows: the results folder a row names (`src/select` (sample of 320 …) is
/// `select-sample320`) and its cells.
fn rows(page: &str) -> BTreeMap<String, Vec<String>> {
    page.lines()
        .filter(|l| l.starts_with("| `src/"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().into())
                .collect();
            let module = cells[0]
                .split('`')
                .nth(1)
                .unwrap()
                .trim_start_matches("src/");
            let sample = cells[0]
                .split("sample of ")
                .nth(1)
                .map(|s| s.split_whitespace().next().unwrap().to_string());
            let name = match sample {
                Some(s) => format!("{module}-sample{s}"),
                None => module.to_string(),
            };
            (name, cells)
        })
        .collect()
}

/// The leading count of a cell ("10: 6 killed since, 4 equivalent" is 10).
fn count(cell: &str) -> Option<usize> {
    cell.split(|c: char| !c.is_ascii_digit())
        .next()
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().unwrap())
}

#[test]
fn the_mutation_page_counts_what_the_results_hold() {
    let page = std::fs::read_to_string(root().join(PAGE)).unwrap();
    let rows = rows(&page);
    assert!(rows.len() >= 6, "{rows:?}");
    let outcomes = outcomes();
    for (name, counts) in &outcomes {
        let row = rows
            .get(name)
            .unwrap_or_else(|| panic!("results/mutation/{name} has no row in {PAGE}"));
        let n = |o: &str| counts.get(o).map_or(0, Vec::len);
        let run = n("caught") + n("timeout") + n("missed") + n("unviable");
        // module | mutants | run | caught | timeout | missed | unviable | …
        for (column, expected) in [
            (2, run),
            (3, n("caught")),
            (4, n("timeout")),
            (5, n("missed")),
            (6, n("unviable")),
        ] {
            assert_eq!(
                count(&row[column]),
                Some(expected),
                "{PAGE}, row of {name}, column {column}: {:?}; results/mutation/{name} holds {expected}",
                row[column]
            );
        }
        assert!(
            count(&row[1]).unwrap() >= run,
            "{name}: more run than there are"
        );
    }
    // A row with mutants run has its results committed.
    for (name, row) in &rows {
        if count(&row[2]).unwrap_or(0) > 0 {
            assert!(
                outcomes.contains_key(name),
                "{name}: run, but no results/mutation/{name}"
            );
        }
    }
}

#[test]
fn every_mutant_that_survived_is_listed_with_its_reason() {
    let page = std::fs::read_to_string(root().join(PAGE)).unwrap();
    let survivors = page
        .split("\n## Survivors")
        .nth(1)
        .unwrap_or_else(|| panic!("{PAGE} has no section Survivors"));
    for (name, counts) in outcomes() {
        for mutant in counts.get("missed").into_iter().flatten() {
            assert!(
                survivors.contains(&format!("`{mutant}`")),
                "{PAGE} does not list the survivor `{mutant}` (results/mutation/{name})"
            );
        }
    }
}

#[test]
fn counts_are_read_from_the_start_of_a_cell() {
    assert_eq!(count("10: 6 killed since, 4 equivalent"), Some(10));
    assert_eq!(count("85 (all 8 parts)"), Some(85));
    assert_eq!(count("0"), Some(0));
    assert_eq!(count(""), None);
}
