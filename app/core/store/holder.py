"""Which process holds a case for writing, and whether it is stopped.

A command stopped with Ctrl+Z (or held in a debugger) inside a commit keeps the case's write lock until it
is resumed or ended. Every command that writes (export, entities, interview) waited SQLite's whole 30 s for
it and then failed with "held longer than Parley waits": 30 s lost each time, and no word of who held it.

SQLite in WAL mode takes its write lock as a POSIX lock on byte 120 of the `-shm` file; Linux lists such
locks with their owner's process id in /proc/locks. Elsewhere (or in another PID namespace) the holder is
not known and the notice stays general.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WAL_WRITE_LOCK_BYTE = 120  # WALINDEX_LOCK_OFFSET + WAL_WRITE_LOCK (sqlite3.c)
PROC_LOCKS = Path("/proc/locks")
COMMAND_SHOWN = 80  # characters of the holder's command line


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str  # its command line, shortened ("" when it cannot be read)
    stopped: bool  # stopped by a signal (Ctrl+Z, kill -STOP) or a debugger: it will not let go by itself

    def named(self) -> str:
        return f"process {self.pid}" + (f" ({self.command})" if self.command else "")


_stopped_seen: list[Holder] = []  # the stopped holders this process met, the latest last (for the error line)


def write_lock_holder(store: Path) -> Holder | None:
    """The process holding `store`'s WAL write lock, if this system says which (never this process)."""
    pid = _lock_owner(Path(f"{store}-shm"))
    if pid is None or pid == os.getpid():
        return None
    import psutil  # here: only a busy case needs it

    try:
        process = psutil.Process(pid)
        stopped = process.status() in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)
        command = " ".join(process.cmdline())
    except (psutil.Error, OSError):
        return None
    if len(command) > COMMAND_SHOWN:
        command = command[:COMMAND_SHOWN - 1] + "…"
    holder = Holder(pid, command, stopped)
    if stopped:
        _stopped_seen.append(holder)
    return holder


def stopped_holder_seen() -> Holder | None:
    """The last stopped holder a case opened by this process was found held by."""
    return _stopped_seen[-1] if _stopped_seen else None


def _lock_owner(shm: Path) -> int | None:
    try:
        st = os.stat(shm)
        listed = PROC_LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in listed.splitlines():
        # "5: POSIX  ADVISORY  WRITE 7233 fe:00:5498641 120 120" ("5: -> POSIX ..." is a waiter, not a holder)
        parts = line.split()
        if len(parts) < 8 or parts[1] == "->" or parts[1] != "POSIX" or parts[3] != "WRITE" or parts[5] != inode:
            continue
        if _covers(parts[6], parts[7], WAL_WRITE_LOCK_BYTE) and parts[4].isdigit() and int(parts[4]) > 0:
            return int(parts[4])
    return None


def _covers(start: str, end: str, byte: int) -> bool:
    if not start.isdigit():
        return False
    return int(start) <= byte and (end == "EOF" or (end.isdigit() and byte <= int(end)))
