#!/bin/sh
# run_predict.sh - `nltc predict` gives the verified artifacts' bits: a small model is
# trained with its test split in a file of its own, then predict on that file prints the
# input and output codes of OUT/rtl/vectors.hex (the verified test vectors) line for line,
# the classes by name with and without the label column, the accuracy report.json has, and
# the C simulator's <id>_classify agrees row for row. Bad rows fail with file:line. With
# Verilator, the RTL's out_class port (hardware.argmax) passes the test bench.
# Usage: run_predict.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() {
    echo "predict: FAILED: $*"
    fails=$((fails + 1))
}
cp "$src/tests/e2e/predict.nlt" "$work/"
gzip -dc "$src/examples/data/digits.csv.gz" | head -n 1400 >"$work/train.csv"
gzip -dc "$src/examples/data/digits.csv.gz" | tail -n +1401 >"$work/test.csv"
cd "$work" || exit 1
rtl=--no-rtl
command -v verilator >/dev/null 2>&1 && rtl=
"$nltc" predict.nlt -o out --no-record $rtl --no-synth --quiet || {
    echo "predict: FAILED: the fixture run failed"
    exit 1
}
grep -q '^class 9 nine$' out/tables/preprocess.txt || fail "class names in preprocess.txt"
grep -q 'output wire \[3:0\] out_class' out/rtl/predict_small.v || fail "no out_class port"
grep -q '^argmax 1$' out/tables/manifest.txt || fail "the manifest does not record argmax"
if [ -z "$rtl" ]; then
    grep -q '"rtl": 0\.' out/report.json || fail "the RTL with out_class was not verified"
else
    echo "verilator is not installed: the out_class port is not simulated"
fi
"$nltc" predict out test.csv --codes -o codes.hex 2>/dev/null || fail "predict --codes"
cmp -s codes.hex out/rtl/vectors.hex || fail "predicted codes differ from out/rtl/vectors.hex"
"$nltc" predict out test.csv -o classes.txt 2>acc.txt || fail "predict"
[ "$(wc -l <classes.txt)" -eq 397 ] || fail "not one class per row"
grep -qv '^\(zero\|one\|two\|three\|four\|five\|six\|seven\|eight\|nine\)$' classes.txt &&
    fail "a line that is no class name"
acc=$(sed -n 's/^predict: accuracy \([0-9.]*\)%.*/\1/p' acc.txt)
want=$(sed -n 's/.*"table": \([0-9.]*\),.*/\1/p' out/report.json | head -n 1)
awk -v a="$acc" -v w="$want" 'BEGIN { d = a - 100 * w; exit !(d < 0.006 && d > -0.006) }' ||
    fail "accuracy $acc% is not report.json's table accuracy $want"
cut -d, -f1-64 test.csv >nolabel.csv
"$nltc" predict out nolabel.csv 2>/dev/null | cmp -s - classes.txt || fail "rows without labels"
# The C simulator's preprocessing: the same class for every row.
cat >cl.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "predict_small.h"
#include "predict_small_prep.h"
int main(void) {
    char line[4096], *s;
    double raw[PREDICT_SMALL_RAW_COLUMNS];
    int c;
    while (fgets(line, sizeof line, stdin)) {
        for (s = line, c = 0; c < PREDICT_SMALL_RAW_COLUMNS; c++, s += *s == ',')
            raw[c] = strtod(s, &s);
        puts(predict_small_class_names[predict_small_classify(raw, NULL)]);
    }
    return 0;
}
C
if ${CC:-cc} -std=c99 -O2 -Wall -Wextra -Werror -Iout/csim -o cl cl.c out/csim/predict_small.c \
    out/csim/predict_small_prep.c -lm; then
    ./cl <test.csv | cmp -s - classes.txt || fail "the C simulator's classify differs"
else
    fail "the C simulator's preprocessing does not compile warning-free"
fi
"$nltc" verify out $rtl --quiet >/dev/null 2>&1 || fail "nltc verify"
# A row of the wrong width, a cell that is no number: located errors, exit code 1.
sed '3s/^[^,]*,//' test.csv >short.csv
rc=0
"$nltc" predict out short.csv >/dev/null 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'short.csv:3: 64 fields, but the rows before have 65' err.txt || fail "short row: rc $rc $(cat err.txt)"
sed '2s/^[^,]*,/x,/' test.csv >word.csv
rc=0
"$nltc" predict out word.csv >/dev/null 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q "word.csv:2:1: 'x' is not a number" err.txt ||
    fail "word cell: rc $rc $(cat err.txt)"
rc=0
"$nltc" predict "$work" test.csv >/dev/null 2>err.txt || rc=$?
[ $rc -eq 2 ] || fail "a folder without tables: rc $rc"
[ $fails -eq 0 ] && echo "predict: all checks passed"
exit $((fails > 0))
