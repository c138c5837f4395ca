#!/usr/bin/env bash
# tests/model/check.sh - model-check weft's split deque and sleep protocol
# with Spin (tests/model/deque.pml, sleep.pml; see tests/model/README.md).
#
# Each check generates a verifier (spin -a with the check's macros),
# compiles it (gcc -O2) and runs it exhaustively, in a temporary directory.
# A check of a correct model passes when Spin reports 0 errors and the
# search was complete; a check of a bug variant (BUG_*) passes when Spin
# reports at least one error, i.e. when the bug is caught.
#
# Prints one line per check (PASS/FAIL, name, errors, states stored, time)
# and, alone on the last line, "N passed, N failed".  Exits non-zero on any
# failure.
#
# Usage: tests/model/check.sh [--fast] [-j N] [--keep] [--list]
#   --fast   the subset that runs in about 25 s on 2 cores (tests/run)
#   -j N     checks run in parallel (default 2)
#   --keep   keep the temporary directory (pan sources, outputs, trails)
#   --list   list the checks and exit
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fast=0
jobs=2
keep=0
list=0

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
    --fast) fast=1 ;;
    --keep) keep=1 ;;
    --list) list=1 ;;
    -j) [ $# -ge 2 ] || { usage >&2; exit 2; }; jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "check.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$jobs" in '' | *[!0-9]* | 0) echo "check.sh: -j needs a positive number" >&2; exit 2 ;; esac

# ---- tools ---------------------------------------------------------------
need=()
command -v spin >/dev/null 2>&1 || need+=(spin)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "check.sh: installing ${need[*]} (apt-get install ${need[*]})"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    for t in "${need[@]}"; do
        if ! command -v "$t" >/dev/null 2>&1; then
            echo "check.sh: '$t' is missing: apt-get install ${need[*]}" >&2
            echo "0 passed, 1 failed"
            exit 1
        fi
    done
fi

# ---- the checks ----------------------------------------------------------
# name | model | spin macros | expect (ok: 0 errors, bug: >= 1) | fast (1/0) |
# pan mode (safety | ltl) | hash table log2 size
# A word "cc:-DNAME" among the macros goes to the compile of pan.c instead
# (e.g. cc:-DREVERSE: pan tries the processes in the reverse order, which
# changes only which error the search meets first).
checks=(
"deque-sc-2thieves|deque|-DNTHIEF=2 -DNT=3|ok|1|safety|22"
"deque-sc-2thieves-fresh|deque|-DNTHIEF=2 -DNT=3 -DFRESH_FRAMES|ok|0|safety|22"
"deque-tso-1thief-4tasks|deque|-DTSO -DNTHIEF=1 -DNT=4|ok|1|safety|21"
"deque-tso-2thieves|deque|-DTSO -DNTHIEF=2 -DNT=3|ok|0|safety|24"
"deque-sc-2thieves-4tasks|deque|-DNTHIEF=2 -DNT=4|ok|0|safety|25"
"deque-tso-2thieves-4tasks|deque|-DTSO -DNTHIEF=2 -DNT=4|ok|0|safety|27"
"deque-bug-no-thief-wait|deque|-DBUG_NO_THIEF_WAIT|bug|1|safety|20"
"deque-bug-no-thief-wait-fresh-tso|deque|-DTSO -DFRESH_FRAMES -DBUG_NO_THIEF_WAIT|bug|1|safety|20"
"deque-bug-done-after-announce-tso|deque|-DTSO -DFRESH_FRAMES -DBUG_DONE_AFTER_ANNOUNCE|bug|1|safety|20"
"deque-bug-read-before-cas|deque|-DBUG_READ_BEFORE_CAS|bug|1|safety|20"
"deque-bug-no-reclaim-check|deque|-DBUG_NO_RECLAIM_CHECK|bug|1|safety|20"
"deque-bug-no-announce|deque|-DBUG_NO_ANNOUNCE|bug|1|safety|20"
"deque-bug-no-thief-clear|deque|-DBUG_NO_THIEF_CLEAR|bug|1|safety|20"
"deque-bug-no-thief-clear-tso|deque|-DTSO -DNTHIEF=1 -DNT=4 -DBUG_NO_THIEF_CLEAR|bug|1|safety|21"
"deque-bug-help-at-slot|deque|-DBUG_HELP_AT_SLOT cc:-DREVERSE|bug|1|safety|20"
"deque-bug-help-at-slot-tso|deque|-DTSO -DBUG_HELP_AT_SLOT cc:-DREVERSE|bug|1|safety|21"
"deque-bug-no-allstolen-after-join|deque|-DBUG_NO_ALLSTOLEN_AFTER_JOIN|bug|1|safety|20"
"deque-bug-no-allstolen-join-fresh|deque|-DNTHIEF=1 -DFRESH_FRAMES -DBUG_NO_ALLSTOLEN_AFTER_JOIN|bug|1|safety|20"
"sleep-sc-2w|sleep|-DW=2 -DK=2|ok|1|safety|20"
"sleep-tso-2w|sleep|-DTSO -DW=2 -DK=2|ok|1|safety|21"
"sleep-ltl-sc-2w|sleep|-DLTL -DW=2 -DK=2|ok|1|ltl|20"
"sleep-ltl-tso-2w|sleep|-DLTL -DTSO -DW=2 -DK=2|ok|1|ltl|21"
"sleep-sc-3w|sleep|-DW=3 -DK=2|ok|0|safety|26"
"sleep-tso-3w-1task|sleep|-DTSO -DW=3 -DK=1|ok|0|safety|26"
"sleep-bug-nofence-tso|sleep|-DTSO -DBUG_NOFENCE|bug|1|safety|20"
"sleep-bug-nofence-ltl-tso|sleep|-DLTL -DTSO -DBUG_NOFENCE|bug|1|ltl|20"
"sleep-bug-nofence-3w-tso|sleep|-DTSO -DW=3 -DBUG_NOFENCE|bug|0|safety|24"
"sleep-bug-recheck|sleep|-DBUG_RECHECK|bug|1|safety|20"
"sleep-bug-recheck-ltl|sleep|-DLTL -DBUG_RECHECK|bug|1|ltl|20"
"sleep-bug-no-wakeall|sleep|-DBUG_NO_WAKEALL|bug|1|safety|20"
# A worker waiting on another pool's job (weft__wait_foreign) and the job's
# completer (weft__sleep_wake_worker): the lock-based half of the protocol.
# A submission from outside racing with weft_pool_destroy (stopping/runs).
"waits-sc|waits||ok|1|safety|22"
"waits-tso|waits|-DTSO|ok|1|safety|22"
"waits-sc-starved|waits|-DMAXS=0|ok|1|safety|20"
"waits-sc-nog|waits|-DNOG|ok|1|safety|20"
"waits-sc-2tasks|waits|-DNU=2|ok|0|safety|24"
"waits-bug-no-block-check|waits|-DBUG_NO_BLOCK_CHECK|bug|1|safety|20"
"waits-bug-no-notify-spare|waits|-DBUG_NO_NOTIFY_SPARE|bug|1|safety|20"
"waits-bug-no-wait-recheck|waits|-DBUG_NO_WAIT_RECHECK|bug|1|safety|20"
"waits-bug-no-wait-recheck-starved|waits|-DMAXS=0 -DBUG_NO_WAIT_RECHECK|bug|1|safety|20"
"waits-bug-no-ancestor-wake|waits|-DBUG_NO_ANCESTOR_WAKE|bug|1|safety|20"
"waits-bug-retire-no-recheck|waits|-DNU=2 -DBUG_RETIRE_NO_RECHECK|bug|1|safety|22"
"waits-bug-help-any|waits|-DBUG_HELP_ANY|bug|1|safety|20"
"sleep-runrace-sc|sleep|-DRUNRACE -DW=2 -DK=1|ok|1|safety|22"
"sleep-runrace-tso|sleep|-DRUNRACE -DTSO -DW=2 -DK=1|ok|0|safety|23"
"sleep-bug-no-stopping-check|sleep|-DRUNRACE -DK=1 -DBUG_NO_STOPPING_CHECK|bug|1|safety|21"
# Not bugs on x86 (documented in README.md): expected to pass.
"sleep-nofence-sc|sleep|-DBUG_NOFENCE|ok|1|safety|20"
"sleep-nofence-tso-locked-unlock|sleep|-DTSO -DBUG_NOFENCE -DLOCKED_UNLOCK|ok|1|safety|20"
"sleep-nofence-park-tso|sleep|-DTSO -DBUG_NOFENCE_PARK|ok|1|safety|21"
)

if [ $list = 1 ]; then
    for c in "${checks[@]}"; do
        IFS='|' read -r name model defs expect isfast mode w <<<"$c"
        [ $fast = 1 ] && [ "$isfast" != 1 ] && continue
        printf '%-36s %-6s %-4s %s\n' "$name" "$model" "$expect" "$defs"
    done
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-model.XXXXXX")
cleanup() {
    # stop only the checks this script started
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    if [ $keep = 1 ]; then echo "check.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_check INDEX NAME MODEL DEFS EXPECT MODE W FAST: writes $tmp/INDEX.res
run_check() {
    run_check1 "$@"
    mv "$tmp/$1.res1" "$tmp/$1.res"
}

run_check1() {
    local i=$1 name=$2 model=$3 defs=$4 expect=$5 mode=$6 w=$7 isfast=$8
    local d="$tmp/$i-$name" t0 t1 res errs states secs why="" spindefs="" ccdefs="" m
    for m in $defs; do
        case "$m" in cc:*) ccdefs="$ccdefs ${m#cc:}" ;; *) spindefs="$spindefs $m" ;; esac
    done
    mkdir -p "$d"
    cp "$here"/*.pml "$d"/
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    if ! (cd "$d" && spin -a $spindefs "$model.pml" >spin.out 2>&1); then
        echo "FAIL|$name|spin -a failed: $(tail -n 1 "$d/spin.out")" >"$tmp/$i.res1"
        return
    fi
    # Compile time dominates the small checks: -O0 for bug variants (an
    # error is found in a few thousand states), -O1 for the --fast
    # subset, -O2 for the big searches.
    local opt=-O2
    if [ "$expect" = bug ] && [ "$mode" = safety ] && [ "$isfast" = 1 ]; then opt=-O0; elif [ "$isfast" = 1 ]; then opt=-O1; fi
    local cflags="-w $opt -DCOLLAPSE$ccdefs" runflags="-m1000000 -w$w"
    if [ "$mode" = ltl ]; then
        cflags="$cflags -DNFAIR=4"
        runflags="$runflags -a -f -N live"
    else
        cflags="$cflags -DSAFETY"
    fi
    # shellcheck disable=SC2086
    if ! (cd "$d" && gcc $cflags -o pan pan.c >gcc.out 2>&1); then
        echo "FAIL|$name|gcc failed: $(head -n 1 "$d/gcc.out")" >"$tmp/$i.res1"
        return
    fi
    # shellcheck disable=SC2086
    (cd "$d" && ./pan $runflags >pan.out 2>&1)
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    errs=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$d/pan.out" | tail -n 1)
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$d/pan.out" | tail -n 1)
    states=$(awk -v s="${states:-0}" 'BEGIN { printf "%d", s }')
    local first
    first=$(grep -m1 -E '^pan:1: ' "$d/pan.out" | sed 's/^pan:1: //; s/ (at depth.*//')
    if [ -z "$errs" ]; then
        res=FAIL; why="pan did not finish: $(tail -n 1 "$d/pan.out")"
    elif grep -qE 'max search depth too small|out of memory|hash table is full' "$d/pan.out"; then
        res=FAIL; why="incomplete search ($(grep -m1 -E 'max search depth too small|out of memory|hash table is full' "$d/pan.out"))"
    elif [ "$expect" = ok ]; then
        if [ "$errs" = 0 ]; then res=PASS; else res=FAIL; why="expected 0 errors: $first"; fi
    else
        if [ "$errs" -ge 1 ]; then res=PASS; why="caught: $first"; else res=FAIL; why="bug not caught"; fi
    fi
    printf '%s|%s|%s errors, %s states, %s s%s\n' "$res" "$name" "$errs" "$states" "$secs" \
        "${why:+; $why}" >"$tmp/$i.res1"
}

