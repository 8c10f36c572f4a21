#!/bin/sh
# render_test.sh - renders the fixture report with headless Chromium (scripts/render-report.sh)
# and checks that a full-size PNG came out. Skipped (exit 77) when chromium is not installed.
# Usage: render_test.sh FIXTURE_TOOL RENDER_SCRIPT WORKDIR
set -u
FIX=$1
RENDER=$2
W=$3
if ! command -v chromium >/dev/null 2>&1; then
    echo "chromium is not installed: skipping the render test"
    exit 77
fi
rm -rf "$W"
mkdir -p "$W"
"$FIX" "$W/out" >/dev/null || exit 1
sh "$RENDER" "$W/out/report.html" "$W/report.png" 1200x2600 >/dev/null || exit 1
# PNG signature, then the IHDR chunk's width and height (big-endian) at bytes 16..23.
sig=$(od -An -tx1 -N8 "$W/report.png" | tr -d ' \n')
[ "$sig" = 89504e470d0a1a0a ] || { echo "FAIL: not a PNG"; exit 1; }
dims=$(od -An -tu1 -j16 -N8 "$W/report.png" | awk '{print $3*256+$4 "x" $7*256+$8}')
[ "$dims" = 1200x2600 ] || { echo "FAIL: PNG is $dims, wanted 1200x2600"; exit 1; }
size=$(wc -c <"$W/report.png")
# A blank page of this size compresses to a few kB; tables and three plots do not.
[ "$size" -gt 60000 ] || { echo "FAIL: PNG is only $size bytes: nothing rendered?"; exit 1; }
echo "rendered $W/report.png ($dims, $size bytes)"
