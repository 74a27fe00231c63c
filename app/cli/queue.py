"""`python -m app queue ...`: add files to a case's queue, work it, inspect and steer it.

The queue lives in the case store, so `queue add` in one shell and `queue run`
in another (or the GUI) share it. `transcribe` uses the same machinery: it
queues its inputs and works them through the same worker process.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import (
    FAILED,
    OK,
    case_dir,
    fail,
    open_case,
    open_existing_case,
    parse_formats,
    requested_translation,
    transcribe_options,
)
from app.core.evidence.paths import check_outside_evidence
from app.core.evidence.resume_check import set_aside_note
from app.core.names import fitted, one_per_name, printable, shortened
from app.core.store import Case
from app.core.store.jobs import Job, JobQueue

if TYPE_CHECKING:  # what takes media in and runs the worker is imported by the commands that do:
    from app.cli.progress import RunOutcome  # `queue status`, `pause`... read the store only
    from app.core.media.intake import Found
    from app.core.usecases.enqueueing import Queued

# ------------------------------------------------------------ intake


CHAT_EXPORT = "a chat export: its voice notes and videos are taken in"


def scan_inputs(inputs: Iterable[str], met: list[Found] | None = None,
                chats_in_folders: bool = False) -> tuple[list[Found], int]:
    """Usable media among the inputs (every file met appended to `met`); prints skips and failures.
    `chats_in_folders`: a chat export met in a folder (a WhatsApp zip or chat text, Telegram's
    result.json or messages.html...) is not skipped but marked CHAT_EXPORT."""
    from app.core.chats.registry import is_chat_export_in_folder
    from app.core.media.intake import find_media

    usable, status = [], OK
    for found in find_media(inputs):
        if chats_in_folders and found.skipped and is_chat_export_in_folder(Path(found.path)):
            found = replace(found, skipped=CHAT_EXPORT)
        if met is not None:
            met.append(found)
        if found.skipped == CHAT_EXPORT:
            continue
        if found.skipped:
            print(f"skipped {shortened(printable(found.path))}: {printable(found.skipped)}", file=sys.stderr)
        elif found.error:
            fail(found.path, found.error)
            status = FAILED
        else:
            usable.append(found)
    return usable, status


def scan_with_chats(inputs: list[str], met: list[Found]) -> tuple[list[Found], list[str], list[str], int]:
    """(usable media, chat exports, those of them met in a folder, status): a chat export named, or met
    in a folder (a phone's extraction), is to be taken in as `timeline` takes it, never passed over as
    "not a media file" (its voice notes then went unqueued)."""
    from app.core.chats.registry import is_chat_export

    chats = [i for i in inputs if is_chat_export(Path(i))]
    usable, status = scan_inputs([i for i in inputs if i not in chats], met, chats_in_folders=True)
    in_folders = [f.path for f in met if f.skipped == CHAT_EXPORT]  # chat exports met in a folder
    met[:] = [f for f in met if f.skipped != CHAT_EXPORT]  # taken in as exports, recorded as such
    return usable, [*chats, *in_folders], in_folders, status


def with_chat_media(case: Case, usable: list[Found], chats: list[str], in_folders: list[str],
                    met: list[Found]) -> tuple[list[Found], int, set[int]]:
    """The usable media and the chats' voice notes and videos, taken in; a voice note beside its chat
    text is met once, as the chat's. Also the chat exports' exhibits."""
    in_chats, status, chat_exhibits = chat_media(case, chats, met, named=set(chats) - set(in_folders))
    in_chats = list({f.path: f for f in in_chats}.values())  # a file two chats hold: met once
    attached = {f.path for f in in_chats}
    return [*(f for f in usable if f.path not in attached), *in_chats], status, chat_exhibits


def chat_media(case: Case, chats: list[str], met: list[Found],
               named: set[str]) -> tuple[list[Found], int, set[int]]:
    """The voice notes and videos of the chat exports, taken into the case as `timeline` takes
    them; an export that cannot be read is one line and a failure, and so is one `named` that
    holds none (one met in a folder is said, not failed), and each attachment that is not media
    ffmpeg can read (added to `met`)."""
    from app.core.media.intake import Found, same_file_key
    from app.core.usecases.enqueueing import no_recording_to_transcribe
    from app.core.usecases.timeline import export_media, take_in_exports

    taken, errors = take_in_exports(case, chats)
    for exc in errors:
        fail(exc.path, exc.reason)
    for t in taken:  # an export met again (`a.zip a.zip`), a zip's chat met unzipped: its first's, said once
        if t.met_again:
            fail(t.shown, t.met_again)
    taken = [t for t in taken if not t.met_again]
    said = {key for f in met if f.error and (key := same_file_key(f.path))}  # by the folder scan, which met it first
    unusable = [(t, Found(path, error=reason)) for t in taken for path, reason in t.unusable
                if same_file_key(path) not in said]
    for t, found in unusable:
        fail(t.shown_file(found.path), found.error or "")
    met.extend(found for _, found in unusable)
    empty = {t.given: t for t in taken if not t.media and t.given in named}
    for t in {t.given: t for t in taken if not t.media and t.given not in named}.values():
        fail(t.given, f"{no_recording_to_transcribe(case, t.exhibit_id)}: taken into the case, not failed "
                      "(its messages: python -m app timeline)")  # said, as a skipped file is
    for t in empty.values():
        fail(t.given, f"{no_recording_to_transcribe(case, t.exhibit_id)}: nothing to transcribe")
    for t in taken:
        _say_missing(t.shown, t.export.missing_recordings())
    return export_media(taken), FAILED if errors or empty or unusable else OK, {t.exhibit_id for t in taken}


def _say_missing(export: str, missing: list[str]) -> None:
    """The chat's voice notes and videos that are not in the export, said (the files transcribed
    were listed as if they were all of them); not a failure: the export is what it is."""
    from app.core.export.timeline import missing_recordings_text

    if missing:
        fail(export, missing_recordings_text(missing))


def nothing_found(case_dir: Path | None, met: list[Found], command: str = "transcribe") -> int:
    """Inputs with no usable media: record what was met, say so, and fail."""
    from app.core.media.intake import nothing_to_transcribe, record_met

    if met:
        case = Case.open(case_dir)
        try:
            record_met(case, met)
        finally:
            case.close()
    fail(command, nothing_to_transcribe(met))
    return FAILED


def print_queued(queued: list[Queued], queue: JobQueue, case) -> None:
    for q in queued:
        path = printable(q.path)
        if q.new_job:
            print(f"queued job {q.job_id}: {path}")
        elif q.same_as is not None:
            print(f"{path}: same content as {printable(q.same_as)} (SHA-256); linked, transcribed once as "
                  f"job {q.job_id}")
        else:
            name = printable(case.exhibit(q.exhibit_id).source.name)
            print(f"{path}: already in the queue as job {q.job_id} ({queue.get(q.job_id).state}, {name})")


# ------------------------------------------------------------ commands


def cmd_add(args: argparse.Namespace) -> int:
    from app.core.media.intake import record_met
    from app.core.usecases.enqueueing import (
        check_model,
        enqueue,
        enqueue_translations,
    )

    options = transcribe_options(args)
    check_model(options)
    translate = requested_translation(args)
    met: list[Found] = []
    usable, chats, in_folders, status = scan_with_chats(args.inputs, met)
    check_outside_evidence("--case", args.case, [*args.inputs, *(f.path for f in usable)])
    if not usable and not chats:
        return nothing_found(args.case, met, "queue add")
    case = open_case(args)
    try:
        usable, chat_status, _ = with_chat_media(case, usable, chats, in_folders, met)
        status = max(status, chat_status)
        if not usable:
            record_met(case, met)
            return status
        queue = JobQueue(case.conn)
        queued = enqueue(case, queue, usable, options, args.priority)
        record_met(case, met, {q.path: q.exhibit_id for q in queued})
        print_queued(queued, queue, case)
        if translate is not None:
            for parent, child in enqueue_translations(queue, queued, translate, args.priority):
                print(f"queued job {child}: translate job {parent}'s transcript to {translate.target}")
    finally:
        case.close()
    return status


def cmd_run(args: argparse.Namespace) -> int:
    from app.cli.export import SetsWriter
    from app.cli.progress import QueueRunner
    from app.core.evidence.paths import evidence_paths
    from app.core.usecases.exporting import ExportItem, check_out_dir, never_written

    formats = parse_formats(args.format)  # a misspelt format is said so, --out or not
    case = open_existing_case(args)
    try:
        queue = JobQueue(case.conn)
        if args.out:  # a bad --out is said so even when there is nothing to run yet
            check_out_dir(args.out, evidence_paths(case))
        if queue.is_paused():
            print("the queue is paused; resume it with `python -m app queue resume --all`",
                  file=sys.stderr)
            return OK
        pending = queue.list(("queued", "running"))
        unwritten = never_written(case, queue.list(("done",))) if args.out else []
        if not pending and not unwritten:
            print("nothing queued", file=sys.stderr)
            return OK
        names_of = export_names_by_exhibit(case, [j.exhibit_id for j in (*pending, *unwritten)])

        def items(job: Job) -> list[ExportItem]:
            if not args.out or job.run_id is None or job.task not in ("transcribe", "translate"):
                return []
            # a duplicate under each of its names, as `transcribe`; a translation beside the transcript:
            # <name>.<target>.<format>
            suffix = f".{job.options['target']}" if job.task == "translate" else ""
            return [ExportItem(job.run_id, f"{name}{suffix}") for name in names_of.get(job.exhibit_id, ())]

        export = SetsWriter(case, args.out, formats, items)
        export(unwritten)  # done, never written out (its `queue run --out` killed first): written now
        if not pending:
            print(f"nothing queued; {len(unwritten)} job(s) done earlier and never written out, written now",
                  file=sys.stderr)
            return export.status
        runner = QueueRunner(case, case_dir(args), export.one,
                             lambda job: [case.exhibit(job.exhibit_id).source.path], on_done_together=export)
        outcome = runner.run()
        unfinished = {j.id for j in pending if not queue.get(j.id).finished}
        if unfinished:  # taken by another runner working this case: wait for them to end
            outcome = runner.run(until=unfinished)  # the same outcome, added to
        others = [queue.get(j.id) for j in pending if j.id not in outcome.done]
        export([job for job in others if job.state == "done"])  # finished by another runner: exported here too
        _summary(outcome)
        failed = outcome.failed or outcome.gave_up or any(j.state == "failed" for j in others)
        return FAILED if failed else export.status
    finally:
        case.close()


def export_names_by_exhibit(case: Case, exhibit_ids: list[int]) -> dict[int, list[str]]:
    """The export names of each exhibit: one per name it was met under (a copy under another name is
    written under that name too, as `transcribe` writes it; the same name in two folders once), the
    names of all of them chosen together so that no two sets share one."""
    from app.core.usecases.exporting import output_basenames

    exhibits = [case.exhibit(i) for i in dict.fromkeys(exhibit_ids)]
    paths = one_per_name([(p, e.id) for e in exhibits for p in (e.paths or (e.source.path,))])
    names = output_basenames(paths)
    exhibit_of = {p: e.id for e in exhibits for p in (e.paths or (e.source.path,))}
    by_exhibit: dict[int, list[str]] = {}
    for path in paths:
        by_exhibit.setdefault(exhibit_of[path], []).append(names[path])
    return by_exhibit


def _summary(outcome: RunOutcome) -> None:
    parts = [f"{len(outcome.done)} done"]
    if outcome.failed:
        parts.append(f"{len(outcome.failed)} failed")
    if outcome.cancelled:
        parts.append(f"{len(outcome.cancelled)} cancelled")
    print("queue: " + ", ".join(parts), file=sys.stderr)


def cmd_status(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        queue = JobQueue(case.conn)
        jobs = queue.list()
        if not jobs:
            print("the queue is empty")
            return OK
        print(f"{'ID':>4}  {'STATE':<9}  {'PRI':>3}  {'TRIES':>5}  {'DONE':>4}  {'EXHIBIT':<28}  ERROR")
        unattended, done_since = queue.unattended(), queue.done_since()
        for job in jobs:
            name = printable(case.exhibit(job.exhibit_id).source.name)
            task = "" if job.task == "transcribe" else f" [{job.task}]"
            print(f"{job.id:>4}  {job.state:<9}  {job.priority:>3}  "
                  f"{job.attempts:>2}/{job.max_attempts:<2}  {job.progress:4.0%}  "
                  f"{fitted(name, 28, task):<28}  {_note(case, job, unattended, done_since)}".rstrip())
        counts = ", ".join(f"{n} {s}" for s, n in queue.counts().items() if n)
        print(counts + ("; the queue is paused" if queue.is_paused() else ""))
        return OK
    finally:
        case.close()


def _note(case: Case, job: Job, unattended: set[int], done_since: dict[int, int]) -> str:
    if job.id in unattended:  # its worker killed, or its command stopped: not at work, nothing lost
        return ("its worker has stopped: the next run takes it up again, from what was stored (a queue still "
                "running starts another worker for it)")
    if job.id in done_since:  # asked for again and done: the failure is history, not work left
        return f"done since by job {done_since[job.id]}" + (f" (was: {job.error})" if job.error else "")
    return job.error or (set_aside_note(case, job.run_id) if job.task == "transcribe" else "")


def cmd_steer(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        queue = JobQueue(case.conn)
        action = args.queue_command
        target = None if args.all else args.job
        changed = getattr(queue, action)(target)
        _report_steer(action, target, changed, queue)
        return OK if changed or args.all else FAILED
    finally:
        case.close()


_PAST = {"cancel": "cancelled", "pause": "paused", "resume": "resumed"}


def _report_steer(action: str, target: int | None, changed: list[int], queue: JobQueue) -> None:
    if target is None and action in ("pause", "resume"):
        print(f"queue {_PAST[action]}" + (f" (jobs {', '.join(map(str, changed))})" if changed else ""))
    elif changed:
        print(f"{_PAST[action]} job{'s' if len(changed) > 1 else ''} {', '.join(map(str, changed))}")
    elif target is None:
        print(f"nothing to {action}")
    else:
        fail(f"job {target}", f"cannot {action} a job that is {queue.get(target).state}")


def cmd_retry(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        queue = JobQueue(case.conn)
        if queue.retry(args.job):
            print(f"job {args.job} queued again")
            return OK
        fail(f"job {args.job}", f"only a failed or cancelled job can be retried (it is {queue.get(args.job).state})")
        return FAILED
    finally:
        case.close()