sel=()
for c in "${checks[@]}"; do
    IFS='|' read -r name model defs expect isfast mode w <<<"$c"
    [ $fast = 1 ] && [ "$isfast" != 1 ] && continue
    sel+=("$c")
done

echo "check.sh: $(spin -V 2>&1 | head -n 1); ${#sel[@]} checks$([ $fast = 1 ] && echo ' (--fast)'), -j $jobs"
start=$(date +%s)
n=${#sel[@]}
next=0   # next check to start
shown=0  # next result to print
pass=0
fail=0
while [ $shown -lt $n ]; do
    while [ $next -lt $n ] && [ "$(jobs -rp | wc -l)" -lt "$jobs" ]; do
        IFS='|' read -r name model defs expect isfast mode w <<<"${sel[$next]}"
        run_check "$next" "$name" "$model" "$defs" "$expect" "$mode" "$w" "$isfast" &
        next=$((next + 1))
    done
    if [ -f "$tmp/$shown.res" ]; then
        IFS='|' read -r res name detail <"$tmp/$shown.res"
        printf '%s  %-36s %s\n' "$res" "$name" "$detail"
        if [ "$res" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
        shown=$((shown + 1))
    else
        sleep 0.2
    fi
done
wait
echo "check.sh: $(($(date +%s) - start)) s in all"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
