"""Where a long file's wall seconds go, from the command's start to its exit (issue #15).

    .venv/bin/python bench/hour_timeline.py /tmp/parley_long_1h.wav [--search-nice N] [--json OUT]

A file over 60 s (shorter ones are decoded in the short files' batches, with other stages). Runs
`python -m app transcribe FILE --out OUT --format json --model base --threads 2` on a fresh case under
bench/out/, with each stage's start and end logged from inside the CLI and the worker (a sitecustomize on
the child's PYTHONPATH wraps the stages' functions as their modules are imported; nothing in app/ changes),
and every thread of the process tree's CPU read from /proc/PID/task/*/stat every --interval s. It prints each
phase's wall time, CPU, the busiest thread's CPU (a phase whose CPU is one thread's ran on one core: on an idle
2-core machine the other idled), the speaker search's CPU (threads at a lower priority: its own and its models'
pool threads), the CPU of threads that ended unseen between two readings (not attributed: a model call's pool
threads, but also the read-ahead, intake's probes) and the largest process's peak RSS (VmHWM). CPU is
what survives a busy machine; wall time is the idle machine's only. `--search-nice N`: the speaker search's
nice value for this run (app/core/diarize/pipeline.NICENESS, 10), to try another share of the cores.
`--groups`: each decoding group's peak (the largest process's VmRSS sampled, between two memory.hand_back
calls) beside the span of that process's C heap ([heap] in /proc/PID/maps, memory.heap_span: the model-load
part included, so compare its changes) at the group's end. Session 31: each group's peak rose and fell with
the heap's top, MB for MB (the encoder's 72 MB attention buffers added at the top; hand_back trims it back to
the highest block still in use). Run it without `nice`: every thread of a niced run counts as the search's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.memory import heap_span

# The stages logged (module: functions, "Class.method" for methods); BEGIN/END lines with time, pid and thread.
STAGES = {
    "app.cli.transcribe": ["cmd_transcribe", "scan_with_chats"],
    "app.cli.export": ["write_exports_together"],
    "app.worker.supervisor": ["Supervisor._spawn", "Supervisor.stop"],
    "app.worker.process": ["worker_main", "Worker.close"],
    "app.core.models.cache": ["ModelCache.whisper"],
    "app.core.asr.runs": ["run_for", "transcribe_exhibit", "transcribe_source", "_check_source", "_diarise"],
    "app.core.diarize.pipeline": ["find_turns", "Background.result"],
    "app.core.memory": ["hand_back"],  # the end of each decoding group (--groups)
}

TRACER = '''
import functools, importlib.abc, inspect, os, sys, threading, time
LOG, STAGES, NICE = os.environ["HOUR_TIMELINE_LOG"], {stages!r}, os.environ.get("HOUR_TIMELINE_NICE")
def log(what):
    with open(LOG, "a") as f:
        f.write(f"{{time.time():.3f}} {{os.getpid()}} {{threading.get_native_id()}} {{what}}\\n")
def wrap(fn, name):
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(*a, **k):
            log("BEGIN " + name)
            try:
                yield from fn(*a, **k)
            finally:
                log("END " + name)
        return gen
    @functools.wraps(fn)
    def call(*a, **k):
        log("BEGIN " + name)
        try:
            return fn(*a, **k)
        finally:
            log("END " + name)
    return call
class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in STAGES:
            return None
        for finder in sys.meta_path:
            spec = None if finder is self else getattr(finder, "find_spec", lambda *a: None)(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loaded = spec.loader.exec_module
        def exec_module(module):
            loaded(module)
            for dotted in STAGES[fullname]:
                owner, *rest = dotted.split(".")
                holder = getattr(module, owner) if rest else module
                attr = rest[0] if rest else owner
                setattr(holder, attr, wrap(getattr(holder, attr), dotted))
            if NICE and fullname == "app.core.diarize.pipeline":
                module.NICENESS = int(NICE)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, Hook())
log("START")
'''


def threads_of(root: int, seen: dict[str, tuple[float, str]], peaks: dict[int, int] | None = None) -> None:
    """Every thread of `root` and its descendants into `seen`: "pid/tid" -> (CPU seconds, "search" for a
    thread at nice > 0, the speaker search's and its models' pool threads, else "other"), a thread ended
    keeping its last reading, and "pid/ended" -> (the rest of the process's CPU, "ended"): threads that
    ended since their last reading, at a nice not known (a model call's pool threads, but also the
    read-ahead, the clip readers and intake's probes, at 0). `peaks`: each process's peak resident KiB (VmHWM)."""
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
            whole = _cpu(Path(f"/proc/{pid}/stat").read_text())
            if peaks is not None:
                peaks[pid] = max(peaks.get(pid, 0), _peak_kib(Path(f"/proc/{pid}/status").read_text()))
        except OSError:
            continue
        for tid in tasks:
            try:
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except (OSError, ValueError):
                continue
            seen[f"{pid}/{tid}"] = (_cpu(stat), "search" if _nice(stat) > 0 else "other")
        read = sum(cpu for key, (cpu, _) in seen.items() if key.startswith(f"{pid}/") and key != f"{pid}/ended")
        seen[f"{pid}/ended"] = (max(0.0, whole - read), "ended")


def _cpu(stat: str) -> float:
    """User+sys CPU seconds of a /proc stat line."""
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _nice(stat: str) -> int:
    return int(stat[stat.rindex(")") + 2:].split()[16])


def _peak_kib(status: str) -> int:
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def memory_of(pid: int) -> tuple[int, int]:
    """(resident KiB, KiB from the start of the C heap to its end) of one process, (0, 0) once it has ended."""
    try:
        status, maps = Path(f"/proc/{pid}/status").read_text(), Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return 0, 0
    rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    span = heap_span(maps)
    return rss, 0 if span is None else (span[1] - span[0]) // 1024


def run(path: Path, interval: float, nice: int | None) -> tuple[list[tuple[float, dict]], list[list[str]], float, int,
                                                               list[tuple[float, int, int]]]:
    """The samples, the stage events, the tree's CPU (user+sys, every process waited for), the
    highest peak resident MB of its processes (the worker's: VmHWM) and, per sample, the time and
    memory_of the process with that peak so far."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="hour-timeline-", dir=ROOT / "bench" / "out") as tmp:
        (Path(tmp) / "tracer").mkdir()
        (Path(tmp) / "tracer" / "sitecustomize.py").write_text(TRACER.format(stages=STAGES))
        log = Path(tmp) / "stages.log"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(Path(tmp) / "tracer")]),
                   HOUR_TIMELINE_LOG=str(log), HOUR_TIMELINE_NICE="" if nice is None else str(nice))
        cmd = [sys.executable, "-m", "app", "transcribe", str(path), "--out", f"{tmp}/out", "--case", f"{tmp}/case",
               "--format", "json", "--model", "base", "--threads", "2"]
        start = time.time()
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples, seen, peaks, memory = [], {}, {}, []
        while process.poll() is None:
            threads_of(process.pid, seen, peaks)
            samples.append((time.time(), dict(seen)))
            if peaks:
                memory.append((time.time(), *memory_of(max(peaks, key=peaks.get))))
            time.sleep(interval)
        end = time.time()
        if process.returncode != 0:
            raise SystemExit(f"transcribe failed ({process.returncode}): {process.stderr.read()[-2000:]}")
        events = [line.split(maxsplit=3) for line in log.read_text().splitlines()]
    events.insert(0, [f"{start:.3f}", "0", "0", "BEGIN command"])
    events.append([f"{end:.3f}", "0", "0", "END command"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return samples, events, cpu, max(peaks.values(), default=0) // 1024, memory


def load_now() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def when(events: list[list[str]], what: str, first: bool = True) -> float | None:
    times = [float(e[0]) for e in events if len(e) > 3 and e[3] == what]
    return (times[0] if first else times[-1]) if times else None


def phases(events: list[list[str]]) -> list[tuple[str, float | None, float | None]]:
    """(name, start, end) from the command's start to its exit."""
    marks = [("imports (CLI)", when(events, "BEGIN command")), ("intake: hash, probe", when(events, "BEGIN scan_with_chats")),
             ("case, queue", when(events, "END scan_with_chats")),
             ("worker imports", when(events, "BEGIN Supervisor._spawn")),
             ("model load", when(events, "BEGIN ModelCache.whisper")),
             ("run, source check", when(events, "BEGIN run_for", first=False)),
             ("decoding + search", when(events, "BEGIN transcribe_source")),
             ("search after decoding", when(events, "END transcribe_source", first=False)),
             ("store, export, exit", when(events, "END Background.result", first=False)),
             ("", when(events, "END command"))]
    return [(name, a, b) for (name, a), (_, b) in pairwise(marks)]


def cpu_between(samples: list[tuple[float, dict]], a: float, b: float) -> tuple[float, float, float, float]:
    """(tree CPU, busiest thread's CPU, the speaker search's threads' CPU, CPU of threads that ended
    unseen) from the samples nearest a and b."""
    before = max((s for s in samples if s[0] <= a), key=lambda s: s[0], default=samples[0])[1]
    after = max((s for s in samples if s[0] <= b), key=lambda s: s[0], default=samples[-1])[1]
    spent = [(cpu - before.get(k, (0.0, kind))[0], kind) for k, (cpu, kind) in after.items()]
    by_kind = {kind: sum(c for c, k in spent if k == kind) for kind in ("search", "ended")}
    return (sum(c for c, _ in spent), max((c for c, k in spent if k != "ended"), default=0.0),
            by_kind["search"], by_kind["ended"])


def groups(events: list[list[str]], memory: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """(seconds from the command's start, peak resident MB sampled, heap extent MB at its end) of each
    stretch that ends with a memory.hand_back (a decoding group of a long recording)."""
    start = when(events, "BEGIN command") or 0.0
    ends = [float(e[0]) for e in events if len(e) > 3 and e[3] == "END hand_back"]
    out, since = [], start
    for end in ends:
        inside = [m for m in memory if since <= m[0] <= end]
        if inside:
            out.append((end - start, max(m[1] for m in inside) // 1024, inside[-1][2] // 1024))
        since = end
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between CPU samples")
    parser.add_argument("--search-nice", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the phases here too")
    parser.add_argument("--groups", action="store_true", help="each decoding group's peak and the heap's extent")
    args = parser.parse_args(argv)
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    load = load_now()
    samples, events, total, peak_mb, memory = run(args.file.resolve(), args.interval, args.search_nice)
    load_after = load_now()
    rows = []
    print(f"{args.file.name}: load {load:.1f} at the start, {load_after:.1f} at the end")
    print(f"{'phase':24s} {'wall s':>8s} {'CPU s':>8s} {'1 thread':>9s} {'search':>8s} {'ended':>8s}")
    for name, a, b in phases(events):
        if a is None or b is None:
            continue
        cpu, busiest, search, ended = cpu_between(samples, a, b)
        rows.append({"phase": name, "wall": round(b - a, 2), "cpu": round(cpu, 2), "busiest_thread": round(busiest, 2),
                     "search": round(search, 2), "ended_unseen": round(ended, 2)})
        print(f"{name:24s} {b - a:8.2f} {cpu:8.2f} {busiest:9.2f} {search:8.2f} {ended:8.2f}")
    wall = when(events, "END command") - when(events, "BEGIN command")
    print(f"{'command':24s} {wall:8.2f} {total:8.2f}   (2 cores: {100 * total / (2 * wall):.0f}% used); "
          f"peak RSS {peak_mb} MB (VmHWM, the largest process)")
    found = groups(events, memory) if args.groups else []
    if found:
        print(f"{'group ends s':>12s} {'peak MB':>8s} {'heap MB':>8s}  (the search ends at "
              f"{(when(events, 'END find_turns') or 0) - when(events, 'BEGIN command'):.0f} s)")
    for end, peak, heap in found:
        print(f"{end:12.1f} {peak:8d} {heap:8d}")
    if args.json:
        args.json.write_text(json.dumps({"file": str(args.file), "load": [load, load_after], "phases": rows,
                                         "wall": wall, "cpu": total, "peak_mb": peak_mb, "groups": found}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
