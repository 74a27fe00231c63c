"""The parent's handle on the worker process (no Qt: the GUI polls it on a timer).

    sup = Supervisor(case_dir)
    sup.start()
    ...every ~100 ms: for event in sup.poll(): ...
    sup.cancel(job_id)          # effective within ~1.5 s, by killing the decode if need be
    sup.stop()

If the child dies (segfault, os._exit, kill -9, out of memory) the Supervisor
emits WorkerCrashed, fails the job it was running *with retry* (the attempt
counts, so a file that crashes the decoder every time ends as failed), and
starts a fresh worker; the retry resumes from the segments already stored.

worker_options (all optional):
    preload        TranscribeOptions as a dict: load that model before the first job
    idle_poll_s    how often an idle worker looks for work (default 0.5)
    heartbeat_s    how often the running job's heartbeat is refreshed (default 5)
    kill_after_s   how long a cancelled decode may take to stop before it is killed (1.5)
    stale_after_s  heartbeat age after which a running job is recovered (60)
    max_restarts   crashes allowed within a minute before giving up (5)
    await_jobs     claim nothing until run_until_idle says which jobs (a command queueing its own
                   while the model loads: another command's job is never started by it)
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from app.core.errors import StoreError
from app.core.store import Case
from app.core.store.db import STORE_NAME
from app.core.store.jobs import STALE_AFTER_S, JobQueue, worker_name
from app.worker.child import child_environment, describe_exit, sigint_held
from app.worker.entry import start_worker
from app.worker.protocol import (
    CancelJob,
    Command,
    Event,
    JobCancelled,
    JobDone,
    JobFailed,
    JobPaused,
    JobStarted,
    OnlyJobs,
    PauseJob,
    QueueIdle,
    Shutdown,
    WorkerConfig,
    WorkerCrashed,
)

KILL_AFTER_S = 1.5
RESTART_WINDOW_S = 60.0
MAX_RESTARTS = 5
RECOVER_EVERY_S = 30.0
SETTLE_S = 1.0  # how long a job finished in the store may wait for its event to arrive
FINISHED = ("done", "failed", "cancelled")


class Supervisor:
    def __init__(self, case_dir: Path, models_dir: Path | None = None,
                 worker_options: dict[str, Any] | None = None) -> None:
        self.case_dir = Path(case_dir).expanduser().resolve()
        self.models_dir = Path(models_dir).resolve() if models_dir else None
        self.options = dict(worker_options or {})
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._events: Connection | None = None
        self._commands: Connection | None = None
        self._case: Case | None = None
        self._queue: JobQueue | None = None
        self._pending: list[Event] = []
        self._kill_at: dict[int, float] = {}  # cancelled running job -> kill deadline
        self._crashes: deque[float] = deque()
        self._child_reason: str | None = None
        self._running_job: int | None = None
        self._idle = False
        self._gave_up = False
        self._last_recover = 0.0
        self._names: set[str] = set()  # worker names of every child started
        self._ended: set[int] = set()  # jobs whose final event has been delivered
        self._unreported: dict[int, float] = {}  # finished in the store, event not seen yet
        self._only: tuple[int, ...] | None = None  # the jobs its worker may claim (None: any)
        self._lost: str | None = None  # why the case it worked on is no longer at its path (moved or removed)
        self._letting_go = False  # its worker told to stop, its command's jobs all ended (run_until_idle)

    # ------------------------------------------------------------ lifecycle

    @property
    def queue(self) -> JobQueue:
        """The case's queue, on the Supervisor's own connection (opened by start())."""
        if self._queue is None:
            if self._lost is not None:  # opening the path would make a new, empty case there
                raise StoreError(self._lost)
            self._case = Case.open(self.case_dir)
            self._queue = JobQueue(self._case.conn)
        return self._queue

    def start(self) -> None:
        if self.is_alive() or self._case_lost():
            return
        self.queue.recover_stale(self._stale_after())
        self._last_recover = time.monotonic()
        self._gave_up = False
        self._spawn()

    def stop(self, timeout: float = 5) -> None:
        """Ask the worker to stop at its next chunk; kill it if it has not within `timeout`."""
        proc = self._proc
        if proc is not None:
            self._send(Shutdown())
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(2)
            self._drain()
            if not self._case_lost(stopping=True):  # its jobs in a store moved away stay as a kill leaves them
                self._release_jobs_of(proc.pid)
        self._close_pipes()
        self._proc = None
        if self._case is not None:
            self._case.close()
            self._case = self._queue = None

    def is_alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        """The worker process's id (None when not running)."""
        return self._proc.pid if self.is_alive() else None

    @property
    def gave_up(self) -> bool:
        """True after too many crashes in a row: the worker is not restarted any more."""
        return self._gave_up

    # ------------------------------------------------------------ events

    def poll(self) -> list[Event]:
        """Everything that happened since the last call. Never blocks; call it often."""
        if self._proc is None or self._case_lost():
            events, self._pending = self._pending, []
            return events
        self._drain()
        self._enforce_kill_deadlines()
        self._check_alive()
        self._recover_periodically()
        events, self._pending = self._pending, []
        return events

    def run_until_idle(self, on_event: Callable[[Event], None] | None = None,
                       until: Iterable[int] | None = None, poll_s: float = 0.1, then_stop: bool = False,
                       after_events: Callable[[], None] | None = None) -> None:
        """Work the queue until nothing is left to claim (or until every job in `until` ends, and
        only those jobs and the jobs they wait on are claimed). `then_stop` (with `until`): the worker
        is told to stop as soon as the store says every one of them has ended, before their events are
        handed on, so that its ending overlaps what `on_event` does with them (a command's last exports).
        `after_events` is called once the events that came in together have been handed on."""
        waiting = set(until) if until is not None else None
        if waiting is not None:
            self._claim_only(waiting)
        self.start()
        while True:
            events = self.poll()
            if then_stop and events and waiting is not None:
                self._let_go_once_ended(waiting)
            for event in events:
                if on_event is not None:
                    on_event(event)
            if events and after_events is not None:
                after_events()
            if self._finished(waiting):
                return
            time.sleep(poll_s)

    def _let_go_once_ended(self, waiting: set[int]) -> None:
        """Tell the worker to stop once every job in `waiting` has ended in the store: it claims nothing
        more for them (a job it ended is in the store before its event is sent, so none is lost)."""
        if self._letting_go or not self.is_alive():
            return
        if all(state in FINISHED for state in self.queue.states_of(waiting).values()):
            self._send(Shutdown())
            self._letting_go = True

    def _claim_only(self, job_ids: set[int]) -> None:
        """The worker claims only these jobs and those they wait on (a translation its transcription)."""
        wanted, todo = set(), list(job_ids)
        while todo:
            job_id = todo.pop()
            if job_id not in wanted:
                wanted.add(job_id)
                parent = self.queue.get(job_id).parent_job_id
                todo += [parent] if parent is not None else []
        self._only = tuple(sorted(wanted))
        if self.is_alive():
            self._send(OnlyJobs(self._only))

    def _finished(self, waiting: set[int] | None) -> bool:
        if self._gave_up or self._proc is None:
            return True
        if self._kill_at or not self._settled():
            return False
        if waiting is not None:
            states = list(self.queue.states_of(waiting).values())
            if all(state in FINISHED for state in states):
                return True
            if "running" in states:  # another runner on this case has it: wait for its end
                return False
        return self._idle and self.queue.claimable() == 0 and not self._ours_running()

    def _settled(self) -> bool:
        """No job our worker finished in the store is still waiting for its event.

        The worker commits a job's end and then sends the event, so the store can be
        a moment ahead of the pipe; returning in that moment would lose the event.
        """
        now = time.monotonic()
        for job_id in self.queue.finished_by(self._names):
            if job_id in self._ended:
                continue
            if now - self._unreported.setdefault(job_id, now) < SETTLE_S:
                return False
        return True

    # ------------------------------------------------------------ control

    def cancel(self, job_id: int | None = None) -> list[int]:
        """Cancel a job (None: every pending job). A running decode stops within ~1.5 s."""
        ours = self._ours_running()
        cancelled = self.queue.cancel(job_id)
        for jid in cancelled:
            if jid in ours and self.is_alive():
                self._send(CancelJob(jid))
                self._kill_at[jid] = time.monotonic() + self._kill_after()
            else:
                self._emit(JobCancelled(jid))
        return cancelled

    def pause(self, job_id: int | None = None) -> list[int]:
        """Pause a job or (None) the queue; a running job stops at its next chunk, work kept."""
        paused = self.queue.pause(job_id)
        ours = self._ours_running()
        if self.is_alive() and (job_id is None or job_id in ours):
            self._send(PauseJob(job_id))
        return paused

    def resume(self, job_id: int | None = None) -> list[int]:
        return self.queue.resume(job_id)

    def retry(self, job_id: int) -> bool:
        return self.queue.retry(job_id)

    # ------------------------------------------------------------ internals

    def _spawn(self) -> None:
        events_in, events_out = self._ctx.Pipe(duplex=False)
        commands_in, commands_out = self._ctx.Pipe(duplex=False)
        config = WorkerConfig(
            case_dir=str(self.case_dir),
            models_dir=str(self.models_dir) if self.models_dir else None,
            preload=self.options.get("preload"),
            idle_poll_s=float(self.options.get("idle_poll_s", 0.5)),
            heartbeat_s=float(self.options.get("heartbeat_s", 5.0)),
            only_jobs=self._only,
            await_jobs=bool(self.options.get("await_jobs")),
        )
        proc = self._ctx.Process(target=start_worker, args=(config, events_out, commands_in),
                                 name="parley-worker", daemon=True)
        with sigint_held(), child_environment():  # Ctrl-C: the parent's
            proc.start()
            # known before a Ctrl-C held meanwhile arrives, so the clean-up stops this worker too
            events_out.close()  # the child holds the only writer: EOF when it dies
            commands_in.close()
            self._proc, self._events, self._commands = proc, events_in, commands_out
            self._names.add(worker_name(proc.pid))
            self._idle, self._running_job, self._child_reason, self._letting_go = False, None, None, False

    def _send(self, command: Command) -> None:
        try:
            if self._commands is not None:
                self._commands.send(command)
        except (OSError, ValueError):
            pass  # the child is gone; _check_alive deals with it

    def _drain(self) -> None:
        while self._events is not None:
            try:
                if not self._events.poll():
                    return
                event = self._events.recv()
            except (EOFError, OSError):
                return
            self._note(event)

    def _note(self, event: Event) -> None:
        if isinstance(event, WorkerCrashed):  # the child's own last words: used by _check_alive
            self._child_reason = event.reason
            return
        if isinstance(event, JobStarted):
            self._running_job, self._idle = event.job_id, False
        elif isinstance(event, (JobDone, JobFailed, JobCancelled, JobPaused)):
            self._kill_at.pop(event.job_id, None)
            if self._running_job == event.job_id:
                self._running_job = None
        elif isinstance(event, QueueIdle):
            self._idle = True
        self._emit(event)

    def _emit(self, event: Event) -> None:
        if isinstance(event, (JobDone, JobCancelled)) or (
                isinstance(event, JobFailed) and not event.will_retry):
            self._ended.add(event.job_id)
        self._pending.append(event)

    def _enforce_kill_deadlines(self) -> None:
        now = time.monotonic()
        late = [j for j, deadline in self._kill_at.items() if now >= deadline]
        if not late:
            return
        self._kill_worker()
        for job_id in late:
            self._kill_at.pop(job_id, None)
            self._emit(JobCancelled(job_id))
        self._kill_at.clear()  # the killed worker ran them all
        self._spawn()

    def _kill_worker(self) -> None:
        proc = self._proc
        proc.kill()  # the only sure way to stop a decode and free (GPU) memory
        proc.join(5)
        self._drain()
        self._close_pipes()
        # A job the killed worker still had (cancelled meanwhile or not) must not stay running.
        for job in self.queue.list(("running",)):
            if job.worker == worker_name(proc.pid):
                self.queue.fail(job.id, "the worker was stopped to cancel another job", retry=True)

    def _check_alive(self) -> None:
        proc = self._proc
        if proc is None or proc.is_alive():
            return
        self._drain()
        if self._letting_go:  # told to stop, it has (every event read): not a crash, and no new worker
            self._release_jobs_of(proc.pid)
            self._close_pipes()
            self._proc = None
            return
        reason = self._child_reason or describe_exit(proc.exitcode)
        self._close_pipes()
        sigkilled = self._child_reason is None and proc.exitcode == -signal.SIGKILL
        job_id = self._fail_jobs_of(proc.pid, reason, killed=sigkilled)
        now = time.monotonic()
        self._crashes.append(now)
        while self._crashes and now - self._crashes[0] > RESTART_WINDOW_S:
            self._crashes.popleft()
        restarting = len(self._crashes) <= int(self.options.get("max_restarts", MAX_RESTARTS))
        self._emit(WorkerCrashed(reason, job_id, restarting))
        if restarting:
            self._spawn()
        else:
            self._proc, self._gave_up = None, True

    def _fail_jobs_of(self, pid: int, reason: str, killed: bool) -> int | None:
        """Fail (with retry) what a dead worker was running; the attempt counts. `killed` (SIGKILL): whether by
        the out-of-memory killer is added (a retry reads it: `retries`)."""
        failed = None
        for job in self.queue.list(("running",)):
            if job.worker != worker_name(pid):
                continue
            why = reason + self.queue.oom_killed(job.id) if killed else reason
            state = self.queue.fail(job.id, why, retry=True)
            self._emit(JobFailed(job.id, why, will_retry=state == "queued", attempt=job.attempts))
            failed = job.id
        self._running_job = None
        return failed

    def _release_jobs_of(self, pid: int) -> None:
        for job in self.queue.list(("running",)):
            if job.worker == worker_name(pid):
                self.queue.release(job.id, "the worker was stopped")

    def _ours_running(self) -> set[int]:
        if self._proc is None:
            return set()
        mine = worker_name(self._proc.pid)
        return {j.id for j in self.queue.list(("running",)) if j.worker == mine}

    def _recover_periodically(self) -> None:
        if time.monotonic() - self._last_recover >= RECOVER_EVERY_S:
            self._last_recover = time.monotonic()
            self.queue.recover_stale(self._stale_after())

    def _case_lost(self, stopping: bool = False) -> bool:
        """Whether the case folder was moved or removed under this supervisor's own connection. That connection
        is closed unwritten once the store at its path is another file (its writes, a dead worker's job failed,
        went to the store moved away, unseen): another store there is followed (the worker ends for it and a new
        one opens it, the queue is read there); none there and the worker is stopped, never started again (it
        would make a new, empty case at the path), and that is said once, not as a crash."""
        if self._lost is not None:
            return True
        why = self._case.replaced_since_opened() if self._case is not None else None
        if why is None:
            return False
        self._case.close()  # writes nothing there: its store is no longer at its path
        self._case = self._queue = None
        if (self.case_dir / STORE_NAME).is_file():
            return False
        self._lost = f"{why}; nothing written: open the case again"
        if not stopping:
            if self._proc is not None:  # idle, it claims nothing there; a decode has nowhere to go: killed
                self._send(Shutdown())
                self._proc.join(1.0)
                if self._proc.is_alive():
                    self._proc.kill()
                    self._proc.join(5)
                self._drain()
                self._close_pipes()
                self._proc = None
            self._pending.append(WorkerCrashed(self._lost, self._running_job, restarting=False, case_lost=True))
        self._gave_up = True
        return True

    def _close_pipes(self) -> None:
        for conn in (self._events, self._commands):
            if conn is not None:
                conn.close()
        self._events = self._commands = None

    def _stale_after(self) -> float:
        return float(self.options.get("stale_after_s", STALE_AFTER_S))

    def _kill_after(self) -> float:
        return float(self.options.get("kill_after_s", KILL_AFTER_S))
