#!/bin/sh
# run_vim_test.sh - runs vim_test.vim headless on every .nlt file under the given paths.
# usage: run_vim_test.sh EDITORS_VIM_DIR KEYWORDS_DEF PATH...   (exit 77 = skipped)
set -u
if ! command -v vim >/dev/null 2>&1; then
    echo "SKIP: vim is not installed"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
rtp=$1 kw=$2
shift 2
files=$(find "$@" -name '*.nlt' -type f 2>/dev/null | sort)
list=""
for f in $files; do list="$list'$f',"; done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
vim -N -u NONE -i NONE -es \
    --cmd "let g:nlt_rtp = '$rtp' | let g:nlt_keywords = '$kw' | let g:nlt_out = '$out'" \
    --cmd "let g:nlt_files = [$list]" \
    -S "$here/vim_test.vim" </dev/null
rc=$?
cat "$out"
[ -s "$out" ] || { echo "vim_test.vim wrote no report (vim exit $rc)"; exit 1; }
exit $rc
