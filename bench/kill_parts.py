"""The queue killed part by part, as a defence expert would: `queue add` SIGKILLed while it hashes the evidence (a
large file among the notes), `queue run` with only its command process killed (the worker left an orphan), only
its worker killed (the command left to notice), or both (the process group, a power cut), and `verify` killed
while it reads. After each kill: any process of ours left is waited for, the case must open, `verify` must name
nothing, the same commands run again must end the work, `verify` must be clean after, and the result must be an
uninterrupted run's: the same texts, the same exhibits, every file met with the same status (a file met again by
the second `queue add` is logged again, as in the uninterrupted pair of runs), one finished run per exhibit, the
same jobs by state (none left pending, running or failed).

    python bench/kill_parts.py WORK [--rounds 3] [--seed 30] [--only add,cli,worker,both,verify] [--big-mb 300]

Prints one line per round; the last line counts the rounds that ended as the uninterrupted run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.kill_sweep import MEDIA, NOTES, app

KINDS = ("add", "cli", "worker", "both", "verify")
WAITED = 900  # seconds a killed command is given to end (as app() gives a command run to its end)


def evidence(work: Path, big_mb: int) -> Path:
    folder = work / "evidence"
    folder.mkdir(parents=True)
    for name in NOTES:
        shutil.copy(MEDIA / name, folder / name)
    with (folder / "extraction.bin").open("wb") as big:  # not media: hashed, met, recorded as skipped
        rng = random.Random(0)
        for _ in range(big_mb):
            big.write(rng.randbytes(1 << 20))
    return folder


def _add(case: Path, folder: Path) -> list[str]:
    return ["queue", "add", str(folder), "--case", str(case), "--model", "tiny.en", "--threads", "1"]


def _run(case: Path, out: Path) -> list[str]:
    return ["queue", "run", "--case", str(case), "--out", str(out), "--format", "json,txt"]


def result(case: Path, out: Path) -> dict:
    """What the work left: texts exported, exhibits and paths met, finished runs per exhibit, jobs by state."""
    texts = {p.name: [s["text"] for s in json.loads(p.read_text(encoding="utf-8"))["segments"]]
             for p in sorted(out.glob("*.json")) if not p.name.endswith(".manifest.json")}
    with sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True) as db:
        met = sorted({(Path(path).name, status) for path, status in db.execute("SELECT path, status FROM intake_log")})
        exhibits = sorted(row[0] for row in db.execute("SELECT name FROM exhibits"))
        runs = dict(db.execute("SELECT exhibit_id, COUNT(*) FROM runs WHERE status = 'complete' GROUP BY exhibit_id"))
        jobs = dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
    return {"texts": texts, "met": met, "exhibits": exhibits, "runs per exhibit": sorted(set(runs.values())),
            "jobs": jobs}


def _findings(case: Path) -> tuple[int, list[str]]:
    done = app("verify", "--case", str(case))
    return done.returncode, [x for x in done.stderr.splitlines() if x and not x.startswith("note:")
                             and not x.endswith("finding(s)")]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _worker(pid: int) -> int | None:
    """The spawned worker among the command's children (not multiprocessing's resource tracker)."""
    for child in _children(pid):
        try:
            line = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in line:
            return child
    return None


def _gone(pids: list[int], within: float) -> bool:
    """Whether every pid has ended within `within` seconds (an orphaned worker must end by itself)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
                   for pid in pids if Path(f"/proc/{pid}/stat").exists()):
            return True
        time.sleep(0.2)
    return False


def _kill(kind: str, started: subprocess.Popen) -> tuple[str, list[int]]:
    """Kill what `kind` names; what was killed and the pids that must end by themselves or were killed."""
    worker = _worker(started.pid)
    if kind == "cli" or (kind == "worker" and worker is None):
        os.kill(started.pid, signal.SIGKILL)
        return ("command" if kind == "cli" else "command (no worker yet)"), [p for p in [worker] if p]
    if kind == "worker":
        os.kill(worker, signal.SIGKILL)
        return "worker", []
    os.killpg(started.pid, signal.SIGKILL)
    return "group", []


