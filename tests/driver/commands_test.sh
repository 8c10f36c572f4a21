#!/bin/sh
# commands_test.sh - the command-line conventions every nltc command shares: --help and -h
# print a usage line and exit 0; an unknown option is a usage error (exit 2) that names the
# option; and the exit-code table printed by `nltc --help` is the one in README.md.
# Usage: commands_test.sh NLTC README [LANG_README]
set -u
nltc=$1
readme=$2
langreadme=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

"$nltc" --help >"$work/help.txt" 2>&1 || fail "nltc --help: exit $?"
commands="runs show diff checkout tag verify fmt"
for c in $commands; do
    grep -Eq "^  $c +" "$work/help.txt" || fail "nltc --help does not list '$c'"
    for h in --help -h; do
        "$nltc" $c $h >"$work/out.txt" 2>"$work/err.txt"
        rc=$?
        [ $rc = 0 ] || fail "nltc $c $h: exit $rc, want 0"
        head -1 "$work/out.txt" | grep -q "^usage: nltc $c" ||
            fail "nltc $c $h: no usage line: $(head -1 "$work/out.txt")"
        grep -q '^  -h, --help ' "$work/out.txt" || fail "nltc $c $h: -h, --help not listed"
        [ -s "$work/err.txt" ] && fail "nltc $c $h: wrote to stderr"
    done
    "$nltc" $c --frobnicate x y >"$work/out.txt" 2>"$work/err.txt"
    rc=$?
    [ $rc = 2 ] || fail "nltc $c --frobnicate: exit $rc, want 2"
    grep -q "^nltc: error: $c: unknown option '--frobnicate' (see nltc $c --help)$" \
        "$work/err.txt" || fail "nltc $c --frobnicate: message: $(cat "$work/err.txt")"
    "$nltc" $c -Z x y >/dev/null 2>"$work/err.txt"
    rc=$?
    [ $rc = 2 ] || fail "nltc $c -Z: exit $rc, want 2"
    grep -q -- "unknown option '-Z'" "$work/err.txt" || fail "nltc $c -Z: option not named"
done

# nltc itself: the same conventions.
"$nltc" -h | head -1 | grep -q '^usage: nltc ' || fail "nltc -h: no usage line"
"$nltc" --frobnicate x.nlt 2>"$work/err.txt"
rc=$?
[ $rc = 2 ] || fail "nltc --frobnicate: exit $rc, want 2"
grep -q "unknown option '--frobnicate'" "$work/err.txt" || fail "nltc --frobnicate: not named"
"$nltc" --threads=many --check x.nlt 2>"$work/err.txt"
rc=$?
[ $rc = 2 ] || fail "nltc --threads=many: exit $rc, want 2"
grep -q "^nltc: error: --threads expects a number from 0 to 1024, found 'many'" \
    "$work/err.txt" || fail "--threads=many: message: $(cat "$work/err.txt")"
"$nltc" 2>"$work/err.txt"
[ $? = 2 ] || fail "nltc without arguments: exit code not 2"
grep -q "no model file given" "$work/err.txt" || fail "nltc without arguments: message"
"$nltc" --version | grep -Eq '^nltc [0-9]+\.[0-9]+' || fail "nltc --version"
# Subcommands' own usage errors are exit 2 as well (they were 1 before issue 14).
"$nltc" show 2>"$work/err.txt"
[ $? = 2 ] || fail "nltc show without RUN: exit code not 2"
grep -q "show: missing RUN" "$work/err.txt" || fail "nltc show without RUN: message"
"$nltc" tag a b c 2>"$work/err.txt"
[ $? = 2 ] || fail "nltc tag a b c: exit code not 2"
grep -q "unexpected argument 'c'" "$work/err.txt" || fail "nltc tag a b c: message"
"$nltc" verify "$work/nothing" --pipelines sometimes 2>"$work/err.txt"
[ $? = 2 ] || fail "nltc verify --pipelines sometimes: exit code not 2"
grep -q "'sometimes' is not none" "$work/err.txt" || fail "verify --pipelines: message"
"$nltc" verify "$work/nothing" --no-rtl 2>"$work/err.txt"
[ $? = 2 ] || fail "nltc verify on a missing folder: exit code not 2"
"$nltc" fmt --write --check x.nlt 2>"$work/err.txt"
[ $? = 2 ] || fail "nltc fmt --write --check: exit code not 2"

# The exit-code table: "  CODE MEANING" lines after "exit codes:" in --help, and the rows
# "| CODE | MEANING |" of README.md's exit-code table (backquotes dropped), must agree.
sed -n '/^exit codes:$/,/^$/p' "$work/help.txt" |
    sed -n 's/^  \([0-9][0-9]*\)  *\(.*\)$/\1|\2/p' >"$work/help_codes.txt"
sed -n '/^| exit code | meaning |$/,/^$/p' "$readme" |
    sed -n 's/^| \([0-9][0-9]*\) | \(.*\) |$/\1|\2/p' | tr -d '`' >"$work/readme_codes.txt"
[ "$(wc -l <"$work/help_codes.txt")" -ge 5 ] || fail "nltc --help lists no exit-code table"
if ! cmp -s "$work/help_codes.txt" "$work/readme_codes.txt"; then
    fail "the exit codes of nltc --help and README.md differ:"
    diff "$work/help_codes.txt" "$work/readme_codes.txt" >&2
fi
if [ -n "$langreadme" ]; then
    sed -n '/^| exit code | meaning |$/,/^$/p' "$langreadme" |
        sed -n 's/^| \([0-9][0-9]*\) | \(.*\) |$/\1|\2/p' | tr -d '`' >"$work/lang_codes.txt"
    cmp -s "$work/help_codes.txt" "$work/lang_codes.txt" ||
        fail "the exit codes of nltc --help and lang/README.md differ"
fi
for code in 0 1 2 3 130; do
    grep -q "^$code|" "$work/help_codes.txt" || fail "exit code $code is not documented"
done

[ $fails = 0 ] || {
    echo "commands_test: $fails failure(s)" >&2
    exit 1
}
echo "commands_test: ok"
