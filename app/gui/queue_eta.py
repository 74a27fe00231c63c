"""Queue arithmetic for the panel: the overall ETA, and an estimate for files decoded in a batch.

Short files are decoded together and their results arrive at the end of the batch;
until then each shows an estimate from the elapsed time and the measured speed
(marked "≈"), not a bar stuck at 0 %. The estimate is the batch's: its files end together, so each
takes the time of all of their audio (each was given the time of its own, and 50 notes read
"≈95%" from their first seconds to the batch's end); past it, the panel says how long it has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from app.core.clock import parse_stamp, span_text

FALLBACK_SPEED = 4.0  # media seconds per wall second before anything has been measured
ESTIMATE_CAP = 0.95  # an estimated bar stops here until the batch reports
BATCH_START_S = 10.0  # the jobs a worker claims for one batch start within this of each other


@dataclass(frozen=True)
class Estimate:
    """A running job's progress reckoned from the clock (no progress reported yet)."""

    fraction: float  # of its batch's expected time, at most ESTIMATE_CAP
    elapsed_s: float
    expected_s: float  # its batch's audio at the measured speed
    files: int  # in its batch (itself included)

    @property
    def late(self) -> bool:
        """Running past its expected time: no fraction is known, only how long it has run."""
        return self.elapsed_s >= self.expected_s


def _seconds_since(stamp: str | None, now: datetime) -> float | None:
    at = parse_stamp(stamp)
    return None if at is None else max(0.0, (now - at).total_seconds())


def measured_speed(jobs: list[Any], durations_ms: dict[int, int]) -> float | None:
    """Media seconds transcribed per wall-clock second, over the finished jobs; jobs that ran at once
    (a batch) count their shared time once (50 notes decoded in 100 s read as 5,000 s of work)."""
    media, spans = 0.0, []
    for job in jobs:
        start, end = parse_stamp(job.started_at), parse_stamp(job.finished_at)
        if job.state != "done" or start is None or end is None or end <= start:
            continue
        media += durations_ms.get(job.exhibit_id, 0) / 1000
        spans.append((start, end))
    wall, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            wall += (end - start).total_seconds()
            reach = end
    return media / wall if wall > 0 and media > 0 else None


def estimating(jobs: list[Any], reported: set[int] | frozenset[int] = frozenset()) -> list[Any]:
    """The running jobs with no progress reported (`reported`: those the worker's events gave one)."""
    return [j for j in jobs if j.state == "running" and not (j.progress or 0) and j.id not in reported]


def batch_of(job: Any, waiting: list[Any]) -> list[Any]:
    """The jobs of `waiting` claimed with `job` for one batch (started within BATCH_START_S of it)."""
    at = parse_stamp(job.started_at)
    if at is None:
        return [job]
    return [j for j in waiting if (t := parse_stamp(j.started_at)) is not None
            and abs((t - at).total_seconds()) <= BATCH_START_S] or [job]


def estimate(job: Any, batch: list[Any], durations_ms: dict[int, int], speed: float | None,
             now: datetime | None = None) -> Estimate:
    """`job`'s progress from its elapsed time and its batch's audio (files whose decode reports only at the end)."""
    elapsed = _seconds_since(job.started_at, now or datetime.now(timezone.utc))
    audio_s = sum(durations_ms.get(j.exhibit_id, 0) for j in batch) / 1000
    expected = max(audio_s / (speed or FALLBACK_SPEED), 1.0)
    if elapsed is None or audio_s <= 0:
        return Estimate(0.0, elapsed or 0.0, expected, len(batch))
    return Estimate(min(ESTIMATE_CAP, elapsed / expected), elapsed, expected, len(batch))


def estimated_fraction(job: Any, duration_ms: int, speed: float | None, now: datetime | None = None) -> float:
    """A running job's progress from its elapsed time, decoded alone (`estimate` for one in a batch)."""
    return estimate(job, [job], {job.exhibit_id: duration_ms}, speed, now).fraction


def overall_eta(jobs: list[Any], durations_ms: dict[int, int], live: dict[int, tuple[float, float | None]],
                speed: float | None) -> float | None:
    """Seconds until every queued and running job is done (None: nothing to wait for)."""
    speed = speed or FALLBACK_SPEED
    waiting = estimating(jobs, set(live))
    reckoned = {j.id for j in waiting}
    total, pending = 0.0, False
    for job in jobs:
        duration_s = durations_ms.get(job.exhibit_id, 0) / 1000
        if job.state == "running":
            pending = True
            fraction, eta = live.get(job.id, (job.progress or 0.0, job.eta_s))
            if job.id in reckoned:
                fraction = estimate(job, batch_of(job, waiting), durations_ms, speed).fraction
            total += eta if eta is not None and eta >= 0 else duration_s * (1 - fraction) / speed
        elif job.state == "queued":
            pending = True
            total += duration_s / speed
    return total if pending else None


def overdue(jobs: list[Any], durations_ms: dict[int, int], live: dict[int, tuple[float, float | None]],
            speed: float | None) -> bool:
    """Every job still to finish is running past its batch's expected time (no progress reported), or past
    the ETA its last progress gave (`live`'s ETA counted down, below 0): there is no time left to give, only
    how long it has run."""
    pending = [j for j in jobs if j.state in ("running", "queued")]
    waiting = estimating(jobs, set(live))
    reckoned = {j.id for j in waiting}

    def ran_out(job: Any) -> bool:
        if job.id in reckoned:
            return estimate(job, batch_of(job, waiting), durations_ms, speed).late
        eta = live.get(job.id, (0.0, None))[1]
        return job.state == "running" and eta is not None and eta < 0

    return bool(pending) and all(ran_out(j) for j in pending)


def eta_text(eta_s: float | None) -> str:
    if eta_s is None or eta_s < 0:
        return ""
    return span_text(round(eta_s))
