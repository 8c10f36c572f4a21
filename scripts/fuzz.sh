#!/bin/sh
# fuzz.sh - builds the libFuzzer front-end harness (tests/fuzz/fuzz_frontend.c) with clang,
# ASan and UBSan, and runs it for SECONDS (default 600) at low priority.
# usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#   build dir:  $NLTC_FUZZ_BUILD (default build-fuzz/ in the repository)
#   corpus:     BUILD/corpus (kept between runs), seeded from examples/, stdlib/, the
#               golden inputs of tests/lang, tests/fmt, tests/editors and tests/fuzz/regressions
#   findings:   BUILD/findings/crash-*, leak-*, timeout-* (copy a fixed one into
#               tests/fuzz/regressions/ so that CTest keeps checking it)
# Exits with libFuzzer's status: 0 when the run ended without a finding.
set -eu
secs=${1:-600}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NLTC_FUZZ_BUILD:-$root/build-fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: clang is required" >&2; exit 2; }

san="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNLTC_FUZZ=ON -DCMAKE_C_FLAGS="$san" >"$build.cmake.log" 2>&1 ||
    { cat "$build.cmake.log"; exit 2; }
nice cmake --build "$build" -j2 --target fuzz_frontend

mkdir -p "$build/corpus" "$build/seeds" "$build/findings"
i=0
for f in $(find "$root/examples" "$root/stdlib" "$root/tests/lang" "$root/tests/fmt" \
        "$root/tests/editors" "$root/tests/fuzz/regressions" -type f \
        \( -name '*.nlt' -o -name '*.fmt' -o -path '*/regressions/*' \) 2>/dev/null); do
    i=$((i + 1))
    cp "$f" "$build/seeds/seed-$i"
done
# Dictionary: every keyword of lang/keywords.def and the symbols.
{
    sed -n 's/^KW([A-Z0-9_]*, \("[a-z0-9_]*"\),.*/\1/p' "$root/lang/keywords.def"
    for s in '{' '}' '[' ']' '(' ')' '=' ',' ';' '%' '->' '//' '/*' '*/' '"' '\\"' 'std/'; do
        printf '"%s"\n' "$(printf '%s' "$s" | sed 's/\\/\\\\/g; s/"/\\"/g')"
    done
} >"$build/nlt.dict"
echo "fuzz.sh: $i seeds, running for $secs s"
cd "$build/findings"
exec nice -n 10 "$build/tests/fuzz/fuzz_frontend" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -max_len=16384 -dict="$build/nlt.dict" -print_final_stats=1 \
    -artifact_prefix="$build/findings/" "$@" "$build/corpus" "$build/seeds"
