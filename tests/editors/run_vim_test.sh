#!/bin/sh
# run_vim_test.sh - runs vim_test.vim headless: highlighting on every .nlt file under all
# given paths, and re-indentation (must change nothing) on those before `--` (a path may
# also name one file, whatever its suffix).
# usage: run_vim_test.sh EDITORS_VIM_DIR KEYWORDS_DEF INDENT_PATH... [-- PATH...]
# Exit 77 = skipped (no vim).
set -u
if ! command -v vim >/dev/null 2>&1; then
    echo "SKIP: vim is not installed"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
rtp=$1 kw=$2
shift 2
files="" indent="" mode=indent
for p in "$@"; do
    if [ "$p" = "--" ]; then mode=plain; continue; fi
    for f in $(if [ -f "$p" ]; then echo "$p"; else find "$p" -name '*.nlt' -type f 2>/dev/null | sort; fi); do
        case $f in *.nlt) files="$files'$f'," ;; esac
        [ $mode = indent ] && indent="$indent'$f',"
    done
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
vim -N -u NONE -i NONE -es \
    --cmd "let g:nlt_rtp = '$rtp' | let g:nlt_keywords = '$kw' | let g:nlt_out = '$out'" \
    --cmd "let g:nlt_files = [$files] | let g:nlt_indent = [$indent]" \
    -S "$here/vim_test.vim" </dev/null
rc=$?
cat "$out"
[ -s "$out" ] || { echo "vim_test.vim wrote no report (vim exit $rc)"; exit 1; }
exit $rc
