#!/bin/sh
# store_test.sh - multi-process tests of the experiment store, run by CTest.
# Usage: store_test.sh MODE STORE_TOOL FIXTURE_TOOL WORKDIR NLTC
#   MODE: basic      three runs: runs, show, diff (+ --html), checkout byte-identical, tags,
#                    MODEL~N, git log and git fsck
#         concurrent two (and four) processes recording into one store at once all land
#         kill       SIGKILL at many points of a large record: git fsck clean, no partial
#                    run, the next record works; stale git lock files are cleaned up
#         corrupt    foreign, non-git and damaged stores: clear error, non-zero exit
# STORE_TOOL is nltc-store-test (store_record, as the flow calls it), FIXTURE_TOOL is
# report-fixture, NLTC is the nltc executable (its runs/show/diff/checkout/tag commands).
set -u
mode=$1
T=$2
FIX=$3
W=$4
N=$5
fails=0
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
unset NLTC_STORE

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# expect_rc WANT CMD...: runs CMD, output in out.txt/err.txt, checks the exit code.
expect_rc() {
    want=$1
    shift
    "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" != "$want" ]; then
        fail "exit $got (wanted $want): $*"
        sed 's/^/  out: /' out.txt >&2
        sed 's/^/  err: /' err.txt >&2
    fi
}

# expect_grep PATTERN FILE: FILE contains PATTERN (grep -E).
expect_grep() {
    if ! grep -Eq -- "$1" "$2"; then
        fail "'$1' not found in $2"
        sed 's/^/  | /' "$2" >&2
    fi
}

have_git() { command -v git >/dev/null 2>&1; }

# fsck_clean STORE: git fsck exits 0 and reports no error (dangling objects are fine).
fsck_clean() {
    have_git || return 0
    git -C "$1" fsck --no-progress >fsck.txt 2>&1
    rc=$?
    if [ $rc != 0 ] || grep -Eiq 'error|missing|broken|corrupt|bad ' fsck.txt; then
        fail "git fsck of $1 (exit $rc)"
        sed 's/^/  fsck: /' fsck.txt >&2
    fi
}

# make_model: a model file and an imported module below it.
make_model() {
    mkdir -p m/std
    printf 'import "std/blocks.nlt"\nmodel digits {\n  bits = %s\n}\n' "$1" >m/digits.nlt
    echo "lut leaf { fanin = 3 }" >m/std/blocks.nlt
}

# make_out DIR ACC [CKPT_KB]: a fixture output folder with every kind of artifact.
make_out() {
    "$FIX" "$1" "$2" >/dev/null || fail "report-fixture $1"
    mkdir -p "$1/tables" "$1/rtl" "$1/csim" "$1/vectors"
    echo "tables of $1" >"$1/tables/layer0.tbl"
    head -c $((${3:-64} * 1024)) /dev/urandom >"$1/train/checkpoint.bin"
    echo "module top; endmodule // $1" >"$1/rtl/top.v"
    printf '#!/bin/sh\necho sim\n' >"$1/csim/run.sh"
    chmod +x "$1/csim/run.sh"
    echo "codes" >"$1/vectors/test.codes"
    echo "ir of $1" >"$1/model.ir"
    echo "partial" >"$1/tables/layer1.tbl.tmp.123" # an in-progress temporary: never recorded
}

record() { # record OUT SEED [extra args]
    out=$1
    seed=$2
    shift 2
    "$T" record --out "$out" --model digits --src "$W/m/digits.nlt" \
        --src "$W/m/std/blocks.nlt" --seed "$seed" "$@"
}

