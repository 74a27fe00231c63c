"""The work queue: an explicit state machine kept in the case's SQLite store.

    queued --claim--> running --complete--> done
      ^                 |  \\--fail(retry, attempts left)--> queued
      |                 |   \\-fail(no retry / attempts used)--> failed --retry--> queued
      |                 +--pause--> paused --resume--> queued
      +--recover_stale--+  (a running job whose worker went silent or died)
    queued | running | paused --cancel--> cancelled --retry--> queued

A job is claimed inside one `BEGIN IMMEDIATE` transaction, so two workers (or
two processes) can never take the same job. Nothing is ever deleted and nothing
is cancelled at start-up: a job left `running` by a crash goes back to `queued`
and resumes from the segments its run already stored. Every state change
appends to the audit log in the same transaction that makes it.

No Qt here: the worker process, the CLI and the GUI all drive this class.
"""

from __future__ import annotations

import builtins
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from app.core.errors import StoreError
from app.core.processes import oom_killed_since, oom_kills
from app.core.store import db
from app.core.store.audit import AuditLog
from app.core.store.job_records import (
    OPTIONS_OF,
    STATES,
    TASKS,
    Job,
    JobKind,
    JobOptions,
    JobOptionsError,
    job_from_row,
    options_key,
    worker_is_gone,
    worker_name,
)

__all__ = [  # the job's record lives in job_records; these names are still read from here
    "DEDUPE", "DEFAULT_MAX_ATTEMPTS", "OPTIONS_OF", "PENDING", "QUEUE_PAUSED", "STALE_AFTER_S", "STATES",
    "TASKS", "Job", "JobKind", "JobOptions", "JobOptionsError", "JobQueue", "options_key", "worker_is_gone",
    "worker_name",
]

PENDING = ("queued", "running", "paused")  # not finished: what cancel(None) stops
DEDUPE = ("queued", "running", "paused", "done")  # an equal job in these states is reused
DEFAULT_MAX_ATTEMPTS = 3
STOPPED_UNFINISHED = "its worker stopped without finishing it"  # a job recovered: its worker vanished (a power-off)
STALE_AFTER_S = 60.0  # a worker refreshes its heartbeat every few seconds while it lives
QUEUE_PAUSED = "queue_paused"
# a job back in the queue with nothing of its run stored is at 0% (a short file decoded to 95% in memory, then given
# back or its worker killed, read "queued 95%" and was decoded again from the start); stored chunks keep theirs
STORED_PROGRESS = "progress=CASE WHEN EXISTS (SELECT 1 FROM segments s WHERE s.run_id=jobs.run_id) THEN progress ELSE 0 END"


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


