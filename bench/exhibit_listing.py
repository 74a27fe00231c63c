"""CPU of the exhibits listing (`exhibits`, the window's table: `exhibit_statuses`) on a case whose every recording
has a person's corrections and a newer edited run in front of them, so that each row asks `set_aside`.

    .venv/bin/python bench/exhibit_listing.py                      # 60 exhibits of 2 runs of 400 lines, 3 listings
    .venv/bin/python bench/exhibit_listing.py --exhibits 200 --repeat 5

Builds a fresh case in a temporary folder through the store API and the editing operations (as `edit` does),
then lists it `--repeat` times and prints the user CPU seconds of the listings (resource.getrusage: wall time
is meaningless on a shared machine). It imports the checkout it lies in: to compare two, copy it into the other's
bench/ and run both, alternating.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.store import Case
from app.core.types import ModelInfo, Segment, SourceInfo
from app.core.usecases.exhibit_status import exhibit_statuses

MODEL = ModelInfo("base", "/models/base", "ab" * 32)


def _edited_run(case: Case, exhibit_id: int, lines: int, line: int, by: str) -> None:
    run = case.start_run(exhibit_id, "transcribe", MODEL, {"beam_size": 5}, software_info())
    case.append_segments(run, tuple(Segment(i * 3000, i * 3000 + 2500, f"line {i}") for i in range(lines)), {},
                         "en", 0.9)
    case.finish_run(run)
    editing.edit_text(case, run, editing.segment_ids(case, run)[line], f"EDITED BY {by}", actor=by)


def build(case: Case, exhibits: int, lines: int) -> None:
    for i in range(exhibits):
        name = f"rec{i}.wav"
        exhibit, _ = case.add_exhibit(SourceInfo(path=f"/evidence/{name}", sha256=f"{i:064x}", bytes=1000,
                                                 duration_ms=lines * 3000, kind="media"))
        _edited_run(case, exhibit.id, lines, 0, "DC Jane")  # the corrections
        _edited_run(case, exhibit.id, lines, 1, "DS Bob")  # a newer run, edited, in front of them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exhibits", type=int, default=60)
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        case = Case.open(Path(folder) / "case")
        try:
            build(case, args.exhibits, args.lines)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            for _ in range(args.repeat):
                rows = exhibit_statuses(case)
            spent = resource.getrusage(resource.RUSAGE_SELF).ru_utime - before
        finally:
            case.close()
    print(f"{args.exhibits} exhibits x {args.repeat} listings: {spent:.2f} user CPU s; first row: {rows[0].detail}")


if __name__ == "__main__":
    main()
