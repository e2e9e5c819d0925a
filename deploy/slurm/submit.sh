#!/usr/bin/env bash
# Submits a pathrisk run or sweep to Slurm as a job array of N shards and a merge job that
# starts when every shard succeeded (--dependency=afterok).
#
#   deploy/slurm/submit.sh N OUTDIR run   SCENARIO [pathrisk run options...]
#   deploy/slurm/submit.sh N OUTDIR sweep SCENARIO --vary ... [pathrisk sweep options...]
#
# Array task i runs `pathrisk <command> ... --shard i/N --output OUTDIR/part-i.json`; the merge
# job writes OUTDIR/result.json (run) or OUTDIR/result.csv (sweep). Logs go to OUTDIR too.
# Environment: PATHRISK (the binary; default: pathrisk on PATH), and any sbatch option as
# SBATCH_* variables (SBATCH_PARTITION, SBATCH_TIMELIMIT, SBATCH_ACCOUNT, ...), which sbatch
# reads itself. Prints the two job ids.
set -euo pipefail

if [ $# -lt 4 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
shards=$1 outdir=$2 command=$3
shift 3
case "$command" in
    run) result="$outdir/result.json" ;;
    sweep) result="$outdir/result.csv" ;;
    *) echo "submit.sh: command must be run or sweep, not '$command'" >&2; exit 2 ;;
esac
if ! [[ "$shards" =~ ^[1-9][0-9]*$ ]]; then
    echo "submit.sh: N must be a positive integer, not '$shards'" >&2
    exit 2
fi
pathrisk=${PATHRISK:-$(command -v pathrisk)}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# Arguments quoted once for the job scripts.
args=$(printf ' %q' "$@")

array=$(sbatch --parsable --job-name=pathrisk-shards --array="0-$((shards - 1))" \
    --output="$outdir/shard-%a.log" <<JOB
#!/usr/bin/env bash
set -euo pipefail
exec $(printf %q "$pathrisk") $command$args --quiet \
    --shard "\$SLURM_ARRAY_TASK_ID/$shards" --output "$outdir/part-\$SLURM_ARRAY_TASK_ID.json"
JOB
)
array=${array%%;*}

merge=$(sbatch --parsable --job-name=pathrisk-merge --dependency="afterok:$array" \
    --output="$outdir/merge.log" <<JOB
#!/usr/bin/env bash
set -euo pipefail
exec $(printf %q "$pathrisk") merge --quiet --output "$result" "$outdir"/part-*.json
JOB
)
merge=${merge%%;*}
echo "shards job $array, merge job $merge; result: $result"
