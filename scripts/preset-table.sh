#!/usr/bin/env bash
# Prints the README's preset table: for each preset, the path and client probabilities with
# 95% intervals for an adversary with 2%, 5% and 10% declaring one operator, and hiding
# behind 3 operators of the same total share. Usage: scripts/preset-table.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20000}
cargo build --release --quiet
bin=target/release/pathrisk
echo "| preset | adversary share | operators | path | client |"
echo "|---|---|---|---|---|"
for preset in tor-family-table-2018 session simplex-private-routing simplex-private-routing-simplex-only simplex-private-routing-custom; do
  "$bin" sweep "scenarios/presets/$preset.toml" --quiet --trials "$trials" \
    --vary network.add_adversary.share=0.02,0.05,0.1 --compare network.add_adversary.operators=1,3 |
  awk -F, -v preset="$preset" '
    function pct(x) { return sprintf("%.3g%%", 100 * x) }
    NR > 1 && ($3 == "path" || $3 == "client") {
      key = $1 "," $2
      cell[key, $3] = pct($4) " [" pct($5) ", " pct($6) "]"
      if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    }
    END {
      for (i = 1; i <= n; i++) {
        split(order[i], k, ",")
        sub("operators=", "", k[2])
        printf "| %s | %s%% | %s | %s | %s |\n", preset, 100 * k[1], k[2], cell[order[i], "path"], cell[order[i], "client"]
      }
    }'
done
