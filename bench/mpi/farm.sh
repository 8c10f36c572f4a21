#!/bin/sh
# farm.sh - the MPI sweep farm's speed-up: the same 6 configurations of tests/sweep/tiny.nlt
# run by `mpirun -np P nltc sweep` for each P given (default 1 2), each into a fresh store,
# with the wall time, the speed-up against the first P and the efficiency, and the load
# average before and after (the machine may be shared).
# usage: bench/mpi/farm.sh BUILD-MPI/nltc [P...]
set -eu
nltc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[ $# -gt 0 ] || set -- 1 2
root=$(cd "$(dirname "$0")/../.." && pwd)
export NLTC_STDLIB="$root/stdlib"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$root/tests/sweep/tiny.nlt" "$dir/"
sed 's/draws = 3/draws = 6/' "$root/tests/sweep/grid.nlt" > "$dir/grid.nlt"
cd "$dir"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
base=""
for p in "$@"; do
    t0=$(date +%s.%N)
    mpirun --oversubscribe --allow-run-as-root -np "$p" "$nltc" sweep grid.nlt -o "out$p" \
        --store "store$p" --no-rtl --no-synth --data-dir "$root/examples/data" > "log$p" 2>&1
    t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc)
    [ -n "$base" ] || base=$s
    echo "ranks $p: $s s for 6 configurations, speed-up $(echo "scale=2; $base / $s" | bc)," \
        "efficiency $(echo "scale=2; $base / $s / $p * 100" | bc)%"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
