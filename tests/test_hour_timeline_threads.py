"""bench/hour_timeline.py splits a long run's CPU by thread. It counted the CPU of every thread that ended
between two readings as the speaker search's (tagged nice 1), though the read-ahead, the clip readers and
intake's probes end so too, at nice 0: their CPU inflated the search's. Now what ended unseen is a column
of its own, and the search's is what threads seen at a lower priority spent."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# threads that work one at a time; "NICE:end" ends, "NICE:stay" stays until stdin closes
BUSY = """
import os, sys, threading, time
done, leave = threading.Event(), threading.Event()
def work(nice, stay):
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    while time.thread_time() < 0.3:  # a CPU time, not a count of operations: any machine's speed
        sum(i * i for i in range(10_000))
    done.set()
    if stay:
        leave.wait()
for arg in sys.argv[1:]:
    nice, how = arg.split(":")
    done.clear()
    thread = threading.Thread(target=work, args=(int(nice), how == "stay"), daemon=True)
    thread.start()
    done.wait()
    if how == "end":
        thread.join()
staying = sum(arg.endswith(":stay") for arg in sys.argv[1:])
while len(os.listdir("/proc/self/task")) > 1 + staying:  # a joined thread may linger as a task a moment
    time.sleep(0.01)
print("ready", flush=True)
sys.stdin.read()
leave.set()
"""


def _timeline():
    spec = importlib.util.spec_from_file_location("hour_timeline", ROOT / "bench" / "hour_timeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spent(*names: str):
    timeline = _timeline()
    process = subprocess.Popen([sys.executable, "-c", BUSY, *names], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        seen: dict = {}
        timeline.threads_of(process.pid, seen)
    finally:
        process.communicate("")
    return timeline.cpu_between([(0.0, {}), (1.0, seen)], 0.0, 1.0)


def test_a_thread_that_ended_unseen_is_not_the_search():
    total, _busiest, search, ended = _spent("0:end")
    assert ended > 0.1 and search == 0.0, (total, search, ended)


def test_the_search_is_what_threads_at_a_lower_priority_spent():
    total, _busiest, search, ended = _spent("10:stay", "0:stay")
    assert search > 0.1 and total - search > 0.1 and ended < 0.05, (total, search, ended)
