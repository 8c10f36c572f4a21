#!/bin/sh
# End-to-end test of the L-LUT kinds (issue 16): a model whose trees are of different kinds
# (an MLP tree feeding a polynomial tree, linear leaves under an MLP root) through the whole
# flow: the tables, the C simulator and the RTL agree with the quantized model on every
# test sample (0 mismatches), and `nltc verify` re-checks the folder.
# Usage: run_kinds.sh NLTC REPORT_CHECK SOURCE_DIR
set -eu
nltc=$1
check=$2
src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_kinds: FAILED: $*"; exit 1; }

echo "== 1. --check accepts the kinds"
"$nltc" "$src/tests/e2e/kinds.nlt" --check

echo "== 2. the flow: every representation equals the quantized model"
"$nltc" "$src/tests/e2e/kinds.nlt" --data-dir "$src/examples/data" -o "$work/out" \
    --no-record --no-synth > "$work/log.txt" 2>&1
cat "$work/log.txt"
grep -q '^verify: 0 mismatches' "$work/log.txt" || fail "verification did not report 0 mismatches"
"$check" "$work/out/report.json" 0.60
for k in 'kind poly degree 2' 'kind poly degree 3' 'kind linear' 'hidden 8'; do
    grep -q "$k" "$work/out/model.ir" || fail "model.ir has no layer with $k"
done

echo "== 3. nltc verify re-checks the folder"
"$nltc" verify "$work/out"
echo "run_kinds: all steps passed"
