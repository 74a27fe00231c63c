"""The worker's second thread: it reads the parent's commands at once (CancelJob, PauseJob, OnlyJobs,
Shutdown) and keeps the running jobs' heartbeats fresh on its own SQLite connection, so a long chunk
or a model load never looks like a hang. It only sets flags the decoding thread reads."""

from __future__ import annotations

import sqlite3
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from app.core.errors import StoreError
from app.core.store import db
from app.core.store.jobs import JobQueue
from app.worker.protocol import CancelJob, JobCancelled, OnlyJobs, PauseJob, Shutdown, WorkerConfig


class CommandThread:
    """What the Worker's background thread runs (a mixin: the state is the Worker's)."""

    config: WorkerConfig
    commands: Connection
    name: str
    current: tuple[int, ...]
    only: tuple[int, ...] | None
    told: threading.Event
    stop_asked: set[int]
    shutdown: threading.Event

    def send(self, event: object) -> None:
        raise NotImplementedError

    def _background(self) -> None:
        """Read parent commands at once; keep the running job's heartbeat fresh."""
        conn = db.connect(Path(self.config.case_dir))
        queue = JobQueue(conn, owner=self.name)
        last_beat = 0.0
        try:
            while not self.shutdown.is_set():
                if self.commands.poll(0.25):  # short, so close() can join this thread quickly
                    self._command()
                jobs = self.current
                if jobs and time.monotonic() - last_beat >= self.config.heartbeat_s:
                    self._beat(queue, jobs)
                    last_beat = time.monotonic()
        except (EOFError, OSError):
            self.shutdown.set()  # the parent has gone: stop at the next chunk
        finally:
            conn.close()

    def _beat(self, queue: JobQueue, jobs: tuple[int, ...]) -> None:
        """Refresh the running jobs' heartbeats. A store that cannot be written just now (busy past
        its timeout, a full disk) skips this beat: the thread lives on to read the parent's commands
        (it used to die with a traceback, and Shutdown and CancelJob went unread)."""
        try:
            stopped = queue.heartbeats(jobs)  # a batch's jobs in one commit, not one commit each
        except (sqlite3.Error, StoreError):
            return
        self.stop_asked.update(stopped)  # cancelled or paused from another shell

    def _command(self) -> None:
        command = self.commands.recv()
        if isinstance(command, CancelJob):
            self.stop_asked.add(command.job_id)
            if len(self.current) > 1 and command.job_id in self.current:
                # one file of a batch: its result will be dropped; say so now, the batch goes on
                self.send(JobCancelled(command.job_id))
        elif isinstance(command, PauseJob):
            self.stop_asked.update(self.current if command.job_id is None else (command.job_id,))
        elif isinstance(command, Shutdown):
            self.shutdown.set()
        elif isinstance(command, OnlyJobs):
            self.only = command.job_ids
            self.told.set()
