"""The worker's second thread: it reads the parent's commands at once (CancelJob, PauseJob, OnlyJobs,
Shutdown) and keeps the running jobs' heartbeats fresh on its own SQLite connection, so a long chunk
or a model load never looks like a hang. It only sets flags the decoding thread reads, save when the parent has gone:
then it hands the running jobs back and ends the worker (`_parent_gone`)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path

from app.core.errors import StoreError
from app.core.store import Case, db
from app.core.store.jobs import JobQueue
from app.worker.protocol import CancelJob, JobCancelled, OnlyJobs, PauseJob, Shutdown, WorkerConfig

PARENT_GONE_GRACE_S = 2.0  # the decoding thread's time to stop at a chunk's end before the worker is ended mid-chunk
PARENT_GONE_EXIT = 1


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
    closed: threading.Event  # set once the decoding thread has left its loop (Worker.close)

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
            conn.close()
            self._parent_gone()
            return
        conn.close()

    def _parent_gone(self) -> None:
        """The parent was killed (a `queue run` or window ended with SIGKILL): nothing will read what the worker
        makes. It stops at its chunk's end if that comes within PARENT_GONE_GRACE_S; else its running jobs are
        handed back (queued at once, the attempt not spent) and the process ends mid-chunk, as a kill would: the
        chunk in flight was never committed, the chunks before it were, and the retry resumes from them. It used
        to decode on to the chunk's end, about 60 s on a long file, before the job could be claimed again."""
        self.shutdown.set()
        if self.closed.wait(PARENT_GONE_GRACE_S):
            return
        if (Path(self.config.case_dir) / db.STORE_NAME).is_file():  # moved or removed: opening would make one
            self._release_running()
        os._exit(PARENT_GONE_EXIT)

    def _release_running(self) -> None:
        with suppress(Exception):  # ended either way: a job left running is recovered at once (its pid is gone)
            case = Case.open(Path(self.config.case_dir))
            try:
                queue = JobQueue(case.conn, owner=self.name)
                for job_id in self.current:
                    queue.release(job_id, "its parent process was ended")
            finally:
                case.close()

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
