"""`python -m app queue ...`: add files to a case's queue, work it, inspect and steer it.

The queue lives in the case store, so `queue add` in one shell and `queue run`
in another (or the GUI) share it. `transcribe` uses the same machinery: it
queues its inputs and works them through the same worker process.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands import FAILED, OK, fail, nothing_found, scan_inputs
from app.core.evidence_paths import check_outside_evidence
from app.core.names import printable
from app.worker import protocol

if TYPE_CHECKING:  # heavy modules load only when a command runs
    from app.core.intake import Found
    from app.core.jobs import Job, JobQueue
    from app.core.options import TranscribeOptions
    from app.core.store import Case


# ------------------------------------------------------------ intake


@dataclass(frozen=True)
class Queued:
    path: str  # as the user gave it (or as found in a folder)
    exhibit_id: int
    job_id: int
    new_job: bool


def check_model(options: TranscribeOptions) -> None:
    """A missing model is one clear line before anything is queued (ModelError)."""
    from app.core import models

    models.resolve(options.model)


def enqueue(case: Case, queue: JobQueue, usable: list[Found], options: TranscribeOptions,
            priority: int = 0, report: bool = True) -> list[Queued]:
    """One exhibit per SHA-256 and one job per exhibit and settings; duplicates are linked."""
    from app.core.options import to_dict

    settings = to_dict(options)
    queued: list[Queued] = []
    for found in usable:
        exhibit, _ = case.add_exhibit(found.source, found_at=found.path)
        job_id, new_job = queue.add_or_get(exhibit.id, "transcribe", settings, priority)
        earlier = next((q for q in queued if q.job_id == job_id), None)
        queued.append(Queued(found.path, exhibit.id, job_id, new_job))
        if report:
            _report_queued(found.path, exhibit.source.name, job_id, new_job, earlier, queue)
    return queued


def _report_queued(path: str, name: str, job_id: int, new_job: bool, earlier: Queued | None,
                   queue: JobQueue) -> None:
    path, name = printable(path), printable(name)
    if new_job:
        print(f"queued job {job_id}: {path}")
    elif earlier is not None:
        print(f"{path}: same content as {printable(earlier.path)} (SHA-256); linked, transcribed once as job {job_id}")
    else:
        state = queue.get(job_id).state
        print(f"{path}: already in the queue as job {job_id} ({state}, {name})")


# ------------------------------------------------------------ progress


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class QueueProgress:
    """Per-job progress and an overall bar weighted by duration, with ETAs, on stderr.

    Redrawn in place on a terminal; a plain line every few seconds otherwise.
    """

    BAR = 20

    def __init__(self, jobs: dict[int, tuple[str, int, float]]) -> None:
        self.jobs = {j: [name, max(1, ms), frac] for j, (name, ms, frac) in jobs.items()}
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.start_overall = self.overall()
        self.current: int | None = None
        self.running: set[int] = set()  # started, not finished: several while short files are batched
        self.eta: float | None = None
        self.last_print = 0.0
        self.shown = False

    def start(self, job_id: int, name: str, duration_ms: int) -> None:
        entry = self.jobs.setdefault(job_id, [name, max(1, duration_ms), 0.0])
        entry[0], self.current, self.eta = name, job_id, None
        self.running.add(job_id)
        self.render(force=True)

    def advance(self, job_id: int, fraction: float, eta_s: float | None) -> None:
        if job_id in self.jobs:
            self.jobs[job_id][2] = min(1.0, max(0.0, fraction))
            self.eta = eta_s
        self.render()

    def finish(self, job_id: int) -> None:
        self.running.discard(job_id)
        if job_id in self.jobs:
            self.jobs[job_id][2] = 1.0
        if self.current == job_id:
            self.current = None

    def overall(self) -> float:
        total = sum(ms for _, ms, _ in self.jobs.values())
        return sum(ms * frac for _, ms, frac in self.jobs.values()) / max(1, total)

    def render(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_print < (0.25 if self.tty else 3.0):
            return
        self.last_print = now
        line = printable(self._line(now))
        if self.tty:
            width = self._width()
            print("\r" + line[:width].ljust(width), end="", file=sys.stderr, flush=True)
            self.shown = True
        else:
            print(line, file=sys.stderr, flush=True)

    def _line(self, now: float) -> str:
        overall = self.overall()
        filled = round(overall * self.BAR)
        bar = "#" * filled + "-" * (self.BAR - filled)
        gained = overall - self.start_overall
        elapsed = now - self.started
        # a batch of short files finishes all at once: no ETA until a twentieth of the audio is done
        eta = f" ETA {_clock(elapsed * (1 - overall) / gained)}" if gained > 0.05 else ""
        finished = sum(1 for _, _, frac in self.jobs.values() if frac >= 1.0)
        line = f"[{bar}] {overall:4.0%} {finished}/{len(self.jobs)} files{eta}"
        if len(self.running) > 1:
            line += f" | {len(self.running)} short files decoding together"
        elif self.current is not None:  # the overall state first: a narrow terminal cuts the tail
            name, _, frac = self.jobs[self.current]
            job_eta = f" ETA {_clock(self.eta)}" if self.eta else ""
            line += f" | {name} {frac:4.0%}{job_eta}"
        return line

    @staticmethod
    def _width() -> int:
        """One less than the terminal's width, so a redrawn line never wraps."""
        return max(20, shutil.get_terminal_size((100, 24)).columns - 1)

    def clear(self) -> None:
        """Before printing anything else: take the in-place line away."""
        if self.tty and self.shown:
            print("\r" + " " * self._width() + "\r", end="", file=sys.stderr, flush=True)
            self.shown = False

    def say(self, text: str, err: bool = True) -> None:
        self.clear()
        print(printable(text), file=sys.stderr if err else sys.stdout, flush=True)
        if self.current is not None:
            self.render(force=True)

    def done(self) -> None:
        self.clear()


