#!/bin/sh
# tamper.sh - `nltc verify` cannot be fooled: a small model is trained once into a fixture
# folder, then each case copies it, tampers with one thing (most of them invisible to a
# replay of the test split) and expects exit code 3 with a message naming the artifact and
# the first differing line or address. The untampered folder passes.
# Usage: tamper.sh NLTC TAMPER_TOOL SOURCE_DIR
set -u
nltc=$1
tool=$2
src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() {
    echo "tamper: FAILED: $*"
    fails=$((fails + 1))
}

echo "== the fixture: a small model of the digits set"
"$nltc" "$src/tests/e2e/tamper.nlt" -o "$work/out" --data-dir "$src/examples/data" \
    --store "$work/store" --no-rtl --no-synth --quiet || {
    echo "tamper: FAILED: the fixture run failed"
    exit 1
}
id=tamper_small

# verify CASE [ARGS]: verifies $work/CASE without Verilator; output in CASE.txt, errors
# in CASE.err; sets rc.
verify() {
    c=$1
    shift
    rc=0
    "$nltc" verify "$work/$c" --no-rtl --quiet "$@" >"$work/$c.txt" 2>"$work/$c.err" || rc=$?
}

# expect CASE CODE TEXT...: the exit code, and each TEXT (fixed string) in the error or
# the output.
expect() {
    c=$1
    code=$2
    shift 2
    [ "$rc" = "$code" ] || fail "$c: exit code $rc, want $code: $(cat "$work/$c.err")"
    for t in "$@"; do
        cat "$work/$c.err" "$work/$c.txt" | grep -qF -- "$t" ||
            fail "$c: '$t' not said: $(cat "$work/$c.err")"
    done
}

copy() {
    cp -R "$work/out" "$work/$1"
}

echo "== untampered: ok, also against train/model.bin tabulated again"
verify out --model "$src/tests/e2e/tamper.nlt"
expect out 0 "C simulator tables     ok: 0 of" "artifacts match report.json" "verify: 0 mismatches" \
    "OUT/tables equal train/model.bin tabulated under"

echo "== the run checked out of the store: ok (its src/ and run.json are no artifacts)"
run=$("$nltc" runs --store "$work/store" | awk '/~0 / {print $1; exit}')
"$nltc" checkout "$run" -o "$work/checkout" --store "$work/store" >/dev/null ||
    fail "checkout of run '$run' failed"
verify checkout
expect checkout 0 "verify: 0 mismatches" "artifacts match report.json"

echo "== a table entry no test sample reaches, the manifest's FNV recomputed"
copy unreached
where=$("$tool" unreached "$work/unreached") || fail "no unreached table entry found"
set -- $where
verify unreached
expect unreached 3 "nltc: error: tables/layer$1.bin: SHA-256 " \
    "tables/manifest.txt: SHA-256 " \
    "differs from the C simulator regenerated from OUT/tables at the table of layer $1, L-LUT $2, address $3"
grep -q "table lookup           ok: 0 of" "$work/unreached.txt" ||
    fail "unreached: the test split saw the edit; the case tests nothing"
verify unreached --model "$src/tests/e2e/tamper.nlt"
expect unreached 3 "tables/layer$1.bin: L-LUT $2, address $3: " "train/model.bin tabulated gives"

echo "== a C-simulator table entry whose effect a later layer hides"
copy hidden
where=$("$tool" hidden "$work/hidden") || fail "no hidden table entry found"
set -- $where
verify hidden
expect hidden 3 "nltc: error: csim/$id.c: SHA-256 " \
    "csim/$id.c:" \
    "differs from the C simulator regenerated from OUT/tables at the table of layer $1, L-LUT $2, address $3"

echo "== one number of a C-simulator table array edited (layer 1, L-LUT 0, address 1)"
copy csim_text
awk '/^static const uint[0-9]*_t table1\[/ { print; getline; sub(/^    [0-9]+,[0-9]+/, "    " substr($0, 5, index($0, ",") - 4) "7"); n = NR }
     { print } END { if (!n) exit 1 }' "$work/out/csim/$id.c" >"$work/csim_text/csim/$id.c" ||
    fail "csim_text: no table1 array"
line=$(grep -n "^static const uint[0-9]*_t table1\[" "$work/out/csim/$id.c" | cut -d: -f1)
line=$((line + 1))
verify csim_text
expect csim_text 3 "csim/$id.c:$line: differs from the C simulator regenerated from OUT/tables at the table of layer 1, L-LUT 0, address 1"

