"""Whether a process of this machine still runs: staging left by a killed process is removed,
never a live one's (a temporary name carries its writer's process id). A process id is used again
(after a restart of the machine, or once the ids wrap): a process that started after the leftover
was last written is not its writer, so what a killed export or import left is removed even though
its id now names a live process (it stayed for good, a half-written DOCX in a hidden folder of the
set handed over)."""

from __future__ import annotations

import os
from pathlib import Path


def process_is_gone(pid: int) -> bool:
    """True when no process `pid` runs on this machine: none exists, or only its exit status is left (a
    zombie: killed, not yet reaped by its parent, which answers a signal as if alive; `queue status` said a
    SIGKILLed worker's job was at work until its supervisor reaped it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # exists, owned by someone else; or not a pid at all
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    import psutil  # here: the commands that never clean up do not load it

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:  # reaped since
        return True
    except (psutil.Error, OSError, ValueError, OverflowError):  # cannot be told
        return False


START_SLACK_S = 2.0  # a process's start time is counted from the boot time, known to the whole second


def started_after(pid: int, moment: float) -> bool:
    """True when process `pid` began after `moment` (seconds since the epoch, with some slack): it
    cannot have written anything then. False when that cannot be told."""
    import psutil  # here: the commands that never clean up do not load it

    try:
        return psutil.Process(pid).create_time() > moment + START_SLACK_S
    except (psutil.Error, OSError, ValueError, OverflowError):
        return False


def left_by_gone_process(pid_text: str, written_at: float | None = None) -> bool:
    """A temporary name's process id part: stale when its process is gone, or when it names none
    (written by an older Parley that put no id there), or when the process of that id started after
    the leftover was last written (`written_at`, its mtime: the id used again by another process)."""
    if not pid_text.isdigit():
        return True
    pid = int(pid_text)
    return process_is_gone(pid) or (written_at is not None and started_after(pid, written_at))


def last_written(path: Path) -> float | None:
    """The mtime of `path`, None when it cannot be read (gone already)."""
    try:
        return path.lstat().st_mtime
    except OSError:
        return None


# The kernel's count of its out-of-memory kills: the machine's (Linux >= 4.13, readable by any user) and, in a
# container, its cgroup's (v2). A worker killed while one of them rose was most likely killed for memory: its batch
# is then decoded a file at a time (app/worker/retries.py); any other kill from outside gets its batch again whole.
OOM_COUNTERS = (Path("/proc/vmstat"), Path("/sys/fs/cgroup/memory.events"))
OUT_OF_MEMORY = ("most likely killed by the kernel's out-of-memory killer, its count of kills having risen "
                 "meanwhile (another process killed for memory counts too)")
OOM_UNKNOWN = "whether by the kernel's out-of-memory killer could not be told: its count of kills is unreadable"


def oom_kills() -> int | None:
    """The out-of-memory kills the readable OOM_COUNTERS hold, summed (only a rise is read); None: none readable."""
    counts: list[int] = []
    for path in OOM_COUNTERS:
        try:
            lines = path.read_text(encoding="ascii", errors="replace").splitlines()
        except OSError:
            continue
        counts += [int(value) for key, _, value in (line.partition(" ") for line in lines)
                   if key == "oom_kill" and value.strip().isdigit()]
    return sum(counts) if counts else None


def oom_killed_since(kills_at_start: int | None) -> str:
    """How a process killed from outside since `kills_at_start` (oom_kills() then) is said to have died, in a
    bracket to add to its reason: by the out-of-memory killer (the count rose), unknown (unreadable), or ''. A
    count lower than at the start is a machine started again since (a power-off): not the OOM killer."""
    now = oom_kills()
    if now is None or kills_at_start is None:
        return f" ({OOM_UNKNOWN})"
    return f" ({OUT_OF_MEMORY})" if now > kills_at_start else ""