# ------------------------------------------------------------ working the queue


@dataclass
class RunOutcome:
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    gave_up: bool = False


class QueueRunner:
    """Drives a Supervisor for the CLI: progress, one-line failures, exports as jobs finish."""

    def __init__(self, case: Case, case_dir: Path, on_done: Callable[[Job], None],
                 subjects: Callable[[Job], list[str]]) -> None:
        self.case = case
        self.case_dir = case_dir
        self.on_done = on_done
        self.subjects = subjects
        self.outcome = RunOutcome()
        self.progress: QueueProgress | None = None

    def run(self, until: set[int] | None = None) -> RunOutcome:
        from app.core.jobs import JobQueue
        from app.worker.supervisor import Supervisor

        queue = JobQueue(self.case.conn)
        self.progress = QueueProgress(self._planned(queue, until))
        supervisor = Supervisor(self.case_dir)
        try:
            supervisor.run_until_idle(lambda event: self._on_event(event, queue), until=until)
            self.outcome.gave_up = supervisor.gave_up
        finally:
            supervisor.stop()
            self.progress.done()
        return self.outcome

    def _planned(self, queue: JobQueue, until: set[int] | None) -> dict[int, tuple[str, int, float]]:
        jobs = queue.list(("queued", "running")) if until is None else [queue.get(j) for j in until]
        planned = {}
        for job in jobs:
            source = self.case.exhibit(job.exhibit_id).source
            planned[job.id] = (source.name, source.duration_ms, job.progress)
        return planned

    def _on_event(self, event: protocol.Event, queue: JobQueue) -> None:
        progress = self.progress
        assert progress is not None
        if isinstance(event, protocol.JobStarted):
            if event.attempt > 1:
                progress.say(f"{event.name}: attempt {event.attempt}, resuming from the stored segments")
            progress.start(event.job_id, event.name, event.duration_ms)
        elif isinstance(event, protocol.Progress):
            progress.advance(event.job_id, event.fraction, event.eta_s)
        elif isinstance(event, protocol.JobDone):
            progress.finish(event.job_id)
            self.outcome.done.append(event.job_id)
            progress.clear()
            self.on_done(queue.get(event.job_id))
        elif isinstance(event, protocol.JobFailed):
            self._failed(queue.get(event.job_id), event)
        elif isinstance(event, protocol.JobCancelled):
            progress.finish(event.job_id)
            self.outcome.cancelled.append(event.job_id)
            for subject in self.subjects(queue.get(event.job_id)):
                progress.say(f"{subject}: cancelled")
        elif isinstance(event, protocol.JobPaused):
            progress.running.discard(event.job_id)
        elif isinstance(event, protocol.WorkerCrashed):
            tail = "; restarting it" if event.restarting else "; giving up"
            progress.say(f"worker: {event.reason}{tail}")

    def _failed(self, job: Job, event: protocol.JobFailed) -> None:
        progress = self.progress
        assert progress is not None
        reason, will_retry = event.reason, event.will_retry
        name = self.case.exhibit(job.exhibit_id).source.name
        if will_retry:
            progress.running.discard(job.id)
            progress.say(f"{name}: {reason} (attempt {job.attempts} of {job.max_attempts}; will retry)")
            return
        progress.finish(job.id)
        self.outcome.failed.append(job.id)
        for subject in self.subjects(job):
            progress.say(f"{subject}: {reason}")


