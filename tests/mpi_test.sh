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
# An empirical game (reesim game --spec) under mpirun: the same game outputs as one process.
cat > "$work/game.textproto" <<'EOF_GAME'
name: "mpi" scenario: "baseline_2024" rounds: 2 replicates: 3 seed: 4
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.1 } }
players { actor: "CHN" strategies { name: "open" } strategies { name: "tax" overlay { policies { export_tax { products: "ndpr_oxide" ad_valorem: 0.2 } } } } }
players { actor: "USA" strategies { name: "none" } strategies { name: "tariff" overlay { policies { import_tariff { ad_valorem: 0.25 from: "CHN" } } } } }
analyses { bootstrap_resamples: 100 }
EOF_GAME
"$reesim" game --quiet --spec "$work/game.textproto" --threads 1 --out "$work/game_single"
mpirun --allow-run-as-root --oversubscribe -n 2 "$reesim" game --spec "$work/game.textproto" --threads 1 --out "$work/game_mpi" > "$work/game_log"
for file in game.json game.nfg profiles.csv runs.csv summary.csv; do
  cmp "$work/game_single/$file" "$work/game_mpi/$file"
done
grep -q "(2 MPI ranks)" "$work/game_log" || { echo "mpirun did not split the game's runs across ranks"; exit 1; }
# Profile search (QUIESCE) chooses each batch from the last: under mpirun it is refused, nothing written.
echo 'profile_search: QUIESCE max_profiles: 2' >> "$work/game.textproto"
if mpirun --allow-run-as-root --oversubscribe -n 2 "$reesim" game --spec "$work/game.textproto" --threads 1 \
    --out "$work/search_mpi" > /dev/null 2> "$work/search_err"; then
  echo "profile search ran under mpirun"; exit 1
fi
grep -q "QUIESCE chooses each batch" "$work/search_err" || { echo "no reason given for refusing QUIESCE under mpirun"; exit 1; }
[ ! -e "$work/search_mpi" ] || { echo "a refused profile search left outputs"; exit 1; }
echo "3 passed, 0 failed"
