#!/usr/bin/env bash
# tests/repro/reserved-any-job.sh BUILD - a deterministic schedule (gdb,
# scheduler-locking) of a submitter blocked for room taking a job reserved
# for another worker's wait: P (2 workers, capacity 1, WEFT_ON_FULL_BLOCK),
# Q (1 worker Z).  X, a worker of P, waits in weft_pool_run(Q, J); J queues
# K on P, reserved for X's wait.  Y, P's other worker, has filled the queue
# (F1, on the intake) and blocks for room in wait_room, whose help_waited
# filter any_job took every job: it takes K (the oldest once the intake is
# moved behind it) and runs it, and before it clears holder->reserved, J's
# frame on X's stack, Z and X run on: J completes, X returns from
# weft_pool_run.  The schedule prints where Y is about to write (below X's
# stack pointer: a returned frame) and exits 1; exit 0 when Y gets room
# without taking K.  Needs gdb; BUILD holds libweft.a (RelWithDebInfo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); src=$here/../../src; build=${1:?usage: $0 BUILD}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -O2 -g -pthread -I"$here/../../include" "$here/reserved-any-job.c" "$build/libweft.a" \
    -lhwloc -ljemalloc -o "$tmp/repro"
line() { grep -n -F "$2" "$src/$1" | head -1 | cut -d: -f1; }
{
    echo "python L_PUSH = $(line external.c 'fetch_add_relaxed(&pool->injected, 1u);')"
    echo "python L_WF = $(line external.c 'wait_foreign(self, &job);')"
    echo "python L_HOLD = $(line external.c 'store_relaxed(&holder->reserved, 0u)')"
    echo "source $here/reserved-any-job.py"
} >"$tmp/run.gdb"
out=$(timeout 120 gdb -q -batch -x "$tmp/run.gdb" "$tmp/repro" 2>&1; echo "gdb-rc $?")
grep -a -E "^(X|Y|Z|holder)[ :=]" <<<"$out"
grep -q "^gdb-rc 0" <<<"$out"
