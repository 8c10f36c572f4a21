#!/bin/sh
# mpi_test.sh - `mpirun -np P nltc sweep` (a build with -DNLTC_MPI=ON): the same sweep as one
# process (-j 1), over 2 ranks and over 3 ranks gives the same tables, configuration by
# configuration; a resumed MPI sweep runs nothing; a run killed on a rank is retried on
# another and the store holds each configuration once. Data-parallel training of one model
# (`mpirun -np P nltc model -o OUT`): 2 and 3 ranks give the tables and accuracies of one
# process, a resume over 2 ranks reads the checkpoint on every rank, and a model with
# kind = table and a group-sum head is refused (exit 2, located). Skips (77) without MPI.
# usage: mpi_test.sh NLTC SOURCE_ROOT MPI_BUILT(ON|OFF)
set -u
nltc=$1
root=$(cd "$2" && pwd)
if [ "$3" != ON ]; then
    echo "SKIP: nltc was built without MPI (configure with -DNLTC_MPI=ON)"
    exit 77
fi
if ! command -v mpirun > /dev/null; then
    echo "SKIP: mpirun not found (Debian: openmpi-bin)"
    exit 77
fi
export NLTC_STDLIB="$root/stdlib"
unset NLTC_PATH NLTC_STORE
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# the workers this test kills leave their scratch folders here, not in the system's /tmp
export TMPDIR="$dir"
cp "$root/tests/sweep/tiny.nlt" "$root/tests/sweep/grid.nlt" "$root/tests/e2e/hwio.nlt" "$dir/"
cd "$dir" || exit 1
mpi="mpirun --oversubscribe --allow-run-as-root"
opts="--no-rtl --no-synth --data-dir $root/examples/data"
fail=0
check() {
    what=$1
    shift
    if "$@"; then :; else
        echo "FAIL: $what"
        fail=1
    fi
}

"$nltc" sweep grid.nlt -o one -j 1 --store s1 $opts > one.out 2>&1
check "one process: exit 0 ($(cat one.out))" [ $? = 0 ]
for np in 2 3; do
    $mpi -np $np "$nltc" sweep grid.nlt -o np$np --store s$np $opts > np$np.out 2>&1
    check "np $np: exit 0 ($(cat np$np.out))" [ $? = 0 ]
    check "np $np: 3 progress lines" [ "$(grep -c '^\[[1-3]/3\] ' np$np.out)" = 3 ]
    check "np $np: 3 runs recorded" [ "$("$nltc" runs --store s$np | grep -c 'tiny~')" = 3 ]
    for t in one/0*/tables; do
        name=$(basename "$(dirname "$t")")
        check "np $np: $name's tables equal the one-process run's" diff -r "$t" "np$np/$name/tables"
    done
done
$mpi -np 2 "$nltc" sweep grid.nlt -o np2 --store s2 $opts > again.out 2>&1
check "resume: exit 0" [ $? = 0 ]
check "resume: nothing to run" grep -q "0 to run, 0 pruned, 3 already in the store" again.out

# a run killed on its rank is retried elsewhere; each configuration recorded once
sed 's/draws = 3/draws = 4/' grid.nlt > grid4.nlt
$mpi -np 2 "$nltc" sweep grid4.nlt -o k --store sk $opts > k.out 2>&1 &
job=$!
victim=""
k=0
while [ $k -lt 300 ] && [ -z "$victim" ]; do
    sleep 0.1
    k=$((k + 1))
    for pid in $(pgrep -f "sweep grid4.nlt"); do # a run: an nltc whose parent is one too
        parent=$(ps -o ppid= -p "$pid" | tr -d ' ')
        if ps -o args= -p "$parent" 2> /dev/null | grep -q "sweep grid4.nlt" &&
            ! ps -o args= -p "$parent" | grep -q mpirun; then
            victim=$pid
        fi
    done
done
check "kill: found a run to kill" [ -n "$victim" ]
[ -n "$victim" ] && kill -KILL "$victim"
wait $job
check "kill: exit 0 ($(cat k.out))" [ $? = 0 ]
check "kill: retried elsewhere" grep -q "retrying it elsewhere" k.out
check "kill: 4 done" [ "$(grep -c ' done ' k.out)" = 4 ]
check "kill: 4 runs recorded, none twice" [ "$("$nltc" runs --store sk | grep -c 'tiny~')" = 4 ]

# data-parallel training of one model: every sum over rows in int64 fixed point, so the
# tables and the report's accuracies do not depend on the rank count
acc() { grep -o '"accuracy": {[^}]*}' "$1/report.json"; }
"$nltc" tiny.nlt -o dp1 --no-record $opts > dp1.out 2>&1
check "data-parallel, 1 process: exit 0 ($(cat dp1.out))" [ $? = 0 ]
for np in 2 3; do
    $mpi -np $np "$nltc" tiny.nlt -o dp$np --no-record $opts > dp$np.out 2>&1
    check "data-parallel np $np: exit 0 ($(cat dp$np.out))" [ $? = 0 ]
    check "data-parallel np $np: tables equal one process's" diff -r dp1/tables dp$np/tables
    check "data-parallel np $np: model.bin equals one process's" cmp dp1/train/model.bin \
        dp$np/train/model.bin
    check "data-parallel np $np: the same accuracies" [ "$(acc dp1)" = "$(acc dp$np)" ]
    check "data-parallel np $np: one progress report" [ "$(grep -c '^report: ' dp$np.out)" = 1 ]
done
$mpi -np 2 "$nltc" tiny.nlt -o dp2 --resume --no-record $opts > dpr.out 2>&1
check "data-parallel resume: exit 0 ($(cat dpr.out))" [ $? = 0 ]
check "data-parallel resume: from the checkpoint" grep -q "resuming at stage" dpr.out
check "data-parallel resume: the same tables" diff -r dp1/tables dp2/tables
$mpi -np 2 "$nltc" hwio.nlt -o dpt --no-record $opts > dpt.out 2>&1
check "data-parallel, kind = table: refused with exit 2" [ $? = 2 ]
check "data-parallel, kind = table: located, says why" \
    grep -q "hwio.nlt:[0-9]*:[0-9]*: error: layer .*kind = table is not covered" dpt.out
check "data-parallel, kind = table: nothing written" [ ! -e dpt ]
exit $fail
