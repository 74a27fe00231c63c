"""`verify`, the queue and the case's settings, against the log's job.* and setting entries.

The queue says what was asked of each file (exhibit, task, options) and what became of it (done with
which run, failed and why, cancelled): `queue status`, and `queue run --out`, which exports a done
job's run under its exhibit's name, read it. Every change of a job's state is logged with it
(`app/core/store/jobs.py`), so replaying a job's entries gives what its row must hold: state,
attempts, error, worker, priority, run (where logged, and always one of its own exhibit's), and since
session 13 its times and its number of attempts allowed. A run's batch plan (the jobs a killed batch is
decoded again with: not logged, kept until its words are stored) may name only the case's jobs (session 31).
Not checked, and not evidence: progress, the ETA and the heartbeat, a running job's live state, written every
few seconds and never logged.

The settings: whether the queue is paused (`queue.paused`/`queue.resumed`) and the region phone
numbers are read in (`entities.region_set`) must be the last ones logged; `entities.scanned_with`
only tags the entity cache (a cache not of this version's finders is found anew before it is used,
and verify checks one that is); any other key is none Parley writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import StoreError
from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case, db
from app.core.store.audit import AuditEntry
from app.core.store.jobs import QUEUE_PAUSED, Job, JobQueue, options_key
from app.core.store.records import is_job_number
from app.core.store.search_index import all_settings

_STATE_AFTER = {"job.queued": "queued", "job.started": "running", "job.done": "done", "job.retry_scheduled": "queued",
                "job.failed": "failed", "job.released": "queued", "job.recovered": "queued",
                "job.cancelled": "cancelled", "job.paused": "paused", "job.resumed": "queued", "job.retried": "queued"}
_LOGGED_SINCE_13 = ("max_attempts", "created_at", "started_at", "finished_at")  # None: an older case's entry
_KNOWN_SETTINGS = (QUEUE_PAUSED, "entities.region", "entities.scanned_with")


@dataclass
class _Expected:
    """A job's row as its logged entries leave it (None: not logged, not compared)."""

    values: dict[str, Any] = field(default_factory=dict)

    def apply(self, entry: AuditEntry) -> None:
        v, d, before = self.values, entry.details, self.values.get("state")
        if entry.action == "job.queued":
            v.update(exhibit_id=d.get("exhibit"), task=d.get("task"), options=options_key(d.get("options") or {}),
                     priority=d.get("priority"), parent_job_id=d.get("parent_job"), attempts=0, error=None,
                     max_attempts=d.get("max_attempts"), created_at=d.get("created_at"))
        elif entry.action == "job.started":
            v.update(attempts=d.get("attempt"), worker=d.get("worker"), started_at=d.get("started_at"),
                     finished_at=None)
        elif entry.action == "job.priority":
            v["priority"] = d.get("priority")
        if entry.action in ("job.retry_scheduled", "job.failed"):
            v["error"] = d.get("reason")
        elif entry.action == "job.recovered" and "error" in d:  # written to the row since session 33
            v["error"] = d["error"]
        elif entry.action in ("job.done", "job.retried"):
            v["error"] = None
        if entry.action == "job.done" and d.get("run") is not None:
            v["run_id"] = d["run"]
        if entry.action in ("job.released",) or (entry.action == "job.paused" and before == "running"):
            v["attempts"] = max(0, (v.get("attempts") or 0) - 1)
        if entry.action == "job.retried":
            v.update(attempts=0, finished_at=None)
        if entry.action in ("job.done", "job.failed", "job.cancelled"):
            v["finished_at"] = d.get("finished_at")  # None before session 13: not compared
        if entry.action in _STATE_AFTER:
            v["state"] = _STATE_AFTER[entry.action]