class JobQueue:
    """The queue of one case. Give it the case's connection (`case.conn`).

    A worker gives its name as `owner`: its heartbeats and its job's ending (complete, fail,
    release) then touch a job only while the job is still its own. A worker frozen past the
    staleness limit, whose job was recovered and claimed by another, can neither keep it
    alive nor end it (nor write on after its next heartbeat says it is no longer running).
    """

    def __init__(self, conn: sqlite3.Connection, owner: str | None = None) -> None:
        self.conn = conn
        self.audit = AuditLog(conn)
        self.owner = owner

    # ------------------------------------------------------------ adding

    def add(self, exhibit_id: int, task: str, options: dict[str, Any], priority: int = 0,
            parent_job_id: int | None = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
        """Queue a job, or return the id of an equal one already queued, running or done."""
        return self.add_or_get(exhibit_id, task, options, priority, parent_job_id, max_attempts)[0]

    def add_or_get(self, exhibit_id: int, task: str, options: dict[str, Any], priority: int = 0,
                   parent_job_id: int | None = None,
                   max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> tuple[int, bool]:
        """Like add(); also says whether a new job was created."""
        if task not in TASKS:
            raise StoreError(f"unknown task '{task}'; choose from {', '.join(TASKS)}")
        if task == JobKind.TRANSCRIBE:
            self._check_recording(exhibit_id)
        key = options_key(options)
        with db.joined(self.conn):  # a command's whole intake is one transaction (enqueueing.enqueue)
            found = self._equal(exhibit_id, task, key, parent_job_id)
            if found is not None:
                self._raise_priority(found, priority)
                return found, False
            now, attempts = db.utc_now(), max(1, max_attempts)
            cur = self.conn.execute(
                "INSERT INTO jobs (exhibit_id, task, options_json, priority, max_attempts,"
                " parent_job_id, created_at) VALUES (?,?,?,?,?,?,?)",
                (exhibit_id, task, key, priority, attempts, parent_job_id, now),
            )
            job_id = int(cur.lastrowid)
            self.audit.record("job.queued", f"job/{job_id}",
                              {"exhibit": exhibit_id, "task": task, "options": options, "priority": priority,
                               "parent_job": parent_job_id, "max_attempts": attempts, "created_at": now})
        return job_id, True

    def _raise_priority(self, job_id: int, priority: int) -> None:
        """A queued job asked for again (a command killed after queueing it, run again) takes the
        priority asked for when that is higher: it used to keep its old, lower one and run after the
        jobs queued beside it this time, so a batch of short files was packed in another order and
        its texts differed from an uninterrupted run's. Never lowered; running or done jobs untouched."""
        cur = self.conn.execute("UPDATE jobs SET priority=? WHERE id=? AND state='queued' AND priority<?",
                                (priority, job_id, priority))
        if cur.rowcount:
            self.audit.record("job.priority", f"job/{job_id}", {"priority": priority, "reason": "queued again"})

    def _check_recording(self, exhibit_id: int) -> None:
        """Only media are transcribed: a chat export or a text is refused (StoreError)."""
        row = self.conn.execute("SELECT name, kind FROM exhibits WHERE id=?", (exhibit_id,)).fetchone()
        if row is not None and row[1] != "media":
            raise StoreError(f"{row[0]}: a {row[1]} exhibit, not a recording: nothing to transcribe")

    def find(self, exhibit_id: int, task: str, options: dict[str, Any],
             parent_job_id: int | None = None) -> Job | None:
        """The job add_or_get would reuse (equal, not failed or cancelled), if there is one."""
        found = self._equal(exhibit_id, task, options_key(options), parent_job_id)
        return None if found is None else self.get(found)

    def _equal(self, exhibit_id: int, task: str, key: str, parent_job_id: int | None) -> int | None:
        row = self.conn.execute(
            f"SELECT id FROM jobs WHERE exhibit_id=? AND task=? AND options_json=?"
            f" AND parent_job_id IS ? AND state IN ({_marks(DEDUPE)}) ORDER BY id LIMIT 1",
            (exhibit_id, task, key, parent_job_id, *DEDUPE),
        ).fetchone()
        return None if row is None else int(row[0])

    # ------------------------------------------------------------ the worker's side

    def claim(self, worker: str, like: Job | None = None, max_duration_ms: int | None = None,
              job_id: int | None = None, among: Iterable[int] | None = None) -> Job | None:
        """Take the best queued job (highest priority, then oldest) whose parent is done.

        `like`: only a job of the same task and options attempted as often as `like` was before
        this claim, never attempted or (a retry) never given a run (to batch short files; a
        retried job whose file was decoded runs alone, so a file that crashes the decoder
        cannot take its batch-mates down with it again); `max_duration_ms`: only
        one whose exhibit is at most this long; `job_id` (with `like`): that job, however often
        attempted (a batch killed part-way, formed again); `among`: only one of these jobs.
        """
        sql, args = _claimable("j.id", like, max_duration_ms, job_id, among)
        with db.joined(self.conn):  # inside a worker's claim of a group: part of it
            if self._paused():
                return None
            row = self.conn.execute(sql + " ORDER BY j.priority DESC, j.created_at, j.id LIMIT 1", args).fetchone()
            if row is None:
                return None
            job_id, now = int(row[0]), db.utc_now()
            self.conn.execute(
                "UPDATE jobs SET state='running', attempts=attempts+1, worker=?, started_at=?,"
                " finished_at=NULL, heartbeat_at=?, heartbeat_s=?, eta_s=NULL WHERE id=?",
                (worker, now, now, time.time(), job_id),
            )
            job = self.get(job_id)
            self.audit.record("job.started", f"job/{job_id}", {"worker": worker, "attempt": job.attempts,
                                                               "started_at": now, "oom_kills": oom_kills()})
        return job

    def claimable_audio_ms(self, like: Job, max_duration_ms: int, among: Iterable[int] | None = None) -> int:
        """The summed duration of the queued jobs claim(like=like, ...) could take one by one."""
        sql, args = _claimable("COALESCE(SUM(e.duration_ms), 0)", like, max_duration_ms, None, among)
        return 0 if self._paused() else int(self.conn.execute(sql, args).fetchone()[0])

    def heartbeat(self, job_id: int, progress: float | None = None, eta_s: float | None = None) -> bool:
        """Record that the job is alive (and how far it got). False once it is no longer running."""
        sets, args = "heartbeat_at=?, heartbeat_s=?", [db.utc_now(), time.time()]
        if progress is not None:
            sets += ", progress=?, eta_s=?"
            args += [min(1.0, max(0.0, progress)), eta_s]
        mine, owner = self._owned()
        cur = self.conn.execute(f"UPDATE jobs SET {sets} WHERE id=? AND state='running'{mine}",
                                (*args, job_id, *owner))
        return cur.rowcount == 1

    def heartbeats(self, job_ids: Iterable[int]) -> builtins.list[int]:
        """heartbeat() of many jobs in one write transaction, the ids no longer running returned (cancelled
        or paused by anyone): a batch of 56 short files was refreshed with 56 commits, each synced to disk,
        every 5 s of its decoding."""
        ids = sorted(set(job_ids))
        if not ids:
            return []
        mine, owner = self._owned()
        where = f"id IN ({_marks(ids)}) AND state='running'{mine}"
        with db.transaction(self.conn):
            self.conn.execute(f"UPDATE jobs SET heartbeat_at=?, heartbeat_s=? WHERE {where}",
                              (db.utc_now(), time.time(), *ids, *owner))
            running = {r[0] for r in self.conn.execute(f"SELECT id FROM jobs WHERE {where}", (*ids, *owner))}
        return [job_id for job_id in ids if job_id not in running]

    def attach_run(self, job_id: int, run_id: int) -> None:
        """Link the run the job writes into (run.started is already in the audit log)."""
        self.conn.execute("UPDATE jobs SET run_id=? WHERE id=?", (run_id, job_id))

    def complete(self, job_id: int, run_id: int | None) -> bool:
        now = db.utc_now()
        with db.transaction(self.conn):
            done = self._move([job_id], ("running", "paused"), "done", "job.done", {"run": run_id, "finished_at": now},
                              "run_id=COALESCE(?, run_id), progress=1, eta_s=0, error=NULL,"
                              " finished_at=?", (run_id, now), owned=True)
        return bool(done)

    def fail(self, job_id: int, reason: str, retry: bool) -> str | None:
        """Back to queued while retry is asked for and attempts remain, else failed.

        Returns the job's new state, or None when it was not running (e.g. cancelled).
        """
        with db.transaction(self.conn):
            mine, owner = self._owned()
            row = self.conn.execute(
                f"SELECT attempts, max_attempts FROM jobs WHERE id=? AND state IN ('running','paused'){mine}",
                (job_id, *owner),
            ).fetchone()
            if row is None:
                return None
            if retry and row["attempts"] < row["max_attempts"]:
                self._move([job_id], ("running", "paused"), "queued", "job.retry_scheduled",
                           {"reason": reason, "attempt": row["attempts"]}, "error=?, eta_s=NULL",
                           (reason,))
                return "queued"
            now = db.utc_now()
            self._move([job_id], ("running", "paused"), "failed", "job.failed",
                       {"reason": reason, "attempt": row["attempts"], "finished_at": now},
                       "error=?, eta_s=NULL, finished_at=?", (reason, now))
            self._cascade(job_id, "failed")
        return "failed"

    def release(self, job_id: int, reason: str = "worker stopped") -> bool:
        """Give a running job back to the queue without spending an attempt (orderly stop)."""
        with db.transaction(self.conn):
            moved = self._move([job_id], ("running",), "queued", "job.released", {"reason": reason},
                               f"attempts=MAX(0, attempts-1), eta_s=NULL, {STORED_PROGRESS}", owned=True)
        return bool(moved)

    def recover_stale(self, stale_after_s: float = STALE_AFTER_S) -> builtins.list[int]:
        """Running jobs whose worker is silent or gone go back to queued, why said in their error (a retry reads
        it: `app.worker.retries`). Never cancels anything."""
        moved = []
        with db.transaction(self.conn):
            for job_id in sorted(self.unattended(stale_after_s)):
                reason = STOPPED_UNFINISHED + self.oom_killed(job_id)
                said = {"reason": reason, "error": reason}  # "error": the row's, as verify_queue reads it
                moved += self._move([job_id], ("running",), "queued", "job.recovered", said,
                                    f"eta_s=NULL, error=?, {STORED_PROGRESS}", (reason,))
        return moved

    def oom_killed(self, job_id: int) -> str:
        """Whether the out-of-memory killer killed the worker of the job's last attempt, in a bracket to add to
        the reason it stopped (`processes.oom_killed_since`): its count of kills when that attempt began."""
        started = self.audit.last_holding(f"job/{job_id}", "job.started", "oom_kills")
        return oom_killed_since(started.details["oom_kills"] if started else None)

    def unattended(self, stale_after_s: float = STALE_AFTER_S) -> set[int]:
        """Running jobs no worker works on any more (it was killed, or its command stopped while the
        store could not be written): what `recover_stale` gives back to the queue on the next run.
        Read only: `queue status` says so instead of showing them at work."""
        rows = self.conn.execute("SELECT id, worker, heartbeat_s FROM jobs WHERE state='running'").fetchall()
        cutoff = time.time() - stale_after_s
        return {r["id"] for r in rows if (r["heartbeat_s"] or 0) < cutoff or worker_is_gone(r["worker"], r["heartbeat_s"])}

    def done_since(self) -> dict[int, int]:
        """Failed or cancelled jobs whose work an equal job asked for later has done (a command whose
        worker was killed until its attempts ran out, run again): failed job -> the job that did it."""
        rows = self.conn.execute(
            "SELECT f.id, MIN(d.id) FROM jobs f JOIN jobs d ON d.exhibit_id=f.exhibit_id AND d.task=f.task"
            " AND d.options_json=f.options_json AND d.parent_job_id IS f.parent_job_id AND d.id>f.id"
            " WHERE f.state IN ('failed','cancelled') AND d.state='done' GROUP BY f.id").fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    # ------------------------------------------------------------ the user's side

    def cancel(self, job_id: int | None = None) -> builtins.list[int]:
        """Cancel one job, or (None) every queued, running and paused job. Returns the ids."""
        with db.transaction(self.conn):
            ids, now = self._ids(job_id, PENDING), db.utc_now()
            moved = self._move(ids, PENDING, "cancelled", "job.cancelled", {"finished_at": now},
                               "eta_s=NULL, finished_at=?", (now,))
            for jid in moved:
                self._cascade(jid, "cancelled")
        return moved

    def pause(self, job_id: int | None = None) -> builtins.list[int]:
        """Pause one job, or (None) the whole queue: nothing is claimed until resume().

        A running job stops at its next chunk boundary; its stored segments are kept.
        """
        with db.transaction(self.conn):
            if job_id is None and not self._paused():
                self._set(QUEUE_PAUSED, "1")
                self.audit.record("queue.paused", "queue", {})
            ids = self._ids(job_id, ("running",))
            paused = self._move(ids, ("queued",), "paused", "job.paused", None)
            # an attempt interrupted by the user does not count against max_attempts
            return paused + self._move(ids, ("running",), "paused", "job.paused", None,
                                       "attempts=MAX(0, attempts-1), eta_s=NULL")

    def resume(self, job_id: int | None = None) -> builtins.list[int]:
        """Resume one paused job, or (None) the queue and every paused job."""
        with db.transaction(self.conn):
            if job_id is None and self._paused():
                self._set(QUEUE_PAUSED, "0")
                self.audit.record("queue.resumed", "queue", {})
            return self._move(self._ids(job_id, ("paused",)), ("paused",), "queued", "job.resumed")

    def retry(self, job_id: int) -> bool:
        """A failed or cancelled job back to queued with a fresh set of attempts."""
        with db.transaction(self.conn):
            moved = self._move([job_id], ("failed", "cancelled"), "queued", "job.retried", None,
                               "attempts=0, error=NULL, finished_at=NULL")
        return bool(moved)

    def set_priority(self, job_id: int, priority: int) -> None:
        with db.transaction(self.conn):
            self.get(job_id)
            self.conn.execute("UPDATE jobs SET priority=? WHERE id=?", (priority, job_id))
            self.audit.record("job.priority", f"job/{job_id}", {"priority": priority})

    # ------------------------------------------------------------ reading

    def get(self, job_id: int) -> Job:
        row = self.conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise StoreError(f"no job {job_id} in this case")
        return job_from_row(row)

    def list(self, states: Iterable[str] | None = None) -> builtins.list[Job]:
        if states is None:
            rows = self.conn.execute("SELECT * FROM jobs ORDER BY id").fetchall()
        else:
            wanted = tuple(states)
            rows = self.conn.execute(
                f"SELECT * FROM jobs WHERE state IN ({_marks(wanted)}) ORDER BY id", wanted).fetchall()
        return [job_from_row(r) for r in rows]

    def never_asked(self, exhibit_ids: Iterable[int], task: str) -> builtins.list[int]:
        """Of these exhibits, in the order given, those no `task` job was ever queued for (in any state)."""
        asked = {int(r[0]) for r in self.conn.execute("SELECT DISTINCT exhibit_id FROM jobs WHERE task=?", (task,))}
        return [i for i in exhibit_ids if i not in asked]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATES, 0)
        for state, count in self.conn.execute("SELECT state, count(*) FROM jobs GROUP BY state"):
            found[state] = count
        return found

    def is_paused(self) -> bool:
        return self._paused()

    def claimable(self) -> int:
        """How many queued jobs a worker could take now (0 while the queue is paused)."""
        if self._paused():
            return 0
        return self.conn.execute(
            "SELECT count(*) FROM jobs j LEFT JOIN jobs p ON p.id = j.parent_job_id"
            " WHERE j.state='queued' AND (j.parent_job_id IS NULL OR p.state='done')"
        ).fetchone()[0]

    def top_priority(self) -> int:
        """The highest priority among queued jobs (0 when none): +1 puts a job first."""
        row = self.conn.execute("SELECT MAX(priority) FROM jobs WHERE state='queued'").fetchone()
        return int(row[0] or 0)

    def finished_by(self, workers: Iterable[str]) -> builtins.list[int]:
        """Ids of done, failed or cancelled jobs last claimed by any of `workers`."""
        names = tuple(workers)
        if not names:
            return []
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM jobs WHERE worker IN ({_marks(names)})"
            " AND state IN ('done','failed','cancelled')", names)]

    def state_of(self, job_id: int) -> str | None:
        row = self.conn.execute("SELECT state FROM jobs WHERE id=?", (job_id,)).fetchone()
        return row[0] if row else None

    def states_of(self, job_ids: Iterable[int]) -> dict[int, str | None]:
        """job id -> state (None: no such job), in one query per 500 ids: a command waiting on a
        whole phone's jobs asked each one's state, one query a job, ten times a second."""
        ids = sorted(set(job_ids))
        found: dict[int, str | None] = dict.fromkeys(ids)
        for i in range(0, len(ids), 500):
            part = tuple(ids[i : i + 500])
            found.update(self.conn.execute(f"SELECT id, state FROM jobs WHERE id IN ({_marks(part)})", part))
        return found

    # ------------------------------------------------------------ internals

    def _ids(self, job_id: int | None, states: tuple[str, ...]) -> builtins.list[int]:
        if job_id is not None:
            self.get(job_id)  # a clear error for an unknown id
            return [job_id]
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM jobs WHERE state IN ({_marks(states)}) ORDER BY id", states)]

    def _owned(self) -> tuple[str, tuple[str, ...]]:
        """The SQL condition (and its argument) limiting a statement to this queue's owner's jobs."""
        return (" AND worker=?", (self.owner,)) if self.owner else ("", ())

    def _move(self, ids: Iterable[int], from_states: tuple[str, ...], to: str, action: str,
              details: dict[str, Any] | None = None, sets: str = "",
              set_args: tuple[Any, ...] = (), owned: bool = False) -> builtins.list[int]:
        """Move each job in `ids` that is in `from_states` to `to`, auditing each move; `owned`:
        only while the job is this queue's owner's.

        Call inside a transaction. Returns the ids actually moved.
        """
        moved = []
        extra = f", {sets}" if sets else ""
        mine, owner = self._owned() if owned else ("", ())
        for job_id in ids:
            cur = self.conn.execute(
                f"UPDATE jobs SET state=?{extra} WHERE id=? AND state IN ({_marks(from_states)}){mine}",
                (to, *set_args, job_id, *from_states, *owner),
            )
            if cur.rowcount:
                self.audit.record(action, f"job/{job_id}", details or {})
                moved.append(job_id)
        return moved

    def _cascade(self, job_id: int, why: str) -> None:
        """Jobs waiting on a job that will never be done cannot run either: fail them."""
        waiting = [r[0] for r in self.conn.execute(
            "SELECT id FROM jobs WHERE parent_job_id=? AND state IN ('queued','paused')", (job_id,))]
        reason, now = f"job {job_id}, which it depends on, was {why}", db.utc_now()
        for child in self._move(waiting, ("queued", "paused"), "failed", "job.failed",
                                {"reason": reason, "finished_at": now}, "error=?, finished_at=?",
                                (reason, now)):
            self._cascade(child, "failed")

    def _paused(self) -> bool:
        row = self.conn.execute("SELECT value FROM settings WHERE key=?", (QUEUE_PAUSED,)).fetchone()
        return row is not None and row[0] == "1"

    def _set(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)"
                          " ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))


def _claimable(what: str, like: Job | None, max_duration_ms: int | None, job_id: int | None,
               among: Iterable[int] | None) -> tuple[str, list[Any]]:
    """SELECT `what` over the queued jobs JobQueue.claim may take with these arguments (see there)."""
    sql = (f"SELECT {what} FROM jobs j LEFT JOIN jobs p ON p.id = j.parent_job_id"
           " JOIN exhibits e ON e.id = j.exhibit_id"
           " WHERE j.state='queued' AND (j.parent_job_id IS NULL OR p.state='done')")
    args: list[Any] = []
    if like is not None:
        sql += " AND j.task=? AND j.options_json=?" + (" AND j.id=?" if job_id is not None else
                                                       " AND j.attempts=? AND j.run_id IS NULL")
        args += [like.task, options_key(like.options), *([job_id] if job_id is not None else [like.attempts - 1])]
    if max_duration_ms is not None:
        sql, args = sql + " AND e.duration_ms <= ?", [*args, max_duration_ms]
    ids = [int(j) for j in among] if among is not None else None
    if ids is not None:
        sql, args = sql + f" AND j.id IN ({_marks(ids)})", [*args, *ids]
    return sql, args
