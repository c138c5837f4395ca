# reserved-any-job.py - the gdb schedule of reserved-any-job.sh (which sets
# L_PUSH, L_WF and L_HOLD, the source lines, before sourcing it).
import gdb
gdb.execute("set pagination off"); gdb.execute("set confirm off")
def has(th, name):
    th.switch(); f = gdb.newest_frame()
    while f is not None:
        if f.name() == name: return True
        f = f.older()
    return False
inf = gdb.selected_inferior()
gdb.execute("break external.c:%d" % L_PUSH)
gdb.execute("run")
y = gdb.selected_thread(); gdb.execute("delete")
print("Y = thread %d (%s) pushed F1 (the queue is full)" % (y.num, y.name))
x = [t for t in inf.threads() if has(t, "outer_x")][0]
z = [t for t in inf.threads() if has(t, "jfn")][0]
print("X = thread %d (%s) waits on J; J runs on Z = thread %d (%s)" % (x.num, x.name, z.num, z.name))
gdb.execute("set var go_k = 1")
gdb.execute("set scheduler-locking on")
z.switch(); gdb.execute("break external.c:%d thread %d" % (L_WF, z.num)); gdb.execute("continue"); gdb.execute("delete")
print("Z queued K on P (reserved for X's wait on J) and is about to wait for it")
y.switch(); gdb.execute("break external.c:%d thread %d" % (L_HOLD, y.num)); gdb.execute("break y_got_room thread %d" % y.num); gdb.execute("continue"); gdb.execute("delete")
if gdb.newest_frame().name() == "y_got_room":
    print("Y got room without taking K, which stays reserved for X's wait: no write to another frame")
    gdb.execute("set scheduler-locking off"); gdb.execute("kill"); raise SystemExit(0)
print("Y (blocked for room, any_job) took and ran K; it is about to clear holder->reserved")
try:
    print("holder = %s" % gdb.parse_and_eval("holder"))
except Exception as e:
    print("holder: %s" % e)
z.switch(); gdb.execute("break worker.c:118 thread %d" % z.num); gdb.execute("continue"); gdb.execute("delete")
print("Z: K done, J returned and completed; Z is back in its main loop")
x.switch(); gdb.execute("break x_returned thread %d" % x.num); gdb.execute("continue"); gdb.execute("delete")
print("X: weft_pool_run(Q, J) has returned; X's sp is now %s" % gdb.parse_and_eval("$sp"))
y.switch()
h = gdb.parse_and_eval("holder")
print("Y writes holder->reserved at %s: %s X's sp (a frame that has returned)" % (h.dereference()['reserved'].address, "below" if int(h) < int(x.switch() or gdb.parse_and_eval("$sp")) else "above"))
gdb.execute("set scheduler-locking off")
gdb.execute("kill")
raise SystemExit(1)
