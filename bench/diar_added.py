"""What the speaker search adds to a file's time, as a user meets it (issue #13: at most 15%).

    .venv/bin/python bench/diar_added.py /tmp/parley_long_10min.wav /tmp/parley_long_1h.wav CONV.wav [--runs 1]

Each file is transcribed by the command (`python -m app transcribe FILE --format json --model base
--threads 2` on a fresh case, bench/e2e.run_parley) twice in the same run: at the default (`--diarize
auto`: on for a file longer than a voice note) and with `--diarize off`, the order alternating from run to
run. Printed per file: the process tree's CPU seconds and wall seconds of each, what the search adds
(seconds and % of the run without it), the peak summed RSS of each, and the speakers found. CPU is what
survives a machine shared with other work; wall time is an idle machine's only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e import Timed, run_parley

OFF = ("--diarize", "off")


def measure(path: Path, runs: int) -> dict:
    """{'on': [Timed...], 'off': [Timed...]} of `runs` alternating pairs."""
    found: dict[str, list[Timed]] = {"on": [], "off": []}
    for run in range(runs):
        order = ("on", "off") if run % 2 == 0 else ("off", "on")
        for mode in order:
            found[mode].append(run_parley([path], "base", 2, () if mode == "on" else OFF))
    return found


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if len(ordered) % 2 else sum(ordered[len(ordered) // 2 - 1 :][:2]) / 2


def row(path: Path, found: dict) -> dict:
    on, off = found["on"], found["off"]
    cpu_on, cpu_off = _median([t.cpu for t in on]), _median([t.cpu for t in off])
    wall_on, wall_off = _median([t.wall for t in on]), _median([t.wall for t in off])
    return {"file": path.name, "cpu_on": cpu_on, "cpu_off": cpu_off, "cpu_added_pct": 100 * (cpu_on / cpu_off - 1),
            "wall_on": wall_on, "wall_off": wall_off, "wall_added_pct": 100 * (wall_on / wall_off - 1),
            "peak_on_mb": max(t.peak_rss_mb for t in on), "peak_off_mb": max(t.peak_rss_mb for t in off),
            "runs": len(on)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=1, help="pairs per file (the order alternating)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    rows = []
    for path in args.files:
        rows.append(row(path, measure(path, args.runs)))
        r = rows[-1]
        print(f"{r['file']}: CPU {r['cpu_off']:.1f} -> {r['cpu_on']:.1f} s (+{r['cpu_added_pct']:.1f}%), "
              f"wall {r['wall_off']:.1f} -> {r['wall_on']:.1f} s (+{r['wall_added_pct']:.1f}%), "
              f"peak {r['peak_off_mb']:.0f} -> {r['peak_on_mb']:.0f} MB", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
