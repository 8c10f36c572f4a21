#!/bin/sh
# run_tm_test.sh - installs vscode-textmate + vscode-oniguruma (package-lock.json, npm ci)
# into WORKDIR once, then runs tm_test.js. usage: run_tm_test.sh WORKDIR GRAMMAR
# KEYWORDS_DEF PATH...   Exit 77 = skipped (no node/npm, or the packages cannot be had).
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$1
shift
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node/npm are not installed"
    exit 77
fi
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" ||
    [ ! -f "$work/node_modules/vscode-textmate/package.json" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$work/"
    if ! (cd "$work" && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
        cat "$work/npm.log"
        rm -f "$work/package-lock.json"
        echo "SKIP: npm ci could not install vscode-textmate/vscode-oniguruma"
        exit 77
    fi
fi
NODE_PATH="$work/node_modules" exec node "$here/tm_test.js" "$@"
