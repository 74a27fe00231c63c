"""Where a long file's wall seconds go, from the command's start to its exit (issue #15).

    .venv/bin/python bench/hour_timeline.py /tmp/parley_long_1h.wav [--search-nice N] [--json OUT]

A file over 60 s (shorter ones are decoded in the short files' batches, with other stages). Runs
`python -m app transcribe FILE --out OUT --format json --model base --threads 2` on a fresh case under
bench/out/, with each stage's start and end logged from inside the CLI and the worker (a sitecustomize on
the child's PYTHONPATH wraps the stages' functions as their modules are imported; nothing in app/ changes),
and every thread of the process tree's CPU read from /proc/PID/task/*/stat every --interval s. It prints each
phase's wall time, CPU, the busiest thread's CPU (a phase whose CPU is one thread's ran on one core: on an idle
2-core machine the other idled) and the CPU of the threads at a lower priority (the speaker search). CPU is
what survives a busy machine; wall time is the idle machine's only. `--search-nice N`: the speaker search's
nice value for this run (app/core/diarize/pipeline.NICENESS, 10), to try another share of the cores.
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

# The stages logged (module: functions, "Class.method" for methods); BEGIN/END lines with time, pid and thread.
STAGES = {
    "app.cli.transcribe": ["cmd_transcribe", "scan_with_chats"],
    "app.cli.export": ["write_exports_together"],
    "app.worker.supervisor": ["Supervisor._spawn", "Supervisor.stop"],
    "app.worker.process": ["worker_main", "Worker.close"],
    "app.core.models.cache": ["ModelCache.whisper"],
    "app.core.asr.runs": ["run_for", "transcribe_exhibit", "transcribe_source", "_check_source", "_diarise"],
    "app.core.diarize.pipeline": ["find_turns", "Background.result"],
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


def threads_of(root: int, seen: dict[str, tuple[float, int]]) -> None:
    """Every thread of `root` and its descendants into `seen`: "pid/tid" -> (CPU seconds, nice), a thread
    ended keeping its last reading, and "pid/ended" the rest of the process's CPU: its threads' since their
    last reading (the speaker search's helpers live for one model call each, mostly between two
    readings), counted at nice 1 (they run at the search's)."""
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
            whole = _cpu_nice(Path(f"/proc/{pid}/stat").read_text())[0]
        except OSError:
            continue
        for tid in tasks:
            try:
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except (OSError, ValueError):
                continue
            seen[f"{pid}/{tid}"] = _cpu_nice(stat)
        read = sum(cpu for key, (cpu, _) in seen.items() if key.startswith(f"{pid}/") and key != f"{pid}/ended")
        seen[f"{pid}/ended"] = (max(0.0, whole - read), 1)


def _cpu_nice(stat: str) -> tuple[float, int]:
    """(user+sys CPU seconds, nice) of a /proc stat line."""
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[16])


def run(path: Path, interval: float, nice: int | None) -> tuple[list[tuple[float, dict]], list[list[str]], float]:
    """The samples, the stage events and the tree's CPU (user+sys, every process waited for)."""
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
        samples, seen = [], {}
        while process.poll() is None:
            threads_of(process.pid, seen)
            samples.append((time.time(), dict(seen)))
            time.sleep(interval)
        end = time.time()
        if process.returncode != 0:
            raise SystemExit(f"transcribe failed ({process.returncode}): {process.stderr.read()[-2000:]}")
        events = [line.split(maxsplit=3) for line in log.read_text().splitlines()]
    events.insert(0, [f"{start:.3f}", "0", "0", "BEGIN command"])
    events.append([f"{end:.3f}", "0", "0", "END command"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return samples, events, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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


def cpu_between(samples: list[tuple[float, dict]], a: float, b: float) -> tuple[float, float, float]:
    """(tree CPU, busiest thread's CPU, CPU of threads at nice > 0) from the samples nearest a and b."""
    before = max((s for s in samples if s[0] <= a), key=lambda s: s[0], default=samples[0])[1]
    after = max((s for s in samples if s[0] <= b), key=lambda s: s[0], default=samples[-1])[1]
    spent = {k: (cpu - before.get(k, (0.0, 0))[0], nice) for k, (cpu, nice) in after.items()}
    threads = [c for key, (c, _) in spent.items() if not key.endswith("/ended")]
    return (sum(c for c, _ in spent.values()), max(threads, default=0.0),
            sum(c for c, n in spent.values() if n > 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between CPU samples")
    parser.add_argument("--search-nice", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the phases here too")
    args = parser.parse_args(argv)
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    load = load_now()
    samples, events, total = run(args.file.resolve(), args.interval, args.search_nice)
    load_after = load_now()
    rows = []
    print(f"{args.file.name}: load {load:.1f} at the start, {load_after:.1f} at the end")
    print(f"{'phase':24s} {'wall s':>8s} {'CPU s':>8s} {'1 thread':>9s} {'nice>0':>8s}")
    for name, a, b in phases(events):
        if a is None or b is None:
            continue
        cpu, busiest, low = cpu_between(samples, a, b)
        rows.append({"phase": name, "wall": round(b - a, 2), "cpu": round(cpu, 2), "busiest_thread": round(busiest, 2),
                     "low_priority": round(low, 2)})
        print(f"{name:24s} {b - a:8.2f} {cpu:8.2f} {busiest:9.2f} {low:8.2f}")
    wall = when(events, "END command") - when(events, "BEGIN command")
    print(f"{'command':24s} {wall:8.2f} {total:8.2f}   (2 cores: {100 * total / (2 * wall):.0f}% used)")
    if args.json:
        args.json.write_text(json.dumps({"file": str(args.file), "load": [load, load_after], "phases": rows,
                                         "wall": wall, "cpu": total}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
