#!/usr/bin/env bash
# Under mpirun -n 2, rank 0 writes outputs byte-identical to a single-process run.
set -euo pipefail
reesim="$1"
source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec="$source_dir/experiments/examples/export_control_arms.textproto"
"$reesim" experiment --quiet --spec "$spec" --threads 1 --out "$work/single"
mpirun --allow-run-as-root --oversubscribe -n 2 "$reesim" experiment --spec "$spec" --threads 1 --out "$work/mpi" > "$work/log"
for file in runs.csv summary.csv summary.json bands.csv experiments.csv outcomes.csv; do
  cmp "$work/single/$file" "$work/mpi/$file"
done
grep -q "on 2 MPI ranks" "$work/log" || { echo "mpirun did not split the runs across ranks"; exit 1; }
echo "1 passed, 0 failed"
