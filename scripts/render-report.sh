#!/bin/sh
# Render an nltc HTML report (OUT/report.html, or a `nltc diff --html` page) to a PNG with
# headless Chromium, to look at what a browser shows.
# Usage: scripts/render-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]   (default 1280x4000)
# Needs Debian's chromium (installed with apt-get when missing and running as root).
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 1
fi
html=$1
png=$2
size=${3:-1280x4000}
if [ ! -f "$html" ]; then
    echo "$0: $html: no such file" >&2
    exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "$0: installing chromium with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2
    else
        echo "$0: chromium is not installed (apt-get install chromium)" >&2
        exit 2
    fi
fi
case $html in /*) url=file://$html ;; *) url=file://$(pwd)/$html ;; esac
case $png in /*) ;; *) png=$(pwd)/$png ;; esac
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
w=${size%x*}
h=${size#*x}
# --virtual-time-budget lets the page settle; the report has no scripts, so this is short.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size="$w,$h" \
    --virtual-time-budget=2000 --screenshot="$png" "$url" >/dev/null 2>&1 || true
if [ ! -s "$png" ]; then
    echo "$0: chromium did not write $png" >&2
    exit 2
fi
echo "$png"
