#!/bin/sh
# End-to-end test of the default example: the whole flow, the store, determinism,
# `nltc verify`, and located errors for bad input.
# Usage: run_flow.sh NLTC REPORT_CHECK SOURCE_DIR
set -eu
nltc=$1
check=$2
src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_flow: FAILED: $*"; exit 1; }

echo "== 1. the whole flow on examples/digits.nlt, recorded into a fresh store"
"$nltc" "$src/examples/digits.nlt" -o "$work/out" --store "$work/store" --quiet
"$check" "$work/out/report.json" 0.90
for f in model.ir report.md report.html train/curve.csv train/masks.txt tables/manifest.txt \
    rtl csim; do
    [ -e "$work/out/$f" ] || fail "OUT/$f missing"
done

echo "== 2. the run is in the store"
"$nltc" runs --store "$work/store" | tee "$work/runs.txt"
grep -q '~0' "$work/runs.txt" || fail "nltc runs lists no run"
id=$(awk '/~0 / {print $1; exit}' "$work/runs.txt")
"$nltc" show "$id" --json --store "$work/store" >"$work/shown.json"
cmp "$work/shown.json" "$work/out/report.json" || fail "the recorded report.json differs from OUT's"

echo "== 3. same model and seed: the same truth tables, bit for bit"
"$nltc" "$src/examples/digits.nlt" -o "$work/out2" --no-record --no-rtl --no-synth --quiet
for t in "$work"/out/tables/*; do
    cmp "$t" "$work/out2/tables/$(basename "$t")" || fail "tables differ between two runs: $t"
done

echo "== 4. nltc verify re-checks the output folder"
"$nltc" verify "$work/out2" --no-rtl
rc=0
"$nltc" verify "$work/out2" --no-rtl --bogus 2>"$work/err4.txt" || rc=$?
[ "$rc" = 2 ] || fail "verify --bogus: exit code $rc, want 2 (a usage error)"
grep -q -- "unknown option '--bogus'" "$work/err4.txt" || fail "verify --bogus: flag not named"

echo "== 5. a missing data file is a located error with exit code 1, and no report.json"
rc=0
"$nltc" "$src/examples/digits.nlt" -o "$work/out3" --data-dir "$work/nowhere" --no-record \
    2> "$work/err.txt" || rc=$?
cat "$work/err.txt"
[ "$rc" = 1 ] || fail "exit code $rc, want 1"
grep -q "$work/nowhere/digits.csv.gz" "$work/err.txt" || fail "error does not name the file"
[ ! -e "$work/out3/report.json" ] || fail "report.json written for a failed run"

echo "== 5b. a failed rerun into a finished run's folder leaves nothing that verifies"
rc=0
"$nltc" "$src/examples/digits.nlt" -o "$work/out2" --data-dir "$work/nowhere" --no-record \
    --quiet 2>"$work/err5.txt" || rc=$?
[ "$rc" = 1 ] || fail "failed rerun: exit code $rc, want 1"
for f in report.json report.md report.html tables vectors rtl csim plots train; do
    [ ! -e "$work/out2/$f" ] || fail "a failed rerun left the earlier run's $f"
done
rc=0
"$nltc" verify "$work/out2" --no-rtl 2>"$work/err5.txt" || rc=$?
cat "$work/err5.txt"
[ "$rc" != 0 ] || fail "nltc verify accepted the folder of a failed run"

echo "== 6. a bad flag is a usage error naming the flag, exit code 2"
rc=0
"$nltc" "$src/examples/digits.nlt" --frobnicate 2> "$work/err2.txt" || rc=$?
cat "$work/err2.txt"
[ "$rc" = 2 ] || fail "exit code $rc, want 2"
grep -q -- "--frobnicate" "$work/err2.txt" || fail "error does not name the flag"
echo "run_flow: all steps passed"
