#!/usr/bin/env bash
# Regenerates the committed example results in results/examples/ (or in the folder given):
# the share sweep that docs/commands.md shows. The test `examples` runs this script into a
# temporary folder and requires the same bytes as the committed files, so rerun it (and
# commit) whenever a change moves the numbers.
# Usage: scripts/examples.sh [OUT_DIR]; PATHRISK names the binary (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/examples}
if [ -z "${PATHRISK:-}" ]; then
  cargo build --release --quiet
  PATHRISK=target/release/pathrisk
fi
mkdir -p "$out"
"$PATHRISK" sweep scenarios/one-entity-full-path.toml \
  --vary network.adversary.share=log:0.01:0.2:10 --set network.adversary.operators=3 \
  --compare path.selection=random,operator-aware \
  --compare 'adversary.target={ entity = "adversary" },any' \
  --trials 4000 --log-y --quiet \
  --plot "$out/share-sweep.svg" --output "$out/share-sweep.csv" >/dev/null

# Clients through the 2016–17 series of real consensuses (docs/tor.md, "Networks that
# change"): only where the real data is ($PATHRISK_DATA, or shared/data above the project).
data_found() {
  [ -n "${PATHRISK_DATA:-}" ] && [ -d "$PATHRISK_DATA" ] && return 0
  local d=$PWD
  while [ "$d" != / ]; do
    [ -d "$d/shared/data" ] && return 0
    d=$(dirname "$d")
  done
  return 1
}
if data_found; then
  for f in csv svg; do
    "$PATHRISK" run scenarios/presets/tor-series-2016-17-new-clients.toml --quiet \
      --cdf "$out/tor-series-first-compromise.$f" >/dev/null
  done
  "$PATHRISK" sweep scenarios/presets/tor-series-2016-17-hosting.toml --over consensus \
    --method exact --metric path --quiet \
    --plot "$out/tor-series-hosting.svg" --output "$out/tor-series-hosting.csv" >/dev/null
else
  echo "examples.sh: the real data was not found; the tor-series examples are not made" >&2
fi
