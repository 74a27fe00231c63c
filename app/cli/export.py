"""`export`: write what the case holds (the current, proofread text), without transcribing again.

Apart from `transcribe`, so that exporting does not import what taking media in needs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import FAILED, OK, fail, open_existing_case, parse_formats
from app.core.errors import ParleyError
from app.core.names import printable, shortened
from app.core.usecases.exporting import check_out_dir, export_run, output_basenames, run_to_export


def write_exports(case, run_id: int, out: Path, formats: list[str], basename: str,
                  by: str | None = None, uncertain_below: float | None = None) -> None:
    for path in export_run(case, run_id, out, formats, basename, actor=by, uncertain_below=uncertain_below):
        print(path)


def nothing_to_export(kind: str, task: str | None) -> str:
    """Why `export` has nothing for an exhibit, and what to run instead."""
    if kind == "chat":
        return ("a chat export, not a recording: write its messages with "
                "`python -m app timeline CHAT --out DIR` (add --translate-to LANG to translate them)")
    wanted = f"no {task} run" if task else "nothing transcribed"
    return f"{wanted} yet for this exhibit"


def cmd_export(args: argparse.Namespace) -> int:
    """The current transcript (a proofreader's corrections and verification included)."""
    formats = parse_formats(args.format)
    case = open_existing_case(args)
    try:
        exhibits = [case.find_exhibit(k) for k in args.exhibits] if args.exhibits else case.exhibits()
        if not exhibits:
            raise ParleyError("nothing to export: the case holds no exhibits")
        names = output_basenames([e.source.path for e in exhibits])
        check_out_dir(args.out, [p for e in exhibits for p in (e.source.path, *e.paths)])
        status = OK
        for exhibit in exhibits:
            run_id = run_to_export(case, exhibit.id, args.task)
            if run_id is None and exhibit.source.kind == "chat" and not args.exhibits:
                # every exhibit, not named: a chat's messages are `timeline`'s to write, not a failure
                # (every `export` of a phone's case exited 1, real failures lost among them)
                print(f"skipped {shortened(printable(exhibit.source.path))}: "
                      f"{nothing_to_export(exhibit.source.kind, args.task)}", file=sys.stderr)
                continue
            if run_id is None:
                fail(exhibit.source.path, nothing_to_export(exhibit.source.kind, args.task))
                status = FAILED
                continue
            write_exports(case, run_id, args.out, formats, names[exhibit.source.path], args.by,
                          args.mark_uncertain)
        return status
    finally:
        case.close()
