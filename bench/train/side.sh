#!/bin/sh
# side.sh - stage-2 training samples/s of two builds side by side, in turns (issue 15:
# "N times today's samples/s" measured against the build of that day, in the same run).
#
#   bench/train/side.sh BASE_BUILD NEW_BUILD MODEL.nlt DATA_DIR [THREADS] [TURNS] [EPOCHS] [BATCHES]
#
# Each build's bench/train/train_model trains MODEL's sparse stage from random masks
# (--random-masks --sparse-epochs EPOCHS --max-batches BATCHES, default 1 and 150) with
# THREADS threads (default 1), the two builds alternating TURNS times (default 5). The
# figure is train_model's stage-2 samples/s (training steps only); the summary gives each
# build's best and median over the turns and the ratio of the bests (on a shared machine
# the best is the run least disturbed by others). Run from the repository root.
set -eu
if [ $# -lt 4 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
BASE=$1 NEW=$2 MODEL=$3 DATA=$4
T=${5:-1} N=${6:-5} E=${7:-1} MB=${8:-150}
for b in "$BASE" "$NEW"; do
    if [ ! -x "$b/bench/train/train_model" ]; then
        echo "side.sh: $b/bench/train/train_model not found (build it: cmake --build $b --target train_model)" >&2
        exit 2
    fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one() { # build -> samples/s
    "$1/bench/train/train_model" "$MODEL" --data-dir "$DATA" -o "$tmp/out" --random-masks \
        --sparse-epochs "$E" --max-batches "$MB" --threads "$T" 2>&1 |
        sed -n 's/.*stage2 [0-9.]* s, \([0-9]*\) samples\/s.*/\1/p' | tail -1
}
i=0
while [ $i -lt "$N" ]; do
    one "$BASE" >> "$tmp/base"
    one "$NEW" >> "$tmp/new"
    i=$((i + 1))
done
stats() { sort -n "$1" | awk '{v[NR] = $1} END {if (NR == 0) {print "0 0"; exit} print v[NR], v[int((NR + 1) / 2)]}'; }
set -- $(stats "$tmp/base") $(stats "$tmp/new")
if [ "$1" -eq 0 ] || [ "$3" -eq 0 ]; then
    echo "side.sh: a build gave no samples/s figure (run its train_model by hand to see why)" >&2
    exit 1
fi
echo "side.sh: $(basename "$MODEL"), $T threads, $N turns: base best $1 (median $2) | new best $3 (median $4) samples/s | ratio of bests $(awk -v a="$3" -v b="$1" 'BEGIN {printf "%.2fx", a / b}')"
