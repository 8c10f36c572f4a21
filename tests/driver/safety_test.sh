#!/bin/sh
# safety_test.sh - issue 20's safe outputs and resources, through the nltc executable:
# -o refuses the filesystem root, the home folder and a foreign non-empty folder (unless
# --force) with a usage error naming -o; --max-memory is parsed; --check refuses models that
# do not fit in memory, located at the property that makes them large, and prints the
# estimate of one that fits.
# Usage: safety_test.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NLTC_STDLIB="$src/stdlib"
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}
# expect RC MESSAGE CMD...: CMD exits RC and its stderr has the line MESSAGE (fixed string).
expect() {
    want=$1
    msg=$2
    shift 2
    "$@" >"$work/out.txt" 2>"$work/err.txt"
    rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc (wanted $want): $*"
    grep -qxF -- "$msg" "$work/err.txt" || fail "$*: message: $(cat "$work/err.txt")"
}
ex="$src/examples/digits.nlt"

# -o: never the root or the home folder, whatever path names them.
expect 2 "nltc: error: -o /: refusing to write into the filesystem root" \
    "$nltc" "$ex" -o / --no-record
expect 2 "nltc: error: -o $work/../../../../../../..: refusing to write into the filesystem root" \
    "$nltc" "$ex" -o "$work/../../../../../../.." --no-record
ln -s / "$work/rootlink"
expect 2 "nltc: error: -o $work/rootlink: refusing to write into the filesystem root" \
    "$nltc" "$ex" -o "$work/rootlink" --no-record --force
mkdir "$work/home"
expect 2 "nltc: error: -o $work/home/.: refusing to write into the home folder $(cd "$work/home" && pwd -P)" \
    env HOME="$work/home" "$nltc" "$ex" -o "$work/home/." --no-record
# a foreign non-empty folder: refused, nothing in it touched; --force accepts it
mkdir -p "$work/mine/plots"
echo notes >"$work/mine/notes.txt"
echo mine >"$work/mine/plots/mine.svg"
echo '{}' >"$work/mine/report.json.bak"
expect 2 "nltc: error: -o $work/mine: the folder is not empty and holds no earlier nltc run (no model.ir, report.json or train/checkpoint.bin); choose another folder or use --force to write into it" \
    "$nltc" "$ex" -o "$work/mine" --no-record
[ -f "$work/mine/notes.txt" ] || fail "a refused folder lost a file"
expect 2 "nltc: error: -o $work/mine/notes.txt: exists and is not a folder" \
    "$nltc" "$ex" -o "$work/mine/notes.txt" --no-record
# --force: accepted (the run then fails on the missing data, after the checks)
expect 1 "nltc: error: $work/nowhere/digits.csv.gz: cannot open: No such file or directory" \
    "$nltc" "$ex" -o "$work/mine" --no-record --force --data-dir "$work/nowhere" --quiet
[ -f "$work/mine/notes.txt" ] || fail "--force removed a file that is not an nltc artifact"
[ -f "$work/mine/report.json.bak" ] || fail "--force removed a file that is not an nltc artifact"
[ -f "$work/mine/model.ir" ] || fail "--force: the run did not write into the folder"
[ -f "$work/mine/plots/mine.svg" ] || fail "--force cleared a folder that held no nltc run"
# --max-memory
expect 2 "nltc: error: --max-memory expects a size such as 512M, 8G or 1T, found '8Q' (see nltc --help)" \
    "$nltc" --check "$ex" --max-memory 8Q
expect 2 "nltc: error: --max-memory expects a size such as 512M, 8G or 1T, found '0' (see nltc --help)" \
    "$nltc" --check "$ex" --max-memory 0

# --check: the estimate of a model that fits; refusals located at the property.
"$nltc" --check "$ex" >"$work/out.txt" 2>&1 || fail "--check of the default example failed"
grep -Eq '^memory: about [0-9.]+ MiB at the peak \(the sparse stage, data not counted\); largest part: ' \
    "$work/out.txt" || fail "--check prints no estimate: $(cat "$work/out.txt")"