count_runs() { # count_runs STORE [MODEL]: number of run lines of `runs`
    if [ $# -gt 1 ]; then
        "$N" runs --store "$1" --model "$2" >runs.txt 2>&1
    else
        "$N" runs --store "$1" >runs.txt 2>&1
    fi
    grep -Ec '^[0-9a-f]{7,} ' runs.txt
}

case $mode in
basic)
    for i in 1 2 3; do
        make_model "$i"
        make_out "out$i" "0.9$i"
        expect_rc 0 record "out$i" "$i" --time $((1700000000 + 60 * i))
        expect_grep "recorded run [0-9a-f]{7} of digits in $W/m/.nltc" out.txt
    done
    S=m/.nltc
    [ "$(count_runs $S)" = 3 ] || fail "runs lists $(count_runs $S) runs, wanted 3"
    expect_rc 0 "$N" runs --store $S
    expect_grep '^[0-9a-f]{7,} +2023-11-14 22:1[0-9] +digits~2 +[0-9a-f]{8} +1 +91\.00% +3391' out.txt
    expect_grep 'digits~0 +[0-9a-f]{8} +3 +93\.00%' out.txt
    # RUN forms: MODEL~N, MODEL, short id, tag.
    id1=$(grep 'digits~1 ' out.txt | cut -c1-7)
    expect_rc 0 "$N" show digits~1 --store $S
    expect_grep '^name +digits~1$' out.txt
    expect_grep '^seed +2$' out.txt
    expect_grep 'test accuracy \(quantized\)\*\*: 92\.00%' out.txt
    expect_rc 0 "$N" show "$id1" --store $S
    expect_grep '^name +digits~1$' out.txt
    expect_rc 0 "$N" tag digits~1 best --store $S
    expect_grep "tagged run $id1 \(digits~1\) as best" out.txt
    expect_rc 0 "$N" show best --json --store $S
    expect_grep '"quantized": 0.92' out.txt
    expect_rc 1 "$N" tag digits~0 best --store $S
    expect_grep "tag 'best' already exists" err.txt
    expect_rc 1 "$N" tag digits~0 digits --store $S
    # Names git would reject or read as something else (issue 20), with their messages.
    bad_tag() {
        expect_rc 1 "$N" tag --store $S digits~0 -- "$1"
        grep -qxF "nltc: error: '$1' is not a valid tag name: $2" err.txt ||
            fail "tag '$1': message: $(cat err.txt)"
    }
    bad_tag HEAD "git reserves HEAD and the other all-capital *HEAD names"
    bad_tag ORIG_HEAD "git reserves HEAD and the other all-capital *HEAD names"
    bad_tag refs/heads/x "it starts like a git reference path (refs/, heads/, tags/, remotes/), so a run name would be ambiguous"
    bad_tag heads/digits "it starts like a git reference path (refs/, heads/, tags/, remotes/), so a run name would be ambiguous"
    bad_tag @ "git reads '@' as HEAD"
    bad_tag a..b "it contains '..', '@{', '~', '^', ':', '?', '*', '[', '\\' or a space, which git reads as revision syntax"
    bad_tag 'x@{1}' "it contains '..', '@{', '~', '^', ':', '?', '*', '[', '\\' or a space, which git reads as revision syntax"
    bad_tag beef12 "it is made of hexadecimal digits only, like a run id, so a run name would be ambiguous"
    bad_tag -x "it starts with '-', like a command-line option"
    bad_tag x.lock "git's reference-name rules reject it (no control characters, no component starting with '.' or ending in '.lock', no '//' or trailing '/')"
    bad_tag .hidden "git's reference-name rules reject it (no control characters, no component starting with '.' or ending in '.lock', no '//' or trailing '/')"
    expect_rc 0 "$N" show HEAD --store $S # HEAD is still the store's own
    expect_rc 0 "$N" runs --store $S --model digits
    expect_grep "^$id1 .* best$" out.txt
    expect_rc 0 "$N" show digits --store $S
    expect_grep '^name +digits~0$' out.txt
    expect_rc 1 "$N" show digits~7 --store $S
    expect_grep "no run 'digits~7'" err.txt
    expect_rc 1 "$N" runs --store $S --model nosuch
    # diff: the model change and the metric deltas.
    expect_rc 0 "$N" diff digits~2 best --html "$W/diff.html" --store $S
    expect_grep '^-  bits = 1$' out.txt
    expect_grep '^\+  bits = 2$' out.txt
    expect_grep '^accuracy\.quantized +91\.00% +92\.00% +\+1\.00 pp +better$' out.txt
    expect_grep '^hardware\.luts_yosys +3391 +3391 *$' out.txt
    expect_grep 'tables/ \(1\)' out.txt
    expect_grep '<span class="del">-  bits = 1</span>' diff.html
    expect_grep '<td class="n up">\+1\.00 pp</td>' diff.html
    [ "$(grep -c '<svg' diff.html)" = 2 ] || fail "diff.html should hold 2 plots"
    expect_rc 0 "$N" diff best best --store $S
    expect_grep '^\(identical\)$' out.txt
    # checkout restores every artifact byte for byte (and the executable bit).
    expect_rc 0 "$N" checkout best -o "$W/co" --store $S
    expect_grep "restored run $id1 \(digits~1\) into" out.txt
    rm out2/tables/layer1.tbl.tmp.123
    if ! diff -r out2 co -x src -x run.json >diff.txt; then
        fail "checkout differs from the recorded output folder"
        cat diff.txt >&2
    fi
    [ -x co/csim/run.sh ] || fail "checkout lost the executable bit"
    cmp -s co/src/std/blocks.nlt m/std/blocks.nlt || fail "imported module not restored"
    expect_grep '"model_file": "src/digits.nlt"' co/run.json
    [ -e co/tables/layer1.tbl.tmp.123 ] && fail "a temporary file was recorded"
    expect_rc 1 "$N" checkout best -o "$W/co" --store $S
    expect_grep 'is not empty' err.txt
    expect_rc 0 "$N" checkout best -o "$W/co" --force --store $S
    # --force never writes through a symbolic link out of DIR: the link is replaced.
    mkdir -p "$W/elsewhere/tables" "$W/elsewhere/csim"
    rm -rf co/tables co/csim/run.sh
    ln -s "$W/elsewhere/tables" co/tables
    ln -s "$W/elsewhere/csim/run.sh" co/csim/run.sh
    expect_rc 0 "$N" checkout best -o "$W/co" --force --store $S
    expect_grep "nltc: checkout: $W/co/tables was a symbolic link; replaced by a folder" err.txt
    [ -L co/tables ] && fail "checkout --force kept the symbolic link co/tables"
    [ -L co/csim/run.sh ] && fail "checkout --force kept the symbolic link co/csim/run.sh"
    [ -z "$(ls "$W/elsewhere/tables")" ] || fail "checkout --force wrote through a link"
    [ -e "$W/elsewhere/csim/run.sh" ] && fail "checkout --force wrote through a file link"
    if ! diff -r out2 co -x src -x run.json >diff.txt; then
        fail "checkout over symbolic links differs from the recorded output folder"
        cat diff.txt >&2
    fi
    expect_rc 2 "$N" checkout best --store $S # usage errors exit 2 (issue 14)
    expect_grep 'missing -o DIR' err.txt
    # Default store beside the model, NLTC_STORE, usage errors.
    NLTC_STORE=$S "$N" runs >out.txt 2>&1 || fail "NLTC_STORE is not used"
    expect_grep 'digits~2' out.txt
    expect_rc 2 "$N" runs
    expect_grep 'no experiment store at .nltc' err.txt
    expect_rc 2 "$N" runs --bogus --store $S
    expect_grep "unknown option '--bogus'" err.txt
    expect_rc 2 "$N" diff digits~1 --store $S
    expect_grep 'missing A B' err.txt
    if have_git; then
        [ "$(git -C $S log --oneline | wc -l)" = 3 ] || fail "git log does not show 3 runs"
        [ "$(git -C $S rev-list --count digits)" = 3 ] || fail "branch digits lacks runs"
    fi
    fsck_clean $S
    ;;
