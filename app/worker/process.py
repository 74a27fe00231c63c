"""The worker process: a long-lived loop that claims jobs from the case's queue.

Started by the Supervisor with the multiprocessing *spawn* context (forking a
threaded Qt process can deadlock). The Whisper model is loaded once and kept
until a job asks for another one. Each chunk's segments are committed to the
store by transcribe_exhibit as they are decoded, so a crash or a kill loses at
most the chunk in flight and the retry resumes from the stored ones.

Two threads: the main one decodes; a background one reads commands from the
parent (CancelJob, Shutdown) and refreshes the running job's heartbeat on its
own SQLite connection, so a long chunk or model load never looks like a hang.
"""

from __future__ import annotations

import gc
import inspect
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from app.core.errors import MediaError, ParleyError
from app.core.jobs import Job, JobQueue, worker_name
from app.core.store import Case, Exhibit, db
from app.core.usecases.exporting import export_run
from app.worker.protocol import (
    CancelJob,
    JobCancelled,
    JobDone,
    JobFailed,
    JobPaused,
    JobStarted,
    ModelLoaded,
    Progress,
    QueueIdle,
    SegmentsReady,
    Shutdown,
    WorkerConfig,
    WorkerCrashed,
    WorkerReady,
)

# TEST ONLY: "N" or "N:text" makes the worker process die (os._exit) after it has
# stored N chunks of one job (whose exhibit name contains `text`); "0:text" before it
# decodes such a job (alone or in a batch). It proves that a decoder crash neither
# loses stored work nor takes the parent (or a batch's other files) down. Never set
# it outside the test suite.
TEST_CRASH_ENV = "PARLEY_TEST_CRASH_AFTER_CHUNKS"
TEST_CRASH_EXIT = 86

StopCheck = Callable[[], bool]
SHORT_MS = 60_000  # files at most this long are batched across files (asr.BatchOptions.max_clip_s)
BATCH_AUDIO_S = 480.0  # about 16 packed 30 s windows per group
BATCH_MAX_JOBS = 64
ProgressFn = Callable[[float, int], None]


