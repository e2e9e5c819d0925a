#!/usr/bin/env python3
"""Which tests reach which functions, for mutation testing (docs/mutation-testing.md).

A mutant changes the body of one function. A test that never enters that function runs the
same instructions with and without the mutant, so it cannot catch it; running only the tests
that enter the function gives the same caught/missed verdict as running the whole suite, at a
fraction of the cost. This script finds, once per commit, which tests enter which function:

  reach.py instrument SRC SPANS   rewrites every function body under SRC (outside #[cfg(test)]
                                  and macro_rules!) to record, the first time it runs in a
                                  process, its id under $PATHRISK_REACH, in a file named after
                                  the nextest test (NEXTEST_BINARY_ID, NEXTEST_TEST_NAME) that
                                  is running; the binary run by a test inherits both. Writes
                                  the functions' ids and line spans to SPANS.
  reach.py collect DIR SPANS MAP  reads those files into MAP (JSON: function id -> tests).
  reach.py plan MAP MUTANTS K/N   the K-th of N parts of MUTANTS (cargo mutants --list --json),
                                  grouped by the tests that reach each mutant's function: one
                                  JSON line per group, {"mutants": [names], "tests": [tests]}.
                                  A mutant in no instrumented function (a const fn) gets every
                                  test; "tests": null means the whole suite.

Parts take every N-th mutant from the K-th, as cargo-mutants' --shard K/N does.
"""

import json
import os
import re
import sys

# The statement put at the start of each function body: one relaxed load on every later call.
PROBE = (
    "{{static PATHRISK_REACHED: ::std::sync::atomic::AtomicBool=::std::sync::atomic::AtomicBool::new(false);"
    "if !PATHRISK_REACHED.load(::std::sync::atomic::Ordering::Relaxed){{"
    "PATHRISK_REACHED.store(true,::std::sync::atomic::Ordering::Relaxed);"
    'if let Some(d)=::std::env::var_os("PATHRISK_REACH"){{'
    'let t=format!("{{}}${{}}",::std::env::var("NEXTEST_BINARY_ID").unwrap_or_default(),'
    '::std::env::var("NEXTEST_TEST_NAME").unwrap_or_default()).replace(\'/\',"%");'
    "if let Ok(mut f)=::std::fs::OpenOptions::new().create(true).append(true)"
    ".open(::std::path::Path::new(&d).join(t)){{"
    'let _=::std::io::Write::write_all(&mut f,concat!("{id}","\\n").as_bytes());}}}}}}}}'
)


