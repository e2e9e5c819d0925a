#!/usr/bin/env bash
# Mutation testing one part at a time (docs/mutation-testing.md). cargo-mutants changes one
# module's code one mutation at a time and runs the tests on each; every part's outcome is
# kept under results/mutation/MODULE/ (committed), so parts run at different times add up.
#
# Usage:
#   scripts/mutants.sh MODULE [K/N ...]              every mutant of src/MODULE, or parts of N
#   scripts/mutants.sh MODULE --sample S [K/N ...]   a seeded random sample of S of them
#
# Parts count from 0, as cargo-mutants' --shard does: 0/8 to 7/8 are the whole, part K taking
# every N-th mutant from the K-th.
#
# It mutates this checkout in place, so that a mutant rebuilds incrementally in seconds (a copy
# at a new path rebuilds the crate whole): run it in a worktree of its own, which must be clean,
#   git worktree add ../pathrisk-mutants HEAD && ../pathrisk-mutants/scripts/mutants.sh exact 0/8
# and set MUTANTS_RESULTS to the main checkout's results/mutation to collect the outcomes there.
#
# Each mutant runs the tests that reach the function it changes (scripts/reach.py: a test that
# never enters the function cannot tell the mutant from the original), found once per commit
# by one run of the whole suite on an instrumented copy, which is also the baseline; with
# MUTANTS_WHOLE_SUITE=1 every mutant runs the whole suite instead. Either way under nextest's
# `mutants` profile (.config/nextest.toml: quickest tests first, stop at the first failure),
# built with cargo's `mutants` profile (Cargo.toml: opt-level 1), so a mutant counts as missed
# only when no test that could notice it does.
set -euo pipefail
cd "$(dirname "$0")/.."

module=${1:?usage: scripts/mutants.sh MODULE [--sample S] [K/N]}
shift
sample=""
if [ "${1:-}" = "--sample" ]; then
  sample=${2:?--sample needs a count}
  shift 2
fi
shards=("${@:-1/1}")
for shard in "${shards[@]}"; do
  [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] && ((BASH_REMATCH[1] < BASH_REMATCH[2])) ||
    { echo "a part is K/N with K from 0 to N-1, got $shard" >&2; exit 2; }
done
[ -d "src/$module" ] || { echo "no module src/$module" >&2; exit 2; }
git diff --quiet HEAD -- src Cargo.toml Cargo.lock tests .config ||
  { echo "this checkout has uncommitted changes: mutants run in place, in a clean worktree" >&2; exit 2; }

# The worktree may sit anywhere: point the real-data tests at the data.
if [ -z "${PATHRISK_DATA:-}" ] && [ -d ../shared/data ]; then
  PATHRISK_DATA="$(cd ../shared/data && pwd)"
  export PATHRISK_DATA
fi

name=$module${sample:+-sample$sample}
results=${MUTANTS_RESULTS:-results/mutation}
commit=$(git rev-parse HEAD)
work=$(mktemp -d)
# cargo-mutants puts the code back after each mutant; if it is killed mid-mutant, so does this.
trap 'git checkout --quiet HEAD -- src; git clean -fdq -- tests/proptest-regressions; rm -rf "$work"' EXIT
# Proptest draws new cases on every run unless seeded: seeded, the instrumented run and every
# mutant see the same cases, so what a test reaches and what it catches do not vary by run.
# The cases that fail under a mutant are no regressions of the code: they are not kept, nor
# shrunk.
export PROPTEST_RNG_SEED=19 PROPTEST_MAX_SHRINK_ITERS=0 PROPTEST_DISABLE_FAILURE_PERSISTENCE=1

# Which tests reach which function: once per tree (results and scripts aside), kept beside
# the build. Without it, the baseline is one run of the whole suite.
reach=target/reach/$(git ls-tree HEAD | grep -Pv '\t(results|scripts)$' | sha1sum | cut -c1-16)
if [ -n "${MUTANTS_WHOLE_SUITE:-}" ]; then
  cargo nextest run --cargo-profile mutants --profile mutants >"$work/baseline.log" 2>&1 ||
    { tail -30 "$work/baseline.log" >&2; echo "the unmutated suite fails" >&2; exit 1; }
