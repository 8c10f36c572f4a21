#!/bin/sh
# progress_test.sh - how training progress looks (issue 21): on a terminal (a pseudo-
# terminal from pty_run) one status line per stage rewritten with carriage returns; not on
# a terminal the plain lines as before; --log FILE gets the plain lines; NO_COLOR and
# --color; -q keeps the one-line result.
# Usage: progress_test.sh NLTC PTY_RUN SOURCE_DIR
set -u
nltc=$1
pty=$2
src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cd "$work"
cp "$src/tests/csv/blobs.nlt" "$src/tests/csv/blobs.csv" .
short="--set stage.dense.epochs=2 --set stage.sparse.epochs=3 --no-record --no-rtl --no-synth --threads 2"
esc=$(printf '\033')
cr=$(printf '\r')

# 1. not a terminal: the plain lines, one per epoch, no carriage return, no escape
"$nltc" blobs.nlt -o out1 $short >out1.txt 2>err1.txt || fail "plain run: $(cat err1.txt)"
n=$(grep -Ec '^train: (dense|sparse) epoch [0-9]+/[0-9]+  loss [0-9.]+  train [0-9.]+%  valid [0-9.]+%  lr [0-9.e+-]+  [0-9]+ samples/s  ETA [0-9.a-z]+ \(stage [0-9.a-z]+\)$' err1.txt)
[ "$n" = 5 ] || fail "not a terminal: $n plain epoch lines, want 5: $(cat err1.txt)"
grep -q '^train: selected sparse epoch' err1.txt || fail "not a terminal: no selection line"
grep -q "[$cr$esc]" out1.txt err1.txt && fail "not a terminal: carriage returns or escapes"

# 2. a terminal: status lines rewritten in place, the plain epoch lines only in --log
"$pty" tty.txt "$nltc" blobs.nlt -o out2 $short --log log.txt || fail "terminal run failed"
grep -q "${cr}${esc}\[Kdense  \[" tty.txt || fail "terminal: no dense status line after a CR"
grep -q "${cr}${esc}\[Ksparse \[.*3/3 .*loss .*valid .*ETA" tty.txt ||
    fail "terminal: no complete sparse status line"
grep -q '^train: sparse epoch' tty.txt && fail "terminal: plain epoch lines on the terminal"
grep -q 'train: selected sparse epoch' tty.txt || fail "terminal: the selection line is gone"
grep -q '^model blobs_small: ' tty.txt || fail "terminal: the summary is gone"
[ "$(grep -c '^train: \(dense\|sparse\) epoch' log.txt)" = 5 ] || fail "--log: $(cat log.txt)"
grep -q "$esc" log.txt && fail "--log: escapes in the log"
grep -q "${esc}\[1;32m" tty.txt || fail "terminal: the bar is not coloured"

# 3. NO_COLOR and --color=never: no colour, the status line stays
NO_COLOR=1 "$pty" tty3.txt "$nltc" blobs.nlt -o out3 $short || fail "NO_COLOR run failed"
grep -q "${esc}\[1;32m" tty3.txt && fail "NO_COLOR: colour"
grep -q "${cr}${esc}\[Ksparse" tty3.txt || fail "NO_COLOR: no status line"
"$pty" tty4.txt "$nltc" --check blobs.nlt --set dataset.skip=0 --color=never
grep -q "$esc" tty4.txt && fail "--color=never: escapes in the error"
"$nltc" --check blobs.nlt --set dataset.skip=0 --color=always 2>err5.txt
grep -q "${esc}\[1;31merror:" err5.txt || fail "--color=always: the error is not red"
"$pty" tty6.txt "$nltc" --check blobs.nlt --set train.batch=0
grep -q "${esc}\[1;31merror:" tty6.txt || fail "terminal: diagnostics not coloured"

# 4. -q: the one-line result only (wrapped before column 100), nothing on stderr
"$nltc" blobs.nlt -o out7 $short -q >out7.txt 2>err7.txt || fail "-q run failed"
grep -q '^test accuracy: ' out7.txt || fail "-q: no result line: $(cat out7.txt)"
[ "$(grep -vc '^test accuracy: \|^  ' out7.txt)" = 0 ] || fail "-q: more output: $(cat out7.txt)"
[ -s err7.txt ] && fail "-q: stderr: $(cat err7.txt)"
awk 'length($0) >= 100 {exit 1}' out1.txt || fail "a line of 100 columns or more: $(cat out1.txt)"

[ $fails = 0 ] || { echo "progress_test: $fails failure(s)" >&2; exit 1; }
echo "progress_test: ok"
