"""`export`: write what the case holds (the current, proofread text), without transcribing again.

Apart from `transcribe`, so that exporting does not import what taking media in needs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import FAILED, OK, fail, open_existing_case, parse_formats
from app.core.chats.origin import found_in_export
from app.core.editing.proofread import set_aside
from app.core.errors import ParleyError
from app.core.evidence.export_set import ExportWriteError
from app.core.evidence.paths import evidence_paths
from app.core.names import printable, shortened
from app.core.usecases.exporting import (
    ExportItem,
    ExportsRefused,
    check_out_dir,
    export_run,
    export_runs,
    output_basenames,
    run_to_export,
)

if TYPE_CHECKING:
    from app.core.store import Case
    from app.core.store.jobs import Job


# `export --mark-uncertain 0.5` with the default formats wrote its files and marked nothing, unsaid
UNMARKED = ("note: --mark-uncertain marks words in DOCX and PDF only: nothing is marked in {formats} "
            "(add docx or pdf to --format for [word?])")


def write_exports(case, run_id: int, out: Path, formats: list[str], basename: str,
                  by: str | None = None, uncertain_below: float | None = None) -> None:
    try:
        _printed(export_run(case, run_id, out, formats, basename, actor=by, uncertain_below=uncertain_below))
    except ExportWriteError as exc:
        _printed(exc.kept)
        raise
    _say_set_aside(case, [run_id])


def write_exports_together(case, items: list[ExportItem], out: Path, formats: list[str]) -> int:
    """Several runs' sets into one folder in one go (`export_runs`), each set's paths printed (those
    kept before a write failure too). A run refused by the export gate is said in one line and the
    rest written: FAILED then, for the caller to carry on with its other work."""
    try:
        placed = export_runs(case, items, out, formats) if items else []
    except ExportsRefused as exc:
        _printed(exc.kept)
        for line in str(exc).splitlines():
            print(line, file=sys.stderr, flush=True)
        _say_set_aside(case, [item.run_id for item in items if item.run_id not in exc.refused])  # the sets written
        return FAILED
    except ExportWriteError as exc:
        _printed(exc.kept)
        _say_set_aside(case, exc.kept_runs)  # the sets kept before the failure
        raise
    _printed([path for paths in placed for path in paths])
    _say_set_aside(case, [item.run_id for item in items])
    return OK


def _say_set_aside(case: Case, run_ids: list[int]) -> None:
    """A run exported that is a draft (or a translation of one) newer than a person's corrections: one line each,
    once it is so (`transcribe` said it when it queued the job, before anything was decoded; its files say it too)."""
    for run_id in dict.fromkeys(run_ids):
        exhibit_id = case.run(run_id).exhibit_id
        if (aside := set_aside(case, exhibit_id, run_id)) is not None:
            shown = found_in_export(case, exhibit_id) or case.exhibit(exhibit_id).source.path  # a chat's "zip → NOTE"
            fail(shown, f"warning: run {run_id} exported, {aside.draft_note()}")


@dataclass
class SetsWriter:
    """The export sets of jobs as they end (`transcribe`, `queue run --out`): the jobs that ended together in
    one go (`write_exports_together`). `status`: FAILED once a run was refused (an edited run, said: the rest
    written, the decoding carried on), else OK."""

    case: Case
    out: Path
    formats: list[str]
    items_of: Callable[[Job], list[ExportItem]]  # a job's sets: its run under each of its names
    status: int = OK

    def __call__(self, jobs: list[Job]) -> None:
        written = write_exports_together(self.case, [item for job in jobs for item in self.items_of(job)],
                                         self.out, self.formats)
        self.status = max(self.status, written)

    def one(self, job: Job) -> None:
        self([job])


def _printed(paths: list[Path]) -> None:
    for path in paths:
        print(path)


def nothing_to_export(kind: str, task: str | None) -> str:
    """Why `export` has nothing for an exhibit, and what to run instead."""
    if kind == "chat":
        return ("a chat export, not a recording: write its messages with "
                "`python -m app timeline CHAT --out DIR` (add --translate-to LANG to translate them)")
    wanted = f"no {task} run" if task else "nothing transcribed"
    return f"{wanted} yet for this exhibit"


def _not_transcribed(case, exhibit_id: int, task: str | None) -> str | None:
    """Why a recording has no transcript, from its latest transcribe job, with what to run ("nothing
    transcribed yet" was said of a file whose transcription had failed, and why, in the case)."""
    from app.core.store.jobs import JobQueue

    jobs = [j for j in JobQueue(case.conn).list() if j.exhibit_id == exhibit_id and j.task == "transcribe"]
    if not jobs or task not in (None, "transcribe"):
        return None
    job = jobs[-1]
    if job.state == "failed":
        return (f"not transcribed: its job {job.id} failed ({job.error or 'no reason recorded'}); "
                f"`python -m app queue retry {job.id}` once that is mended, then `queue run`")
    if job.state == "cancelled":
        return f"not transcribed: its job {job.id} was cancelled; `python -m app queue retry {job.id}` queues it again"
    if job.state in ("queued", "running", "paused"):
        return f"not transcribed yet: its job {job.id} is {job.state} (`python -m app queue run` works the queue)"
    return None


def _say_passed_over(passed_over: dict[str, list[str]], sets: int, task: str | None) -> None:
    """One line per reason for the exhibits passed over ("skipped PATH: why", or "skipped N exhibits
    (A, B, ...): why"; 17 lines of "no text-translate run yet for this exhibit" hid the 2 sets written),
    then, where a --task left any out, one line adding them up."""
    for why, paths in passed_over.items():
        if len(paths) == 1:
            print(f"skipped {shortened(printable(paths[0]))}: {why}", file=sys.stderr)
        else:
            names = ", ".join(printable(Path(p).name) for p in paths)
            print(f"skipped {len(paths)} exhibits ({names}): {why.replace('this exhibit', 'any of them')}",
                  file=sys.stderr)
    if task and passed_over:
        left = sum(len(paths) for paths in passed_over.values())
        print(f"export: {sets} set(s) of a {task} run written; {left} exhibit(s) passed over", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    """The current transcript (a proofreader's corrections and verification included)."""
    formats = parse_formats(args.format)
    case = open_existing_case(args)
    try:
        exhibits = [case.find_exhibit(k) for k in args.exhibits] if args.exhibits else case.exhibits()
        if not exhibits:
            raise ParleyError("nothing to export: the case holds no exhibits")
        names = output_basenames([e.source.path for e in exhibits])
        check_out_dir(args.out, evidence_paths(case))  # beside any exhibit: it wrote beside the others
        status, written, sets = OK, False, 0
        passed_over: dict[str, list[str]] = {}  # why -> the exhibits not named, passed over for it
        for exhibit in exhibits:
            run_id = run_to_export(case, exhibit.id, args.task)
            if run_id is None and not args.exhibits and (exhibit.source.kind == "chat" or (
                    args.task and not _not_transcribed(case, exhibit.id, args.task))):
                # every exhibit, not named: a chat's messages are `timeline`'s to write, and a recording
                # without a run of the kind asked for has none: said once for all, not a failure (every
                # `export` of a phone's case exited 1, real failures lost among them)
                passed_over.setdefault(nothing_to_export(exhibit.source.kind, args.task), []).append(
                    exhibit.source.path)
                continue
            if run_id is None:
                fail(exhibit.source.path, _not_transcribed(case, exhibit.id, args.task)
                     or nothing_to_export(exhibit.source.kind, args.task))
                status = FAILED
                continue
            try:
                write_exports(case, run_id, args.out, formats, names[exhibit.source.path], args.by,
                              args.mark_uncertain)
            except ExportWriteError as exc:  # "nothing of it was kept" below sets printed read as the whole export
                raise ExportWriteError(f"{exc} (of {exhibit.source.name}'s set; the {sets} set(s) printed above are "
                                       "whole; the exhibits after it were not exported)" if sets else str(exc),
                                       exc.kept) from None
            written, sets = True, sets + 1
        if written and args.mark_uncertain is not None and not {"docx", "pdf"} & set(formats):
            print(UNMARKED.format(formats=",".join(formats)), file=sys.stderr)  # of the sets written, not before
        _say_passed_over(passed_over, sets, args.task)
        return FAILED if args.task and passed_over and not sets else status  # no run at all of the kind asked
    finally:
        case.close()
