"""The commands of bench/kill_expert.py with the case on a disk that fills: the case folder copied onto a small tmpfs
(mounting needs root) of each size given, the command run there, then checked as a defence expert would: one line
and no traceback when it fails, the line naming a full disk when it is the case's store that cannot be set up, the
case whole once moved to a disk with room (`verify` clean), the command run again succeeding, `verify` clean after
it and the result as an uninterrupted run's.

    python bench/full_disk_expert.py BASE WORK [--sizes 396k,440k,520k] [--only export,edit,...]

BASE is a folder made by bench/tamper_case.py (copied, never changed); WORK is where each round runs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kill_expert as k


def one_round(base: Path, work: Path, name: str, size: str, reference: object) -> tuple[bool, str]:
    k._fresh(base, work)
    disk = work.parent / "disk"
    disk.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], check=True)
    try:
        shutil.copytree(work / "case", disk / "case")
        shutil.rmtree(work / "case")
        (work / "case").symlink_to(disk / "case")
        words = k._commands(work, k.EXHIBIT)[name]
        done = k.app(*words)
        said = [line for line in done.stderr.splitlines() if "Traceback" in line or "could not" in line
                or "cannot" in line]
        (work / "case").unlink()
        shutil.copytree(disk / "case", work / "case")  # moved to a disk with room
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    traceback = "Traceback" in done.stderr
    setup = [line for line in said if "cannot set up the case store" in line]
    code, found, again, after, left, same = k.after_the_fault(work, words, name, reference)
    good = not traceback and all("is full" in line for line in setup) and code == 0 and again.returncode == 0 \
        and after == 0 and same
    return good, (f"{name} on {size}: exit {done.returncode} {said[-1][:110] if said else ''!r}; traceback "
                  f"{traceback}; verify {code} {found[:1]}; rerun {again.returncode}; verify after {after} "
                  f"{left[:1]}; result {'as uninterrupted' if same else 'DIFFERS'}")


def main_() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--sizes", default="396k,440k,520k")
    parser.add_argument("--only", default="export,edit,signoff,translate,timeline,speakers enrol")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    k.HEADS = str(args.work / "heads")
    work = args.work / "round"
    tally = {True: 0, False: 0}
    for name in args.only.split(","):
        _, reference = k._timed(args.base, work, name)
        for size in args.sizes.split(","):
            good, line = one_round(args.base, work, name, size, reference)
            tally[good] += 1
            print(f"{'ok ' if good else 'BAD'} {line}", flush=True)
    print(f"{tally[True]} ok, {tally[False]} bad")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
