#!/bin/sh
# run_emacs_test.sh - runs emacs_test.el in batch mode: font-lock on every .nlt file under
# the given paths, and re-indentation (must change nothing) on those under INDENT_PATHs
# (a PATH may also name one file, whatever its suffix).
# usage: run_emacs_test.sh EDITORS_EMACS_DIR KEYWORDS_DEF INDENT_PATH... -- PATH...
# Exit 77 = skipped (no emacs).
set -u
if ! command -v emacs >/dev/null 2>&1; then
    echo "SKIP: emacs is not installed"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
dir=$1 kw=$2
shift 2
indent="" plain=""
mode=indent
for p in "$@"; do
    if [ "$p" = "--" ]; then mode=plain; continue; fi
    for f in $(if [ -f "$p" ]; then echo "$p"; else find "$p" -name '*.nlt' -type f 2>/dev/null | sort; fi); do
        if [ $mode = indent ]; then indent="$indent +$f"; else plain="$plain $f"; fi
    done
done
# shellcheck disable=SC2086
exec emacs -Q --batch -L "$dir" -l cl-lib -l nlt-mode -l "$here/emacs_test.el" "$kw" \
    $indent $plain
