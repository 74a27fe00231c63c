"""The records a case's store hands out: an exhibit (a source taken in) and a run (one decoding of it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.types import SourceInfo


@dataclass(frozen=True)
class Exhibit:
    id: int
    source: SourceInfo
    added_at: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class RunRecord:
    id: int
    exhibit_id: int
    task: str
    status: str
    state: dict[str, Any]
    language: str | None
    language_probability: float | None
    parent_run_id: int | None
    truncated: bool = False
    created_at: str = ""
    finished_at: str | None = None

    @property
    def batch_plan(self) -> list[int] | None:
        """The jobs, in order, this run's batch of short files is decoded with (`Case.plan_batch`): [] when none is
        planned, None when the plan is not a list of job numbers (edited in the store: no plan to keep to). The
        worker and `verify` read it here alike (a plan edited to ["1"] was "not a job" to verify, job 1 to the worker)."""
        planned = self.state.get("batch_jobs", [])
        if not isinstance(planned, list) or not all(map(is_job_number, planned)):
            return None
        return planned


def is_job_number(entry: object) -> bool:
    """Whether a batch plan's entry is a job's number (not `True`, `1.0` or `"1"`, which compare equal to one)."""
    return type(entry) is int
