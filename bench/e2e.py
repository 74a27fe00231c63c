"""End to end, as an investigator meets it: a command's start to its exit.

Parley: `python -m app transcribe FILES --out OUT --case NEW --format json --model M
--threads T` on a fresh case (a stored run would be reused and look instant).
The peer: bench/peer_cli.py on the same files (faster-whisper, model loaded once,
file by file, VAD on, beam 5, int8). Both are timed the same way, one after the
other in the same run: wall time from starting the process to its exit, CPU time
of the whole process tree (the worker included), and the peak of the tree's
summed resident memory (sampled every 0.1 s).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Timed:
    wall: float
    cpu: float  # user + system of the process tree
    peak_rss_mb: float  # of the tree, summed
    texts: dict[str, str]  # input path -> transcript text
    languages: dict[str, str]


def parley_command(files: list[Path], out: Path, case: Path, model: str, threads: int,
                   extra: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "app", "transcribe", *map(str, files), "--out", str(out), "--case", str(case),
            "--format", "json", "--model", model, "--threads", str(threads), *extra]


def peer_command(files: list[Path], out: Path, model: str, threads: int) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "peer_cli.py"), *map(str, files), "--out", str(out),
            "--model", model, "--threads", str(threads)]


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Run `cmd` from ROOT; its wall time, its tree's CPU time and peak summed RSS (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0.0]
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(process.pid)
        while not done.wait(0.1):
            try:
                tree = [root, *root.children(recursive=True)]
                peak[0] = max(peak[0], sum(_rss(p) for p in tree) / 2**20)
            except psutil.Error:
                pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({process.returncode}):\n{err[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak[0]


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def run_parley(files: list[Path], model: str, threads: int, extra: tuple[str, ...] = ()) -> Timed:
    from app.core.usecases.exporting import output_basenames

    with tempfile.TemporaryDirectory(prefix="parley-e2e-", dir=_scratch()) as tmp:
        out, case = Path(tmp) / "out", Path(tmp) / "case"
        wall, cpu, peak = timed(parley_command(files, out, case, model, threads, extra))
        names = output_basenames([str(f) for f in files])
        texts, languages = {}, {}
        for f in files:
            data = json.loads((out / f"{names[str(f)]}.json").read_text(encoding="utf-8"))
            texts[str(f)] = " ".join(s["text"] for s in data["segments"] if s["text"])
            languages[str(f)] = data.get("language") or ""
    return Timed(wall, cpu, peak, texts, languages)


def run_peer(files: list[Path], model: str, threads: int) -> Timed:
    with tempfile.TemporaryDirectory(prefix="peer-e2e-", dir=_scratch()) as tmp:
        out = Path(tmp) / "out"
        wall, cpu, peak = timed(peer_command(files, out, model, threads))
        texts, languages = {}, {}
        for f in files:
            data = json.loads((out / f"{f.name}.json").read_text(encoding="utf-8"))
            texts[str(f)], languages[str(f)] = data["text"], data["language"]
    return Timed(wall, cpu, peak, texts, languages)


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return median, ordered[0], ordered[-1]


def _scratch() -> Path:
    """Cases and outputs go under bench/out/: never beside the evidence (Parley refuses that)."""
    folder = ROOT / "bench" / "out"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
