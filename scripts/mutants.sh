#!/usr/bin/env bash
# Mutation testing one part at a time (docs/mutation-testing.md). cargo-mutants changes one
# module's code one mutation at a time and runs the tests on each; every part's outcome is
# kept under results/mutation/MODULE/ (committed), so parts run at different times add up.
#
# Usage:
#   scripts/mutants.sh MODULE [K/N]              every mutant of src/MODULE, or part K of N
#   scripts/mutants.sh MODULE --sample S [K/N]   a seeded random sample of S of them
#
# Tests run under nextest's `mutants` profile (.config/nextest.toml: stop at the first
# failure, slow tests last), built with cargo's `mutants` profile (Cargo.toml: opt-level 1).
# The mutants that survive are then run once more against the whole `cargo test`, so a
# mutant counts as missed only when no test of the suite notices it.
set -euo pipefail
cd "$(dirname "$0")/.."

module=${1:?usage: scripts/mutants.sh MODULE [--sample S] [K/N]}
shift
sample=""
if [ "${1:-}" = "--sample" ]; then
  sample=${2:?--sample needs a count}
  shift 2
fi
shard=${1:-1/1}
[[ $shard =~ ^[0-9]+/[0-9]+$ ]] || { echo "part must be K/N, got $shard" >&2; exit 2; }
[ -d "src/$module" ] || { echo "no module src/$module" >&2; exit 2; }

# The copies cargo-mutants builds live under /tmp: point the real-data tests at the data.
if [ -z "${PATHRISK_DATA:-}" ] && [ -d ../shared/data ]; then
  PATHRISK_DATA="$(cd ../shared/data && pwd)"
  export PATHRISK_DATA
fi
# The project's own target folder: a part reuses the dependencies built for it.
export CARGO_TARGET_DIR=${MUTANTS_TARGET_DIR:-$PWD/target}

name=$module${sample:+-sample$sample}
part=${shard/\//-of-}
out=results/mutation/$name/$part
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A sample is drawn from the list by a fixed seed, so every part of it agrees on the sample.
select=()
if [ -n "$sample" ]; then
  cargo mutants --list --file "src/$module/**" >"$work/all.txt"
  shuf -n "$sample" --random-source=<(yes pathrisk-mutants-19) "$work/all.txt" >"$work/sample.txt"
  while IFS= read -r m; do
    select+=(-F "^$(printf '%s' "$m" | sed 's/[][(){}.*+?^$|\\]/\\&/g')\$")
  done <"$work/sample.txt"
fi

common=(--file "src/$module/**" --profile mutants -j 1 --no-shuffle --shard "$shard" --gitignore true
  --timeout 300 --build-timeout 900)
start=$(date +%s)
# Pass 1: nextest, stopping at the first failing test.
cargo mutants "${common[@]}" "${select[@]}" --test-tool nextest --output "$work/pass1" \
  -- --profile mutants || true
r1=$work/pass1/mutants.out
[ -f "$r1/outcomes.json" ] || { echo "cargo-mutants wrote no outcomes" >&2; exit 1; }

# Pass 2: the survivors against the whole cargo test.
: >"$work/missed2.txt"
: >"$work/caught2.txt"
if [ -s "$r1/missed.txt" ]; then
  again=()
  while IFS= read -r m; do
    again+=(-F "^$(printf '%s' "$m" | sed 's/[][(){}.*+?^$|\\]/\\&/g')\$")
  done <"$r1/missed.txt"
  cargo mutants --file "src/$module/**" --profile mutants -j 1 --no-shuffle --gitignore true --timeout 900 \
    --baseline skip "${again[@]}" --output "$work/pass2" || true
  r2=$work/pass2/mutants.out
  cp "$r2/missed.txt" "$work/missed2.txt"
  cat "$r2/caught.txt" "$r2/timeout.txt" >"$work/caught2.txt" 2>/dev/null || true
fi
end=$(date +%s)

mkdir -p "$out"
cat "$r1/caught.txt" >"$out/caught.txt"
cat "$work/caught2.txt" >"$out/caught-by-whole-suite.txt"
cp "$r1/timeout.txt" "$out/timeout.txt"
cp "$r1/unviable.txt" "$out/unviable.txt"
cp "$work/missed2.txt" "$out/missed.txt"
{
  echo "module: src/$module${sample:+ (seeded sample of $sample)}"
  echo "part: $shard"
  echo "commit: $(git rev-parse HEAD)$(git diff --quiet -- src || echo ' (with uncommitted changes)')"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "seconds: $((end - start))"
  for k in caught caught-by-whole-suite timeout unviable missed; do
    echo "$k: $(grep -c . "$out/$k.txt" || true)"
  done
} >"$out/run.txt"
cat "$out/run.txt"
