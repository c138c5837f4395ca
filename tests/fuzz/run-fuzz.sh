#!/usr/bin/env bash
# tests/fuzz/run-fuzz.sh - build and run the weft API fuzzer (fuzz-api.c).
#
# Builds build/fuzz/fuzz-api with clang's libFuzzer, ASan and UBSan,
# compiling src/*.c directly with the same flags (no jemalloc, the misuse
# checks and internal assertions on), and runs it, one process, on the corpus build/fuzz/corpus (kept
# between runs) seeded from tests/fuzz/seeds.txt.  Prints the executions,
# coverage and features.  Exits non-zero on any crash, mismatch, hang
# (-timeout) or leak; the input that failed is left in build/fuzz/
# (crash-*, timeout-*, leak-*, oom-*).
#
# With --standalone it instead builds build/fuzz/fuzz-api-standalone with
# gcc (no libFuzzer; fuzz-main.c provides main) and runs the seeds plus
# random inputs; --tsan does the same under ThreadSanitizer.
#
# Usage: tests/fuzz/run-fuzz.sh [--short | --time SECONDS] [--standalone |
#                               --tsan] [--runs N] [--seed S]
#   --short        about 30 s of fuzzing (-max_total_time=30), the default
#   --time S       S seconds of fuzzing
#   --standalone   gcc build without libFuzzer: seeds + N random inputs
#   --tsan         the same under TSan (gcc -fsanitize=thread)
#   --runs N       random inputs of --standalone/--tsan (default 2000)
#   --seed S       their seed (default: the clock; printed)
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/fuzz"
time_s=30
mode=libfuzzer
runs=2000
seed=

while [ $# -gt 0 ]; do
    case "$1" in
    --short) time_s=30 ;;
    --time) [ $# -ge 2 ] || { echo "run-fuzz.sh: --time needs seconds" >&2; exit 2; }
        time_s=$2; shift ;;
    --time=*) time_s=${1#--time=} ;;
    --standalone) mode=standalone ;;
    --tsan) mode=tsan ;;
    --runs) runs=$2; shift ;;
    --seed) seed=$2; shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

mkdir -p "$out"
srcs=("$root"/src/*.c)
hwloc=$(pkg-config --cflags --libs hwloc) || { echo "run-fuzz.sh: hwloc not found (pkg-config)" >&2; exit 1; }
common=(-std=gnu11 -g -fno-omit-frame-pointer -I"$root/include" -Wall -Wextra
        -DWEFT_INTERNAL_ASSERTS=1 -DWEFT_CHECKED=1)

if [ "$mode" != libfuzzer ]; then
    bin="$out/fuzz-api-standalone"
    flags=(-O2)
    [ "$mode" = tsan ] && bin="$out/fuzz-api-tsan" && flags=(-O1 -fsanitize=thread -Wno-tsan)
    echo "run-fuzz.sh: building $bin"
    # shellcheck disable=SC2086
    gcc "${common[@]}" "${flags[@]}" "$root/tests/fuzz/fuzz-api.c" \
        "$root/tests/fuzz/fuzz-main.c" "${srcs[@]}" $hwloc -pthread -o "$bin" || exit 1
    args=(-seeds="$root/tests/fuzz/seeds.txt" -runs="$runs" -artifact="$out/standalone-crash-input")
    [ -n "$seed" ] && args+=(-seed="$seed")
    wrap=()
    if [ "$mode" = tsan ] && ! "$bin" -runs=1 -seed=1 >/dev/null 2>&1; then
        wrap=(setarch "$(uname -m)" -R) # TSan vs high mmap_rnd_bits
    fi
    [ -d "$out/corpus" ] && args+=("$out/corpus")
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
        "${wrap[@]}" "$bin" "${args[@]}"
    rc=$?
    [ $rc -ne 0 ] && echo "run-fuzz.sh: FAILED (exit $rc); input in $out/standalone-crash-input" >&2
    exit $rc
fi

bin="$out/fuzz-api"
echo "run-fuzz.sh: building $bin (clang, libFuzzer + ASan + UBSan)"
# shellcheck disable=SC2086
clang "${common[@]}" -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined "$root/tests/fuzz/fuzz-api.c" \
    "${srcs[@]}" $hwloc -pthread -o "$bin" || exit 1

# The seed corpus, from the hex lines of seeds.txt.
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$out/corpus"
while read -r name hex; do
    case "$name" in '' | '#'*) continue ;; esac
    printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$seeds/$name"
done <"$root/tests/fuzz/seeds.txt"

log="$out/fuzz.log"
echo "run-fuzz.sh: fuzzing for $time_s s (log: $log)"
start=$SECONDS
(
    cd "$out" || exit 1
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        ./fuzz-api -max_total_time="$time_s" -timeout=30 -rss_limit_mb=4096 \
        -max_len=1024 -print_final_stats=1 -artifact_prefix="$out/" \
        corpus seeds
) >"$log" 2>&1
rc=$?
tail -n 25 "$log"
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
last=$(grep -E '^#[0-9]+' "$log" | tail -1)
cov=$(printf '%s\n' "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
ft=$(printf '%s\n' "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
corp=$(printf '%s\n' "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
echo
echo "run-fuzz.sh: ${execs:-?} executions in $((SECONDS - start)) s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?} inputs"
if [ $rc -ne 0 ]; then
    echo "run-fuzz.sh: FAILED (libFuzzer exit $rc); failing input(s):" >&2
    ls -1 "$out"/crash-* "$out"/timeout-* "$out"/leak-* "$out"/oom-* 2>/dev/null >&2
    exit $rc
fi
echo "run-fuzz.sh: no crash, mismatch or hang"
