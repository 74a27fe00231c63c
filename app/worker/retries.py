"""How a short file's retry is decoded, read from how its last attempt ended (the job's error): killed from outside
(a user, a power-off: its batch again, whole, as planned: its words as a run left alone; but its last attempt alone,
as the kernel's out-of-memory killer kills a batch too big for the machine at every attempt), or an error or a crash
in the worker (alone, so a file at fault cannot take its batch-mates down again; after an error with the file alone,
the long-file path: another decoder)."""

from __future__ import annotations

from app.core.store.jobs import Job

UNEXPECTED = "unexpected error"  # how a job failed by an error in the worker (not a kill) is said: retried
ALONE = "unexpected error decoding it alone"  # the same, its batch being itself alone
KILLED_FROM_OUTSIDE = ("killed by SIGKILL", "killed by SIGTERM")  # the supervisor's words (child.describe_exit); the
# kernel's OOM killer sends SIGKILL too: a group that runs out of memory is claimed again whole, then alone
ALONE_AT_LAST = ("decoded alone at its last attempt: the batch it was planned in was killed from outside (a user, a "
                 "power-off or the system out of memory); its words can differ from that batch's")  # the run's note


def killed_from_outside(job: Job) -> bool:
    return (job.error or "").endswith(KILLED_FROM_OUTSIDE)


def alone_at_last(job: Job) -> bool:
    """Whether this attempt, its last, follows a kill from outside: decoded alone (a batch that runs out of memory
    is killed at every attempt, and all its files failed)."""
    return killed_from_outside(job) and job.attempts == job.max_attempts > 1


def raised(job: Job) -> bool:
    """Whether the job's last attempt ended in an error or a crash of the worker (not a kill from outside)."""
    error = job.error or ""
    crashed = ("killed by" in error and not killed_from_outside(job)) or "exited unexpectedly" in error
    return error.startswith(UNEXPECTED) or crashed


def raised_alone(job: Job) -> bool:
    return (job.error or "").startswith(ALONE)
