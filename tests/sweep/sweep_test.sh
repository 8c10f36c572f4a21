#!/bin/sh
# sweep_test.sh - `nltc sweep` and `nltc pareto` end to end on tiny.nlt (digits, shipped in
# examples/data): located diagnostics of bad sweeps, the dry run, a run of 3 configurations
# with -j 2 recorded in a store, the resume (nothing rerun), a run whose worker is killed
# (failed, then run again by the next sweep), and the Pareto table and page.
# usage: sweep_test.sh NLTC SOURCE_ROOT
set -u
nltc=$1
root=$(cd "$2" && pwd)
export NLTC_STDLIB="$root/stdlib"
unset NLTC_PATH NLTC_STORE
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# the workers this test kills leave their scratch folders here, not in the system's /tmp
export TMPDIR="$dir"
cp "$root/tests/sweep/tiny.nlt" "$root/tests/sweep/grid.nlt" "$dir/"
cd "$dir" || exit 1
data="--data-dir $root/examples/data"
fail=0
check() { # check WHAT COND...
    what=$1
    shift
    if "$@"; then :; else
        echo "FAIL: $what"
        fail=1
    fi
}

# bad sweeps: exit 1 and a located error (FILE:LINE:COL) that says what is wrong
bad() { # bad NAME BODY EXPECTED-LINE:COL EXPECTED-TEXT
    printf 'import "tiny.nlt"\nsweep {\n%s\n}\n' "$2" > "$1.nlt"
    "$nltc" sweep "$1.nlt" --dry-run $data > /dev/null 2> "$1.err"
    rc=$?
    check "$1: exit 1 (got $rc)" [ "$rc" = 1 ]
    check "$1: '$1.nlt:$3: error: ...$4...'" grep -q "^$1.nlt:$3: error: .*$4" "$1.err"
}
bad no_prop '    lut leaf.fanim in [2, 3]' 3:5 "unknown property 'fanim'"
bad no_lut '    lut leef.fanin in [2, 3]' 3:5 "unknown lut 'leef'"
bad no_tree '    tree t9.neurons in [30]' 3:5 "has no tree 't9'"
bad no_block '    foo bar.x in [2]' 3:5 "'foo' names no block"
bad empty_list '    lut leaf.fanin in []' 3:23 "empty grid"
bad empty_range '    seed in 5..3' 3:13 "empty grid"
bad empty_space '    train.lr in logspace(1e-3, 1e-2, 0)' 3:38 "empty grid"
bad range '    lut leaf.fanin in [3, 40]' 3:27 "'fanin' must be between 1 and 16"
bad word '    train.optimizer in [adam, sgd]' 3:31 "expected for 'optimizer'"
bad all_pruned "$(printf '    lut leaf.fanin in [2, 3]\n    where address_bits > 100')" 2:1 \
    "every configuration of the sweep (2) is pruned"
bad budget "$(printf '    lut leaf.fanin in [2, 3]\n    max_luts = 10')" 2:1 "is pruned"
bad quantity "$(printf '    lut leaf.fanin in [2, 3]\n    where addr_bits > 1')" 4:11 \
    "unknown quantity 'addr_bits'"
bad twice "$(printf '    seed in [1]\n    seed in [2]')" 4:5 "'seed' is swept twice"
bad no_axis '    draws = 2' 2:1 "the sweep has no axis"
# an axis outside a sweep block: the model itself is refused
printf 'import "tiny.nlt"\nlut x { fanin = 2\n seed in [1] }\n' > outside.nlt
"$nltc" --check outside.nlt > /dev/null 2> outside.err
check "outside: located" grep -q "^outside.nlt:3:2: error: 'PATH in VALUES' belongs in a sweep" outside.err

# the dry run: 12 in the grid, 3 drawn, nothing trained
"$nltc" sweep grid.nlt --dry-run $data > dry.out 2>&1
check "dry run: exit 0" [ $? = 0 ]
check "dry run: counts" grep -q "^3 configurations (grid 12): 3 to run" dry.out
check "dry run: nothing written" [ ! -e out ] && [ ! -e .nltc ]
"$nltc" sweep grid.nlt --dry-run --shard 1/2 $data > shard.out 2>&1
check "shard 1/2: one of three" grep -q "^3 configurations (grid 12): 1 to run, .*, 2 for other shards" shard.out
"$nltc" sweep grid.nlt --dry-run --shard 2/2 $data > /dev/null 2>&1
check "shard 2/2: a usage error" [ $? = 2 ]

# the sweep: 3 runs, 2 workers, recorded with their configuration
"$nltc" sweep grid.nlt -o out -j 2 --no-rtl --no-synth $data > run1.out 2>&1
check "sweep: exit 0 ($(cat run1.out))" [ $? = 0 ]
check "sweep: 3 progress lines" [ "$(grep -c '^\[[1-3]/3\] .*: test [0-9.]*% (valid [0-9.]*%), [0-9]* LUTs$' run1.out)" = 3 ]
check "sweep: 3 done in the summary" [ "$(grep -c ' done ' run1.out)" = 3 ]
check "sweep: 3 runs in the store" [ "$("$nltc" runs --store .nltc | grep -c 'tiny~')" = 3 ]
"$nltc" show tiny~0 --store .nltc --json > /dev/null
check "sweep: the runs' folders" [ "$(ls -d out/0*_* | grep -vc '\.log$')" = 3 ]

# resume: nothing rerun
"$nltc" sweep grid.nlt -o out -j 2 --no-rtl --no-synth $data > run2.out 2>&1
check "resume: exit 0" [ $? = 0 ]
check "resume: 0 to run, 3 stored" grep -q "0 to run, 0 pruned, 3 already in the store" run2.out
check "resume: still 3 runs" [ "$("$nltc" runs --store .nltc | grep -c 'tiny~')" = 3 ]

# a killed worker: its configuration fails, nothing is recorded for it, the next sweep runs it
sed 's/draws = 3/draws = 4/' grid.nlt > grid4.nlt
"$nltc" sweep grid4.nlt -o out4 -j 1 --no-rtl --no-synth $data > run3.out 2>&1 &
sweep=$!
k=0
while [ $k -lt 200 ] && ! ls out4/*.log > /dev/null 2>&1; do sleep 0.1; k=$((k + 1)); done
worker=$(pgrep -P $sweep | head -n 1)
[ -n "$worker" ] && kill -KILL "$worker"
wait $sweep
check "killed: the sweep says so" grep -q "failed (exit 137" run3.out
"$nltc" sweep grid4.nlt -o out4 -j 1 --no-rtl --no-synth $data > run4.out 2>&1
check "killed: rerun exit 0 ($(cat run4.out))" [ $? = 0 ]
check "killed: 4 runs of the 4 configurations" \
    [ "$("$nltc" runs --store .nltc | grep -c 'tiny~')" = 4 ]

# the Pareto front: a table with every run, at least one marked, and the page
"$nltc" pareto --store .nltc --html front.html > pareto.out 2>&1
check "pareto: exit 0" [ $? = 0 ]
check "pareto: 4 runs" [ "$(grep -c ' tiny~' pareto.out)" = 4 ]
check "pareto: a Pareto-optimal run" grep -q ' L[TA]* *lut leaf' pareto.out
check "pareto: the page has an SVG" grep -q '<svg' front.html
"$nltc" pareto --store nowhere > /dev/null 2>&1
check "pareto: a missing store is exit 2" [ $? = 2 ]
exit $fail
