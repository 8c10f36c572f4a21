#!/bin/sh
# Checks the size rules of ARCHITECTURE.md: no C source file over 800 lines and no function
# over 120 lines, except where scripts/size-exceptions.txt states a reason
# ("path  reason" or "path:function  reason", one per line). Prints each violation as
# file:line and exits 1 when there is any.
# Usage: scripts/check-size.sh [FILE...]   (default: every tracked .c/.h/.y/.l file)
cd "$(dirname "$0")/.." || exit 2
EXC=scripts/size-exceptions.txt
if [ $# -eq 0 ]; then
    set -- $(git ls-files '*.c' '*.h' '*.y' '*.l')
fi
status=0
for f in "$@"; do
    out=$(awk -v file="$f" -v exc="$EXC" '
        BEGIN { while ((getline l < exc) > 0) { split(l, a, /[ \t]+/); if (a[1] != "" && a[1] !~ /^#/) ok[a[1]] = 1 } }
        /^[A-Za-z_].*\(/ && !infn { sig = NR; name = $0; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n] }
        /\{[ \t]*$/ && !infn && sig && ($0 ~ /^[A-Za-z_]/ || $0 ~ /^[ \t]/) && $0 !~ /=[ \t]*\{[ \t]*$/ { infn = 1; start = sig }
        /^}/ && infn { len = NR - start + 1; if (len > 120 && !ok[file ":" name]) printf "%s:%d: function %s is %d lines (max 120)\n", file, start, name, len; infn = 0; sig = 0 }
        /;[ \t]*$/ && !infn { sig = 0 }
        END { if (NR > 800 && !ok[file]) printf "%s:1: %d lines (max 800)\n", file, NR }
    ' "$f")
    if [ -n "$out" ]; then
        echo "$out"
        status=1
    fi
done
exit $status
