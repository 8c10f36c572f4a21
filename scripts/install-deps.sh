#!/bin/sh
# Install every Debian package nltc needs to build, test and run its full flow.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
# chromium: the test report_render looks at report.html in a real browser (headless).
set -e
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    build-essential cmake flex bison libgit2-dev verilator check \
    yosys zlib1g-dev pkg-config git chromium \
    nextpnr-ice40 fpga-icestorm openmpi-bin libopenmpi-dev
