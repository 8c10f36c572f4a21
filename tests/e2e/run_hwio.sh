#!/bin/sh
# run_hwio.sh - the whole flow of a model with an input encoder (thermometer) and a
# group-sum head (hwio.nlt on the digits set): tables = C simulator = RTL with 0
# mismatches, the encoder's and head's LUTs in report.json, `nltc verify OUT` passes, and
# an encoder threshold edited in the RTL is caught (exit 3); with the members trained as
# models of their own (batches = separate) the flow verifies, and member 2 is the run of
# the half model with the next seed.
# Skipped (77) when the language has no `encode`/`head`.
# Usage: run_hwio.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model="$src/tests/e2e/hwio.nlt"
fails=0
fail() {
    echo "hwio: FAILED: $*"
    fails=$((fails + 1))
}

if ! "$nltc" --check "$model" --data-dir "$src/examples/data" >"$work/check.txt" 2>&1; then
    if grep -qE "encode|head|thermometer|group_sum" "$work/check.txt"; then
        echo "hwio: skipped: this build has no input encoders or output heads:"
        cat "$work/check.txt"
        exit 77
    fi
    cat "$work/check.txt"
    exit 1
fi

echo "== the flow"
"$nltc" "$model" -o "$work/out" --data-dir "$src/examples/data" --no-record --no-synth \
    >"$work/flow.txt" 2>&1 || fail "the flow failed: $(tail -20 "$work/flow.txt")"
json="$work/out/report.json"
grep -q '"mismatches": 0' "$json" || fail "mismatches in report.json"
for key in luts_encoder_estimate luts_head_estimate; do
    grep -qE "\"$key\": [0-9]+" "$json" || fail "report.json has no $key"
done
v=$(ls "$work/out/rtl/"*.v | grep -v _tb.v)
grep -q "_enc u_enc" "$v" || fail "no encoder in $v"
grep -q "_head u_head" "$v" || fail "no head in $v"
grep -q "^encoder " "$work/out/tables/manifest.txt" || fail "no encoder in the manifest"
# the encoder holds the comparators of the codes the L-LUTs read, the same in the report,
# the RTL and the C simulator, fewer than its thresholds (pixels always 0, unread codes)
n=$(sed -n 's/.*"encoder_comparators": \([0-9]*\).*/\1/p' "$json")
m=$(sed -n 's/.*"encoder_thresholds": \([0-9]*\).*/\1/p' "$json")
nv=$(grep -c "assign c\[[0-9]*\] = x\[" "$v")
nc=$(grep -c "in\\[[0-9]*\\] = raw\\[" "$work/out/csim/$(basename "$v" .v).c")
[ -n "$n" ] && [ "$n" = "$nv" ] && [ "$n" = "$nc" ] && [ "$m" = 768 ] && [ "$n" -lt "$m" ] ||
    fail "encoder: report $n comparators of $m thresholds, RTL $nv, C simulator $nc"
grep -q "input encoder (beside the core): $n comparators of 768 thresholds" "$work/flow.txt" ||
    fail "the flow does not say the encoder's comparators"
grep -q "^head group_sum 20" "$work/out/tables/manifest.txt" || fail "no head in the manifest"
grep -q "^output head group_sum tau 3.3 group 20 members 2 batches own$" "$work/out/model.ir" ||
    fail "model.ir does not give the head's two members and their own batches"
grep -q "RTL (every_layer).*ok: 0 of" "$work/flow.txt" || fail "the RTL was not verified"
tr '\n' ' ' < "$work/flow.txt" | grep -Eq "each member alone: +[0-9.]+%, +[0-9.]+%" ||
    fail "the flow does not give each member's accuracy alone"
grep -Eq '"members": \[[0-9.]+, [0-9.]+\]' "$work/out/report.json" ||
    fail "report.json does not give the two members' accuracies"
grep -q "| member 2 of 2 alone |" "$work/out/report.md" || fail "report.md has no member rows"

echo "== nltc verify OUT"
"$nltc" verify "$work/out" >"$work/verify.txt" 2>&1 || fail "verify: $(tail -5 "$work/verify.txt")"

echo "== an encoder threshold edited in the RTL"
cp -R "$work/out" "$work/bad"
vb=$(ls "$work/bad/rtl/"*.v | grep -v _tb.v)
sed -i '0,/ >= [0-9]*'"'"'d/s/ >= \([0-9]*\)'"'"'d/ > \1'"'"'d/' "$vb"
cmp -s "$v" "$vb" && fail "the sed edited nothing"
rc=0
"$nltc" verify "$work/bad" >"$work/bad.txt" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "tampered encoder: exit $rc, want 3: $(tail -5 "$work/bad.txt")"
grep -q "rtl/" "$work/bad.txt" || fail "tampered encoder: the RTL file is not named"

echo "== members trained as models of their own (batches = separate)"
sep="output.head=group_sum(tau = 3.3, members = 2, batches = separate)"
"$nltc" "$model" -o "$work/sep" --data-dir "$src/examples/data" --no-record --no-synth \
    --set "$sep" >"$work/sep.txt" 2>&1 || fail "separate: the flow failed: $(tail -20 "$work/sep.txt")"
grep -q '"mismatches": 0' "$work/sep/report.json" || fail "separate: mismatches in report.json"
grep -q "^output head group_sum tau 3.3 group 20 members 2 batches separate$" "$work/sep/model.ir" ||
    fail "separate: model.ir does not give the members as separate models"
grep -q "^train: member 2 of 2: 100 L-LUTs, seed 6" "$work/sep.txt" ||
    fail "separate: the flow does not train member 2 with seed 6"
grep -q "plots are member 1's training" "$work/sep/report.md" ||
    fail "separate: report.md does not say whose training curve it plots"
# member 2 is exactly the run of the 100-table model with seed 6
"$nltc" "$model" -o "$work/half" --data-dir "$src/examples/data" --no-record --no-synth \
    --set 'tree t1.neurons=100' --set 'output.head=group_sum(tau = 3.3)' --seed 6 \
    >"$work/half.txt" 2>&1 || fail "separate: the half model failed: $(tail -20 "$work/half.txt")"
cmp -s "$work/half/train/model.bin" "$work/sep/train/member2/train/model.bin" ||
    fail "separate: member 2 is not the run of the half model with seed 6"

[ "$fails" = 0 ] && echo "hwio: ok"
[ "$fails" = 0 ]
