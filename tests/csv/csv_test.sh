#!/bin/sh
# csv_test.sh - the "Bring your own CSV" example and the data errors around it.
# Usage: csv_test.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
here="$src/tests/csv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect CODE PATTERN ARGS...: nltc ARGS exits with CODE and its stderr matches PATTERN
expect() {
    code=$1 pattern=$2
    shift 2
    "$nltc" "$@" >"$work/out.txt" 2>"$work/err.txt"
    rc=$?
    [ "$rc" = "$code" ] || fail "nltc $*: exit $rc, want $code: $(cat "$work/err.txt")"
    grep -q -- "$pattern" "$work/err.txt" ||
        fail "nltc $*: stderr lacks '$pattern': $(cat "$work/err.txt")"
}

# 1. lang/README.md shows blobs.nlt as it is (the code block after its marker line)
awk '/^<!-- tests\/csv\/blobs.nlt -->$/ {on = 1; next} on && /^```$/ {if (++fence == 2) exit; next}
    on && fence == 1' "$src/lang/README.md" >"$work/readme.nlt"
cmp -s "$work/readme.nlt" "$here/blobs.nlt" || {
    fail "lang/README.md's example differs from tests/csv/blobs.nlt"
    diff "$work/readme.nlt" "$here/blobs.nlt" >&2
}

# 2. --check reads the file: the encoding and the input count
"$nltc" --check "$here/blobs.nlt" >"$work/check.txt" 2>&1 || fail "--check: $(cat "$work/check.txt")"
grep -q '^data: 4 numeric (standardized) + site one-hot 2 = 6 inputs$' "$work/check.txt" ||
    fail "--check does not say the input count: $(cat "$work/check.txt")"

# 3. a short run from another folder
cd "$work"
"$nltc" "$here/blobs.nlt" -o out --set stage.dense.epochs=2 --set stage.sparse.epochs=3 \
    --no-record --no-rtl --no-synth --threads 2 -q >run.txt 2>&1 || fail "run: $(cat run.txt)"
grep -q '^test accuracy: ' run.txt || fail "run: no result line: $(cat run.txt)"
[ -s out/report.json ] || fail "run: no report.json"

# 4. the errors, each naming the data file, the lines and the way out
expect 1 "blobs.csv: line 1 (the header) has 5 fields but line 2 (the first data row) has 6;.*skip = 1 skips line 1" \
    --check "$here/blobs.nlt" --set dataset.skip=0
expect 1 "blobs.csv:10:2: missing value 'NA' in numeric column 'height' (fill such cells with 'missing = zero' or 'missing = mean'" \
    --check "$here/blobs.nlt" --set dataset.missing=error
expect 1 "^nltc: error: --set dataset.inputs=5: .*blobs.csv: the data gives 6 inputs but the model declares inputs = 5 (4 numeric (standardized) + site one-hot 2 = 6 inputs)" \
    --check "$here/blobs.nlt" --set dataset.inputs=5
sed 's/^    inputs = 6/    inputs = 7/' "$here/blobs.nlt" >"$work/in7.nlt"
cp "$here/blobs.csv" "$work/blobs.csv"
expect 1 "in7.nlt:10:14: error: .*blobs.csv: the data gives 6 inputs but the model declares inputs = 7" \
    --check "$work/in7.nlt"
expect 1 "blobs.csv: skip = 500, but the file has only 152 lines" \
    --check "$here/blobs.nlt" --set dataset.skip=500
sed '20s/$/,9/' "$here/blobs.csv" >"$work/blobs.csv"
cp "$here/blobs.nlt" "$work/blobs.nlt"
rm -f "$work/in7.nlt"
expect 1 "blobs.csv:20:7: ragged row: line 20 has 7 fields but line 2 (the header) has 6" \
    --check "$work/blobs.nlt"
# missing = zero runs too
"$nltc" "$here/blobs.nlt" -o out0 --set dataset.missing=zero --set stage.dense.epochs=1 \
    --set stage.sparse.epochs=1 --no-record --no-rtl --no-synth -q >/dev/null 2>&1 ||
    fail "missing = zero: the run failed"

[ $fails = 0 ] || { echo "csv_test: $fails failure(s)" >&2; exit 1; }
echo "csv_test: ok"
