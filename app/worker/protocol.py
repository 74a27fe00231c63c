"""Messages crossing the worker process boundary: frozen, picklable dataclasses.

Nothing here is ever parsed from text. Segments themselves do not travel: the
worker commits them to the case store chunk by chunk, and a reader takes them
from there (SegmentsReady says when there is more to read).
"""

from __future__ import annotations

from dataclasses import dataclass

# ------------------------------------------------------------ worker -> parent


@dataclass(frozen=True)
class WorkerReady:
    device: str  # "cpu" | "cuda"
    model: str  # the model loaded, "" before the first job asks for one


@dataclass(frozen=True)
class ModelLoaded:
    model: str
    device: str
    compute_type: str
    seconds: float


@dataclass(frozen=True)
class JobStarted:
    job_id: int
    exhibit_id: int
    task: str
    name: str  # the exhibit's file name, for display
    attempt: int = 1
    duration_ms: int = 0


@dataclass(frozen=True)
class Progress:
    job_id: int
    fraction: float  # 0..1 over the whole exhibit
    eta_s: float | None
    segments: int  # stored so far
    stage: str = ""  # what the job does now when it is not decoding ("finding speakers"), else ""


@dataclass(frozen=True)
class SegmentsReady:
    job_id: int
    run_id: int
    count: int  # segments stored in the run so far


@dataclass(frozen=True)
class JobDone:
    job_id: int
    run_id: int | None


@dataclass(frozen=True)
class JobFailed:
    job_id: int
    reason: str  # one line, fit to show a user
    will_retry: bool
    attempt: int  # the attempt that failed (the job may be claimed again before this is read)


@dataclass(frozen=True)
class JobCancelled:
    job_id: int


@dataclass(frozen=True)
class JobPaused:
    job_id: int


@dataclass(frozen=True)
class WorkerCrashed:
    reason: str
    job_id: int | None = None  # the job it was running, if any
    restarting: bool = True
    case_lost: bool = False  # stopped because the case folder was moved or removed under it (reason says so)


@dataclass(frozen=True)
class QueueIdle:
    """The worker found nothing it could claim (empty, paused, or waiting on parents)."""


Event = (WorkerReady | ModelLoaded | JobStarted | Progress | SegmentsReady | JobDone | JobFailed
         | JobCancelled | JobPaused | WorkerCrashed | QueueIdle)

# ------------------------------------------------------------ parent -> worker


@dataclass(frozen=True)
class CancelJob:
    job_id: int


@dataclass(frozen=True)
class PauseJob:
    """Stop the running job (None: whichever is running) at its next step; its work is kept."""

    job_id: int | None = None


@dataclass(frozen=True)
class Shutdown:
    """Stop at the next chunk boundary; the running job goes back to the queue."""


@dataclass(frozen=True)
class OnlyJobs:
    """Claim only these jobs from now on (a command's own: a job another command left queued, with
    other settings say, is not started by this one and then handed back when it ends)."""

    job_ids: tuple[int, ...]


Command = CancelJob | PauseJob | Shutdown | OnlyJobs


@dataclass(frozen=True)
class WorkerConfig:
    """What the child needs to start; plain values only, so it pickles under spawn."""

    case_dir: str
    models_dir: str | None = None
    preload: dict | None = None  # TranscribeOptions as a dict, loaded before the first claim
    idle_poll_s: float = 0.5
    heartbeat_s: float = 5.0
    progress_interval_s: float = 0.25  # at most ~4 progress events a second
    only_jobs: tuple[int, ...] | None = None  # claim only these (None: any)
    await_jobs: bool = False  # claim nothing until told which jobs (OnlyJobs): a command still queueing its own
