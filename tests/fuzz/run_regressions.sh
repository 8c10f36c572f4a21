#!/bin/sh
# run_regressions.sh - every input the fuzzer found (regressions/*) through the normal
# front end (`nltc --check`) and the formatter (`nltc fmt`): each must exit 0 or 1
# (never crash, never an internal error) and print no sanitizer report.
# usage: run_regressions.sh NLTC NLTC_FMT DIR
set -u
nltc=$1 fmt=$2 dir=$3
fail=0 n=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for f in "$dir"/*; do
    [ -f "$f" ] || continue
    case $f in *.md) continue ;; esac
    n=$((n + 1))
    for cmd in "$nltc --check" "$fmt fmt"; do
        timeout 20 $cmd "$f" >/dev/null 2>"$err"
        rc=$?
        if [ $rc -gt 1 ] || grep -q -e "Sanitizer" -e "runtime error:" -e "internal error" "$err"; then
            echo "FAIL: $cmd $f: exit $rc"
            head -20 "$err"
            fail=1
        fi
    done
done
echo "$n regression inputs"
[ $n -ge 1 ] || { echo "FAIL: no inputs in $dir"; fail=1; }
exit $fail