cat >"$work/tables.nlt" <<'M'
import "std/datasets/digits.nlt"
lut leaf { fanin = 16; hidden = 16 }
model big {
    dataset = digits
    bits = 1
    input { bits = 1 }
    tree t1 { levels = leaf; neurons = 1000000 }
    tree t2 { levels = leaf; neurons = 10 }
    output { bits = 4 }
    train { batch = 32; stage dense { epochs = 1 } stage sparse { epochs = 1 } }
}
M
expect 1 "$work/tables.nlt:7:40: error: the model needs about 247.0 GiB of memory at the peak (tables and verification), more than the 64.0 GiB that --max-memory allows; largest part: truth tables: layer t1.0, 1000000 L-LUTs x 2^16 addresses x 2 bytes = 122.1 GiB (held twice during verification)" \
    "$nltc" --check "$work/tables.nlt" --max-memory 64G
cat >"$work/hidden.nlt" <<'M'
import "std/datasets/digits.nlt"
lut leaf { fanin = 3; hidden = 4096; depth = 8 }
lut node { fanin = 4; hidden = 16 }
model big {
    dataset = digits
    bits = 2
    input { bits = 2 }
    tree t1 { levels = leaf; neurons = 100000 }
    tree t2 { levels = node -> node; neurons = 10 }
    output { bits = 4 }
    train { batch = 32; stage dense { epochs = 1 } stage sparse { epochs = 1 } }
}
M
expect 1 "$work/hidden.nlt:2:32: error: the model needs about 470.2 TiB of memory at the peak (the sparse stage), more than the 1.0 TiB that --max-memory allows; largest part: parameters: layer t1.0, 100000 L-LUTs x 117489670 floats each = 42.7 TiB (with gradients, their int64 sums, Adam moments, the best copy and the checkpoint's buffer: 11 copies)" \
    "$nltc" --check "$work/hidden.nlt" --max-memory 1T
cat >"$work/batch.nlt" <<'M'
import "std/datasets/digits.nlt"
lut leaf { fanin = 3; hidden = 16 }
model big {
    dataset = digits
    bits = 2
    input { bits = 2 }
    tree t1 { levels = leaf; neurons = 20000 }
    tree t2 { levels = leaf; neurons = 10 }
    output { bits = 4 }
    train {
        batch = 1000000
        stage dense { epochs = 1 }
        stage sparse { epochs = 1 }
    }
}
M
expect 1 "$work/batch.nlt:11:17: error: the model needs about 523.2 GiB of memory at the peak (the sparse stage), more than the 100.0 GiB that --max-memory allows; largest part: the batch workspace: 1000000 rows over 20074 codes = 523.1 GiB" \
    "$nltc" --check "$work/batch.nlt" --max-memory 100G
# the flow refuses it too, before it writes anything
expect 1 "$work/batch.nlt:11:17: error: the model needs about 523.2 GiB of memory at the peak (the sparse stage), more than the 100.0 GiB that --max-memory allows; largest part: the batch workspace: 1000000 rows over 20074 codes = 523.1 GiB" \
    "$nltc" "$work/batch.nlt" -o "$work/batch_out" --max-memory 100G --no-record
[ -e "$work/batch_out" ] && fail "a refused model created its output folder"
# and the default example does not fit in 4 MiB
"$nltc" --check "$ex" --max-memory 4M 2>"$work/err.txt"
[ $? = 1 ] || fail "--max-memory 4M: the default example was accepted"
grep -q "more than the 4.0 MiB that --max-memory allows" "$work/err.txt" ||
    fail "--max-memory 4M: $(cat "$work/err.txt")"

[ $fails = 0 ] || {
    echo "safety_test: $fails failure(s)" >&2
    exit 1
}
echo "safety_test: ok"
