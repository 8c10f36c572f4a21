#!/bin/sh
# dp.sh - data-parallel training of one model over P MPI ranks (mpirun -np P nltc MODEL):
# the training time of each rank count (report.json's time_s.stage1 + stage2, rank 0's
# clock), the speed-up against the first count and the efficiency, and whether the tables
# equal the first count's (they must: sums over rows are int64 fixed point).
# usage: bench/mpi/dp.sh NLTC MODEL.nlt DATA_DIR "1 2 3" [nltc options...]
# Ranks beyond the cores run oversubscribed; --threads 1 is passed (one core per rank);
# waiting ranks yield the core (OMPI_MCA_mpi_yield_when_idle=1 unless set).
set -u
# Open MPI's waiting ranks poll; on a machine with fewer idle cores than ranks let them yield
export OMPI_MCA_mpi_yield_when_idle="${OMPI_MCA_mpi_yield_when_idle:-1}"
nltc=$1 model=$2 data=$3 counts=$4
shift 4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
first="" t1=""
printf '%-6s %-10s %-10s %-10s %-9s %-10s %s\n' ranks stage1_s stage2_s train_s speed-up efficiency tables
for p in $counts; do
    mpirun --oversubscribe --allow-run-as-root -np "$p" "$nltc" "$model" -o "$out/np$p" \
        --data-dir "$data" --threads 1 --no-rtl --no-synth --no-record --quiet "$@" \
        > "$out/np$p.log" 2>&1 || { echo "np $p failed:"; cat "$out/np$p.log"; exit 1; }
    s1=$(grep -o '"stage1": [0-9.e+-]*' "$out/np$p/report.json" | cut -d' ' -f2)
    s2=$(grep -o '"stage2": [0-9.e+-]*' "$out/np$p/report.json" | cut -d' ' -f2)
    t=$(echo "$s1 + $s2" | bc -l)
    if [ -z "$first" ]; then
        first=$p t1=$t same="(reference)"
    elif diff -r "$out/np$first/tables" "$out/np$p/tables" > /dev/null; then
        same="equal to np $first"
    else
        same="DIFFERENT from np $first"
    fi
    sp=$(echo "$t1 / $t" | bc -l)
    eff=$(echo "100 * $sp * $first / $p" | bc -l)
    printf '%-6s %-10.2f %-10.2f %-10.2f %-9.2f %-10s %s\n' "$p" "$s1" "$s2" "$t" "$sp" \
        "$(printf '%.0f%%' "$eff")" "$same"
done
grep -o '"accuracy": {[^}]*}' "$out/np$first/report.json"
