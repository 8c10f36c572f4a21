#!/bin/sh
# docs_sync.sh - the man page nltc(1) and the bash and zsh completions name every command
# and every option that `nltc --help` and the commands' --help print, so they cannot drift.
# Usage: docs_sync.sh NLTC SOURCE_DIR
set -u
nltc=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
"$nltc" --help >"$work/help.txt"
commands=$(sed -n '/^commands/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$work/help.txt")
[ -n "$commands" ] || fail "nltc --help lists no commands"
# options: the words starting with - in the option column of a help text
opts() { sed -n '/^options:$/,/^$/p' | grep -oE '^  -[^ ]+(, --[a-z-]+)?' |
    tr ',' '\n' | tr -d ' ' | grep -v '^$'; }
opts <"$work/help.txt" >"$work/main.opts"
for c in $commands; do
    grep -q "\\\\fB\\?nltc $c\\b\|^\\.B nltc $c\\b" "$src/man/nltc.1" ||
        fail "man/nltc.1 does not describe 'nltc $c'"
    for f in "$src/completion/nltc.bash" "$src/completion/_nltc"; do
        grep -qw -- "$c" "$f" || fail "$(basename "$f") does not complete the command '$c'"
    done
    "$nltc" $c --help | opts >"$work/$c.opts"
done
for c in main $commands; do
    while read -r o; do
        roff=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "$roff" "$src/man/nltc.1" ||
            fail "man/nltc.1 does not name $o ($c)"
        for f in "$src/completion/nltc.bash" "$src/completion/_nltc"; do
            grep -q -- "[ '\"({,*]$o\\b" "$f" ||
                fail "$(basename "$f") does not complete $o ($c)"
        done
    done <"$work/$c.opts"
done
[ $fails = 0 ] || { echo "docs_sync: $fails failure(s)" >&2; exit 1; }
echo "docs_sync: ok ($(cat "$work"/*.opts | wc -l) options of $(echo $commands | wc -w) commands and nltc)"
