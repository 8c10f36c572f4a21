#!/bin/sh
# run.sh - model benchmark: runs the example models through the whole nltc flow (training,
# tables, Verilog, C simulator, bit-exact verification with Verilator, Yosys) with
# --no-record into a scratch folder and prints one summary line per model from
# OUT/report.json, beside the paper's figure where there is one. Results: README.md here.
#
# usage: bench/models/run.sh [digits|nid|letter|all|letter_pairs|mnist]...   (default: all)
#   all = digits nid letter (examples/*.nlt); on request only: letter_pairs (the variant
#   bench/models/letter_pairs.nlt) and mnist (the paper's configuration, hours of training)
# environment:
#   NLTC       the nltc binary (default: build/nltc of this source tree)
#   DATA_ROOT  folder of the shared data sets (default /work/shared/data); a data set is
#              looked for in examples/data/ first, then in DATA_ROOT/<set>/
#   SCRATCH    output folder (default: a new folder under ${TMPDIR:-/tmp}); kept afterwards
#   SEED       override the training seed of every model (default: the model's own)
#   NICE       nice level of the runs (default 10: the machine is shared)
# A model whose data set is absent is skipped with a message. Exit 1 if a run failed.
root=$(cd "$(dirname "$0")/../.." && pwd)
nltc=${NLTC:-$root/build/nltc}
data_root=${DATA_ROOT:-/work/shared/data}
nice_level=${NICE:-10}
[ $# -eq 0 ] && set -- all
for what in "$@"; do
    case $what in
    digits | nid | letter | all | letter_pairs | mnist) ;;
    *)
        echo "usage: run.sh [digits|nid|letter|all|letter_pairs|mnist]..." >&2
        exit 2
        ;;
    esac
done
if [ ! -x "$nltc" ]; then
    echo "run.sh: nltc not found at $nltc (build it, or set NLTC)" >&2
    exit 2
fi
if ! command -v jq >/dev/null 2>&1; then
    echo "run.sh: jq is needed to read report.json" >&2
    exit 2
fi
scratch=${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/nltc-bench-models.XXXXXX")}
mkdir -p "$scratch" || exit 2
export NLTC_STDLIB="${NLTC_STDLIB:-$root/stdlib}"

# data_dir SUBDIR FILE: print the folder holding FILE (empty when absent)
data_dir() {
    if [ -f "$root/examples/data/$2" ]; then
        echo "$root/examples/data"
    elif [ -f "$data_root/$1/$2" ]; then
        echo "$data_root/$1"
    fi
}

# paper NAME: the paper's figure for the model, if any
paper() {
    case $1 in
    mnist) echo "paper: 97.9% / 5,070 LUT (xcvu9p, Vivado)" ;;
    nid) echo "paper: 93.0% / 91 LUT (LogicNets' NID setup; indicative only)" ;;
    *) echo "paper: none (no published figure for this data set)" ;;
    esac
}

# summary NAME OUT WALL CPU: the one-line summary from OUT/report.json
summary() {
    jq -r --arg name "$1" --arg wall "$3" --arg cpu "$4" --arg paper "$(paper "$1")" '
        def pct: if . == null then "n/a" else (. * 10000 | round / 100 | tostring) + "%" end;
        def sec: if . == null then "n/a" else (. * 10 | round / 10 | tostring) + "s" end;
        .accuracy as $a | .hardware as $h | .time_s as $t |
        "\($name) [seed \(.seed), test \(.splits.test)]: test acc float \($a.float | pct)"
        + " quant \($a.quantized | pct) table \($a.table | pct) csim \($a.csim | pct)"
        + " rtl \($a.rtl | pct) (valid \(.validation_accuracy | pct)) | LUT est \($h.luts_estimate)"
        + " yosys \($h.luts_yosys // "n/a"), FF \($h.ffs // "n/a"), \($h.lut_levels // "n/a") LUT levels,"
        + " latency \($h.latency_cycles) cycle\(if $h.latency_cycles == 1 then "" else "s" end),"
        + " \(.llut_count) L-LUTs | time: dense \($t.stage1 | sec)"
        + " sparse \($t.stage2 | sec) tabulate \($t.tabulate | sec) verify \($t.verify | sec)"
        + " synth \($t.synth | sec) total \($wall)s wall (\($cpu)s CPU), mismatches \(.verify.mismatches) | \($paper)"
    ' "$2/report.json"
}

# run NAME SUBDIR FILE: run examples/NAME.nlt (else bench/models/NAME.nlt) through the flow,
# print its summary
run() {
    name=$1
    dir=$(data_dir "$2" "$3")
    if [ -z "$dir" ]; then
        echo "$name: skipped: data file $3 not found in $root/examples/data or $data_root/$2"
        return 0
    fi
    out=$scratch/$name
    model=$root/examples/$name.nlt
    [ -f "$model" ] || model=$root/bench/models/$name.nlt
    set -- "$model" -o "$out" --no-record --quiet --data-dir "$dir"
    [ -n "$SEED" ] && set -- "$@" --seed "$SEED"
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        set -- /usr/bin/time -f "%U %S" -o "$out.cpu" "$nltc" "$@"
    else
        set -- "$nltc" "$@"
    fi
    if ! nice -n "$nice_level" "$@" >"$out.log" 2>&1 || [ ! -f "$out/report.json" ]; then
        echo "$name: FAILED (exit status or no report.json); log: $out.log"
        tail -n 5 "$out.log" | sed 's/^/    /'
        failed=1
        return 0
    fi
    end=$(date +%s.%N)
    wall=$(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }')
    cpu=n/a
    [ -f "$out.cpu" ] && cpu=$(tail -n 1 "$out.cpu" | awk '{ printf "%.1f", $1 + $2 }')
    summary "$name" "$out" "$wall" "$cpu"
}

failed=0
echo "nltc model benchmark: source tree at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "an unknown commit"), binary $nltc, outputs in $scratch"
for what in "$@"; do
    case $what in
    digits | all) run digits digits digits.csv.gz ;;
    esac
    case $what in
    nid | all) run nid unsw-nb15 UNSW_NB15_testing-set.csv.gz ;;
    esac
    case $what in
    letter | all) run letter letter LetterRecognition.csv.gz ;;
    esac
    case $what in
    letter_pairs) run letter_pairs letter LetterRecognition.csv.gz ;;
    mnist) run mnist mnist train-images-idx3-ubyte.gz ;;
    esac
done
exit $failed