concurrent)
    make_model 1
    make_out out 0.95
    # A fresh store: the first writers also race to create it.
    for round in 1 2; do
        pids=""
        for p in 1 2; do
            record out "$p" --store "$W/s" >"rec$round$p.txt" 2>&1 &
            pids="$pids $!"
        done
        for pid in $pids; do
            wait "$pid" || fail "a concurrent record failed (round $round)"
        done
    done
    [ "$(count_runs s)" = 4 ] || fail "wanted 4 runs after 2 x 2 concurrent records"
    # Four writers, two models, three records each.
    pids=""
    for p in 1 2 3 4; do
        (
            model=digits
            [ $p -gt 2 ] && model=other
            for k in 1 2 3; do
                "$T" record --out out --model $model --src "$W/m/digits.nlt" --seed $k \
                    --store "$W/s" >/dev/null 2>"err$p.txt" || exit 1
            done
        ) &
        pids="$pids $!"
    done
    for pid in $pids; do
        wait "$pid" || fail "a writer of the 4-way race failed"
    done
    [ "$(count_runs s)" = 16 ] || fail "wanted 16 runs, runs lists $(count_runs s)"
    [ "$(count_runs s digits)" = 10 ] || fail "wanted 10 runs of digits"
    [ "$(count_runs s other)" = 6 ] || fail "wanted 6 runs of other"
    if have_git; then
        [ "$(git -C s rev-list --count digits)" = 10 ] || fail "digits history is not linear"
    fi
    ls -a | grep -q 'init-' && fail "a temporary store folder was left behind"
    fsck_clean s
    ;;