# ------------------------------------------------------------ commands


def _case_dir(args: argparse.Namespace) -> Path:
    from app.core.store import default_case_dir

    return Path(args.case or default_case_dir()).expanduser().resolve()


def cmd_add(args: argparse.Namespace) -> int:
    from app.commands import transcribe_options
    from app.core.intake import record_met
    from app.core.jobs import JobQueue
    from app.core.store import Case

    options = transcribe_options(args)
    check_model(options)
    translate = translate_options(args)
    met: list[Found] = []
    usable, status = scan_inputs(args.inputs, met)
    check_outside_evidence("--case", args.case, [*args.inputs, *(f.path for f in usable)])
    if not usable:
        return nothing_found(args.case, met, "queue add")
    case = Case.open(args.case)
    try:
        queue = JobQueue(case.conn)
        queued = enqueue(case, queue, usable, options, args.priority)
        record_met(case, met, {q.path: q.exhibit_id for q in queued})
        if translate is not None:
            enqueue_translations(queue, queued, translate, args.priority)
    finally:
        case.close()
    return status


def translate_options(args: argparse.Namespace) -> dict | None:
    """--translate-to: a translate job to follow each transcription (checked before queueing)."""
    if not args.translate_to:
        return None
    from app.core.models import translation_model
    from app.core.options import TranslateOptions, to_dict
    from app.core.translation import check_language

    check_language(args.translate_to)
    folder = translation_model(args.translate_model)
    return to_dict(TranslateOptions(model=args.translate_model or folder.name, target=args.translate_to,
                                    device=args.device, threads=args.threads))


def enqueue_translations(queue: JobQueue, queued: list[Queued], options: dict, priority: int) -> None:
    """One translate job per transcribe job, run once its parent is done."""
    for job_id in dict.fromkeys(q.job_id for q in queued):
        parent = queue.get(job_id)
        child, new = queue.add_or_get(parent.exhibit_id, "translate", options, priority, job_id)
        if new:
            print(f"queued job {child}: translate job {job_id}'s transcript to {options['target']}")


