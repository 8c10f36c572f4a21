#!/bin/sh
# papercuts_test.sh - what a new user tried (issue 21, item 8): `nltc fmt -`, `--emit ir`
# with a space, `nltc run FILE`, the environment in --help, `nltc runs` with a model file,
# --json/--csv/--sort and the variant column, the store error without a store, the run id
# printed after recording, -v and the LUT cost formula.
# Usage: papercuts_test.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cd "$work"
unset NLTC_STORE

# fmt - : standard input to standard output, the same text as fmt FILE
"$nltc" fmt - <"$src/examples/digits.nlt" >fmt1.txt || fail "fmt -: exit $?"
cmp -s fmt1.txt "$src/examples/digits.nlt" || fail "fmt - changed a formatted file"
printf 'lut a {fanin=2;hidden=4}\n' | "$nltc" fmt - >fmt2.txt || fail "fmt - on stdin"
grep -q '^lut a { fanin = 2; hidden = 4 }$' fmt2.txt || fail "fmt -: $(cat fmt2.txt)"
printf 'lut a {\n' | "$nltc" fmt - 2>fmt3.txt && fail "fmt - accepted a syntax error"
grep -q '^<stdin>:' fmt3.txt || fail "fmt -: errors do not name <stdin>: $(cat fmt3.txt)"
"$nltc" fmt --write - </dev/null 2>err.txt
[ $? = 2 ] || fail "fmt --write -: not a usage error"

# --emit ir with a space, nltc run FILE
"$nltc" --emit ir "$src/examples/digits.nlt" | head -1 | grep -q '^model digits$' ||
    fail "--emit ir (a space)"
"$nltc" run --check "$src/examples/digits.nlt" >/dev/null || fail "nltc run --check FILE"

# --help: the environment and the commands
"$nltc" --help >help.txt
for v in NLTC_PATH NLTC_STDLIB NLTC_STORE NLTC_YOSYS NLTC_VERILATOR NLTC_YOSYS_ABC CC NO_COLOR; do
    grep -q "^  $v " help.txt || fail "--help does not list $v"
done
awk 'length($0) >= 100 {exit 1}' help.txt || fail "--help has lines of 100 columns or more"

# runs: recorded runs beside the model, their ids, variants, formats and order
mkdir -p proj/m
cp "$src/tests/csv/blobs.nlt" "$src/tests/csv/blobs.csv" proj/m/
m=proj/m/blobs.nlt
short="--set stage.dense.epochs=1 --set stage.sparse.epochs=2 --no-rtl --no-synth --threads 2"
"$nltc" $m -o o1 $short >r1.txt 2>&1 || fail "run 1: $(cat r1.txt)"
grep -Eq '^nltc: recorded run [0-9a-f]{7} of blobs_small in proj/m/\.nltc$' r1.txt ||
    fail "the recorded run is not named by its id: $(grep recorded r1.txt)"
grep -q 'estimate: ' r1.txt && fail "the LUT cost formula is printed without -v"
"$nltc" $m -o o2 $short --seed 7 -v >r2.txt 2>&1 || fail "run 2: $(cat r2.txt)"
grep -q '^  estimate: ' r2.txt || fail "-v does not print the LUT cost formula"
"$nltc" $m -o o3 $short --set lut.leaf.hidden=4 -q >/dev/null 2>&1 || fail "run 3"
"$nltc" runs 2>err.txt
[ $? = 2 ] || fail "runs without a store here: exit code"
grep -q "no experiment store at .nltc: a run is recorded in .nltc/ beside its model file; found: proj/m/.nltc" err.txt ||
    fail "runs without a store here: $(cat err.txt)"
mkdir sub && cd sub
"$nltc" runs 2>err.txt
grep -q "none below this folder; pass MODEL.nlt or --store DIR" err.txt ||
    fail "runs from a folder without stores: $(cat err.txt)"
"$nltc" runs ../$m >runs.txt || fail "nltc runs MODEL.nlt"
[ "$(grep -Ec '^[0-9a-f]{7,} ' runs.txt)" = 3 ] || fail "runs MODEL.nlt: $(cat runs.txt)"
v1=$(awk '/blobs_small~2 / {print $5}' runs.txt)
v2=$(awk '/blobs_small~1 / {print $5}' runs.txt)
v3=$(awk '/blobs_small~0 / {print $5}' runs.txt)
[ -n "$v1" ] && [ "$v1" = "$v2" ] || fail "a seed alone made another variant: $(cat runs.txt)"
[ "$v1" != "$v3" ] || fail "another hidden width is the same variant: $(cat runs.txt)"
"$nltc" runs ../$m --json >runs.json || fail "runs --json"
[ "$(grep -c '"variant": "[0-9a-f]\{8\}"' runs.json)" = 3 ] || fail "runs --json: $(cat runs.json)"
grep -q '"seed": 7,' runs.json || fail "runs --json: no seed 7"
"$nltc" runs ../$m --csv >runs.csv || fail "runs --csv"
head -1 runs.csv | grep -qx 'id,date,name,model,variant,seed,accuracy,luts,tags' ||
    fail "runs --csv: header $(head -1 runs.csv)"
[ "$(wc -l <runs.csv)" = 4 ] || fail "runs --csv: $(cat runs.csv)"
"$nltc" runs ../$m --csv --sort seed | sed -n 4p | grep -q ',blobs_small,[0-9a-f]*,7,' ||
    fail "runs --sort seed: the seed 7 run is not last"
"$nltc" runs ../$m --json --csv 2>err.txt
[ $? = 2 ] || fail "runs --json --csv: not a usage error"

[ $fails = 0 ] || { echo "papercuts_test: $fails failure(s)" >&2; exit 1; }
echo "papercuts_test: ok"
