"""The worker process: a long-lived loop that claims jobs from the case's queue.

Started by the Supervisor with the multiprocessing *spawn* context (forking a
threaded Qt process can deadlock). The Whisper model is loaded once and kept
until a job asks for another one. Each chunk's segments are committed to the
store by transcribe_exhibit as they are decoded, so a crash or a kill loses at
most the chunk in flight and the retry resumes from the stored ones.

Two threads: the main one decodes; a background one (command_thread) reads
commands from the parent (CancelJob, Shutdown) and refreshes the running job's
heartbeat on its own SQLite connection, so a long chunk or model load never
looks like a hang.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from app.core.asr import transcribe_clips
from app.core.asr.engine import WhisperEngine
from app.core.asr.runs import run_for, store_clip, transcribe_exhibit
from app.core.errors import MediaError, ParleyError
from app.core.evidence.source_check import check_unchanged, reachable
from app.core.models.cache import Loaded, ModelCache
from app.core.models.device import choose
from app.core.options import ExportOptions, TranscribeOptions, from_dict
from app.core.store import Case, Exhibit
from app.core.store.jobs import Job, JobKind, JobQueue, worker_name
from app.core.translation.runs import NoTextError, SameLanguageError, translate_job
from app.core.usecases.exporting import export_run, run_to_export
from app.worker import retries
from app.worker.ahead import decoded_ahead
from app.worker.claims import Claims
from app.worker.command_thread import CommandThread
from app.worker.protocol import (
    JobCancelled,
    JobDone,
    JobFailed,
    JobPaused,
    JobStarted,
    ModelLoaded,
    QueueIdle,
    WorkerConfig,
    WorkerCrashed,
    WorkerReady,
)
from app.worker.tracking import DECODED, Tracker, crash_before_decoding_if_testing

StopCheck = Callable[[], bool]
TOLD_POLL_S = 0.05  # an idle worker waiting to be told its command's jobs: how often it sees a stop meanwhile
ProgressFn = Callable[[float, int], None]
TaskResult = tuple[int | None, bool]  # (the run written, stopped before the end)


def worker_main(config: WorkerConfig, events: Connection, commands: Connection) -> None:
    """The child's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # so is the terminal closed; the parent gone ends it
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        worker = Worker(config, events, commands)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        _send(events, WorkerCrashed(f"the worker could not start: {_one_line(exc)}", restarting=False))
        os._exit(1)
    try:
        worker.run()
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        _send(events, WorkerCrashed(f"the worker stopped: {_one_line(exc)}"))
        raise SystemExit(1) from None
    finally:
        worker.close()


def _send(events: Connection, event: object) -> bool:
    try:
        events.send(event)
        return True
    except (OSError, ValueError):  # the parent has gone
        return False


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, ParleyError) else f"{type(exc).__name__}: {text}"