def cmd_run(args: argparse.Namespace) -> int:
    from app.commands import check_out_dir, output_basenames, parse_formats, write_exports
    from app.core.jobs import JobQueue
    from app.core.store import Case

    formats = parse_formats(args.format) if args.out else []
    case = Case.open(args.case)
    try:
        queue = JobQueue(case.conn)
        if queue.is_paused():
            print("the queue is paused; resume it with `python -m app queue resume --all`",
                  file=sys.stderr)
            return OK
        pending = queue.list(("queued", "running"))
        if not pending:
            print("nothing queued", file=sys.stderr)
            return OK
        paths = list(dict.fromkeys(case.exhibit(j.exhibit_id).source.path for j in pending))
        names = output_basenames(paths)
        if args.out:
            check_out_dir(args.out, [*paths, *(p for j in pending for p in case.exhibit(j.exhibit_id).paths)])

        def export(job: Job) -> None:
            if not args.out or job.run_id is None or job.task not in ("transcribe", "translate"):
                return
            path = case.exhibit(job.exhibit_id).source.path
            name = names.get(path, Path(path).stem)
            if job.task == "translate":  # beside the transcript: <name>.<target>.<format>
                name = f"{name}.{job.options['target']}"
            write_exports(case, job.run_id, args.out, formats, name)

        runner = QueueRunner(case, _case_dir(args), export,
                             lambda job: [case.exhibit(job.exhibit_id).source.path])
        outcome = runner.run()
        _summary(outcome)
        return FAILED if outcome.failed or outcome.gave_up else OK
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
    from app.core.jobs import JobQueue
    from app.core.store import Case

    case = Case.open(args.case)
    try:
        queue = JobQueue(case.conn)
        jobs = queue.list()
        if not jobs:
            print("the queue is empty")
            return OK
        print(f"{'ID':>4}  {'STATE':<9}  {'PRI':>3}  {'TRIES':>5}  {'DONE':>4}  {'EXHIBIT':<28}  ERROR")
        for job in jobs:
            name = printable(case.exhibit(job.exhibit_id).source.name)
            task = "" if job.task == "transcribe" else f" [{job.task}]"
            print(f"{job.id:>4}  {job.state:<9}  {job.priority:>3}  "
                  f"{job.attempts:>2}/{job.max_attempts:<2}  {job.progress:4.0%}  "
                  f"{(name + task)[:28]:<28}  {job.error or ''}".rstrip())
        counts = ", ".join(f"{n} {s}" for s, n in queue.counts().items() if n)
        print(counts + ("; the queue is paused" if queue.is_paused() else ""))
        return OK
    finally:
        case.close()


def _steer(args: argparse.Namespace) -> int:
    from app.core.jobs import JobQueue
    from app.core.store import Case

    case = Case.open(args.case)
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
    from app.core.jobs import JobQueue
    from app.core.store import Case

    case = Case.open(args.case)
    try:
        queue = JobQueue(case.conn)
        if queue.retry(args.job):
            print(f"job {args.job} queued again")
            return OK
        fail(f"job {args.job}", f"only a failed or cancelled job can be retried (it is {queue.get(args.job).state})")
        return FAILED
    finally:
        case.close()


def _job_or_all(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("job", nargs="?", type=int, metavar="JOB", help="job id (see queue status)")
    group.add_argument("--all", action="store_true", help="every job (pause/resume: the whole queue)")


def register(sub: argparse._SubParsersAction) -> None:
    from app.cli import FORMATS_DEFAULT, add_case_option, add_transcribe_options

    queue = sub.add_parser("queue", help="queue files and work the queue in a worker process")
    qsub = queue.add_subparsers(dest="queue_command", required=True)

    p = qsub.add_parser("add", help="add media files or folders to the queue")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    add_transcribe_options(p)
    p.add_argument("--priority", type=int, default=0, help="higher runs first (default 0)")
    p.add_argument("--translate-to", default=None, metavar="CODE",
                   help="also translate each transcript into this language once it is done")
    p.add_argument("--translate-model", default=None, metavar="NAME|DIR",
                   help="NLLB-200 or M2M-100 model (default: the first one installed)")
    add_case_option(p)
    p.set_defaults(handler=cmd_add)

    p = qsub.add_parser("run", help="work the queue until it is empty")
    p.add_argument("--out", type=Path, default=None, help="write each finished transcript here")
    p.add_argument("--format", default=FORMATS_DEFAULT, help=f"comma list (default {FORMATS_DEFAULT})")
    add_case_option(p)
    p.set_defaults(handler=cmd_run)

    p = qsub.add_parser("status", help="list the queue's jobs")
    add_case_option(p)
    p.set_defaults(handler=cmd_status)

    for action, text in (("cancel", "cancel a job, or --all pending jobs"),
                         ("pause", "pause a job, or --all: the whole queue"),
                         ("resume", "resume a paused job, or --all: the whole queue")):
        p = qsub.add_parser(action, help=text)
        _job_or_all(p)
        add_case_option(p)
        p.set_defaults(handler=_steer)

    p = qsub.add_parser("retry", help="queue a failed or cancelled job again")
    p.add_argument("job", type=int, metavar="JOB")
    add_case_option(p)
    p.set_defaults(handler=cmd_retry)
