"""Whether a process of this machine still runs: staging left by a killed process is removed,
never a live one's (a temporary name carries its writer's process id)."""

from __future__ import annotations

import os


def process_is_gone(pid: int) -> bool:
    """True when no process `pid` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # exists, owned by someone else; or not a pid at all
        return False
    return False


def left_by_gone_process(pid_text: str) -> bool:
    """A temporary name's process id part: stale when its process is gone, or when it names none
    (written by an older Parley that put no id there)."""
    return not pid_text.isdigit() or process_is_gone(int(pid_text))
