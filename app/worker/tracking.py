"""Progress of a running job as throttled heartbeats and events, and the test-only crash hooks."""

from __future__ import annotations

import os
import time
from typing import Protocol

from app.core.store import Case
from app.core.store.jobs import Job, JobQueue
from app.worker.protocol import Progress, SegmentsReady, WorkerConfig


class Worker(Protocol):
    """What a tracker needs of the worker that owns it."""

    case: Case
    queue: JobQueue
    config: WorkerConfig
    stop_asked: set[int]

    def send(self, event: object) -> None: ...

# TEST ONLY: "N" or "N:text" makes the worker process die (os._exit) after it has
# stored N chunks of one job (whose exhibit name contains `text`); "0:text" before it
# decodes such a job (alone or in a batch). It proves that a decoder crash neither
# loses stored work nor takes the parent (or a batch's other files) down. Never set
# it outside the test suite.
TEST_CRASH_ENV = "PARLEY_TEST_CRASH_AFTER_CHUNKS"
TEST_CRASH_EXIT = 86
DECODED = 0.95  # a batched file's progress once its speech is decoded (storing it is the rest)


class Tracker:
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
            if not self.worker.queue.heartbeat(self.job.id, fraction, eta):
                self.worker.stop_asked.add(self.job.id)  # cancelled or paused by anyone
            self.worker.send(Progress(self.job.id, fraction, eta, count))
            run_id = self.worker.queue.get(self.job.id).run_id
            if count != self.last_count and run_id is not None:
                self.last_count = count
                self.worker.send(SegmentsReady(self.job.id, run_id, count))
        if self.crash_after and self.chunks >= self.crash_after:
            os._exit(TEST_CRASH_EXIT)  # TEST ONLY, see TEST_CRASH_ENV

    def stage(self, text: str) -> None:
        """Decoding is over and `text` runs (no ETA for it): said at once, so a bar near its end
        does not sit on a stale ETA while speakers are found."""
        self.last_sent = time.monotonic()
        fraction = self.worker.queue.get(self.job.id).progress or 0.0
        self.worker.send(Progress(self.job.id, fraction, None, max(0, self.last_count), text))

    def progress(self, fraction: float) -> None:
        """A file of a batch: how far its own pieces are decoded (no segments stored yet)."""
        now = time.monotonic()
        if now - self.last_sent < self.worker.config.progress_interval_s:
            return
        self.last_sent = now
        eta = self._eta(fraction, now)
        if not self.worker.queue.heartbeat(self.job.id, fraction, eta):
            self.worker.stop_asked.add(self.job.id)
        self.worker.send(Progress(self.job.id, fraction, eta, 0))

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


def crash_before_decoding_if_testing(case: Case, jobs: list[Job]) -> None:
    """TEST ONLY: TEST_CRASH_ENV "0:text" dies before decoding any job whose exhibit name contains text."""
    if any(_test_crash_setting(case, job) == 0 for job in jobs):
        os._exit(TEST_CRASH_EXIT)
