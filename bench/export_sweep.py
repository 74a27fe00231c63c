"""Whether `export` writes what a tampered store holds: each store tampering of bench/tamper_sweep.py on the
tables an export prints from, then every run exported; a run whose text export differs from the untouched
case's (the export time aside) was written from altered records ("WRITTEN"), else it was refused or came out
as before ("held").

    python bench/export_sweep.py BASE [--only TEXT]

BASE is a folder made by bench/tamper_case.py (copied to BASE + '.pristine' by the tampering sweep, or here).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import sys
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli import main
from bench.tamper_sweep import store_tampers

PRINTED = ("runs", "segments", "words", "working_transcripts", "working_segments", "working_words", "revisions",
           "exhibits", "exhibit_paths", "interview_details")
_EXPORTED_LINE = re.compile(r"^Exported: .*$", re.MULTILINE)


def _exported(base: Path, out: Path) -> dict[str, str]:
    """Each run's text export (the export line aside), by file name; runs refused write none."""
    shutil.rmtree(out, ignore_errors=True)
    conn = sqlite3.connect(base / "case" / "case.sqlite")
    runs = [r[0] for r in conn.execute("SELECT DISTINCT exhibit_id FROM runs ORDER BY exhibit_id")]
    conn.close()
    for exhibit in runs:
        for task in ("transcribe", "text-translate"):
            with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
                main(["export", str(exhibit), "--task", task, "--case", str(base / "case"), "--out", str(out / task),
                      "--format", "txt"])
    return {str(p.relative_to(out)): _EXPORTED_LINE.sub("", p.read_text(encoding="utf-8")) for p in out.rglob("*.txt")}


def sweep(base: Path, only: str) -> None:
    pristine = base.with_name(base.name + ".pristine")
    if not pristine.exists():
        shutil.copytree(base, pristine, symlinks=True)
    out = base.with_name(base.name + ".export-sweep")
    os.environ["PARLEY_HEADS_DIR"] = str(base.with_name(base.name + ".export-sweep-heads"))
    shutil.rmtree(base)
    shutil.copytree(pristine, base, symlinks=True)
    before = _exported(base, out)
    tally = {"held": 0, "WRITTEN": 0, "n/a": 0}
    for kind, what, tamper in store_tampers(pristine):
        if what.split(".")[0].split(" ")[0] not in PRINTED or (only and only not in f"{kind} {what}"):
            continue
        shutil.rmtree(base)
        shutil.copytree(pristine, base, symlinks=True)
        try:
            tamper(base)
        except (sqlite3.Error, OSError, ValueError):
            tally["n/a"] += 1
            continue
        after = _exported(base, out)
        changed = sorted(name for name, text in after.items() if before.get(name) != text)
        verdict = "WRITTEN" if changed else "held"
        tally[verdict] += 1
        print(f"{verdict:8} {kind:7} {what}" + (f" | {', '.join(changed)}" if changed else ""), flush=True)
    shutil.rmtree(base)
    shutil.copytree(pristine, base, symlinks=True)
    print(", ".join(f"{k}: {v}" for k, v in tally.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    sweep(args.base.resolve(), args.only)
