//! The docs cannot drift: every ```console block of README.md and docs/*.md is run and its
//! output compared with what the block shows (timings, thread counts and timing-dependent
//! figures masked on both sides, so the docs keep real numbers). `PATHRISK_UPDATE_DOCS=1 cargo
//! test docs` rewrites the blocks with what the commands print now.
//!
//! A block is `$ pathrisk ARGS` lines (a trailing `\` continues a command on the next line),
//! each followed by its output: standard output, then standard error. A last output line
//! `[exit N]` says the command exits N (0 otherwise). Commands run in the project's root.

use super::{real_data, root};
use std::path::{Path, PathBuf};

/// Parts of an output that differ between runs of the same command: elapsed seconds, thread
/// counts, and the rates and ratios measured from them.
fn mask(text: &str) -> String {
    let rules = [
        (r"\b\d+(\.\d+)?(e-?\d+)? s\b", "[t] s"),
        (r"\b\d+ threads?\b", "[n] threads"),
        (r#""(elapsed_seconds|threads)": [0-9.e-]+"#, r#""$1": [x]"#),
    ];
    let mut out = text.to_string();
    for (pattern, replacement) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, replacement)
            .into_owned();
    }
    out
}

struct Example {
    /// The command as written (continuation lines joined).
    command: String,
    /// Line numbers (0-based) of the output lines in the file: `output.start..output.end`.
    output: std::ops::Range<usize>,
    expected: String,
    /// Another command follows in the same block (a blank line then parts them).
    followed: bool,
}

/// The examples of every console block of `text`.
fn examples(text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```console" {
            i += 1;
            continue;
        }
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            let Some(first) = lines[i].strip_prefix("$ ") else {
                panic!(
                    "line {}: a console block's first line is `$ command`",
                    i + 1
                );
            };
            let mut command = first.to_string();
            while command.ends_with('\\') {
                command.pop();
                i += 1;
                command.push(' ');
                command.push_str(lines[i].trim());
            }
            i += 1;
            let start = i;
            while i < lines.len() && lines[i].trim_end() != "```" && !lines[i].starts_with("$ ") {
                i += 1;
            }
            // A blank line may part one command's output from the next command.
            let mut end = i;
            while end > start && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            let expected = lines[start..end].iter().map(|l| format!("{l}\n")).collect();
            let followed = i < lines.len() && lines[i].starts_with("$ ");
            out.push(Example {
                command,
                output: start..i,
                expected,
                followed,
            });
        }
        i += 1;
    }
    out
}

/// Runs one example: its output as a block shows it.
fn run(command: &str) -> String {
    let words = shlex::split(command).unwrap_or_else(|| panic!("cannot split `{command}`"));
    assert_eq!(words[0], "pathrisk", "`{command}`: examples run pathrisk");
    let out = super::pathrisk()
        .args(&words[1..])
        .current_dir(root())
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => {}
        Some(code) => text.push_str(&format!("[exit {code}]\n")),
        None => panic!("`{command}` was killed"),
    }
    // A block ends its output at the fence; trailing blank lines would be lost there.
    while text.ends_with("\n\n") {
        text.pop();
    }
    text
}

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn check_file(path: &Path, update: bool, data: bool) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut checked = 0;
    // From the last example up, so that rewriting one keeps the line numbers of the others.
    for ex in examples(&text).into_iter().rev() {
        // `calibrate`'s tor rows read the real data too.
        if !data && (ex.command.contains("presets/") || ex.command.contains("calibrate")) {
            println!("skipped `{}`: it needs the real data", ex.command);
            continue;
        }
        let actual = run(&ex.command);
        if update {
            let mut new: Vec<String> = actual.lines().map(String::from).collect();
            if ex.followed {
                new.push(String::new());
            }
            lines.splice(ex.output.clone(), new);
        } else {
            assert_eq!(
                mask(&actual),
                mask(&ex.expected),
                "{}:{}: `{}` prints something else than the docs show; \
                 PATHRISK_UPDATE_DOCS=1 cargo test docs rewrites them",
                path.display(),
                ex.output.start,
                ex.command
            );
        }
        checked += 1;
    }
    if update {
        let mut new = lines.join("\n");
        new.push('\n');
        if new != text {
            std::fs::write(path, new).unwrap();
        }
    }
    checked
}

#[test]
fn every_console_example_in_the_docs_prints_what_the_docs_show() {
    let update = std::env::var_os("PATHRISK_UPDATE_DOCS").is_some();
    let data = real_data("the docs' examples of presets").is_some();
    let mut checked = 0;
    for file in doc_files() {
        checked += check_file(&file, update, data);
    }
    assert!(checked >= 10, "only {checked} examples found");
}

#[test]
fn masks_hide_timings_only() {
    assert_eq!(
        mask("2 threads: 100000000 paths drawn in 0.14 s\nelapsed: 2.39 s\n"),
        "[n] threads: 100000000 paths drawn in [t] s\nelapsed: [t] s\n"
    );
    assert_eq!(
        mask("path 8.22000e-6 [7.66760e-6, 8.80168e-6]"),
        "path 8.22000e-6 [7.66760e-6, 8.80168e-6]"
    );
    assert_eq!(
        mask("\"elapsed_seconds\": 0.25,"),
        "\"elapsed_seconds\": [x],"
    );
}

#[test]
fn console_blocks_are_read_with_continuations_and_exit_codes() {
    let text = "x\n```console\n$ pathrisk run a \\\n    --trials 5\nout 1\nout 2\n$ pathrisk b\n[exit 2]\n```\n";
    let ex = examples(text);
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].command, "pathrisk run a  --trials 5");
    assert_eq!(ex[0].expected, "out 1\nout 2\n");
    assert_eq!(ex[0].output, 4..6);
    assert_eq!(ex[1].expected, "[exit 2]\n");
}