kill)
    make_model 1
    make_out big 0.9 24576 # a 24 MB checkpoint: recording takes a while
    expect_rc 0 record big 1 --store "$W/s"
    before=1
    killed=0
    landed=0
    for delay in 0.002 0.01 0.02 0.04 0.07 0.1 0.14 0.18 0.22 0.27 0.32 0.37 0.42 0.46 0.5 0.6; do
        head -c 1024 /dev/urandom >big/train/extra.bin # a new tree every time
        "$T" record --out big --model digits --src "$W/m/digits.nlt" --seed 2 \
            --store "$W/s" >kill.txt 2>&1 &
        pid=$! # the recorder itself, not a subshell
        sleep $delay
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null
        fsck_clean s
        n=$(count_runs s)
        if [ "$n" != "$before" ] && [ "$n" != $((before + 1)) ]; then
            fail "after SIGKILL at ${delay}s: $n runs, wanted $before or $((before + 1))"
        fi
        # Every run that is listed is complete.
        expect_rc 0 "$N" show digits --json --store s
        expect_grep '"llut_count": 230' out.txt
        if [ "$n" = "$before" ]; then killed=$((killed + 1)); else landed=$((landed + 1)); fi
        before=$n
    done
    echo "SIGKILL: $killed records killed before they landed, $landed completed first"
    [ $killed -gt 0 ] || fail "no record was killed mid-way (machine too fast?)"
    # The store still takes new runs, also after a killed writer left git lock files.
    : >s/refs/heads/digits.lock
    : >s/HEAD.lock
    expect_rc 0 record big 3 --store "$W/s"
    expect_grep 'removed refs/heads/digits.lock, left behind by a killed writer' err.txt
    [ "$(count_runs s)" = $((before + 1)) ] || fail "the record after the kills did not land"
    [ -e s/HEAD.lock ] && fail "stale HEAD.lock kept"
    if ls s/objects | grep -q tmp_object; then
        fail "partial objects of killed writers were kept"
    fi
    fsck_clean s
    ;;
