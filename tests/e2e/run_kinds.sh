#!/bin/sh
# End-to-end test of the L-LUT kinds (issue 16): a model whose trees are of different kinds
# (an MLP tree feeding a polynomial tree, linear leaves under an MLP root) through the whole
# flow: the tables, the C simulator and the RTL agree with the quantized model on every
# test sample (0 mismatches), and `nltc verify` re-checks the folder. The same for MODEL
# (tests/e2e/tables.nlt: multi-bit trained tables), its accuracy at least MIN and model.ir
# holding each PATTERN.
# Usage: run_kinds.sh NLTC REPORT_CHECK SOURCE_DIR [MODEL MIN PATTERN...]
set -eu
nltc=$1
check=$2
src=$3
model=${4:-$src/tests/e2e/kinds.nlt}
min=${5:-0.60}
shift $(( $# < 5 ? $# : 5 ))
[ $# -gt 0 ] || set -- 'kind poly degree 2' 'kind poly degree 3' 'kind linear' 'hidden 8'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_kinds: FAILED: $*"; exit 1; }

echo "== 1. --check accepts the kinds"
"$nltc" "$model" --check

if grep -q 'kind = table' "$model"; then
    echo "== 1b. a trained table over 14 address bits is refused at --check, located"
    "$nltc" "$model" --check --set lut.tab3.fanin=7 > "$work/err.txt" 2>&1 && fail "accepted"
    cat "$work/err.txt"
    line=$(grep -n '^lut tab3 ' "$model" | cut -d: -f1)
    grep -q "tables.nlt:$line:[0-9]*: error: layer t1.1: kind = table over fan-in 7 x 2-bit codes has a 14-bit address" \
        "$work/err.txt" || fail "no located error for the 14-bit table"
fi

echo "== 2. the flow: every representation equals the quantized model"
"$nltc" "$model" --data-dir "$src/examples/data" -o "$work/out" \
    --no-record --no-synth > "$work/log.txt" 2>&1
cat "$work/log.txt"
grep -q '^verify: 0 mismatches' "$work/log.txt" || fail "verification did not report 0 mismatches"
"$check" "$work/out/report.json" "$min"
for k in "$@"; do
    grep -q "$k" "$work/out/model.ir" || fail "model.ir has no layer with $k"
done

echo "== 3. nltc verify re-checks the folder"
"$nltc" verify "$work/out"
echo "run_kinds: all steps passed"