class Worker(Claims, CommandThread):
    def __init__(self, config: WorkerConfig, events: Connection, commands: Connection) -> None:
        self.config = config
        self.events = events
        self.commands = commands
        self.name = worker_name()
        self.case = Case.open(Path(config.case_dir))
        self.queue = JobQueue(self.case.conn, owner=self.name)  # ends only jobs still its own
        self.models_dir = Path(config.models_dir) if config.models_dir else None
        self.models = ModelCache(self.models_dir, on_load=self._loaded)
        self.handlers: dict[JobKind, Callable[[Job, Exhibit, Tracker], TaskResult]] = {
            JobKind.TRANSCRIBE: self._transcribe, JobKind.TRANSLATE: self._translate, JobKind.EXPORT: self._export,
        }
        self.current: tuple[int, ...] = ()  # the job(s) being worked on
        self.planned: list[int] = []  # the jobs, in order, of the interrupted batch being claimed again
        self.alone_why: dict[int, str] = {}  # a job decoded alone, away from its planned batch: why (its run's note)
        self.only: tuple[int, ...] | None = config.only_jobs  # the jobs it may claim (None: any)
        self.told = threading.Event()  # which jobs are known (or any will do)
        if config.only_jobs is not None or not config.await_jobs:
            self.told.set()
        self.stop_asked: set[int] = set()  # cancelled or paused: read by stop checks, never the database
        self.reported_cancelled: set[int] = set()
        self.sending = threading.Lock()
        self.shutdown = threading.Event()
        self.closed = threading.Event()
        self.background = threading.Thread(target=self._background, name="commands", daemon=True)

    # ------------------------------------------------------------ the loop

    def run(self) -> None:
        self.background.start()
        device = self._preload()
        engine = self.models.loaded_speech()
        self.send(WorkerReady(device, engine.info.name if engine else ""))
        idle = False
        while not self.shutdown.is_set():
            # the case folder replaced under it (a backup restored while the window was open): this connection
            # would work on the store moved away; ended in one line, a new worker opens what is there now
            self.case.refuse_if_replaced(gone_too=False)
            # moved or removed: it claims nothing (its claims would go to the store moved away); its supervisor
            # stops it, and starts none there (it would make a new, empty case)
            jobs = [] if self.case.replaced_since_opened() else self._next_jobs()
            if not jobs:
                if not idle:
                    self.send(QueueIdle())
                    idle = True
                self._wait_for_work()
                continue
            idle = False
            batch = [job for job in jobs if self._batchable(job)]
            if batch:
                self._work_batch(batch)
            for job in jobs:
                if job not in batch:
                    self._work(job)

    def _wait_for_work(self) -> None:
        """Until the next look at the queue. Not yet told which jobs are its command's, it looks as soon as it
        is told (it slept on through the poll interval, the command's files all queued and waiting for it)."""
        if self.told.is_set():
            self.shutdown.wait(self.config.idle_poll_s)
            return
        deadline = time.monotonic() + self.config.idle_poll_s
        while not (self.shutdown.is_set() or self.told.is_set()) and time.monotonic() < deadline:
            self.told.wait(TOLD_POLL_S)  # the stop flag is seen within this too

    def close(self) -> None:
        self.shutdown.set()
        self.closed.set()  # the parent gone: the command thread lets this thread end the worker
        if self.background.is_alive():
            self.background.join(timeout=2)
        # Free the model while the interpreter is whole: left to interpreter teardown, the
        # native thread pools can abort ("terminate called without an active exception").
        self.models.clear()
        self.case.close()

    def send(self, event: object) -> None:
        with self.sending:  # the command thread reports cancels of batched jobs
            if isinstance(event, JobStarted):
                self.reported_cancelled.discard(event.job_id)
            elif isinstance(event, JobCancelled):
                if event.job_id in self.reported_cancelled:
                    return  # already reported by the command thread
                self.reported_cancelled.add(event.job_id)
            if not _send(self.events, event):
                self.shutdown.set()

    # ------------------------------------------------------------ one job

    def _work(self, job: Job) -> None:
        self.current = (job.id,)
        try:
            if self.shutdown.is_set():
                self.queue.release(job.id, "worker shutting down")
                return
            exhibit = self.case.exhibit(job.exhibit_id)
            self.send(JobStarted(job.id, job.exhibit_id, job.task, exhibit.source.name,
                                 job.attempts, exhibit.source.duration_ms))
            self._finish(job, *self._run_task(job, exhibit))
        except (MediaError, ParleyError) as exc:
            self._fail(job, str(exc.reason) if isinstance(exc, MediaError) else _one_line(exc), False)
        except Exception as exc:  # noqa: BLE001 - an unexpected failure: retried
            self._fail(job, f"{retries.UNEXPECTED}: {_one_line(exc)}", True)
        finally:
            self.current = ()

    # ------------------------------------------------------------ short jobs, batched

    def _work_batch(self, jobs: list[Job]) -> None:
        """Transcribe a group of short files together; each job still gets its own events and run."""
        self.current = tuple(j.id for j in jobs)
        decoded: list[tuple[Job | None, Exhibit]] = []  # what is decoded together (its stored batch-mates too)
        try:
            ready: list[tuple[Job, Exhibit, int]] = []
            options = jobs[0].settings
            for job in jobs:
                exhibit = self._start_short(job)
                if exhibit is not None:
                    ready.append((job, exhibit, -1))
            if not ready:
                return
            engine = self.models.whisper(options)
            crash_before_decoding_if_testing(self.case, [job for job, _, _ in ready])
            ready, decoded = self._open_runs(engine, ready, options)
            stops = {job.id: self._stop_check(job.id) for job, _, _ in ready}
            halt = threading.Event()  # storing failed: the decoding thread stops too
            all_stopped = lambda: halt.is_set() or all(stop() for stop in stops.values())
            runs = {job.id: run_id for job, _, run_id in ready}
            trackers = [Tracker(self, job) if job else None for job, _ in decoded]
            produce = lambda progress: transcribe_clips(engine, [e.source for _, e in decoded], options,
                                                        should_stop=all_stopped, on_progress=progress)
            batch = tuple(e.source.sha256 for _, e in decoded)
            finished: set[int] = set()
            # the next part of the group is encoded while this thread stores the part decoded before it
            with closing(decoded_ahead(produce, lambda i, f: trackers[i] and trackers[i].progress(DECODED * f),
                                       halt, self.config.progress_interval_s)) as results:
                for (job, exhibit), result in zip(decoded, results):
                    if job is None:
                        continue  # decoded along for its batch-mates' sake: its own result is stored already
                    finished.add(job.id)  # a result given is whole: kept though the worker is stopping
                    self._finish_short(job, exhibit, runs[job.id], result, job.id in self.stop_asked, batch)
            for job, _, run_id in ready:
                if job.id not in finished:
                    self._finish(job, run_id, stopped=True)
        except ParleyError as exc:  # the model or the options: every job of the group
            for job in jobs:
                if self.queue.state_of(job.id) == "running":
                    self._fail(job, _one_line(exc), False)
        except Exception as exc:  # noqa: BLE001 - an unexpected failure: retried
            alone = len(decoded or jobs) == 1  # said by what was decoded, not by the jobs claimed
            for job in jobs:
                if self.queue.state_of(job.id) == "running":
                    self._fail(job, f"{retries.ALONE if alone else retries.UNEXPECTED}: {_one_line(exc)}", True)
        finally:
            self.current = ()

    def _open_runs(self, engine: WhisperEngine, ready: list[tuple[Job, Exhibit, int]], options: TranscribeOptions
                   ) -> tuple[list[tuple[Job, Exhibit, int]], list[tuple[Job | None, Exhibit]]]:
        """Each file's run, linked to its job, and the batch to decode, noted in each run: in one commit,
        all of it kept or none (a commit and a head file a file kept the decoder waiting ~1.7 s on 56 files)."""
        with self.case.transaction():
            ready = [(job, exhibit, run_for(self.case, engine, exhibit, options)) for job, exhibit, _ in ready]
            for job, _, run_id in ready:
                self.queue.attach_run(job.id, run_id)
            decoded = self._with_planned(ready)
            if decoded:  # one alone too: retried, it is decoded alone again as a short file (the same text)
                self.case.plan_batch([run_id for _, _, run_id in ready], self.planned or [j.id for j, _, _ in ready])
        return ready, decoded

    def _start_short(self, job: Job) -> Exhibit | None:
        exhibit = self.case.exhibit(job.exhibit_id)
        self.send(JobStarted(job.id, job.exhibit_id, job.task, exhibit.source.name,
                             job.attempts, exhibit.source.duration_ms))
        try:
            found = reachable(exhibit)
            check_unchanged(found.source)
            return found
        except MediaError as exc:
            self._fail(job, str(exc.reason), False)
            return None

    def _finish_short(self, job: Job, exhibit: Exhibit, run_id: int, result: Any, stopped: bool,
                      batch: tuple[str, ...]) -> None:
        if stopped:  # cancelled or paused while its group was decoded: nothing of it is kept (a worker
            # shutting down keeps it: dropped, it was decoded again without the files decoded with it)
            self._finish(job, run_id, stopped=True)
        elif result.error is not None:
            self._fail(job, result.error, False)
        else:
            tracker = Tracker(self, job)
            alone_why = retries.alone_after_kill(job) or self.alone_why.pop(job.id, "")
            if alone_why and len(batch) == 1:
                result = replace(result, notes=(*result.notes, alone_why))
            try:
                stored = store_clip(self.case, exhibit, run_id, result, batch, job.settings,
                                    self.models.loaded_speech(), on_stage=tracker.stage)
            except MediaError as exc:  # this file changed since intake: it alone fails
                self._fail(job, str(exc.reason), False)
                return
            tracker.update(1.0, stored.segments)
            self._finish(job, run_id, stopped=False)

    def _run_task(self, job: Job, exhibit: Exhibit) -> TaskResult:
        """Do the job's work through its kind's handler."""
        return self.handlers[job.kind](job, exhibit, Tracker(self, job))

    def _transcribe(self, job: Job, exhibit: Exhibit, tracker: Tracker) -> TaskResult:
        if job.run_id is not None and self.case.run(job.run_id).status == "complete":
            return job.run_id, False  # its run finished before a kill stopped the job's own end: not redone
        options = job.settings
        exhibit = reachable(exhibit)  # before the (slow) model load
        engine = self.models.whisper(options)
        run_id = run_for(self.case, engine, exhibit, options)
        self.queue.attach_run(job.id, run_id)
        tracker.begin()  # the ETA counts decoding time, not the model load
        crash_before_decoding_if_testing(self.case, [job])
        result = transcribe_exhibit(self.case, engine, exhibit, options, on_progress=tracker.update,
                                    should_stop=self._stop_check(job.id), run_id=run_id, on_stage=tracker.stage)
        return result.run_id, result.stopped

    def _translate(self, job: Job, exhibit: Exhibit, tracker: Tracker) -> TaskResult:
        translator = self.models.translator(job.settings)
        tracker.begin()
        try:
            result = translate_job(self.case, job, translator, tracker.update, self._stop_check(job.id))
        except (SameLanguageError, NoTextError):  # in the target language already, or no words at all
            return None, False  # done: nothing to translate, no run written
        return result.run_id, result.stopped

    def _export(self, job: Job, exhibit: Exhibit, tracker: Tracker) -> TaskResult:
        """Write a finished run's current transcript (ExportOptions)."""
        options: ExportOptions = job.settings
        run_id = _export_run(self.case, job, options)
        export_run(self.case, run_id, Path(options.out), list(options.formats), options.basename, job_id=job.id)
        return run_id, False

    def _finish(self, job: Job, run_id: int | None, stopped: bool) -> None:
        now = self.queue.get(job.id)
        if now.worker != self.name or now.state == "queued":
            return  # recovered while this worker was frozen (and maybe claimed by another): not ours to end
        if not stopped:
            if self.queue.complete(job.id, run_id):
                self.send(JobDone(job.id, run_id))
            else:
                self.send(JobCancelled(job.id))
            return
        state = self.queue.state_of(job.id)
        if state == "running" and self.shutdown.is_set():
            self.queue.release(job.id, "worker shutting down")
        elif state == "paused":
            self.send(JobPaused(job.id))
        else:
            self.queue.cancel(job.id)
            self.send(JobCancelled(job.id))

    def _fail(self, job: Job, reason: str, retry: bool) -> None:
        state = self.queue.fail(job.id, reason, retry)
        if state is None:
            self.send(JobCancelled(job.id))
        else:
            self.send(JobFailed(job.id, reason, will_retry=state == "queued", attempt=job.attempts))

    def _stop_check(self, job_id: int) -> StopCheck:
        """Reads memory only: commands from the parent and the heartbeat's state check set the flags."""
        def should_stop() -> bool:
            return self.shutdown.is_set() or job_id in self.stop_asked

        return should_stop

    # ------------------------------------------------------------ the model

    def _preload(self) -> str:
        if self.config.preload:
            try:
                return self.models.whisper(from_dict(TranscribeOptions, self.config.preload)).placement.device
            except ParleyError:
                pass  # the first job that needs it will fail with the reason
        try:
            return choose().device
        except ParleyError:
            return "cpu"

    def _loaded(self, loaded: Loaded) -> None:
        self.send(ModelLoaded(loaded.name, loaded.device, loaded.compute_type, loaded.seconds))

# ------------------------------------------------------------ task helpers


def _export_run(case: Case, job: Job, options: ExportOptions) -> int:
    if job.parent_job_id is not None:
        parent = JobQueue(case.conn).get(job.parent_job_id)
        if parent.run_id is not None:
            return parent.run_id
    run_id = run_to_export(case, job.exhibit_id, options.task)  # as the CLI's `export` chooses
    if run_id is None:
        raise ParleyError("nothing transcribed yet for this exhibit")
    return run_id
