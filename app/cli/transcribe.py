"""`transcribe`: queue the inputs and work them in the worker (app/cli/export.py writes each as it is done)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from app.cli.common import (
    FAILED,
    OK,
    case_dir,
    fail,
    open_case,
    parse_formats,
    transcribe_options,
)
from app.cli.export import write_exports
from app.cli.progress import QueueRunner
from app.cli.queue import CHAT_EXPORT, nothing_found, scan_inputs
from app.core.chats.registry import is_chat_export
from app.core.evidence.paths import check_outside_evidence
from app.core.export.timeline import missing_recordings_text
from app.core.media.intake import Found, record_met
from app.core.names import one_per_name
from app.core.options import to_dict
from app.core.store import Case
from app.core.store.jobs import Job, JobQueue
from app.core.usecases.enqueueing import check_model, enqueue
from app.core.usecases.exporting import check_out_dir, output_basenames
from app.core.usecases.timeline import export_media, take_in_exports
from app.worker.supervisor import Supervisor


def cmd_transcribe(args: argparse.Namespace) -> int:
    """Queue the inputs in the case and work them in the worker process, as `queue run` does.

    Each input gets DIR/<name>.<fmt> as soon as its job is done; a duplicate (same
    SHA-256) is transcribed once and exported under each of its names. A chat export
    (a WhatsApp zip or chat file, ...) is taken in as `timeline` takes it, and its voice
    notes and videos are transcribed, each under its own name; never the export itself.
    A chat export met in a folder (a WhatsApp zip or chat text, a Telegram export) is taken in
    the same way, its voice notes met once, as the chat's.
    """
    formats = parse_formats(args.format)
    options = transcribe_options(args)
    check_model(options)
    chats = [i for i in args.inputs if is_chat_export(Path(i))]
    met: list[Found] = []
    usable, status = scan_inputs([i for i in args.inputs if i not in chats], met, chats_in_folders=True)
    in_folders = [f.path for f in met if f.skipped == CHAT_EXPORT]  # chat exports met in a folder
    met = [f for f in met if f.skipped != CHAT_EXPORT]  # taken in as exports, recorded as such
    chats += in_folders
    sources = [*args.inputs, *(f.path for f in usable)]
    check_outside_evidence("--case", args.case, sources)
    check_outside_evidence("--out", args.out, sources)
    if not usable and not chats:
        return nothing_found(args.case, met)
    check_out_dir(args.out, sources)
    case = open_case(args)
    # The worker starts now and loads the model while the inputs are hashed and queued.
    supervisor = Supervisor(case_dir(args), worker_options={"preload": to_dict(options), "await_jobs": True,
                                                            "short_files": _all_short(usable, chats)})
    try:
        supervisor.start()
        in_chats, chat_status = chat_media(case, chats, met, named=set(chats) - set(in_folders))
        in_chats = list({f.path: f for f in in_chats}.values())  # a file two chats hold: met once
        attached = {f.path for f in in_chats}  # a voice note beside its chat text: met once, as the chat's
        usable, status = [*(f for f in usable if f.path not in attached), *in_chats], max(status, chat_status)
        if not usable:
            record_met(case, met)
            return status
        queue = JobQueue(case.conn)
        queued = enqueue(case, queue, usable, options, queue.top_priority() + 1)
        record_met(case, met, {q.path: q.exhibit_id for q in queued})
        names = output_basenames(one_per_name([(q.path, q.exhibit_id) for q in queued]))
        inputs_of: dict[int, list[str]] = {}
        for q in queued:
            inputs_of.setdefault(q.job_id, []).append(q.path)

        def export(job: Job) -> None:
            for path in inputs_of.get(job.id, []):
                if path in names:  # a copy of the same name and bytes: in the one set's manifest
                    write_exports(case, job.run_id, args.out, formats, names[path])

        pending = {j for j in inputs_of if queue.get(j).state != "done"}
        if not pending:
            supervisor.stop(timeout=0)  # all done before: the worker started early is not needed
        for job_id in inputs_of.keys() - pending:  # done before, by an equal job: export only
            export(queue.get(job_id))
        if pending:
            runner = QueueRunner(case, case_dir(args), export, lambda job: inputs_of.get(job.id, []))
            outcome = runner.run(until=pending, supervisor=supervisor)
            if outcome.failed or outcome.cancelled or outcome.gave_up:
                status = FAILED
            status = max(status, _report_unfinished(queue, pending, inputs_of, outcome, export))
    finally:
        supervisor.stop()
        case.close()
    return status


SHORT_MS = 60_000  # the worker decodes files this long or shorter in packed batches (app/worker/process.py)


def _all_short(usable: list[Found], chats: list[str]) -> bool:
    """Whether every file is short: the worker's allocator then keeps the encoder's blocks (child.py)."""
    return not chats and all(f.source is not None and f.source.duration_ms <= SHORT_MS for f in usable)


def chat_media(case: Case, chats: list[str], met: list[Found], named: set[str]) -> tuple[list[Found], int]:
    """The voice notes and videos of the chat exports, taken into the case as `timeline` takes
    them; an export that cannot be read is one line and a failure, and so is one `named` that
    holds none (one met in a folder is said, not failed), and each attachment that is not media
    ffmpeg can read (added to `met`)."""
    taken, errors = take_in_exports(case, chats)
    for exc in errors:
        fail(exc.path, exc.reason)
    unusable = [Found(path, error=reason) for t in taken for path, reason in t.unusable]
    for found in unusable:
        fail(found.path, found.error or "")
    met.extend(unusable)
    empty = [t.given for t in taken if not t.media and t.given in named]
    for given in dict.fromkeys(t.given for t in taken if not t.media and t.given not in named):
        fail(given, "a chat export without voice notes or videos: taken into the case, not failed "
                    "(its messages: python -m app timeline)")  # said, as a skipped file is
    for given in dict.fromkeys(empty):
        fail(given, "a chat export without voice notes or videos: nothing to transcribe")
    for t in taken:
        _say_missing(t.shown, t.export.missing_recordings())
    return export_media(taken), FAILED if errors or empty or unusable else OK


def _say_missing(export: str, missing: list[str]) -> None:
    """The chat's voice notes and videos that are not in the export, said (the files transcribed
    were listed as if they were all of them); not a failure: the export is what it is."""
    if missing:
        fail(export, missing_recordings_text(missing))


def _report_unfinished(queue: JobQueue, pending: set[int], inputs_of: dict[int, list[str]], outcome,
                       export: Callable[[Job], None]) -> int:
    """Jobs this runner did not finish: exported when another runner on the case did them,
    else one line per input (e.g. the case's queue is paused, or another runner failed it)."""
    reported = set(outcome.done) | set(outcome.failed) | set(outcome.cancelled)
    status = OK
    for job_id in sorted(pending - reported):
        job = queue.get(job_id)
        if job.state == "done":
            export(job)  # decoded by another runner working this case: exported here all the same
            continue
        why = "the case's queue is paused (python -m app queue resume --all)" if queue.is_paused() \
            else f"job {job_id} is {job.state}" + (f": {job.error}" if job.error else "")
        for path in inputs_of[job_id]:
            fail(path, f"not transcribed: {why}")
        status = FAILED
    return status
