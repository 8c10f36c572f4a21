#!/bin/sh
# curve.sh - accuracy against training time from a run's OUT/train/curve.csv.
#   bench/train/curve.sh OUT/train/curve.csv [EVERY]
# Prints one row every EVERY epochs (default 25) and at the end of each stage: the wall
# time since the run began (curve.csv counts both stages), the validation accuracy of that
# epoch, the stage's best so far with its epoch (what selection on validation would pick
# if the run stopped there), and the mean training samples/s over the rows since the last
# one printed (so a slowdown late in a long run shows).
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    echo "usage: curve.sh OUT/train/curve.csv [EVERY]" >&2
    exit 2
fi
[ -r "$1" ] || { echo "curve.sh: $1: cannot read" >&2; exit 2; }
every=${2:-25}
case $every in '' | *[!0-9]* | 0) echo "curve.sh: EVERY must be a positive integer" >&2; exit 2 ;; esac
awk -F, -v every="$every" -v file="$1" '
function hms(s) { return sprintf("%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60) }
function row() {
    printf "%-6s %5d  %8s  %6.2f%%  %6.2f%% (epoch %3d)  %6.0f\n", st, ep, hms(sec), 100 * va,
           100 * best, bep, n ? sps / n : 0
    sps = 0; n = 0
}
BEGIN { best = -1 }
NR == 1 {
    if ($1 != "stage" || $7 != "seconds") { printf "curve.sh: %s: not a curve.csv\n", file > "/dev/stderr"; exit 2 }
    printf "%-6s %5s  %8s  %7s  %-18s %6s\n", "stage", "epoch", "elapsed", "valid", "best valid", "  samp/s"
    next
}
NF != 8 { printf "curve.sh: %s:%d: expected 8 columns\n", file, NR > "/dev/stderr"; exit 2 }
{
    if (NR > 2 && $1 != st) { if (pending) row(); best = -1 }
    st = $1; ep = $2; va = $5; sec = $7; sps += $8; n++
    if (va > best) { best = va; bep = ep }
    pending = 1
    if (ep % every == 0) { row(); pending = 0 }
}
END { if (pending) row() }
' "$1"