elif [ ! -f "$reach/map.json" ]; then
  rm -rf "$reach" && mkdir -p "$reach/hits"
  python3 scripts/reach.py instrument src "$reach/spans.tsv"
  PATHRISK_REACH="$(pwd)/$reach/hits" cargo nextest run --cargo-profile mutants --no-fail-fast \
    >"$reach/suite.log" 2>&1 ||
    { git checkout --quiet HEAD -- src; tail -30 "$reach/suite.log" >&2
      echo "the instrumented suite failed (log: $reach/suite.log)" >&2; exit 1; }
  git checkout --quiet HEAD -- src
  python3 scripts/reach.py collect "$reach/hits" "$reach/spans.tsv" "$reach/map.json.tmp"
  mv "$reach/map.json.tmp" "$reach/map.json"
fi

# A sample is drawn from the list by a fixed seed, so every part of it agrees on the sample.
cargo mutants --list --json --file "src/$module/**" >"$work/all.json"
if [ -n "$sample" ]; then
  python3 -c 'import json,sys; [print(m["name"]) for m in json.load(open(sys.argv[1]))]' \
    "$work/all.json" >"$work/all.txt"
  shuf -n "$sample" --random-source=<(yes pathrisk-mutants-19) "$work/all.txt" >"$work/sample.txt"
  python3 -c 'import json,sys
names = open(sys.argv[2]).read().splitlines()
by = {m["name"]: m for m in json.load(open(sys.argv[1]))}
json.dump([by[n] for n in names], open(sys.argv[3], "w"))' "$work/all.json" "$work/sample.txt" "$work/list.json"
else
  cp "$work/all.json" "$work/list.json"
fi

# A mutant is named to cargo-mutants by an anchored, escaped regex.
escape() { printf '%s' "$1" | sed 's/[][(){}.*+?^$|\\]/\\&/g'; }

for shard in "${shards[@]}"; do
  out=$results/$name/${shard/\//-of-}
  start=$(date +%s)
  if [ -n "${MUTANTS_WHOLE_SUITE:-}" ]; then
    python3 -c 'import json,sys
k, n = map(int, sys.argv[2].split("/"))
print(json.dumps({"mutants": [m["name"] for m in json.load(open(sys.argv[1]))[k::n]], "tests": None}))' \
      "$work/list.json" "$shard" >"$work/plan.jsonl"
  else
    python3 scripts/reach.py plan "$reach/map.json" "$work/list.json" "$shard" >"$work/plan.jsonl"
  fi
  for k in caught timeout unviable missed; do : >"$work/$k.txt"; done
  group=0
  while IFS= read -r line; do
    group=$((group + 1))
    select=()
    while IFS= read -r m; do
      select+=(-F "^$(escape "$m")\$")
    done < <(printf '%s' "$line" | python3 -c 'import json,sys; [print(m) for m in json.load(sys.stdin)["mutants"]]')
    filter=$(printf '%s' "$line" | python3 -c 'import json,sys
tests = json.load(sys.stdin)["tests"]
if tests is None:
    print("all()")
else:
    by = {}
    for binary, test in tests:
        by.setdefault(binary, []).append(f"test(={test})")
    parts = ["(binary_id(%s) & (%s))" % (b, " | ".join(t)) for b, t in sorted(by.items())]
    print(" | ".join(["kind(lib)", "kind(bin)"] + parts))')
    rm -rf "$work/run"
    cargo mutants --in-place --file "src/$module/**" --profile mutants --no-shuffle \
      --baseline skip --timeout 900 --build-timeout 900 "${select[@]}" \
      --test-tool nextest --output "$work/run" -- --profile mutants -E "$filter" || true
    r=$work/run/mutants.out
    [ -f "$r/outcomes.json" ] || { echo "cargo-mutants wrote no outcomes for part $shard" >&2; exit 1; }
    for k in caught timeout unviable missed; do cat "$r/$k.txt" >>"$work/$k.txt"; done
  done <"$work/plan.jsonl"
  end=$(date +%s)

  mkdir -p "$out"
  for k in caught timeout unviable missed; do
    sort "$work/$k.txt" >"$out/$k.txt"
  done
  {
    echo "module: src/$module${sample:+ (seeded sample of $sample)}"
    echo "part: $shard"
    echo "commit: $commit"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "seconds: $((end - start))"
    if [ -n "${MUTANTS_WHOLE_SUITE:-}" ]; then
      echo "tests: the whole suite"
    else
      echo "tests: those reaching the mutated function ($group groups)"
    fi
    for k in caught timeout unviable missed; do
      echo "$k: $(grep -c . "$out/$k.txt" || true)"
    done
  } >"$out/run.txt"
  cat "$out/run.txt"
done
