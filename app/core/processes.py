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
