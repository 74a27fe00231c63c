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
from app.core.names import printable, shortened
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
    usable, status = scan_inputs(args.inputs, met)
    check_outside_evidence("--case", args.case, [*args.inputs, *(f.path for f in usable)])
    if not usable:
        return nothing_found(args.case, met, "queue add")
    case = open_case(args)
    try:
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
    from app.cli.progress import QueueRunner
    from app.core.usecases.exporting import (
        check_out_dir,
        export_run,
        never_written,
        output_basenames,
    )

    formats = parse_formats(args.format)  # a misspelt format is said so, --out or not
    case = open_existing_case(args)
    try:
        queue = JobQueue(case.conn)
        if args.out:  # a bad --out is said so even when there is nothing to run yet
            check_out_dir(args.out, [p for e in case.exhibits() for p in (e.source.path, *e.paths)])
        if queue.is_paused():
            print("the queue is paused; resume it with `python -m app queue resume --all`",
                  file=sys.stderr)
            return OK
        pending = queue.list(("queued", "running"))
        unwritten = never_written(case, queue.list(("done",))) if args.out else []
        if not pending and not unwritten:
            print("nothing queued", file=sys.stderr)
            return OK
        paths = list(dict.fromkeys(case.exhibit(j.exhibit_id).source.path for j in (*pending, *unwritten)))
        names = output_basenames(paths)

        def export(job: Job) -> None:
            if not args.out or job.run_id is None or job.task not in ("transcribe", "translate"):
                return
            path = case.exhibit(job.exhibit_id).source.path
            name = names.get(path, Path(path).stem)
            if job.task == "translate":  # beside the transcript: <name>.<target>.<format>
                name = f"{name}.{job.options['target']}"
            for written in export_run(case, job.run_id, args.out, formats, name):
                print(written)

        for job in unwritten:  # done, never written out (its `queue run --out` killed first): written now
            export(job)
        if not pending:
            print(f"nothing queued; {len(unwritten)} job(s) done earlier and never written out, written now",
                  file=sys.stderr)
            return OK
        runner = QueueRunner(case, case_dir(args), export,
                             lambda job: [case.exhibit(job.exhibit_id).source.path])
        outcome = runner.run()
        unfinished = {j.id for j in pending if not queue.get(j.id).finished}
        if unfinished:  # taken by another runner working this case: wait for them to end
            outcome = runner.run(until=unfinished)  # the same outcome, added to
        others = [queue.get(j.id) for j in pending if j.id not in outcome.done]
        for job in others:  # finished by another runner working this case: exported here all the same
            if job.state == "done":
                export(job)
        _summary(outcome)
        failed = outcome.failed or outcome.gave_up or any(j.state == "failed" for j in others)
        return FAILED if failed else OK
    finally:
        case.close()


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
                  f"{(name + task)[:28]:<28}  {_note(job, unattended, done_since)}".rstrip())
        counts = ", ".join(f"{n} {s}" for s, n in queue.counts().items() if n)
        print(counts + ("; the queue is paused" if queue.is_paused() else ""))
        return OK
    finally:
        case.close()


def _note(job: Job, unattended: set[int], done_since: dict[int, int]) -> str:
    if job.id in unattended:  # its worker killed, or its command stopped: not at work, nothing lost
        return "its worker has stopped: the next run takes it up again, from what was stored"
    if job.id in done_since:  # asked for again and done: the failure is history, not work left
        return f"done since by job {done_since[job.id]}" + (f" (was: {job.error})" if job.error else "")
    return job.error or ""


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
