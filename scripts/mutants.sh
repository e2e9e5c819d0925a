#!/usr/bin/env bash
# Mutation testing one part at a time (docs/mutation-testing.md). cargo-mutants changes one
# module's code one mutation at a time and runs the tests on each; every part's outcome is
# kept under results/mutation/MODULE/ (committed), so parts run at different times add up.
#
# Usage:
#   scripts/mutants.sh MODULE [K/N ...]              every mutant of src/MODULE, or parts of N
#   scripts/mutants.sh MODULE --sample S [K/N ...]   a seeded random sample of S of them
#
# Parts count from 0, as cargo-mutants' --shard does: 0/8 to 7/8 are the whole.
#
# It mutates this checkout in place, so that a mutant rebuilds incrementally in seconds (a copy
# at a new path rebuilds the crate whole): run it in a worktree of its own, which must be clean,
#   git worktree add ../pathrisk-mutants HEAD && ../pathrisk-mutants/scripts/mutants.sh exact 0/8
# and set MUTANTS_RESULTS to the main checkout's results/mutation to collect the outcomes there.
#
# Each mutant runs the whole suite under nextest's `mutants` profile (.config/nextest.toml:
# quickest tests first, stop at the first failure), built with cargo's `mutants` profile
# (Cargo.toml: opt-level 1), so a mutant counts as missed only when no test notices it.
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
work=$(mktemp -d)
# cargo-mutants puts the code back after each mutant; if it is killed mid-mutant, so does this.
trap 'git checkout --quiet HEAD -- src; rm -rf "$work"' EXIT

# A sample is drawn from the list by a fixed seed, so every part of it agrees on the sample;
# each drawn mutant is named to cargo-mutants by an anchored, escaped regex.
select=()
if [ -n "$sample" ]; then
  cargo mutants --list --file "src/$module/**" >"$work/all.txt"
  shuf -n "$sample" --random-source=<(yes pathrisk-mutants-19) "$work/all.txt" >"$work/sample.txt"
  while IFS= read -r m; do
    select+=(-F "^$(printf '%s' "$m" | sed 's/[][(){}.*+?^$|\\]/\\&/g')\$")
  done <"$work/sample.txt"
fi

# The first part checks that the unmutated tree passes; the later ones build on that check.
baseline=run
for shard in "${shards[@]}"; do
  out=$results/$name/${shard/\//-of-}
  start=$(date +%s)
  rm -rf "$work/run"
  cargo mutants --in-place --file "src/$module/**" --profile mutants --no-shuffle \
    --shard "$shard" --baseline "$baseline" --timeout 900 --build-timeout 900 "${select[@]}" \
    --test-tool nextest --output "$work/run" -- --profile mutants || true
  r=$work/run/mutants.out
  [ -f "$r/outcomes.json" ] || { echo "cargo-mutants wrote no outcomes for part $shard" >&2; exit 1; }
  end=$(date +%s)
  baseline=skip

  mkdir -p "$out"
  for k in caught timeout unviable missed; do
    cp "$r/$k.txt" "$out/$k.txt"
  done
  {
    echo "module: src/$module${sample:+ (seeded sample of $sample)}"
    echo "part: $shard"
    echo "commit: $(git rev-parse HEAD)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "seconds: $((end - start))"
    for k in caught timeout unviable missed; do
      echo "$k: $(grep -c . "$out/$k.txt" || true)"
    done
  } >"$out/run.txt"
  cat "$out/run.txt"
done
