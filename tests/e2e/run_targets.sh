#!/bin/sh
# End-to-end tests of the hardware targets (issue 18).
#   run_targets.sh NLTC SOURCE_DIR ice40   examples/digits_ice40.nlt through the whole flow:
#       synth_ice40, nextpnr-ice40 on a real part, the bitstream in OUT/pnr/, the router's
#       Fmax and utilisation in report.json and report.md; `nltc verify` re-checks it.
#       Skips (exit 77, saying which) without yosys, nextpnr-ice40, icepack or verilator.
#   run_targets.sh NLTC SOURCE_DIR stream  examples/digits_ecp5.nlt (interface = stream)
#       without synthesis: the wrapper's test bench with random stalls on both sides passes
#       every test vector (none lost or duplicated, results equal), and `nltc verify`
#       regenerates the RTL with the wrapper and runs the bench again. Skips without verilator.
set -eu
nltc=$1
src=$2
what=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_targets: FAILED: $*"; exit 1; }
need() {
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "run_targets: SKIPPED: $t not installed"; exit 77; }
    done
}
out=$work/out
case $what in
ice40)
    need yosys nextpnr-ice40 icepack verilator
    "$nltc" "$src/examples/digits_ice40.nlt" --data-dir "$src/examples/data" -o "$out" \
        --no-record > "$work/log.txt" 2>&1 || { cat "$work/log.txt"; fail "the flow failed"; }
    cat "$work/log.txt"
    test -s "$out/pnr/digits_ice40.bin" || fail "no bitstream in OUT/pnr"
    grep -q '"target": "ice40"' "$out/report.json" || fail "report.json names no target"
    grep -Eq '"pnr_part": "iCE40 (UP5K|HX8K)' "$out/report.json" || fail "no part in report.json"
    grep -Eq '"pnr_fmax_mhz": [0-9]' "$out/report.json" || fail "no router Fmax in report.json"
    grep -Eq '"pnr_cells": [1-9]' "$out/report.json" || fail "no utilisation in report.json"
    grep -q 'Fmax, nextpnr router' "$out/report.md" || fail "report.md has no router Fmax"
    grep -q 'lattice_ice40' "$out/report.json" || fail "not the iCE40 timing model"
    "$nltc" verify "$out" --no-rtl || fail "nltc verify failed on the iCE40 folder"
    ;;
stream)
    need verilator
    "$nltc" "$src/examples/digits_ecp5.nlt" --data-dir "$src/examples/data" -o "$out" \
        --no-record --no-synth > "$work/log.txt" 2>&1 || { cat "$work/log.txt"; fail "the flow failed"; }
    cat "$work/log.txt"
    grep -q 'module digits_ecp5_stream' "$out/rtl/digits_ecp5.v" || fail "no stream wrapper"
    # the summary line may be wrapped: match it with the line breaks folded into spaces
    tr -s ' \n' '  ' < "$work/log.txt" |
        grep -Eq 'RTL \(every_layer\) +ok: 0 of [0-9]+ samples differ.*latency 6 cycles \(0 timing errors\)' ||
        fail "the stream bench did not pass every vector"
    "$nltc" verify "$out" > "$work/verify.txt" 2>&1 || { cat "$work/verify.txt"; fail "nltc verify"; }
    ;;
*) fail "unknown test $what" ;;
esac
echo "run_targets: $what: ok"
