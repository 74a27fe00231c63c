"""A queued job as the store holds it: its kind, its typed options, its record, and the worker that
holds it (`host:pid`). The state machine that moves jobs is `jobs.JobQueue`."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from app.core.errors import StoreError
from app.core.options import ExportOptions, TranscribeOptions, TranslateOptions, from_dict
from app.core.processes import left_by_gone_process


class JobKind(str, Enum):
    """What a job does; its options are typed per kind (OPTIONS_OF)."""

    TRANSCRIBE = "transcribe"
    TRANSLATE = "translate"
    EXPORT = "export"


JobOptions = TranscribeOptions | TranslateOptions | ExportOptions
OPTIONS_OF: dict[JobKind, type] = {
    JobKind.TRANSCRIBE: TranscribeOptions, JobKind.TRANSLATE: TranslateOptions, JobKind.EXPORT: ExportOptions,
}
STATES = ("queued", "running", "done", "failed", "cancelled", "paused")
TASKS = tuple(kind.value for kind in JobKind)


@dataclass(frozen=True)
class Job:
    id: int
    exhibit_id: int
    task: str
    options: dict[str, Any]
    state: str
    priority: int
    attempts: int
    max_attempts: int
    error: str | None
    run_id: int | None
    progress: float
    eta_s: float | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    heartbeat_at: str | None
    parent_job_id: int | None
    worker: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    @property
    def kind(self) -> JobKind:
        return JobKind(self.task)

    @cached_property
    def settings(self) -> JobOptions:
        """The options as their kind's dataclass, decoded once; JobOptionsError if they are not valid."""
        try:
            return from_dict(OPTIONS_OF[self.kind], self.options)
        except (TypeError, ValueError) as exc:
            raise JobOptionsError(f"the job's options are not valid: {exc}") from None


class JobOptionsError(StoreError):
    """A stored job whose options this version cannot use."""


def options_key(options: dict[str, Any]) -> str:
    """Canonical JSON, so equal options always compare equal in SQL."""
    return json.dumps(options, sort_keys=True, separators=(",", ":"))


def worker_name(pid: int | None = None) -> str:
    """`host:pid`, so a job left running by a dead local process is recognised at once."""
    return f"{platform.node() or 'localhost'}:{pid or os.getpid()}"


def worker_is_gone(worker: str | None, alive_at: float | None = None) -> bool:
    """True when `worker` names a process on this host that no longer exists, or whose process id
    another process has taken since: one started after `alive_at` (the job's last heartbeat, when
    its worker surely lived) cannot be that worker, and its job need not wait out STALE_AFTER_S."""
    host, _, pid = (worker or "").rpartition(":")
    if host != (platform.node() or "localhost") or not pid.isdigit():
        return False
    return left_by_gone_process(pid, alive_at)


def job_from_row(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"], exhibit_id=row["exhibit_id"], task=row["task"],
        options=json.loads(row["options_json"]), state=row["state"], priority=row["priority"],
        attempts=row["attempts"], max_attempts=row["max_attempts"], error=row["error"],
        run_id=row["run_id"], progress=row["progress"], eta_s=row["eta_s"],
        created_at=row["created_at"], started_at=row["started_at"], finished_at=row["finished_at"],
        heartbeat_at=row["heartbeat_at"], parent_job_id=row["parent_job_id"], worker=row["worker"],
    )
