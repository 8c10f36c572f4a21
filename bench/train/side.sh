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
#
# SIDE_PAIR=1 (one thread, two or more cores): each turn runs the two builds at the same
# time, each pinned to a core of its own (taskset; the cores swap every turn), so that both
# meet the same load from other machines' work; the summary adds the median of the turns'
# ratios, the figure to quote on a noisy shared machine.
set -eu
if [ $# -lt 4 ]; then
    sed -n '2,17p' "$0" >&2
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
PAIR=${SIDE_PAIR:-0}
if [ "$PAIR" = 1 ] && { [ "$T" != 1 ] || [ "$(nproc)" -lt 2 ] || ! command -v taskset > /dev/null; }; then
    echo "side.sh: SIDE_PAIR=1 needs THREADS 1, two cores and taskset" >&2
    exit 2
fi
one() { # build [core] -> samples/s
    ${2:+taskset -c "$2"} "$1/bench/train/train_model" "$MODEL" --data-dir "$DATA" \
        -o "$tmp/out${2:-}" --random-masks --sparse-epochs "$E" --max-batches "$MB" \
        --threads "$T" 2>&1 | sed -n 's/.*stage2 [0-9.]* s, \([0-9]*\) samples\/s.*/\1/p' | tail -1
}
i=0
while [ $i -lt "$N" ]; do
    if [ "$PAIR" = 1 ]; then
        c=$((i % 2))
        one "$BASE" "$c" > "$tmp/b1" &
        one "$NEW" "$((1 - c))" > "$tmp/n1"
        wait
        cat "$tmp/b1" >> "$tmp/base"
        cat "$tmp/n1" >> "$tmp/new"
        awk -v a="$(cat "$tmp/b1")" -v b="$(cat "$tmp/n1")" 'BEGIN {if (a > 0) print b / a}' >> "$tmp/ratio"
    else
        one "$BASE" >> "$tmp/base"
        one "$NEW" >> "$tmp/new"
    fi
    i=$((i + 1))
done
stats() { sort -n "$1" | awk '{v[NR] = $1} END {if (NR == 0) {print "0 0"; exit} print v[NR], v[int((NR + 1) / 2)]}'; }
set -- $(stats "$tmp/base") $(stats "$tmp/new")
if [ "$1" -eq 0 ] || [ "$3" -eq 0 ]; then
    echo "side.sh: a build gave no samples/s figure (run its train_model by hand to see why)" >&2
    exit 1
fi
paired=
if [ "$PAIR" = 1 ]; then
    paired=" | paired: median of the turns' ratios $(sort -n "$tmp/ratio" | awk '{v[NR] = $1} END {printf "%.2fx (%.2f-%.2f)", v[int((NR + 1) / 2)], v[1], v[NR]}')"
fi
echo "side.sh: $(basename "$MODEL"), $T threads, $N turns: base best $1 (median $2) | new best $3 (median $4) samples/s | ratio of bests $(awk -v a="$3" -v b="$1" 'BEGIN {printf "%.2fx", a / b}')$paired"
