#!/bin/sh
# install_test.sh - installs nltc into a temporary prefix and uses it as a user would, from a
# folder that is neither the source nor the build tree.
# Usage: install_test.sh CMAKE BUILD_DIR
set -eu
cmake=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "install_test: FAILED: $*" >&2; exit 1; }
p="$work/prefix"
"$cmake" --install "$build" --prefix "$p" >"$work/install.log" || {
    cat "$work/install.log"; fail "cmake --install"; }
for f in bin/nltc share/nltc/stdlib/datasets/digits.nlt share/nltc/examples/digits.nlt \
    share/nltc/examples/data/digits.csv.gz share/nltc/editors/vim/syntax/nlt.vim \
    share/nltc/editors/vscode/package.json share/man/man1/nltc.1 share/man/man5/nltc-lang.5 \
    share/bash-completion/completions/nltc share/zsh/site-functions/_nltc; do
    [ -e "$p/$f" ] || fail "$f is not installed"
done
mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset NLTC_STDLIB NLTC_PATH NLTC_STORE
"$p/bin/nltc" --version | grep -Eq '^nltc [0-9]+\.[0-9]+\.[0-9]+ \(commit [^)]+\)$' ||
    fail "nltc --version: $("$p/bin/nltc" --version)"
"$p/bin/nltc" --help | grep -q '^usage: nltc ' || fail "nltc --help"
ex="$p/share/nltc/examples/digits.nlt"
"$p/bin/nltc" --check "$ex" || fail "nltc --check of the installed example"
# the standard library is the installed one, found beside the binary
p_real=$(cd "$p" && pwd -P)
"$p/bin/nltc" --emit=ir "$ex" | grep -q "^source \"$p_real/share/nltc/stdlib/datasets/digits.nlt\"" ||
    fail "the installed nltc does not import its own standard library: $("$p/bin/nltc" \
        --emit=ir "$ex" | grep '^source')"
"$p/bin/nltc" "$ex" -o out --set stage.dense.epochs=1 --set stage.sparse.epochs=2 \
    --no-rtl --no-synth --threads 2 >run.txt 2>&1 || { cat run.txt; fail "a short run"; }
grep -q '^test accuracy: ' run.txt || fail "the run printed no result"
[ -s out/report.json ] || fail "the run wrote no report.json"
[ -d "$p/share/nltc/examples/.nltc" ] || fail "the run was not recorded beside the example"
"$p/bin/nltc" runs "$ex" | grep -q 'digits~0' || fail "nltc runs MODEL.nlt"
if command -v man >/dev/null 2>&1; then
    for page in man1/nltc.1 man5/nltc-lang.5; do
        MANWIDTH=80 man -l "$p/share/man/$page" >page.txt 2>man.err || {
            cat man.err; fail "man -l $page"; }
        [ "$(wc -l <page.txt)" -gt 40 ] || fail "man -l $page: too short"
        grep -q 'warning' man.err && { cat man.err; fail "man -l $page: warnings"; }
    done
    MANWIDTH=80 man -l "$p/share/man/man5/nltc-lang.5" | grep -q 'bring your own CSV' ||
        MANWIDTH=80 man -l "$p/share/man/man5/nltc-lang.5" | grep -qi 'BRING YOUR OWN CSV' ||
        fail "nltc-lang(5) lacks the CSV section"
else
    echo "install_test: man is not installed; the pages were not rendered"
fi
echo "install_test: ok"
