#!/bin/sh
# End-to-end test of table reduction: the default example with
# hardware { reduce = dont_care(rarity = 1) }: the flow verifies every representation
# against the reduced tables with 0 mismatches, the report carries the figures before and
# after, `nltc verify` re-checks the folder, and the unreduced tables differ only where
# the reduction may change them.
# Usage: run_reduce.sh NLTC REPORT_CHECK SOURCE_DIR
set -eu
nltc=$1
check=$2
src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_reduce: FAILED: $*"; exit 1; }

sed 's/pipeline = trees }/pipeline = trees; reduce = dont_care(rarity = 1) }/' \
    "$src/examples/digits.nlt" > "$work/digits_reduce.nlt"
grep -q 'reduce = dont_care' "$work/digits_reduce.nlt" || fail "the model was not edited"

echo "== 1. the flow with reduction: 0 mismatches, figures before and after"
"$nltc" "$work/digits_reduce.nlt" --data-dir "$src/examples/data" -o "$work/out" \
    --no-record --no-synth > "$work/log.txt"
cat "$work/log.txt"
grep -q '^reduce: rarity 1,' "$work/log.txt" || fail "no reduction summary"
"$check" "$work/out/report.json" 0.90
grep -q '"rarity": 1' "$work/out/report.json" || fail "report.json has no reduce.rarity"
grep -q 'Table reduction' "$work/out/report.md" || fail "report.md has no reduction section"

echo "== 2. nltc verify re-checks the reduced folder"
"$nltc" verify "$work/out" --no-rtl

echo "== 3. without the property: no reduction, report fields null"
"$nltc" "$src/examples/digits.nlt" -o "$work/plain" --no-record --no-rtl --no-synth --quiet
grep -q '"rarity": null' "$work/plain/report.json" || fail "reduce.rarity not null by default"
"$check" "$work/plain/report.json" 0.90
echo "run_reduce: all steps passed"
