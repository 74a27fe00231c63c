"""The CLI's view of queue work: progress lines on stderr and a runner over the Supervisor."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.clock import span_text
from app.core.evidence.resume_check import set_aside_note
from app.core.names import printable
from app.core.store import Case
from app.core.store.jobs import Job, JobQueue
from app.worker import protocol
from app.worker.supervisor import Supervisor
from app.worker.tracking import DECODED

# ------------------------------------------------------------ progress


def _clock(seconds: float) -> str:
    return span_text(max(0, int(seconds)))


class QueueProgress:
    """Per-job progress and an overall bar weighted by duration, with ETAs, on stderr.

    Redrawn in place on a terminal; a plain line every few seconds otherwise.
    """

    BAR = 20

    def __init__(self, jobs: dict[int, tuple[str, int, float]], announce: bool = True) -> None:
        self.jobs = {j: [name, max(1, ms), frac] for j, (name, ms, frac) in jobs.items()}
        self.tty = sys.stderr.isatty()
        self.announce = announce or self.tty  # a plain line when a job starts (else from its progress on)
        self.started = time.monotonic()
        self.start_overall = self.overall()
        self.current: int | None = None
        self.running: set[int] = set()  # started, not finished: several while short files are batched
        self.batched: set[int] = set()  # jobs that ran beside another (a batch of short files)
        self.eta: float | None = None
        self.stage: tuple[int, str] | None = None  # (job, what it does after decoding): shown for its ETA
        self.last_print = 0.0
        self.shown = False

    def start(self, job_id: int, name: str, duration_ms: int) -> None:
        entry = self.jobs.setdefault(job_id, [name, max(1, duration_ms), 0.0])
        entry[0], self.current, self.eta = name, job_id, None
        self.running.add(job_id)
        if len(self.running) > 1:
            self.batched |= self.running
        if self.announce:
            self.render(force=True)

    def advance(self, job_id: int, fraction: float, eta_s: float | None, stage: str = "") -> None:
        if job_id in self.jobs:
            self.jobs[job_id][2] = min(1.0, max(0.0, fraction))
            self.eta = eta_s
            self.stage = (job_id, stage) if stage else None if self.stage and self.stage[0] == job_id else self.stage
        self.render(force=bool(stage))

    def finish(self, job_id: int) -> None:
        self.running.discard(job_id)
        if self.stage and self.stage[0] == job_id:
            self.stage = None
        if job_id in self.jobs:
            self.jobs[job_id][2] = 1.0
        if self.current == job_id:
            self.current = None
        if self.tty:  # the count moves as each file ends (a batch's all end together); a log gets
            self.render(force=True)  # its line every few seconds, not one more per file

    def finished(self) -> int:
        """Files done, and files of a batch whose speech is decoded (they are stored at its end)."""
        return sum(1 for job_id, (_, _, frac) in self.jobs.items()
                   if frac >= 1.0 or (job_id in self.batched and job_id in self.running and frac >= DECODED))

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
        # a batch of short files finishes all at once: no ETA until a twentieth of the audio is done;
        # none either while the last file's speakers are found (its decoding's rate says nothing of it)
        staged = self.stage[0] if self.stage and self.stage[0] in self.running else None
        last = staged is not None and all(frac >= 1.0 for j, (_, _, frac) in self.jobs.items() if j != staged)
        eta = f" ETA {_clock(elapsed * (1 - overall) / gained)}" if gained > 0.05 and not last else ""
        line = f"[{bar}] {overall:4.0%} {self.finished()}/{len(self.jobs)} files{eta}"
        if staged is not None and self.stage is not None:  # speakers found file by file, a batch's too
            name, _, frac = self.jobs[staged]
            line += f" | {name} {frac:4.0%} {self.stage[1]}..."
        elif len(self.running) > 1:  # a file counted done above is not said to be decoding too
            line += self._batch_text()
        elif self.current is not None:  # the overall state first: a narrow terminal cuts the tail
            name, _, frac = self.jobs[self.current]
            job_eta = f" ETA {_clock(self.eta)}" if self.eta else ""
            line += f" | {name} {frac:4.0%}{job_eta}"
        return line

    def _batch_text(self) -> str:
        """What a batch of short files is doing: those still decoding, and those decoded (counted
        done) whose results are being stored. "12/12 files | 9 short files decoding together" said
        nine files both done and decoding."""
        decoding = sum(1 for j in self.running if self.jobs.get(j, ("", 0, 0.0))[2] < DECODED)
        storing = len(self.running) - decoding
        parts = [f"{decoding} short files decoding together" if decoding > 1 else "1 short file decoding"] \
            if decoding else []
        if storing:
            parts.append(f"{storing} decoded, being stored")
        return " | " + ", ".join(parts)

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
                 subjects: Callable[[Job], list[str]], announce: bool = True,
                 on_done_together: Callable[[list[Job]], None] | None = None) -> None:
        self.case = case
        self.announce = announce  # False: off a terminal, no line when a job starts (its failure is one line)
        self.case_dir = case_dir
        self.on_done = on_done
        # given: the jobs whose ends came in together are handed on at once (their exports in one go)
        self.on_done_together = on_done_together
        self._done_now: list[Job] = []
        self.subjects = subjects
        self.outcome = RunOutcome()
        self.progress: QueueProgress | None = None

    def run(self, until: set[int] | None = None, supervisor: Supervisor | None = None) -> RunOutcome:
        """Work the queue (or until the `until` jobs end) in `supervisor`'s worker, started
        here if not given (a caller that starts one early overlaps the model load with intake)."""
        queue = JobQueue(self.case.conn)
        self.progress = QueueProgress(self._planned(queue, until), self.announce)
        supervisor = supervisor or Supervisor(self.case_dir)
        try:
            supervisor.run_until_idle(lambda event: self._on_event(event, queue), until=until, then_stop=True,
                                      after_events=self._hand_on_done)
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
                progress.say(f"{event.name}: attempt {event.attempt}, {self._resumed_from(queue.get(event.job_id))}")
            progress.start(event.job_id, event.name, event.duration_ms)
        elif isinstance(event, protocol.Progress):
            progress.advance(event.job_id, event.fraction, event.eta_s, event.stage)
        elif isinstance(event, protocol.JobDone):
            self.outcome.done.append(event.job_id)
            progress.clear()
            job = queue.get(event.job_id)
            if job.task == "transcribe" and (note := set_aside_note(self.case, event.run_id)):
                progress.say(f"{self.case.exhibit(job.exhibit_id).source.name}: {note}")
            self._done_now.append(job)
            if self.on_done_together is None:
                self._hand_on_done()
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
            tail = "" if event.case_lost else "; restarting it" if event.restarting else "; giving up"
            progress.say(f"worker: {event.reason}{tail}")

    def _hand_on_done(self) -> None:
        """Each job ended since: its exports' paths, then the line with it counted."""
        progress = self.progress
        assert progress is not None
        jobs, self._done_now = self._done_now, []
        if self.on_done_together is not None and jobs:
            self.on_done_together(jobs)
        for job in jobs:
            if self.on_done_together is None:
                self.on_done(job)
            progress.finish(job.id)

    def _resumed_from(self, job: Job) -> str:
        """Where a retry starts: a short file, or one whose run stored nothing, is decoded from its start."""
        stored = job.run_id is not None and any(self.case.run(job.run_id).state.get("done_ms", {}).values())
        return "resuming from the stored segments" if stored else "from the start"

    def _failed(self, job: Job, event: protocol.JobFailed) -> None:
        progress = self.progress
        assert progress is not None
        reason, will_retry = event.reason, event.will_retry
        name = self.case.exhibit(job.exhibit_id).source.name
        if will_retry:
            progress.running.discard(job.id)
            progress.say(f"{name}: {reason} (attempt {event.attempt} of {job.max_attempts}; will retry)")
            return
        progress.finish(job.id)
        self.outcome.failed.append(job.id)
        for subject in self.subjects(job):
            progress.say(f"{subject}: {reason}")