echo "== the manifest's lut_inputs edited"
copy lut_inputs
sed 's/^lut_inputs 6$/lut_inputs 4/' "$work/out/tables/manifest.txt" >"$work/lut_inputs/tables/manifest.txt"
cmp -s "$work/out/tables/manifest.txt" "$work/lut_inputs/tables/manifest.txt" &&
    fail "lut_inputs: the edit changed nothing"
verify lut_inputs
expect lut_inputs 3 "nltc: error: tables/manifest.txt: SHA-256 "

echo "== a layer file edited, its FNV left as it was"
copy layer_fnv
printf '\377' | dd of="$work/layer_fnv/tables/layer2.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
verify layer_fnv
expect layer_fnv 3 "nltc: error: tables/layer2.bin: SHA-256 " "layer2.bin"

echo "== the C simulator's main.c changed"
copy main_c
sed 's/return mism ? 3 : 0;/return 0;/' "$work/out/csim/main.c" >"$work/main_c/csim/main.c"
line=$(grep -n 'return 0;$' "$work/main_c/csim/main.c" | tail -1 | cut -d: -f1)
verify main_c
expect main_c 3 "nltc: error: csim/main.c: SHA-256 " \
    "csim/main.c:$line: differs from the C simulator regenerated from OUT/tables"

echo "== main.c changed and report.json's digest forged to match"
copy forged
cp "$work/main_c/csim/main.c" "$work/forged/csim/main.c"
old=$(grep '"csim/main.c"' "$work/out/report.json" | sed 's/.*: "\([0-9a-f]*\)".*/\1/')
new=$(sha256sum "$work/forged/csim/main.c" | cut -d' ' -f1)
sed "s/$old/$new/" "$work/out/report.json" >"$work/forged/report.json"
verify forged
expect forged 3 "nltc: error: csim/main.c:$line: differs from the C simulator regenerated"

echo "== the RTL edited for one input no test sample holds"
copy rtl
sed "s/assign out_data = r4;/assign out_data = (in_data == 0) ? 0 : r4;/" \
    "$work/out/rtl/$id.v" >"$work/rtl/rtl/$id.v"
line=$(grep -n 'in_data == 0' "$work/rtl/rtl/$id.v" | cut -d: -f1)
[ -n "$line" ] || fail "rtl: the edit changed nothing"
verify rtl
expect rtl 3 "nltc: error: rtl/$id.v: SHA-256 " \
    "rtl/$id.v:$line: differs from the RTL regenerated from OUT/tables"

echo "== an extra file beside the C simulator, and one beside the tables"
copy extra
echo 'int x;' >"$work/extra/csim/extra.c"
echo 'x' >"$work/extra/tables/layer9.bin"
verify extra
expect extra 3 "csim/extra.c: not written by the run (report.json does not record it)" \
    "tables/layer9.bin: not written by the run" \
    "csim/extra.c: not written by the emitter (not regenerated from OUT/tables)"

echo "== a file replaced by a symbolic link, and one removed"
copy links
rm "$work/links/rtl/vectors.hex"
ln -s "$work/out/rtl/vectors.hex" "$work/links/rtl/vectors.hex"
rm "$work/links/train/masks.txt"
verify links
expect links 3 "rtl/vectors.hex: not a regular file" \
    "train/masks.txt: missing (report.json records it)"

echo "== the reference codes changed"
copy codes
printf '\001' | dd of="$work/codes/vectors/test.codes" bs=1 seek=40 conv=notrunc 2>/dev/null
verify codes
expect codes 3 "vectors/test.codes: SHA-256 "

echo "== report.json without digests, and without report.json"
copy nodigest
sed 's/"artifacts":/"digests_removed":/' "$work/out/report.json" >"$work/nodigest/report.json"
verify nodigest
expect nodigest 3 "report.json: records no artifact digests"
copy noreport
rm "$work/noreport/report.json"
verify noreport
expect noreport 2 "report.json: cannot read" "not a finished nltc run"

echo "== nothing from OUT is compiled: the regenerated copies are"
copy keep
verify keep --keep "$work/keepdir"
expect keep 0 "verify: 0 mismatches"
[ -f "$work/keepdir/regen/csim/$id.c" ] || fail "keep: no regenerated C simulator in the scratch folder"
[ -f "$work/keepdir/csim_check.c" ] || fail "keep: no table-dump driver in the scratch folder"

[ "$fails" = 0 ] || exit 1
echo "tamper: all cases passed"
