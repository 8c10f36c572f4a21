#!/bin/sh
# set_test.sh - `nltc --set PATH=VALUE` (issue 21): overrides reach the IR as if the file
# said them (nested blocks, references, lut declarations, both path spellings), and errors
# name the flag with the exit code of the table (1 for the model, 2 for the command line).
# Usage: set_test.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
ex="$src/examples/digits.nlt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ir() { "$nltc" --emit=ir "$@" 2>"$work/err.txt" || fail "--emit=ir $*: $(cat "$work/err.txt")"; }
expect() { # expect CODE MESSAGE ARGS...
    code=$1 msg=$2
    shift 2
    "$nltc" "$@" >/dev/null 2>"$work/err.txt"
    rc=$?
    [ "$rc" = "$code" ] || fail "nltc $*: exit $rc, want $code"
    grep -qxF -- "$msg" "$work/err.txt" || fail "nltc $*: want '$msg', got: $(cat "$work/err.txt")"
}

ir "$ex" --set train.batch=256 --set 'tree t1.neurons=60' --set tree.t2.neurons=10 \
    --set stage.sparse.epochs=3 --set lut.leaf.fanin=2 --set 'hardware.pipeline=every_layer' \
    >"$work/ir.txt"
grep -q '^    epochs 3 batch 256 ' "$work/ir.txt" || fail "train.batch / stage.sparse.epochs"
grep -q '^layer t1.0 .* out 180 fanin 2 ' "$work/ir.txt" || fail "tree t1.neurons / lut.leaf.fanin"
grep -q '^hardware .* pipeline every_layer ' "$work/ir.txt" || fail "hardware.pipeline"
ir "$ex" >"$work/plain.txt"
ir "$ex" --set train.batch=32 >"$work/same.txt" # the file's own value: the same IR
cmp -s "$work/plain.txt" "$work/same.txt" || fail "--set to the file's own value changed the IR"

# a reference (train = fast) becomes `train extends fast { ... }`; a missing stage is added
cat >"$work/ref.nlt" <<'NLT'
import "std/datasets/digits.nlt"
lut leaf { fanin = 3; hidden = 16 }
train fast { batch = 32; stage dense { epochs = 2 }; stage sparse { epochs = 5 } }
model m {
    dataset = digits
    train = fast
    tree t { levels = leaf -> leaf -> leaf; neurons = 10 }
}
NLT
ir "$work/ref.nlt" --set train.batch=64 --set stage.sparse.epochs=7 --set dataset.split_seed=3 \
    >"$work/ref.txt"
grep -q '^    epochs 7 batch 64 ' "$work/ref.txt" || fail "overrides through train = fast"
grep -q '^  split_seed 3$' "$work/ref.txt" || fail "overrides through dataset = digits"

expect 1 "nltc: error: --set train.batch=0: 'batch' must be between 1 and 1048576, found 0" \
    --check "$ex" --set train.batch=0
expect 1 "nltc: error: --set train.bogus=1: unknown property 'bogus' in 'train' (expected seed, select, class_weight, average, augment, epochs, batch, lr, optimizer, schedule, regularize or freeze_mapping)" \
    --check "$ex" --set train.bogus=1
expect 1 "nltc: error: --set foo.bar=1: 'foo' names no block of a model (expected model, train, hardware, input, output, dataset, lut NAME, tree NAME or stage NAME)" \
    --check "$ex" --set foo.bar=1
expect 1 "nltc: error: --set lut.nosuch.fanin=2: unknown lut 'nosuch'" \
    --check "$ex" --set lut.nosuch.fanin=2
expect 1 "nltc: error: --set tree.t2.neurons=20: the last tree 't2' has 20 roots, but dataset 'digits' has 10 classes" \
    --check "$ex" --set tree.t2.neurons=20
expect 1 "nltc: error: --set train.batch=1;seed=2: expected one value after '='" \
    --check "$ex" --set 'train.batch=1;seed=2'
expect 2 "nltc: error: --set expects PATH=VALUE (e.g. train.batch=256), found 'batch' (see nltc --help)" \
    --check "$ex" --set batch

[ $fails = 0 ] || { echo "set_test: $fails failure(s)" >&2; exit 1; }
echo "set_test: ok"
