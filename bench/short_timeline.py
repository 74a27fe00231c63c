"""Where many short files' wall seconds go, from the command's start to its exit (issue #15).

    .venv/bin/python bench/short_timeline.py [--json OUT] [FILE ...]

Runs `python -m app transcribe FILES --out OUT --format json --model base --threads 2` on a fresh case under
bench/out/ (by default on bench_throughput's short clips: the eval clips up to 30 s and the shared voice notes),
its stages logged from inside the CLI and the worker by hour_timeline's sitecustomize (nothing in app/ changes)
and the process tree's CPU read from /proc every --interval s. It prints, stage by stage and for each group of
files the worker claims, the wall seconds and the tree's CPU seconds: the start (imports, the scan's hashing and
probing, the worker's spawn and imports, the model load), each group's claims, its start events, the model fetched
from the worker's cache, its runs opened (`_open_runs`), the decoder started, its files read
(decoded and VAD, before any of it is encoded), its decoding (later parts stored meanwhile), its last part's
stores, and the end (the last outputs, the worker's close, the exit). CPU survives a busy machine; wall only an
idle one: on a loaded one compare CPU, and walls of two runs taken side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hour_timeline import TRACER, threads_of

ROOT = Path(__file__).resolve().parent.parent
STAGES = {
    "app.cli.transcribe": ["cmd_transcribe", "scan_with_chats"],
    "app.worker.supervisor": ["Supervisor._spawn"],
    "app.worker.process": ["worker_main", "Worker._next_jobs", "Worker._work_batch", "Worker._start_short",
                           "Worker._open_runs"],
    "app.core.models.cache": ["ModelCache.whisper"],
    "app.core.asr.clips": ["_read_clips"],
    "app.core.asr.batched": ["decode_pieces"],
}


def run(files: list[Path], interval: float) -> tuple[list[tuple[float, dict]], list[tuple[float, str]], float]:
    """The CPU samples, the stage events (seconds from the start, what) and the wall seconds."""
    with tempfile.TemporaryDirectory(prefix="short-timeline-", dir=ROOT / "bench" / "out") as tmp:
        (Path(tmp) / "tracer").mkdir()
        (Path(tmp) / "tracer" / "sitecustomize.py").write_text(TRACER.format(stages=STAGES))
        log = Path(tmp) / "stages.log"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(Path(tmp) / "tracer")]),
                   HOUR_TIMELINE_LOG=str(log), HOUR_TIMELINE_NICE="")
        cmd = [sys.executable, "-m", "app", "transcribe", *map(str, files), "--out", f"{tmp}/out", "--case",
               f"{tmp}/case", "--format", "json", "--model", "base", "--threads", "2"]
        start = time.time()
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples, seen = [], {}
        while process.poll() is None:
            threads_of(process.pid, seen)
            samples.append((time.time() - start, dict(seen)))
            time.sleep(interval)
        wall = time.time() - start
        if process.returncode != 0:
            raise SystemExit(f"transcribe failed ({process.returncode}): {process.stderr.read()[-2000:]}")
        events = [(float(t) - start, what) for t, _, _, what in (line.split(maxsplit=3) for line in log.read_text().splitlines())]
    return samples, events, wall


def phases(events: list[tuple[float, str]], wall: float) -> list[tuple[str, float, float]]:
    """(name, start, end), seconds from the command's start."""
    def times(what: str) -> list[float]:
        return [t for t, w in events if w == what]

    first = lambda what: times(what)[0]
    rows = [("imports (CLI)", 0.0, first("BEGIN cmd_transcribe")),
            ("scan: hash, probe", first("BEGIN scan_with_chats"), first("END scan_with_chats")),
            ("worker spawn, imports", first("END Supervisor._spawn"), first("BEGIN worker_main")),
            ("model load", first("BEGIN ModelCache.whisper"), first("END ModelCache.whisper"))]
    reads, read_ends, ends = times("BEGIN _read_clips"), times("END _read_clips"), times("END Worker._work_batch")
    for group, begin in enumerate(times("BEGIN Worker._work_batch")):
        name = f"group {group + 1}: "
        started = max(t for t in times("END Worker._start_short") if t <= reads[group])
        opening = max(t for t in times("BEGIN Worker._open_runs") if t <= reads[group])
        opened = max(t for t in times("END Worker._open_runs") if t <= reads[group])
        decoded = max(t for t in times("END decode_pieces") if t <= ends[group])
        rows += [(name + "claims", max(t for t in times("BEGIN Worker._next_jobs") if t <= begin),
                  max(t for t in times("END Worker._next_jobs") if t <= begin)),
                 (name + "start events", begin, started), (name + "model fetched", started, opening),
                 (name + "runs opened", opening, opened), (name + "decoder started", opened, reads[group]),
                 (name + "files read", reads[group], read_ends[group]),
                 (name + "decoding", read_ends[group], decoded), (name + "last stores", decoded, ends[group])]
    if ends:
        rows.append(("outputs, close, exit", ends[-1], wall))
    else:  # no file short enough to batch: each decoded alone, no group to time
        rows.append(("files alone, outputs, close, exit", first("END ModelCache.whisper"), wall))
    return rows


def cpu_between(samples: list[tuple[float, dict]], a: float, b: float) -> float:
    """The tree's CPU seconds from the sample nearest before `a` to the one nearest before `b`."""
    before = max((s for s in samples if s[0] <= a), key=lambda s: s[0], default=samples[0])[1]
    after = max((s for s in samples if s[0] <= b), key=lambda s: s[0], default=samples[-1])[1]
    return sum(cpu - before.get(key, (0.0, kind))[0] for key, (cpu, kind) in after.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="*", help="default: bench_throughput's short clips")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between CPU samples")
    parser.add_argument("--json", type=Path, default=None, help="write the phases here too")
    args = parser.parse_args(argv)
    if not args.files:
        from bench_throughput import short_clips
        args.files = [item.path for item in short_clips()]
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    samples, events, wall = run([f.resolve() for f in args.files], args.interval)
    rows = [{"phase": name, "start": round(a, 2), "wall": round(b - a, 2), "cpu": round(cpu_between(samples, a, b), 2)}
            for name, a, b in phases(events, wall)]
    print(f"{'phase':32s} {'from s':>8s} {'wall s':>8s} {'CPU s':>8s}")
    for row in rows:
        print(f"{row['phase']:32s} {row['start']:8.2f} {row['wall']:8.2f} {row['cpu']:8.2f}")
    total = cpu_between(samples, 0.0, wall)
    print(f"{'command':32s} {0.0:8.2f} {wall:8.2f} {total:8.2f}   ({len(args.files)} files; load "
          f"{Path('/proc/loadavg').read_text().split()[0]} at the end)")
    if args.json:
        args.json.write_text(json.dumps({"phases": rows, "wall": wall, "cpu": total}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