def worker_main(config: WorkerConfig, events: Connection, commands: Connection) -> None:
    """The child's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
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


class Worker:
    def __init__(self, config: WorkerConfig, events: Connection, commands: Connection) -> None:
        self.config = config
        self.events = events
        self.commands = commands
        self.name = worker_name()
        self.case = Case.open(Path(config.case_dir))
        self.queue = JobQueue(self.case.conn)
        self.models_dir = Path(config.models_dir) if config.models_dir else None
        self.engine: Any = None
        self.engine_key: tuple | None = None
        self.current: tuple[int, ...] = ()  # the job(s) being worked on
        self.cancelled: set[int] = set()
        self.reported_cancelled: set[int] = set()
        self.sending = threading.Lock()
        self.shutdown = threading.Event()
        self.background = threading.Thread(target=self._background, name="commands", daemon=True)

    # ------------------------------------------------------------ the loop

    def run(self) -> None:
        self.background.start()
        device = self._preload()
        self.send(WorkerReady(device, self.engine.info.name if self.engine else ""))
        idle = False
        while not self.shutdown.is_set():
            jobs = self._next_jobs()
            if not jobs:
                if not idle:
                    self.send(QueueIdle())
                    idle = True
                self.shutdown.wait(self.config.idle_poll_s)
                continue
            idle = False
            batch = [job for job in jobs if self._batchable(job)]
            if batch:
                self._work_batch(batch)
            for job in jobs:
                if job not in batch:
                    self._work(job)

    def close(self) -> None:
        self.shutdown.set()
        if self.background.is_alive():
            self.background.join(timeout=2)
        # Free the model while the interpreter is whole: left to interpreter teardown, the
        # native thread pools can abort ("terminate called without an active exception").
        self.engine = self.engine_key = None
        gc.collect()
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

    def _next_jobs(self) -> list[Job]:
        """The next job, or a group of short transcribe jobs with identical options to batch.

        Each claim is its own atomic transaction; the group stops growing at about
        BATCH_AUDIO_S of audio, so progress and cancellation stay prompt.
        """
        job = self.queue.claim(self.name)
        if job is None or not self._batchable(job):
            return [job] if job else []
        group, audio_ms = [job], self.case.exhibit(job.exhibit_id).source.duration_ms
        while len(group) < BATCH_MAX_JOBS and audio_ms < BATCH_AUDIO_S * 1000 and not self.shutdown.is_set():
            more = self.queue.claim(self.name, like=job, max_duration_ms=SHORT_MS)
            if more is None:
                break
            group.append(more)
            audio_ms += self.case.exhibit(more.exhibit_id).source.duration_ms
        return group

    def _batchable(self, job: Job) -> bool:
        """A short transcribe job on its first attempt with nothing stored yet.

        A retried job (its batch crashed the worker, say) and a partial run go alone.
        """
        if job.task != "transcribe" or job.options.get("batch") is False or job.attempts > 1:
            return False
        if self.case.exhibit(job.exhibit_id).source.duration_ms > SHORT_MS:
            return False
        return job.run_id is None or not self.case.run(job.run_id).state.get("done_ms")

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
            self._fail(job, f"unexpected error: {_one_line(exc)}", True)
        finally:
            self.current = ()

    # ------------------------------------------------------------ short jobs, batched

    def _work_batch(self, jobs: list[Job]) -> None:
        """Transcribe a group of short files together; each job still gets its own events and run."""
        from app.core.asr import transcribe_clips
        from app.core.options import TranscribeOptions, from_dict
        from app.core.transcription import run_for

        self.current = tuple(j.id for j in jobs)
        try:
            ready: list[tuple[Job, Exhibit, int]] = []
            options = from_dict(TranscribeOptions, jobs[0].options)
            for job in jobs:
                exhibit = self._start_short(job)
                if exhibit is not None:
                    ready.append((job, exhibit, -1))
            if not ready:
                return
            engine = self._engine_for(options)
            _test_crash_before_decoding(self.case, [job for job, _, _ in ready])
            ready = [(job, exhibit, run_for(self.case, engine, exhibit, options)) for job, exhibit, _ in ready]
            for job, _, run_id in ready:
                self.queue.attach_run(job.id, run_id)
            stops = {job.id: self._stop_check(job.id) for job, _, _ in ready}
            all_stopped = lambda: all(stop() for stop in stops.values())
            results = transcribe_clips(engine, [e.source for _, e, _ in ready], options,
                                       should_stop=all_stopped)
            finished: set[int] = set()
            for (job, exhibit, run_id), result in zip(ready, results):
                finished.add(job.id)
                self._finish_short(job, exhibit, run_id, result, stops[job.id]())
            for job, _, run_id in ready:
                if job.id not in finished:
                    self._finish(job, run_id, stopped=True)
        except (TypeError, ValueError) as exc:
            for job in jobs:
                self._fail(job, f"the job's options are not valid: {exc}", False)
        except ParleyError as exc:  # the model or the options: every job of the group
            for job in jobs:
                if self.queue.state_of(job.id) == "running":
                    self._fail(job, _one_line(exc), False)
        except Exception as exc:  # noqa: BLE001 - an unexpected failure: retried
            for job in jobs:
                if self.queue.state_of(job.id) == "running":
                    self._fail(job, f"unexpected error: {_one_line(exc)}", True)
        finally:
            self.current = ()

    def _start_short(self, job: Job) -> Exhibit | None:
        exhibit = self.case.exhibit(job.exhibit_id)
        self.send(JobStarted(job.id, job.exhibit_id, job.task, exhibit.source.name,
                             job.attempts, exhibit.source.duration_ms))
        try:
            return _reachable(exhibit)
        except MediaError as exc:
            self._fail(job, str(exc.reason), False)
            return None

    def _finish_short(self, job: Job, exhibit: Exhibit, run_id: int, result: Any, stopped: bool) -> None:
        from app.core.transcription import store_clip

        if stopped:  # cancelled or paused while its group was decoded: nothing of it is kept
            self._finish(job, run_id, stopped=True)
        elif result.error is not None:
            self._fail(job, result.error, False)
        else:
            stored = store_clip(self.case, exhibit, run_id, result)
            tracker = _Tracker(self, job)
            tracker.update(1.0, stored.segments)
            self._finish(job, run_id, stopped=False)

    def _run_task(self, job: Job, exhibit: Exhibit) -> tuple[int | None, bool]:
        """Do the job's work; returns (run id, stopped before the end)."""
        tracker = _Tracker(self, job)
        should_stop = self._stop_check(job.id)
        if job.task == "transcribe":
            return self._transcribe(job, exhibit, tracker, should_stop)
        if job.task == "translate":
            return _translate(self.case, job, tracker.update, should_stop, self.models_dir)
        return _export(self.case, job, exhibit), False

    def _transcribe(self, job: Job, exhibit: Exhibit, tracker: _Tracker,
                    should_stop: StopCheck) -> tuple[int | None, bool]:
        from app.core.options import TranscribeOptions, from_dict
        from app.core.transcription import run_for, transcribe_exhibit

        try:
            options = from_dict(TranscribeOptions, job.options)
        except (TypeError, ValueError) as exc:
            raise ParleyError(f"the job's options are not valid: {exc}") from None
        exhibit = _reachable(exhibit)  # before the (slow) model load
        engine = self._engine_for(options)
        run_id = run_for(self.case, engine, exhibit, options)
        self.queue.attach_run(job.id, run_id)
        tracker.begin()  # the ETA counts decoding time, not the model load
        _test_crash_before_decoding(self.case, [job])
        result = transcribe_exhibit(self.case, engine, exhibit, options, on_progress=tracker.update,
                                    should_stop=should_stop, run_id=run_id)
        return result.run_id, result.stopped

    def _finish(self, job: Job, run_id: int | None, stopped: bool) -> None:
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
            self.send(JobFailed(job.id, reason, will_retry=state == "queued"))

    def _stop_check(self, job_id: int) -> StopCheck:
        def should_stop() -> bool:
            if self.shutdown.is_set() or job_id in self.cancelled:
                return True
            return self.queue.state_of(job_id) != "running"  # cancelled/paused by anyone

        return should_stop

    # ------------------------------------------------------------ the model

    def _preload(self) -> str:
        from app.core.device import choose
        from app.core.options import TranscribeOptions, from_dict

        if self.config.preload:
            try:
                return self._engine_for(from_dict(TranscribeOptions, self.config.preload)).placement.device
            except ParleyError:
                pass  # the first job that needs it will fail with the reason
        try:
            return choose().device
        except ParleyError:
            return "cpu"

    def _engine_for(self, options: Any) -> Any:
        """The loaded engine, reloaded only when a job asks for another model or placement."""
        from app.core.asr import load_engine

        key = (options.model, options.device, options.compute_type, options.threads)
        if self.engine is None or key != self.engine_key:
            self.engine = self.engine_key = None
            gc.collect()  # free the old model's memory (and GPU memory) first
            started = time.monotonic()
            self.engine = load_engine(options, self.models_dir)
            self.engine_key = key
            placement = self.engine.placement
            self.send(ModelLoaded(self.engine.info.name, placement.device, placement.compute_type,
                                  round(time.monotonic() - started, 2)))
        return self.engine

    # ------------------------------------------------------------ background thread

    def _background(self) -> None:
        """Read parent commands at once; keep the running job's heartbeat fresh."""
        conn = db.connect(Path(self.config.case_dir))
        queue = JobQueue(conn)
        last_beat = 0.0
        try:
            while not self.shutdown.is_set():
                if self.commands.poll(0.25):  # short, so close() can join this thread quickly
                    self._command()
                jobs = self.current
                if jobs and time.monotonic() - last_beat >= self.config.heartbeat_s:
                    for job_id in jobs:
                        queue.heartbeat(job_id)
                    last_beat = time.monotonic()
        except (EOFError, OSError):
            self.shutdown.set()  # the parent has gone: stop at the next chunk
        finally:
            conn.close()

    def _command(self) -> None:
        command = self.commands.recv()
        if isinstance(command, CancelJob):
            self.cancelled.add(command.job_id)
            if len(self.current) > 1 and command.job_id in self.current:
                # one file of a batch: its result will be dropped; say so now, the batch goes on
                self.send(JobCancelled(command.job_id))
        elif isinstance(command, Shutdown):
            self.shutdown.set()


