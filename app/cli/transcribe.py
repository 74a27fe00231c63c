"""`transcribe`: queue the inputs and work them in the worker (app/cli/export.py writes each as it is done)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from app.cli.common import (
    FAILED,
    OK,
    case_dir,
    fail,
    open_case_writing_to,
    parse_formats,
    transcribe_options,
)
from app.cli.export import SetsWriter
from app.cli.progress import QueueRunner
from app.cli.queue import nothing_found, scan_with_chats, with_chat_media
from app.core.evidence.paths import check_outside_evidence
from app.core.media.intake import Found, record_met
from app.core.names import one_per_name
from app.core.options import to_dict
from app.core.store.jobs import Job, JobQueue
from app.core.usecases.enqueueing import check_model, enqueue
from app.core.usecases.exporting import ExportItem, output_basenames
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
    from app.cli.met_summary import transcribe_summary  # not at the top: imported last, app.cli.queue ended the
    # command's preload a moment before main(), and a signal then met no handler (tests/test_kills.py)

    formats = parse_formats(args.format)
    options = transcribe_options(args)
    check_model(options)
    met: list[Found] = []
    usable, chats, in_folders, status = scan_with_chats(args.inputs, met)
    sources = [*args.inputs, *(f.path for f in usable)]
    check_outside_evidence("--case", args.case, sources)
    check_outside_evidence("--out", args.out, sources)
    if not usable and not chats:
        return nothing_found(args.case, met)
    case = open_case_writing_to(args, args.out, sources)  # beside any exhibit of the case, too
    # The worker starts now and loads the model while the inputs are hashed and queued.
    supervisor = Supervisor(case_dir(args), worker_options={"preload": to_dict(options), "await_jobs": True})
    try:
        supervisor.start()
        usable, chat_status, chat_exhibits = with_chat_media(case, usable, chats, in_folders, met)
        status = max(status, chat_status)
        if not usable:
            record_met(case, met)
            print(transcribe_summary(case, [], len(chat_exhibits), met), file=sys.stderr)
            return status
        queue = JobQueue(case.conn)
        queued = enqueue(case, queue, usable, options, queue.top_priority() + 1)
        record_met(case, met, {q.path: q.exhibit_id for q in queued})
        names = output_basenames(one_per_name([(q.path, q.exhibit_id) for q in queued]))
        inputs_of: dict[int, list[str]] = {}
        for q in queued:
            inputs_of.setdefault(q.job_id, []).append(q.path)

        export = SetsWriter(case, args.out, formats, lambda job: [
            ExportItem(job.run_id, names[path], met_at=path) for path in inputs_of.get(job.id, []) if path in names])
        pending = {j for j in inputs_of if queue.get(j).state != "done"}
        if not pending:
            supervisor.stop(timeout=0)  # all done before: the worker started early is not needed
        export([queue.get(job_id) for job_id in sorted(inputs_of.keys() - pending)])  # done before: export only
        if pending:
            runner = QueueRunner(case, case_dir(args), export.one, lambda job: inputs_of.get(job.id, []),
                                 on_done_together=export)
            outcome = runner.run(until=pending, supervisor=supervisor)
            if outcome.failed or outcome.cancelled or outcome.gave_up:
                status = FAILED
            status = max(status, _report_unfinished(queue, pending, inputs_of, outcome, export.one))
        status = max(status, export.status)
        print(transcribe_summary(case, queued, len(chat_exhibits), met), file=sys.stderr)
    finally:
        supervisor.stop()
        case.close()
    return status


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
