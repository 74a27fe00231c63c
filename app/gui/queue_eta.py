"""Queue arithmetic for the panel: the overall ETA, and an estimate for files decoded in a batch.

Short files are decoded together and their results arrive at the end of the batch;
until then each shows an estimate from the elapsed time and the measured speed
(marked "≈"), not a bar stuck at 0 %.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from app.core.clock import parse_stamp, span_text

FALLBACK_SPEED = 4.0  # media seconds per wall second before anything has been measured
ESTIMATE_CAP = 0.95  # an estimated bar stops here until the batch reports


def _seconds_since(stamp: str | None, now: datetime) -> float | None:
    at = parse_stamp(stamp)
    return None if at is None else max(0.0, (now - at).total_seconds())


def measured_speed(jobs: list[Any], durations_ms: dict[int, int]) -> float | None:
    """Media seconds transcribed per wall-clock second, over the finished jobs."""
    media = wall = 0.0
    for job in jobs:
        start, end = parse_stamp(job.started_at), parse_stamp(job.finished_at)
        if job.state != "done" or start is None or end is None:
            continue
        took = (end - start).total_seconds()
        if took > 0:
            media += durations_ms.get(job.exhibit_id, 0) / 1000
            wall += took
    return media / wall if wall > 0 and media > 0 else None


def estimated_fraction(job: Any, duration_ms: int, speed: float | None, now: datetime | None = None) -> float:
    """A running job's progress from its elapsed time (for files whose decode reports only at the end)."""
    elapsed = _seconds_since(job.started_at, now or datetime.now(timezone.utc))
    if elapsed is None or duration_ms <= 0:
        return 0.0
    expected = duration_ms / 1000 / (speed or FALLBACK_SPEED)
    return min(ESTIMATE_CAP, elapsed / max(expected, 1.0))


def overall_eta(jobs: list[Any], durations_ms: dict[int, int], live: dict[int, tuple[float, float | None]],
                speed: float | None) -> float | None:
    """Seconds until every queued and running job is done (None: nothing to wait for)."""
    speed = speed or FALLBACK_SPEED
    total, waiting = 0.0, False
    for job in jobs:
        duration_s = durations_ms.get(job.exhibit_id, 0) / 1000
        if job.state == "running":
            waiting = True
            fraction, eta = live.get(job.id, (job.progress or 0.0, job.eta_s))
            if job.id not in live and not fraction:
                fraction = estimated_fraction(job, durations_ms.get(job.exhibit_id, 0), speed)
            total += eta if eta is not None and eta >= 0 else duration_s * (1 - fraction) / speed
        elif job.state == "queued":
            waiting = True
            total += duration_s / speed
    return total if waiting else None


def overdue(jobs: list[Any], durations_ms: dict[int, int], live: dict[int, tuple[float, float | None]],
            speed: float | None) -> bool:
    """Every job still to finish is running past its expected time (its estimated bar stopped at
    the cap, no progress reported): there is no time left to give, only "finishing"."""
    waiting = [j for j in jobs if j.state in ("running", "queued")]
    return bool(waiting) and all(
        j.state == "running" and j.id not in live and not j.progress
        and estimated_fraction(j, durations_ms.get(j.exhibit_id, 0), speed) >= ESTIMATE_CAP for j in waiting)


def eta_text(eta_s: float | None) -> str:
    if eta_s is None or eta_s < 0:
        return ""
    return span_text(round(eta_s))