def one_round(work: Path, folder: Path, kind: str, at: float, reference: dict) -> bool | None:
    """Whether the round ended as the uninterrupted run; None when the command ended before the kill (no kill)."""
    case, out = work / "case", work / "out"
    shutil.rmtree(case, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(os.environ["PARLEY_HEADS_DIR"], ignore_errors=True)
    if kind != "add":
        assert app(*_add(case, folder)).returncode == 0
    if kind == "verify":
        assert app(*_run(case, out)).returncode == 0
    words = {"add": _add(case, folder), "verify": ["verify", "--case", str(case)]}.get(kind, _run(case, out))
    started = app(*words, wait=False)
    time.sleep(at)
    if started.poll() is not None:  # it ended first (a less loaded machine): no kill to judge, said so
        print(f"{kind}: the command ended (exit {started.returncode}) before the kill at {at:.2f} s: not a kill")
        return None
    killed, orphans = _kill(kind, started)
    try:
        started.wait(timeout=WAITED)
    except subprocess.TimeoutExpired:  # the command kept on after its worker was killed, and never ended
        os.killpg(started.pid, signal.SIGKILL)
        print(f"{kind}: {killed} killed at {at:.2f} s; the command had not ended {WAITED} s later: killed", flush=True)
        return False
    ended = _gone(orphans, 90.0)
    code, found = _findings(case) if (case / "case.sqlite").exists() else (0, ["(killed before the case was made)"])
    again = [app(*_add(case, folder)).returncode, app(*_run(case, out)).returncode]
    after, left = _findings(case)
    same = result(case, out) == reference
    print(f"{kind}: {killed} killed at {at:.2f} s (the command exited {started.returncode}); orphans ended {ended}; "
          f"verify {code} {found[:2]}; again {again}; verify after {after} {left[:2]}; result {'as uninterrupted' if same else 'DIFFERS'}", flush=True)
    if not same:
        print(f"    got {result(case, out)}\n    not {reference}", flush=True)
    return ended and code == 0 and after == 0 and same and again == [0, 0]


def main_() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--only", default=",".join(KINDS))
    parser.add_argument("--big-mb", type=int, default=300)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.environ["PARLEY_HEADS_DIR"] = str(args.work / "heads")
    folder = evidence(args.work, args.big_mb)
    case, out = args.work / "case", args.work / "out"
    spans = {}
    steps = (("add", _add(case, folder)), ("run", _run(case, out)), ("verify", ["verify", "--case", str(case)]))
    for kind, words in steps:
        began = time.monotonic()
        assert app(*words).returncode == 0
        spans[kind] = time.monotonic() - began
    assert app(*_add(case, folder)).returncode == 0 and app(*_run(case, out)).returncode == 0  # as each round ends
    reference = result(case, out)
    print(f"uninterrupted: add {spans['add']:.1f} s, run {spans['run']:.1f} s, verify {spans['verify']:.1f} s; "
          f"{len(reference['exhibits'])} exhibits, {len(reference['met'])} files met", flush=True)
    rng = random.Random(args.seed)
    ended = [one_round(args.work, folder, kind, rng.uniform(0.3, spans.get(kind, spans["run"])), reference)
             for kind in args.only.split(",") for _ in range(args.rounds)]
    return verdict(ended)


def verdict(ended: list[bool | None]) -> int:
    """The last line and exit code: 0 only when a kill landed in some round and every such round ended as the
    uninterrupted run (a round that ended before its kill, None, is not counted: with none left, nothing was
    judged, and it said "0 of 0 rounds" with exit 0)."""
    killed = [result for result in ended if result is not None]
    print(f"{sum(killed)} of {len(killed)} rounds ended as the uninterrupted run, verify clean after each kill and "
          f"rerun ({len(ended) - len(killed)} round(s) ended before the kill, not counted)"
          + ("" if killed else ": no kill landed, nothing was judged (more --rounds, or a larger --big-mb)"))
    return 0 if killed and all(killed) else 1


if __name__ == "__main__":
    sys.exit(main_())
