"""How a short file's retry is decoded, read from how its last attempt ended (the job's error): killed from outside
(SIGKILL, SIGTERM: a user, a power-off or a `kill -9` of the command, its worker gone: its batch again, whole, as
planned, at every attempt: its words as a run left alone), killed by the kernel's out-of-memory killer (its count of
kills rose meanwhile, `processes.oom_kills`: a batch too big for the machine, killed at every attempt: each file
alone from then on; where that count cannot be read, alone at the last attempt only), or an error or a crash in the
worker (alone, really alone, so a file at fault cannot take its batch-mates down again; after an error with the
file alone, or at the last attempt, the long-file path: another decoder)."""

from __future__ import annotations

from app.core.processes import OOM_UNKNOWN, OUT_OF_MEMORY
from app.core.store.jobs import STOPPED_UNFINISHED, Job

UNEXPECTED = "unexpected error"  # how a job failed by an error in the worker (not a kill) is said: retried
ALONE = "unexpected error decoding it alone"  # the same, its batch being itself alone
KILLED_FROM_OUTSIDE = ("killed by SIGKILL", "killed by SIGTERM", STOPPED_UNFINISHED)  # the supervisor's words
# (child.describe_exit) and recover_stale's, each maybe followed by whether the out-of-memory killer did it
ALONE_FOR_MEMORY = ("decoded alone: the batch it was planned in was " + OUT_OF_MEMORY + "; its words can differ "
                    "from that batch's")  # the run's note
ALONE_FROM_PLAN = ("decoded alone: a file of the batch it was planned in last ended in an error or was killed for "
                   "memory; its words can differ from that batch's")  # the run's note (review revJ, M3)
ALONE_AT_LAST = ("decoded alone at its last attempt: the batch it was planned in was killed from outside, and "
                 + OOM_UNKNOWN + "; its words can differ from that batch's")  # the run's note


def killed_from_outside(job: Job) -> bool:
    error = job.error or ""
    return not error.startswith(UNEXPECTED) and any(words in error for words in KILLED_FROM_OUTSIDE)


def alone_after_kill(job: Job) -> str:
    """Why this attempt, following a kill from outside, is decoded alone (its run's note), '' when it is not: the
    out-of-memory killer killed its batch (so it would again), or, that unknown, it is the last attempt (a batch
    killed for memory at every attempt would lose all its files)."""
    if not killed_from_outside(job) or job.attempts < 2:
        return ""
    if OUT_OF_MEMORY in (job.error or ""):
        return ALONE_FOR_MEMORY
    return ALONE_AT_LAST if OOM_UNKNOWN in (job.error or "") and job.attempts == job.max_attempts else ""


def raised(job: Job) -> bool:
    """Whether the job's last attempt ended in an error or a crash of the worker (not a kill from outside)."""
    error = job.error or ""
    crashed = ("killed by" in error and not killed_from_outside(job)) or "exited unexpectedly" in error
    return error.startswith(UNEXPECTED) or crashed


def raised_alone(job: Job) -> bool:
    return (job.error or "").startswith(ALONE)


def raised_at_last(job: Job) -> bool:
    """Whether this attempt, the last, follows an error with its batch: the long-file path (another decoder)."""
    return job.attempts >= job.max_attempts > 1 and (job.error or "").startswith(UNEXPECTED)