corrupt)
    make_model 1
    make_out out 0.9
    expect_rc 0 record out 1 --store "$W/good"
    # Not a git repository.
    mkdir notgit
    echo data >notgit/file
    expect_rc 2 record out 1 --store "$W/notgit"
    expect_grep 'notgit: not an nltc experiment store \(not a git repository\)' err.txt
    [ "$(ls notgit)" = file ] || fail "a foreign folder was modified"
    echo text >afile
    expect_rc 2 "$N" runs --store afile
    # A foreign git repository (bare and with a work tree).
    if have_git; then
        git init -q --bare foreign.git
        expect_rc 2 record out 1 --store "$W/foreign.git"
        expect_grep 'a git repository, but not an nltc experiment store' err.txt
        git init -q work
        expect_rc 2 "$N" runs --store work
        expect_grep 'not an nltc experiment store' err.txt
    fi
    # Damaged stores: a ref to a missing commit, objects deleted, objects overwritten.
    cp -r good badref
    echo 0123456789abcdef0123456789abcdef01234567 >badref/refs/heads/digits
    expect_rc 2 "$N" runs --store badref
    expect_grep 'badref: .*(object not found|no match)' err.txt
    expect_rc 2 record out 2 --store "$W/badref"
    expect_grep 'badref: corrupt repository' err.txt
    cp -r good noobj
    find noobj/objects -type f -name '[0-9a-f]*' -delete
    expect_rc 2 "$N" show digits --store noobj
    expect_rc 2 "$N" checkout digits -o "$W/co" --store noobj
    cp -r good junk
    for f in $(find junk/objects -type f); do
        chmod u+w "$f"
        echo junk >"$f"
    done
    expect_rc 2 "$N" runs --store junk
    expect_grep 'junk: .*(inflate|corrupt|object)' err.txt
    expect_rc 2 "$N" diff digits digits --store junk
    cp -r good badhead
    echo "ref: refs/heads/../../x" >badhead/HEAD
    "$N" runs --store badhead >out.txt 2>err.txt
    [ $? -le 2 ] || fail "runs on a store with a broken HEAD crashed"
    # store_record takes the report it is handed (the flow's rt_report): the commit message
    # says 77% while OUT/report.json, recorded as it is, says 90%; OUT/report.json must exist.
    "$FIX" rep 0.77 >/dev/null || fail "report-fixture rep"
    expect_rc 0 "$T" record --out out --model digits --src "$W/m/digits.nlt" --store "$W/handed" \
        --report rep/report.json
    if have_git; then
        git -C handed log -1 --format=%s >msg.txt
        expect_grep '^digits: test 77\.00% on ' msg.txt
    fi
    expect_rc 0 "$N" show digits --json --store handed
    expect_grep '"quantized": 0.9' out.txt
    mkdir noreport
    expect_rc 2 "$T" record --out noreport --model digits --src "$W/m/digits.nlt" \
        --store "$W/handed" --report rep/report.json
    expect_grep 'cannot record .*noreport/report.json' err.txt
    # Bad arguments to record: an invalid model name, no report.json (the stand-in reads the
    # report first, as the flow has it in memory).
    expect_rc 1 "$T" record --out out --model 'bad..name' --src "$W/m/digits.nlt" --store "$W/good"
    expect_grep "model name 'bad..name' cannot name a git branch" err.txt
    mkdir empty
    expect_rc 1 "$T" record --out empty --model digits --src "$W/m/digits.nlt" --store "$W/good"
    expect_grep 'empty/report.json: cannot read' err.txt
    echo '{"accuracy": {"float": "high"}}' >empty/report.json
    expect_rc 1 "$T" record --out empty --model digits --src "$W/m/digits.nlt" --store "$W/good"
    expect_grep 'key "accuracy.float": expected a number or null' err.txt
    expect_rc 2 "$T" record --out out --model digits --src "$W/m/missing.nlt" --store "$W/good"
    expect_grep 'missing.nlt' err.txt
    [ "$(count_runs good)" = 1 ] || fail "a failed record left a run behind"
    fsck_clean good
    ;;
*)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
if [ $fails -ne 0 ]; then
    echo "$mode: $fails failure(s)" >&2
    exit 1
fi
echo "$mode: ok"
