"""`transcribe` SIGKILLed (the command and its worker together, as a power cut or `kill -9` of the group would)
at random moments, then `verify`, then the same command run again: the case opens, `verify` finds nothing, and the
rerun's exports read as an uninterrupted run's.

    python bench/kill_sweep.py OUT_FOLDER [--rounds 12] [--seed 25]

Prints one line per round (when killed, verify's exit and lines, the rerun's exit, whether its text matches).
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
MEDIA = Path(os.environ.get("PARLEY_SHARED", ROOT.parent / "shared")) / "media"
NOTES = ("en_voicenote.opus", "en_voicenote.m4a", "de_voicenote.opus", "es_voicenote.ogg", "interview_mono.wav")


def app(*args: str, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # pipes nobody read: a command writing 64 KB blocked
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=900)


def transcribe_args(evidence: Path, case: Path, out: Path) -> list[str]:
    return ["transcribe", str(evidence), "--case", str(case), "--out", str(out), "--model", "tiny.en",
            "--format", "json,txt", "--threads", "1"]


def texts(out: Path) -> dict[str, list[str]]:
    return {p.name: [s["text"] for s in json.loads(p.read_text(encoding="utf-8"))["segments"]]
            for p in sorted(out.glob("*.json")) if not p.name.endswith(".manifest.json")}


def one_round(root: Path, evidence: Path, reference: dict, at: float) -> str:
    case, out = root / "case", root / "out"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = app(*transcribe_args(evidence, case, out), wait=False)
    time.sleep(at)
    os.killpg(started.pid, signal.SIGKILL)  # the command and its worker (one session), mid-whatever
    started.wait()
    if not (case / "case.sqlite").exists():
        return f"killed at {at:.1f} s: before the case was made"
    verified = app("verify", "--case", str(case))
    found = [line for line in verified.stderr.splitlines() if line and not line.startswith("note:")]
    rerun = app(*transcribe_args(evidence, case, out))
    again = app("verify", "--case", str(case))
    same = texts(out) == reference
    return (f"killed at {at:.1f} s: verify {verified.returncode} {found[:2]}; rerun {rerun.returncode}; "
            f"verify after {again.returncode}; text {'as uninterrupted' if same else 'DIFFERS'}; {runs(case)}")


def runs(case: Path) -> str:
    """How many runs the case holds and how many are complete: each recording transcribed once, resumed not redone."""
    conn = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    try:
        total, complete = conn.execute("SELECT count(*), sum(status='complete') FROM runs").fetchone()
    finally:
        conn.close()
    return f"runs {complete} complete of {total}"


def main_() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--seed", type=int, default=25)
    args = parser.parse_args()
    evidence = args.folder / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    for name in NOTES:
        shutil.copy(MEDIA / name, evidence / name)
    whole = args.folder / "whole"
    shutil.rmtree(whole, ignore_errors=True)
    began = time.monotonic()
    done = app(*transcribe_args(evidence, whole / "case", whole / "out"))
    span = time.monotonic() - began
    print(f"uninterrupted: exit {done.returncode} in {span:.1f} s", flush=True)
    reference = texts(whole / "out")
    rng = random.Random(args.seed)
    for n in range(args.rounds):
        print(f"round {n + 1}: " + one_round(args.folder / "round", evidence, reference, rng.uniform(0.5, span)),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