def job_findings(case: Case) -> Iterator[Finding]:
    with db.transaction(case.conn, immediate=False):  # one view of the jobs and the log while a worker moves jobs on
        jobs = {job.id: job for job in JobQueue(case.conn).list()}
        entries = case.audit.entries("job/")
    expected: dict[int, _Expected] = {}
    for entry in entries:
        expected.setdefault(entry_number(entry.subject), _Expected()).apply(entry)
    for job_id in sorted(expected.keys() - jobs.keys()):
        yield Finding(f"job {job_id}", "in the audit log, but gone from the queue in the store")
    for job_id, job in sorted(jobs.items()):
        if job_id not in expected or "state" not in expected[job_id].values:
            yield Finding(f"job {job_id}", "in the queue in the store, but the audit log never saw it queued")
            continue
        changed = _changed(case, job, expected[job_id].values)
        if changed:
            yield Finding(f"job {job_id}", f"its record in the queue differs from the audit log ({', '.join(changed)})")
    yield from _plans_naming_other_jobs(case, jobs)


def _changed(case: Case, job: Job, expected: dict[str, Any]) -> list[str]:
    stored = {"exhibit_id": job.exhibit_id, "task": job.task, "options": options_key(job.options),
              "state": job.state, "priority": job.priority, "parent_job_id": job.parent_job_id,
              "attempts": job.attempts, "error": job.error, "worker": job.worker, "run_id": job.run_id,
              "max_attempts": job.max_attempts, "created_at": job.created_at, "started_at": job.started_at,
              "finished_at": job.finished_at}
    changed = [name for name, value in stored.items() if expected.get(name, value) != value
               and not (name in _LOGGED_SINCE_13 and expected.get(name) is None)]
    if "run_id" not in changed and job.run_id is not None and _exhibit_of(case, job.run_id) != job.exhibit_id:
        changed.append("run_id")  # attached as it starts (not logged): always a run of its own exhibit
    return changed


def _exhibit_of(case: Case, run_id: int) -> int | None:
    try:
        return case.run(run_id).exhibit_id
    except StoreError:  # a run gone: said by the runs' check
        return None


def _plans_naming_other_jobs(case: Case, jobs: dict[int, Job]) -> Iterator[Finding]:
    """A run's batch plan names only this case's jobs: the worker writes it from its own claims, and no job is
    ever deleted (`Case.plan_batch`). Not logged, and gone once the run's words are stored (its state is written
    anew): seen only in a case stopped between the two (a power cut), not after the batch was retried."""
    for run_id in sorted({job.run_id for job in jobs.values() if job.run_id is not None}):
        try:
            run = case.run(run_id)
        except StoreError:  # a run gone: said by the runs' check
            continue
        plan = run.batch_plan  # as the worker reads it: None, no plan to keep to (not a list of job numbers)
        unknown = [f"job {j}" for j in plan if j not in jobs] if plan is not None else _not_jobs(run.state["batch_jobs"])
        if unknown:
            yield Finding(f"run {run_id}", f"its batch plan names {', '.join(unknown)}, not a job this case holds "
                          "(edited in the store: retried, its file is decoded without the plan)")


def _not_jobs(written: object) -> list[str]:
    """What a plan that is no list of job numbers (`RunRecord.batch_plan` None) holds in place of one, as written
    (`'1'`, `[1]`, `True`)."""
    if not isinstance(written, list):
        return [repr(written)]
    return [repr(entry) for entry in written if not is_job_number(entry)]


def settings_findings(case: Case) -> Iterator[Finding]:
    with db.transaction(case.conn, immediate=False):  # one view: the queue may be paused meanwhile
        stored, queue, region_entries = all_settings(case.conn), case.audit.entries("queue"), case.audit.entries("case")
    paused = region = None
    for entry in queue:
        if entry.action in ("queue.paused", "queue.resumed") and entry.subject == "queue":
            paused = "1" if entry.action == "queue.paused" else "0"
    for entry in region_entries:
        if entry.action == "entities.region_set":
            region = entry.details.get("region")
    for key, logged in ((QUEUE_PAUSED, paused), ("entities.region", region)):
        if stored.get(key) != logged:
            now = "absent" if key not in stored else repr(stored[key])
            then = "never set" if logged is None else repr(logged)
            yield Finding(f"setting {key}", f"{now} in the store, {then} in the audit log")
    for key in sorted(set(stored) - set(_KNOWN_SETTINGS)):
        yield Finding(f"setting {key}", "in the store, but Parley writes no such setting")