class _Tracker:
    """Turns per-chunk callbacks into throttled heartbeats and events, with an ETA."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self.worker = worker
        self.job = job
        self.started = time.monotonic()
        self.start_fraction = job.progress
        self.last_sent = 0.0
        self.last_count = -1
        self.chunks = 0
        self.crash_after = _test_crash_after(worker.case, job)

    def begin(self) -> None:
        self.started = time.monotonic()

    def update(self, fraction: float, count: int) -> None:
        self.chunks += 1
        now = time.monotonic()
        if fraction >= 1.0 or now - self.last_sent >= self.worker.config.progress_interval_s:
            self.last_sent = now
            eta = self._eta(fraction, now)
            self.worker.queue.heartbeat(self.job.id, fraction, eta)
            self.worker.send(Progress(self.job.id, fraction, eta, count))
            run_id = self.worker.queue.get(self.job.id).run_id
            if count != self.last_count and run_id is not None:
                self.last_count = count
                self.worker.send(SegmentsReady(self.job.id, run_id, count))
        if self.crash_after and self.chunks >= self.crash_after:
            os._exit(TEST_CRASH_EXIT)  # TEST ONLY, see TEST_CRASH_ENV

    def _eta(self, fraction: float, now: float) -> float | None:
        gained = fraction - self.start_fraction
        if fraction >= 1.0:
            return 0.0
        if gained <= 0.001:
            return None
        return round((now - self.started) * (1.0 - fraction) / gained, 1)


def _test_crash_setting(case: Case, job: Job) -> int | None:
    """TEST ONLY: the chunk count TEST_CRASH_ENV sets for this job (0: before decoding);
    None when it is unset, names another exhibit, or is a bare "0"."""
    count, _, name = os.environ.get(TEST_CRASH_ENV, "").partition(":")
    if not count.isdigit() or (name and name not in case.exhibit(job.exhibit_id).source.name):
        return None
    return int(count) if name or count != "0" else None


def _test_crash_after(case: Case, job: Job) -> int:
    """TEST ONLY: the chunk count after which to crash (0 = never)."""
    return _test_crash_setting(case, job) or 0


def _test_crash_before_decoding(case: Case, jobs: list[Job]) -> None:
    """TEST ONLY: TEST_CRASH_ENV "0:text" dies before decoding any job whose exhibit name contains text."""
    if any(_test_crash_setting(case, job) == 0 for job in jobs):
        os._exit(TEST_CRASH_EXIT)


# ------------------------------------------------------------ task helpers


def _reachable(exhibit: Exhibit) -> Exhibit:
    """The exhibit with a path that still exists (duplicates are linked at other paths)."""
    for path in (exhibit.source.path, *exhibit.paths):
        if Path(path).is_file():
            return exhibit if path == exhibit.source.path else replace(
                exhibit, source=replace(exhibit.source, path=path))
    raise MediaError(exhibit.source.path, "no such file (moved or deleted since it was added)")


def _translate(case: Case, job: Job, on_progress: ProgressFn, should_stop: StopCheck,
               models_dir: Path | None) -> tuple[int | None, bool]:
    """Hand a translate job to app.core.translation.translate_job, when that module exists."""
    try:
        from app.core import translation  # type: ignore[attr-defined]
    except ImportError as exc:
        if exc.name not in ("app.core.translation", None):
            raise
        raise ParleyError("translation is not available in this installation") from None
    translate_job = getattr(translation, "translate_job", None)
    if translate_job is None:
        raise ParleyError("translation is not available in this installation")
    offered = {"on_progress": on_progress, "should_stop": should_stop, "models_dir": models_dir}
    accepted = inspect.signature(translate_job).parameters
    result = translate_job(case, job, **{k: v for k, v in offered.items() if k in accepted})
    if isinstance(result, int) or result is None:
        return result, False
    return getattr(result, "run_id", None), bool(getattr(result, "stopped", False))


def _export(case: Case, job: Job, exhibit: Exhibit) -> int:
    """Write a finished run's current transcript: options {out, formats, basename?, task?}."""
    run_id = _export_run(case, job)
    out, formats = job.options.get("out"), job.options.get("formats") or ["json"]
    if not out:
        raise ParleyError("export job has no output folder")
    export_run(case, run_id, Path(out), formats, job.options.get("basename"), job_id=job.id)
    return run_id


def _export_run(case: Case, job: Job) -> int:
    if job.parent_job_id is not None:
        parent = JobQueue(case.conn).get(job.parent_job_id)
        if parent.run_id is not None:
            return parent.run_id
    run_id = case.latest_run(job.exhibit_id, job.options.get("task"))
    if run_id is None:
        raise ParleyError("nothing transcribed yet for this exhibit")
    return run_id
