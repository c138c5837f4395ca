#!/usr/bin/env bash
# tests/repro/intake-lost-wake.sh BUILD - a deterministic schedule (gdb, all-stop
# with scheduler-locking) of the lost wake-up of a future whose intake a
# blocked waiter drained: P (2 workers) has worker X in weft_pool_destroy(R)
# (R held by a long run), so X polls help_waited, which drains P's intake
# and takes none of its futures.  T2 submits F to P (the schedule stops it
# after the push, then lets it finish alone), X alone drains the intake and
# is held after the exchange, before the count; Y alone searches and parks
# (its re-check sees neither); then all run.  F then never runs: T2's wait
# of 5 s times out ("LOST", exit 1).  Needs gdb; BUILD holds libweft.a
# (RelWithDebInfo: the lines below need its debug information).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); src=$here/../../src; build=${1:?usage: $0 BUILD}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -O2 -g -pthread -I"$here/../../include" "$here/intake-lost-wake.c" "$build/libweft.a" \
    -lhwloc -ljemalloc -o "$tmp/repro"
line() { grep -n -F "$2" "$src/$1" | head -1 | cut -d: -f1; }
{
    echo "python L_PUSH = $(line external.c 'fetch_add_relaxed(&pool->injected, 1u);')"
    echo "python L_SUBMIT = $(line future.c 'weft__inject(pool, &f->task, 0);') + 2"
    echo "python L_COUNT = $(line external.c 'store_relaxed(&pool->inject_count, pool->inject_count + n)')"
    echo "python L_PARK = $(line sleep.c 'weft__futex_wait(&w->sleep_word, 1, -1);')"
    echo "source $here/intake-lost-wake.py"
} >"$tmp/run.gdb"
out=$(timeout 120 gdb -q -batch -x "$tmp/run.gdb" "$tmp/repro" 2>&1 || true)
grep -a -E "^(T2|X|Y) |LOST|no loss|reproduced" <<<"$out"
! grep -q LOST <<<"$out"
