#!/bin/sh
# run_golden.sh - golden tests of the front end. The mode comes from the golden's suffix:
#   NAME.err  `nltc --check NAME.nlt` must print exactly NAME.err on stderr, and exit 1 if
#             it holds an "error:" line, else 0 (warnings only)
#   NAME.ir   `nltc --emit=ir NAME.nlt` must print exactly NAME.ir and exit 0
# The model is the sibling NAME.nlt; for goldens under examples/ it is the repository's
# examples/NAME.nlt. nltc runs in the model's directory on its base name, so diagnostics
# and IR paths do not depend on where the tree lives; the standard library directory is
# printed as <stdlib>.
# usage: run_golden.sh NLTC SOURCE_ROOT GOLDEN...      (exit 0 when all match)
#        run_golden.sh --update NLTC SOURCE_ROOT GOLDEN...   (rewrite the goldens)
update=0
if [ "$1" = --update ]; then update=1; shift; fi
nltc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$2" && pwd)
shift 2
stdlib=$root/stdlib
export NLTC_STDLIB="$stdlib"
unset NLTC_PATH
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for golden in "$@"; do
    golden=$(cd "$(dirname "$golden")" && pwd)/$(basename "$golden")
    base=${golden%.*}
    case $golden in
    */examples/*) model=$root/examples/$(basename "$base").nlt ;;
    *) model=$base.nlt ;;
    esac
    dir=$(dirname "$model")
    name=$(basename "$model")
    case $golden in
    *.err)
        (cd "$dir" && "$nltc" --check "$name" 2>&1 >/dev/null) | sed "s|$stdlib|<stdlib>|g" >"$tmp"
        rc=$(cd "$dir" && "$nltc" --check "$name" >/dev/null 2>&1; echo $?)
        want=0
        grep -q "error:" "$golden" 2>/dev/null && want=1
        ;;
    *.ir)
        (cd "$dir" && "$nltc" --emit=ir "$name" 2>/dev/null) | sed "s|$stdlib|<stdlib>|g" >"$tmp"
        rc=$(cd "$dir" && "$nltc" --emit=ir "$name" >/dev/null 2>&1; echo $?)
        want=0
        ;;
    *)
        echo "run_golden: $golden: unknown golden kind (expected .err or .ir)" >&2
        fail=1
        continue
        ;;
    esac
    if [ $update = 1 ]; then
        cp "$tmp" "$golden"
        continue
    fi
    if ! cmp -s "$tmp" "$golden"; then
        echo "FAIL $golden: output differs from the golden:" >&2
        diff "$golden" "$tmp" >&2
        fail=1
    elif [ "$rc" != "$want" ]; then
        echo "FAIL $golden: exit code $rc, expected $want" >&2
        fail=1
    fi
done
exit $fail
