# intake-lost-wake.py - the gdb schedule of intake-lost-wake.sh (which sets
# L_PUSH, L_SUBMIT, L_COUNT and L_PARK, the source lines, before sourcing it).
import gdb
gdb.execute("set pagination off")
gdb.execute("set confirm off")
def has(th, name):
    th.switch()
    f = gdb.newest_frame()
    while f is not None:
        if f.name() == name:
            return True
        f = f.older()
    return False
inf = gdb.selected_inferior()
# 1. T2's submission has just pushed its job on P's intake (everything stops)
gdb.execute("break external.c:%d" % L_PUSH)
gdb.execute("run")
t2 = gdb.selected_thread()
print("T2 (thread %d) pushed the job on P's intake" % t2.num)
gdb.execute("delete")
x = [t for t in inf.threads() if has(t, "weft_pool_destroy")][0]
ys = [t for t in inf.threads() if t.name and t.name.startswith("weft-P-") and t.num != x.num]
y = ys[0]
print("X = thread %d (%s), in weft_pool_destroy(R); Y = thread %d (%s)" % (x.num, x.name, y.num, y.name))
gdb.execute("set scheduler-locking on")
# 2. T2 alone finishes the submission (its wake-up check)
t2.switch()
gdb.execute("break future.c:%d thread %d" % (L_SUBMIT, t2.num))
gdb.execute("continue")
gdb.execute("delete")
print("T2 is past weft__inject (notified)")
# 3. X alone: its drain poll moves the job to the FIFO; stop after the exchange
x.switch()
gdb.execute("break external.c:%d thread %d" % (L_COUNT, x.num))
gdb.execute("continue")
gdb.execute("delete")
print("X stopped in intake_drain: intake exchanged to NULL, inject_count not yet stored")
# 4. Y alone searches and parks: its re-check sees neither
y.switch()
gdb.execute("break sleep.c:%d thread %d" % (L_PARK, y.num))
gdb.execute("continue")
gdb.execute("delete")
print("Y is about to sleep in weft__sleep_park (its re-check found no work)")
gdb.execute("set scheduler-locking off")
gdb.execute("continue")
