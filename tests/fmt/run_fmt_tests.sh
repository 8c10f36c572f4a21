#!/bin/sh
# run_fmt_tests.sh - formatter tests, one mode per CTest test:
#   golden    FMT DIR           every DIR/NAME.nlt formats to DIR/NAME.fmt, and NAME.fmt
#                               formats to itself
#   write     FMT DIR WORK      --write rewrites copies of DIR/*.nlt to NAME.fmt (mode kept,
#                               links followed), --check fails before and passes after
#   errors    FMT WORK          syntax errors exit 1 with file:line:col, usage/IO exit 2,
#                               the file is left alone
#   formatted FMT DIR...        every .nlt under DIR... is already formatted
set -u
mode=$1 fmt=$2
shift 2
fail=0
bad() { echo "FAIL: $*"; fail=1; }

case $mode in
golden)
    dir=$1 n=0
    for in in "$dir"/*.nlt; do
        exp=${in%.nlt}.fmt
        n=$((n + 1))
        [ -f "$exp" ] || { bad "$exp missing"; continue; }
        out=$(mktemp)
        if ! "$fmt" fmt "$in" >"$out"; then bad "$in: nltc fmt failed"; rm -f "$out"; continue; fi
        cmp -s "$exp" "$out" || { bad "$in: output differs from $exp"; diff -u "$exp" "$out"; }
        rm -f "$out"
        "$fmt" fmt --check "$exp" >/dev/null || bad "$exp: not a fixed point of nltc fmt"
    done
    [ $n -ge 1 ] || bad "no golden inputs in $dir"
    echo "$n golden files"
    ;;
write)
    dir=$1 work=$2
    rm -rf "$work" && mkdir -p "$work"
    for in in "$dir"/*.nlt; do
        cp "$in" "$work/"
    done
    chmod 640 "$work"/*.nlt
    set -- "$work"/*.nlt
    "$fmt" fmt --check "$@" >"$work/before.txt"
    [ $? -eq 1 ] || bad "--check on unformatted files did not exit 1"
    for f in "$@"; do
        grep -qx "$f" "$work/before.txt" || cmp -s "$f" "$dir/$(basename "${f%.nlt}").fmt" ||
            bad "--check did not list $f"
    done
    "$fmt" fmt --write "$@" || bad "--write failed"
    for f in "$@"; do
        cmp -s "$f" "$dir/$(basename "${f%.nlt}").fmt" || bad "--write result of $f differs"
        [ "$(stat -c %a "$f")" = 640 ] || bad "--write changed the mode of $f"
    done
    "$fmt" fmt --check "$@" || bad "--check after --write did not pass"
    ls "$work" | grep -q '\.tmp\.' && bad "temporary files left in $work"
    # Through a symbolic link: the file it names is rewritten, the link stays.
    mkdir "$work/link" && cp "$dir/basic.nlt" "$work/link/real.nlt" &&
        ln -s real.nlt "$work/link/via.nlt"
    "$fmt" fmt --write "$work/link/via.nlt" || bad "--write through a link failed"
    [ -L "$work/link/via.nlt" ] || bad "--write replaced the symbolic link"
    cmp -s "$work/link/real.nlt" "$dir/basic.fmt" || bad "--write did not rewrite the link's target"
    echo "--write on $# files and through a link"
    ;;
errors)
    work=$1
    rm -rf "$work" && mkdir -p "$work"
    printf 'lut a {\n    fanin = = 6\n}\n' >"$work/bad.nlt"
    cp "$work/bad.nlt" "$work/bad.orig"
    "$fmt" fmt "$work/bad.nlt" >"$work/out" 2>"$work/err"
    [ $? -eq 1 ] || bad "syntax error: exit code not 1"
    grep -q "bad.nlt:2:13: error:" "$work/err" || { bad "no located diagnostic"; cat "$work/err"; }
    [ -s "$work/out" ] && bad "syntax error: output written"
    "$fmt" fmt --write "$work/bad.nlt" 2>/dev/null
    [ $? -eq 1 ] || bad "--write on a syntax error: exit code not 1"
    cmp -s "$work/bad.nlt" "$work/bad.orig" || bad "--write changed a file with errors"
    "$fmt" fmt "$work/missing.nlt" 2>/dev/null
    [ $? -eq 2 ] || bad "missing file: exit code not 2"
    "$fmt" fmt --bogus "$work/bad.nlt" 2>/dev/null
    [ $? -eq 2 ] || bad "unknown option: exit code not 2"
    "$fmt" fmt "$work/bad.nlt" "$work/bad.orig" 2>/dev/null
    [ $? -eq 2 ] || bad "two files without --write/--check: exit code not 2"
    "$fmt" fmt 2>/dev/null
    [ $? -eq 2 ] || bad "no file: exit code not 2"
    echo "error cases done"
    ;;
formatted)
    n=0
    for f in $(find "$@" -name '*.nlt' -type f 2>/dev/null | sort); do
        n=$((n + 1))
        "$fmt" fmt --check "$f" >/dev/null || {
            bad "$f is not formatted (nltc fmt --write $f):"
            "$fmt" fmt "$f" | diff -u "$f" - | head -40
        }
    done
    echo "$n files checked"
    ;;
*)
    echo "unknown mode $mode"
    exit 2
    ;;
esac
exit $fail