def mask(text):
    """The text with comments and the insides of string and char literals blanked out, so that
    braces and keywords can be found by position; newlines are kept."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            end = text.find('"' + m.group(1), m.end())
            end = n if end < 0 else end + 1 + len(m.group(1))
            blank(m.end(), end - 1 - len(m.group(1)))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
        elif c == "'":
            if i + 1 < n and text[i + 1] == "\\":
                j = text.find("'", i + 2)
                blank(i + 1, j)
                i = j + 1
            elif i + 2 < n and text[i + 2] == "'":
                blank(i + 1, i + 2)
                i += 3
            else:
                i += 1  # a lifetime
        else:
            i += 1
    return "".join(out)


def matching(masked, start):
    """The index of the brace closing the one at `start`."""
    depth = 0
    for k in range(start, len(masked)):
        if masked[k] == "{":
            depth += 1
        elif masked[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    raise ValueError("unbalanced braces")


def block_after(masked, pos):
    """The brace block of the item starting at `pos`, or None when it ends with `;` first."""
    paren = 0
    for k in range(pos, len(masked)):
        c = masked[k]
        if c in "([":
            paren += 1
        elif c in ")]":
            paren -= 1
        elif paren == 0 and c == ";":
            return None
        elif paren == 0 and c == "{":
            return k, matching(masked, k)
    return None


def functions(text):
    """(fn line, end line, body brace index) of every function body outside test code."""
    masked = mask(text)
    skip = []
    for m in re.finditer(r"#\[cfg\(test\)\]|\bmacro_rules!", masked):
        block = block_after(masked, m.end())
        if block:
            skip.append(block)
    found = []
    for m in re.finditer(r"\bfn\s+(r#)?[A-Za-z_]\w*", masked):
        if any(a <= m.start() <= b for a, b in skip):
            continue
        before = masked[max(0, m.start() - 80) : m.start()].split()
        quals = []
        for word in reversed(before):
            if word in ("pub", "const", "async", "unsafe", "extern", "default") or word.startswith(
                ("pub(", '"')
            ):
                quals.append(word)
            else:
                break
        block = block_after(masked, m.end())
        if block is None:
            continue
        line = masked.count("\n", 0, m.start()) + 1
        end = masked.count("\n", 0, block[1]) + 1
        # A const fn may run at compile time, where statics cannot be touched: left out, so
        # its mutants get every test.
        if "const" in quals:
            continue
        found.append((line, end, block[0]))
    return found


def instrument(src, spans_path):
    spans = []
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, os.path.dirname(os.path.abspath(src)))
            text = open(path, encoding="utf-8").read()
            fns = functions(text)
            for line, end, brace in sorted(fns, key=lambda f: -f[2]):
                fid = f"{rel}:{line}:{end}"
                text = text[: brace + 1] + PROBE.format(id=fid) + text[brace + 1 :]
                spans.append((fid, rel, line, end))
            open(path, "w", encoding="utf-8").write(text)
    with open(spans_path, "w") as f:
        for fid, rel, line, end in sorted(spans):
            f.write(f"{fid}\t{rel}\t{line}\t{end}\n")
    print(f"instrumented {len(spans)} functions", file=sys.stderr)


def test_name(filename):
    binary, _, test = filename.replace("%", "/").partition("$")
    return binary, test


# Tests whose record can be cut short: they kill the binary at an arbitrary moment or limit the
# size of the files it writes. They run for every mutant.
CUT_SHORT = re.compile(r"^crash::")


def collect(folder, spans_path, map_path):
    reach = {line.split("\t")[0]: [] for line in open(spans_path)}
    tests, always = 0, []
    for name in sorted(os.listdir(folder)):
        binary, test = test_name(name)
        if not test:
            continue
        tests += 1
        ids = set(open(os.path.join(folder, name)).read().split())
        if CUT_SHORT.match(test) or not ids <= reach.keys():
            always.append([binary, test])
        for fid in ids & reach.keys():
            reach[fid].append([binary, test])
    for v in reach.values():
        v.sort()
    json.dump(
        {"tests": tests, "always": always, "reach": reach},
        open(map_path, "w"),
        indent=0,
        sort_keys=True,
    )
    reached = sum(1 for v in reach.values() if v)
    print(
        f"{tests} tests reach {reached} of {len(reach)} functions; {len(always)} run always",
        file=sys.stderr,
    )


def plan(map_path, mutants_path, part):
    k, n = (int(x) for x in part.split("/"))
    data = json.load(open(map_path))
    reach, always = data["reach"], data["always"]
    spans = {}
    for fid in reach:
        rel, line, end = fid.rsplit(":", 2)
        spans.setdefault(rel, []).append((int(line), int(end), fid))
    mutants = json.load(open(mutants_path))[k::n]
    groups = {}
    for m in mutants:
        line = m["span"]["start"]["line"]
        inside = [s for s in spans.get(m["file"], []) if s[0] <= line <= s[1]]
        if inside:
            fid = max(inside, key=lambda s: s[0])[2]
            key = json.dumps(sorted({tuple(t) for t in reach[fid] + always}))
        else:
            key = "null"
        groups.setdefault(key, []).append(m["name"])
    for key, names in groups.items():
        print(json.dumps({"mutants": names, "tests": json.loads(key)}))


def main(argv):
    if len(argv) == 4 and argv[1] == "instrument":
        instrument(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "collect":
        collect(argv[2], argv[3], argv[4])
    elif len(argv) == 5 and argv[1] == "plan":
        plan(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
